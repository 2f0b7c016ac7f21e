"""What the workflow needs to run a configured plugin instance, without knowing its name.

A plugin's spec may name a *plan* function ``(PlanContext) -> WorkflowPlan``. The plan
says:

- ``params``: what the factory gets (derived from other config where needed, e.g. the
  folder of a model the workflow trains);
- ``inputs``: the files a job of this instance reads (weights, converted models, a trained
  model); a name that is also a parameter gets the path, so the job builds the plugin from
  exactly the files Snakemake tracked;
- ``artifacts``: how the workflow makes those files that do not exist yet: a download
  (only where downloads are allowed) or a build step (a conversion, a training run), each
  a rule of its own in ``rules/artifacts.smk``.

A spec without a plan gets :func:`default_plan`: the configured params, and every set path
parameter that names a file as an input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from colourfr.errors import ConfigError
from colourfr.registry import PluginSpec, load_object, registry_for

#: Families whose instances the workflow runs as jobs (datasets are read by the manifest).
JOB_FAMILIES = ("colourisers", "recognition", "quality")
DOWNLOAD = "download"
BUILD = "build"
_ARTIFACT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PlanContext:
    """One configured instance and the run it belongs to."""

    family: str
    instance: str
    plugin: str
    #: the instance's validated params (defaults filled, paths resolved)
    params: Mapping[str, Any]
    #: the whole validated instance (gpu, threads, mem_mb, ...)
    settings: Mapping[str, Any]
    #: the whole validated config
    config: Mapping[str, Any]
    results_dir: str
    resources_dir: str

    @property
    def gpu(self) -> bool:
        return bool(self.settings.get("gpu"))

    def where(self, key: str = "") -> str:
        """The config key of this instance (for error messages)."""
        return f"{self.family}.{self.instance}" + (f".{key}" if key else "")


@dataclass(frozen=True)
class Artifact:
    """A file set the workflow makes for plugin jobs: one rule in rules/artifacts.smk.

    ``kind`` is :data:`DOWNLOAD` (``function(outputs, params, allow_download)`` fetches or
    installs the files; runs only where downloads are allowed, else it fails at once with
    what to fetch by hand) or :data:`BUILD` (``function(inputs, outputs, params, threads,
    gpu)`` makes them from ``inputs``, in ``conda_env``).
    """

    #: rule name: lower case, digits, underscores (``import_mobilefacenet``)
    name: str
    kind: str
    #: ``"module:function"`` (see the class docstring)
    function: str
    outputs: Mapping[str, str]
    inputs: Mapping[str, str] = field(default_factory=dict)
    #: JSON-serialisable settings; a change reruns the artifact and what reads it
    params: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    conda_env: str = "colourfr"
    threads: int = 1
    mem_mb: int = 2000
    #: minutes (a cluster's time limit for the job)
    runtime_min: int = 60
    gpu: bool = False

    def __post_init__(self) -> None:
        if not _ARTIFACT_NAME.match(self.name):
            raise ConfigError(f"artifact name {self.name!r}: use [a-z][a-z0-9_]*")
        if self.kind not in (DOWNLOAD, BUILD):
            raise ConfigError(f"artifact {self.name}: kind must be {DOWNLOAD!r} or {BUILD!r}")


@dataclass(frozen=True)
class WorkflowPlan:
    plugin: str
    params: Mapping[str, Any]
    inputs: Mapping[str, str] = field(default_factory=dict)
    artifacts: tuple[Artifact, ...] = ()
    #: instances whose ``allow_download`` param is false may forbid an artifact download
    allow_download: bool = True


def default_plan(context: PlanContext, spec: PluginSpec | None = None) -> WorkflowPlan:
    """Params as configured; every set path parameter that names a file is an input."""
    spec = spec or registry_for(context.family).get(context.plugin)
    inputs = {
        key: str(context.params[key])
        for key in spec.path_params
        if context.params.get(key) and os.path.isfile(str(context.params[key]))
    }
    params = {k: v for k, v in context.params.items() if k not in spec.plan_only_params}
    return WorkflowPlan(context.plugin, params, inputs, (), _allow_download(context.params))


def model_file_plan_of(
    context: PlanContext,
    param: str,
    subdir: str,
    asset: Callable[[], Any],
    fetch: Callable[[str, Any], Artifact],
) -> WorkflowPlan:
    """The plan of a plugin whose job reads one model file: ``params[param]`` where the
    user set it, else the copy in ``cache_dir`` (default ``<resources_dir>/models/<subdir>``)
    that the artifact ``fetch(path, asset())`` downloads before any job needs it."""
    params = dict(context.params)
    artifacts: tuple[Artifact, ...] = ()
    if not params.get(param):
        file = asset()
        folder = params.get("cache_dir") or os.path.join(context.resources_dir, "models", subdir)
        params[param] = os.path.join(folder, file.target_name)
        artifacts = (fetch(params[param], file),)
    allow = _allow_download(params)
    # The job reads the file Snakemake tracked: nothing to cache or download there.
    params["cache_dir"] = None
    params["allow_download"] = False
    return WorkflowPlan(context.plugin, params, {param: params[param]}, artifacts, allow)


def _allow_download(params: Mapping[str, Any]) -> bool:
    return bool(params.get("allow_download", True))


def plan_instance(
    family: str,
    instance: str,
    config: Mapping[str, Any],
) -> WorkflowPlan:
    """The plan of ``config[family][instance]`` (validated config)."""
    settings = config[family][instance]
    spec = registry_for(family).get(settings["plugin"])
    context = PlanContext(
        family=family,
        instance=instance,
        plugin=settings["plugin"],
        params=dict(settings.get("params", {})),
        settings=settings,
        config=config,
        results_dir=str(config["results_dir"]),
        resources_dir=str(config["resources_dir"]),
    )
    if spec.plan is None:
        return default_plan(context, spec)
    plan = load_object(spec.plan)(context)
    if not isinstance(plan, WorkflowPlan):
        raise ConfigError(
            f"{context.where()}: the plan of plugin {spec.name!r} ({spec.plan}, distribution "
            f"'{spec.distribution}') returned {type(plan).__name__}, not a WorkflowPlan"
        )
    strict = spec.params_schema.get("additionalProperties") is False
    unknown = sorted(set(plan.params) - spec.param_names) if strict else []
    if unknown:
        raise ConfigError(
            f"{context.where()}: the plan of plugin {spec.name!r} sets unknown params "
            f"{', '.join(unknown)}"
        )
    # Plan-only params described artifacts; the factory (and the job's params) never see them.
    params = {k: v for k, v in plan.params.items() if k not in spec.plan_only_params}
    return replace(plan, params=params)


def enabled_instances(config: Mapping[str, Any], family: str) -> list[str]:
    return [name for name, inst in config.get(family, {}).items() if inst.get("enabled", True)]


def plan_all(config: Mapping[str, Any]) -> dict[tuple[str, str], WorkflowPlan]:
    """The plans of every enabled instance of every job family."""
    return {
        (family, name): plan_instance(family, name, config)
        for family in JOB_FAMILIES
        for name in enabled_instances(config, family)
    }


def collect_artifacts(
    plans: Mapping[tuple[str, str], WorkflowPlan],
) -> tuple[dict[str, Artifact], dict[str, bool]]:
    """Artifacts by name, merged across instances, and whether each may be downloaded
    (every instance that needs it allows downloads). Two different artifacts under one
    name, or one output path made by two artifacts, is a ConfigError naming both."""
    artifacts: dict[str, Artifact] = {}
    owners: dict[str, str] = {}
    allowed: dict[str, bool] = {}
    producers: dict[str, str] = {}
    for (family, name), plan in plans.items():
        owner = f"{family}.{name}"
        for artifact in plan.artifacts:
            if artifact.name in artifacts and artifacts[artifact.name] != artifact:
                raise ConfigError(
                    f"{owner} and {owners[artifact.name]} need artifact {artifact.name!r} "
                    "with different settings (for example two different local copies); "
                    "give both the same settings"
                )
            artifacts[artifact.name] = artifact
            owners.setdefault(artifact.name, owner)
            allowed[artifact.name] = allowed.get(artifact.name, True) and plan.allow_download
            for path in artifact.outputs.values():
                other = producers.setdefault(os.path.normpath(path), artifact.name)
                if other != artifact.name:
                    raise ConfigError(f"artifacts {other!r} and {artifact.name!r} both make {path}")
    return artifacts, allowed


def conda_env_file(reference: str, workflow_dir: str | os.PathLike[str]) -> str:
    """The absolute path of a conda environment file named by a spec or artifact.

    ``"colourisers"`` -> ``<workflow>/envs/colourisers.yaml``; ``"package:path.yaml"`` ->
    that file inside an installed package; anything else is a path.
    """
    if ":" in reference and not os.path.isabs(reference):
        package, _, relative = reference.partition(":")
        return str(Path(str(resources.files(package) / relative)).resolve())
    if reference.endswith((".yaml", ".yml")):
        return str(Path(reference).resolve())
    return str((Path(workflow_dir) / "envs" / f"{reference}.yaml").resolve())


def run_artifact(
    artifact: Artifact,
    *,
    inputs: Mapping[str, str] | None = None,
    threads: int = 1,
    allow_download: bool = False,
) -> None:
    """Make an artifact's outputs (what its rule runs)."""
    function = load_object(artifact.function)
    outputs = {k: str(v) for k, v in artifact.outputs.items()}
    for path in outputs.values():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if artifact.kind == DOWNLOAD:
        function(outputs, dict(artifact.params), allow_download)
    else:
        function(
            dict(inputs or artifact.inputs), outputs, dict(artifact.params), threads, artifact.gpu
        )
