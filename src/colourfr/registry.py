"""Plugin families, discovered through entry points, and the one way to build a plugin.

Every plugin, built-in or from another distribution, is an entry point in one of the
groups of :data:`ENTRY_POINT_GROUPS`. The entry point's *name* is the plugin name used in
config; its *value* names a :class:`PluginSpec` object (``module:attribute``). Specs are
plain data: the factory is ``"module:attribute"`` and imported only when an instance is
built, so validating a config never imports torch or TensorFlow.

A spec also carries what the workflow needs to run the plugin without knowing its name
(:mod:`colourfr.plugin_plan`): its conda environment, and an optional *plan* function that
turns a configured instance into the factory's parameters, the files a job needs as
inputs, and the artifacts (downloads, conversions, trained models) the workflow makes
for it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from colourfr.errors import AssetError, ConfigError, PluginLoadError, UnknownPluginError

#: config family -> entry-point group
ENTRY_POINT_GROUPS: dict[str, str] = {
    "colourisers": "colourfr.colourisers",
    "recognition": "colourfr.recognition",
    "quality": "colourfr.quality",
    "datasets": "colourfr.datasets",
}

#: How error messages and listings name one member of each family.
FAMILY_LABELS: dict[str, str] = {
    "colourisers": "colouriser",
    "recognition": "recognition system",
    "quality": "quality estimator",
    "datasets": "dataset format",
}

#: The conda environment of a plugin that names none (envs/colourfr.yaml).
DEFAULT_CONDA_ENV = "colourfr"

_DOTTED = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def load_object(reference: str) -> Any:
    """The object named by ``"module:attribute"`` (attribute may be dotted)."""
    module_name, _, attribute = reference.partition(":")
    value: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


def params_schema_of(properties: Mapping[str, Any]) -> dict[str, Any]:
    """A spec's ``params_schema``: an object with exactly these properties, so that a
    misspelt parameter is a config error rather than a silently ignored key."""
    return {"type": "object", "additionalProperties": False, "properties": dict(properties)}


@dataclass(frozen=True)
class PluginSpec:
    """Describes one plugin: how to build it, its parameters, and how the workflow runs it.

    Only ``name``, ``factory`` and ``summary`` are required; every other field has a
    default that suits a plugin with no model files and no special environment.
    """

    name: str
    #: ``"module:attribute"``: a callable returning the plugin object.
    factory: str
    summary: str
    #: JSON schema of ``params`` (draft 2020-12); defaults are filled in at validation.
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    #: Parameters holding file paths that must exist when set (checked at config time);
    #: a set one that names a file also becomes an input of the plugin's jobs.
    path_params: tuple[str, ...] = ()
    #: Whether the plugin can use a GPU (an instance may then set ``gpu: true``).
    uses_gpu: bool = False
    #: The conda environment of its jobs: a name of a file in the workflow's ``envs/``
    #: (``"colourisers"``), ``"package:relative/path.yaml"`` (a file shipped in a package)
    #: or a path to an environment file.
    conda_env: str = DEFAULT_CONDA_ENV
    #: The environment of instances with ``gpu: true`` (default: ``conda_env``).
    conda_env_gpu: str | None = None
    #: ``"module:function"``: ``(PlanContext) -> WorkflowPlan`` (see colourfr.plugin_plan).
    #: None: the configured params go to the factory unchanged, no artifacts.
    plan: str | None = None
    #: Parameters only the plan reads (to describe artifacts); never passed to the factory.
    plan_only_params: tuple[str, ...] = ()
    #: The plugin was trained on people of a dataset and must never be evaluated on them:
    #: its object has ``training_subjects() -> set[str]`` and every job checks the shard's
    #: subjects against it before writing anything.
    trained_on_subjects: bool = False
    #: Sub-folder of ``<resources_dir>/models`` for the plugin's downloads (a ``cache_dir``
    #: parameter that is left null); default: the plugin name.
    cache_subdir: str | None = None
    #: Peak memory per pixel of the image being processed, on top of the fixed memory of
    #: the instance (``mem_mb``), decoding included (see colourfr.memory). The workflow
    #: derives each job's ``mem_mb`` from it and refuses, as ``too_large``, an image that
    #: would exceed ``memory.image_budget_mb``. Measure it with bench/memory; the default
    #: is deliberately generous.
    bytes_per_pixel: float = 100.0
    #: Cores one job of the plugin keeps busy, measured (bench/threads): the ``threads``
    #: its jobs declare unless the instance sets its own. Declaring more than the plugin
    #: uses holds cores idle that another job could run on.
    threads: int = 1
    #: Recognition: its records carry the five landmarks of InsightFace's template (eye
    #: centres, nose tip, mouth corners), which place the skin-tone region, align faces for
    #: quality estimators and measure pose. False: a box only, or other points.
    five_landmarks: bool = False
    #: Quality: it scores from the five landmarks of its detector's records (aligned
    #: crops), so its ``detector:`` must be a system with ``five_landmarks``.
    needs_five_landmarks: bool = False
    #: Filled in at discovery: the distribution whose entry point registered the spec.
    distribution: str = ""

    def load_factory(self) -> Callable[..., Any]:
        return load_object(self.factory)  # type: ignore[no-any-return]

    def create(self, **params: Any) -> Any:
        return self.load_factory()(**params)

    @property
    def param_names(self) -> frozenset[str]:
        return frozenset(self.params_schema.get("properties", {}))

    def environment(self, gpu: bool = False) -> str:
        return (self.conda_env_gpu or self.conda_env) if gpu else self.conda_env


def spec_problems(spec: Any, entry_name: str) -> list[str]:
    """What makes ``spec`` unusable as the plugin ``entry_name`` (empty if nothing)."""
    if not isinstance(spec, PluginSpec):
        return [f"is a {type(spec).__name__}, not a colourfr.registry.PluginSpec"]
    problems = []
    if spec.name != entry_name:
        problems.append(f"spec name {spec.name!r} differs from the entry point name")
    for field_name in ("factory", "plan"):
        value = getattr(spec, field_name)
        if value is not None and not (isinstance(value, str) and _DOTTED.match(value)):
            problems.append(f"{field_name} {value!r} is not 'module:attribute'")
    schema = spec.params_schema
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        problems.append("params_schema must be a JSON schema of type object")
    else:
        import jsonschema

        try:
            jsonschema.Draft202012Validator.check_schema(dict(schema))
        except jsonschema.SchemaError as exc:
            problems.append(f"params_schema is not a valid JSON schema: {exc.message}")
        unknown = [p for p in spec.path_params + spec.plan_only_params if p not in spec.param_names]
        if unknown and schema.get("properties") is not None:
            problems.append(f"path/plan params not in params_schema: {', '.join(unknown)}")
    if not isinstance(spec.conda_env, str) or not spec.conda_env:
        problems.append("conda_env must be a non-empty string")
    if isinstance(spec.threads, bool) or not isinstance(spec.threads, int) or spec.threads < 1:
        problems.append(f"threads must be a positive integer, got {spec.threads!r}")
    return problems


@dataclass(frozen=True)
class _Entry:
    name: str
    value: str
    distribution: str
    entry_point: importlib.metadata.EntryPoint | None

    def describe(self) -> str:
        return f"entry point '{self.name} = {self.value}' of distribution '{self.distribution}'"


def _distribution_name(entry_point: importlib.metadata.EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    return str(dist.metadata["Name"]) if dist is not None else "(unknown distribution)"


class Registry:
    """Name -> PluginSpec for one plugin family, filled from its entry-point group.

    Entry points are listed on first use; a spec is imported when its name is first
    asked for, so one broken third-party plugin does not stop configs that do not use it.
    :meth:`register` adds a spec in-process (tests, notebooks).
    """

    def __init__(self, family: str, group: str | None = None) -> None:
        self.family = family
        self.label = FAMILY_LABELS.get(family, family)
        self.group = group if group is not None else ENTRY_POINT_GROUPS.get(family)
        self._entries: dict[str, _Entry] | None = None
        self._specs: dict[str, PluginSpec] = {}
        self._local: dict[str, PluginSpec] = {}

    # -- discovery ---------------------------------------------------------------------
    def _discover(self) -> dict[str, _Entry]:
        if self._entries is not None:
            return self._entries
        entries: dict[str, _Entry] = {}
        if self.group:
            seen: set[tuple[str, str, str]] = set()
            for entry_point in importlib.metadata.entry_points(group=self.group):
                entry = _Entry(
                    entry_point.name,
                    entry_point.value,
                    _distribution_name(entry_point),
                    entry_point,
                )
                key = (entry.name, entry.value, entry.distribution)
                if key in seen:  # the same distribution found twice on sys.path
                    continue
                seen.add(key)
                if entry.name in entries:
                    first = entries[entry.name]
                    raise PluginLoadError(
                        f"{self.label} plugin {entry.name!r} is registered twice: by "
                        f"distribution '{first.distribution}' ({first.value}) and by "
                        f"distribution '{entry.distribution}' ({entry.value}); uninstall one"
                    )
                entries[entry.name] = entry
        self._entries = entries
        return entries

    def _load(self, entry: _Entry) -> PluginSpec:
        assert entry.entry_point is not None
        try:
            spec = entry.entry_point.load()
        except Exception as exc:  # any import failure is reported the same way
            raise PluginLoadError(
                f"{self.label} plugin {entry.name!r}: {entry.describe()} failed to import: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        problems = spec_problems(spec, entry.name)
        if problems:
            raise PluginLoadError(
                f"{self.label} plugin {entry.name!r}: {entry.describe()} gives an invalid "
                f"spec: {'; '.join(problems)}"
            )
        return replace(spec, distribution=entry.distribution)

    # -- use ---------------------------------------------------------------------------
    def register(self, spec: PluginSpec) -> PluginSpec:
        """Add a spec in-process (not through an entry point)."""
        if spec.name in self._local or spec.name in self._discover():
            raise PluginLoadError(f"{self.label} plugin {spec.name!r} registered twice")
        problems = spec_problems(spec, spec.name)
        if problems:
            raise PluginLoadError(f"{self.label} plugin {spec.name!r}: {'; '.join(problems)}")
        spec = spec if spec.distribution else replace(spec, distribution="(registered in-process)")
        self._local[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        self._local.pop(name, None)

    def get(self, name: str) -> PluginSpec:
        if name in self._local:
            return self._local[name]
        if name in self._specs:
            return self._specs[name]
        entry = self._discover().get(name)
        if entry is None:
            raise UnknownPluginError(
                f"unknown {self.label} plugin {name!r}; installed: "
                f"{', '.join(self.names()) or '(none)'}"
            )
        spec = self._load(entry)
        self._specs[name] = spec
        return spec

    def names(self) -> list[str]:
        return sorted(set(self._discover()) | set(self._local))

    def distribution_of(self, name: str) -> str:
        if name in self._local:
            return self._local[name].distribution
        return self._discover()[name].distribution

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def __iter__(self) -> Iterator[PluginSpec]:
        return iter([self.get(name) for name in self.names()])


_REGISTRIES: dict[str, Registry] = {}


def registry_for(family: str) -> Registry:
    """The registry of a config family (``colourisers``, ``recognition``, ``quality``,
    ``datasets``)."""
    if family not in ENTRY_POINT_GROUPS:
        raise ValueError(f"unknown plugin family {family!r}")
    if family not in _REGISTRIES:
        _REGISTRIES[family] = Registry(family)
    return _REGISTRIES[family]


def _accepts(factory: Callable[..., Any], name: str) -> bool:
    """Whether the factory names ``name`` explicitly (a ``**params`` catch-all forwarding
    to a class does not count: the class may not take it)."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
        return False
    return name in parameters


def factory_arguments(
    spec: PluginSpec,
    params: Mapping[str, Any],
    *,
    inputs: Mapping[str, Any] | None = None,
    resources_dir: str | os.PathLike[str] = "resources",
    allow_downloads: bool = False,
    gpu: bool | None = None,
) -> dict[str, Any]:
    """The keyword arguments the factory gets from validated ``params``.

    - a job input whose name is a parameter replaces it (files the workflow made);
    - ``plan_only_params`` are dropped;
    - ``cache_dir`` (when the plugin has one and it is null) becomes
      ``<resources_dir>/models/<cache_subdir or name>``;
    - ``allow_download`` (when the plugin has one) is true only if the global
      ``allow_downloads`` is too: the instance flag may turn a download off, never on;
    - ``device`` becomes ``cpu`` for an instance without ``gpu: true`` (``gpu=False``):
      only jobs that requested the GPU resource may claim a device.
    """
    names = spec.param_names
    arguments = {k: v for k, v in params.items() if k not in spec.plan_only_params}
    for name, path in (inputs or {}).items():
        if name in names:
            arguments[name] = os.fspath(path)
    if "cache_dir" in names and not arguments.get("cache_dir"):
        subfolder = spec.cache_subdir or spec.name
        arguments["cache_dir"] = os.path.join(os.fspath(resources_dir), "models", subfolder)
    if "allow_download" in names:
        arguments["allow_download"] = bool(allow_downloads) and bool(
            arguments.get("allow_download", True)
        )
    if "device" in names and gpu is False:
        arguments["device"] = "cpu"
    return arguments


def build(
    family: str,
    plugin: str,
    params: Mapping[str, Any] | None = None,
    *,
    inputs: Mapping[str, Any] | None = None,
    threads: int | None = None,
    gpu: bool | None = None,
    resources_dir: str | os.PathLike[str] = "resources",
    allow_downloads: bool = False,
    instance: str | None = None,
) -> Any:
    """Build the plugin object of one configured instance; the one way to do so.

    ``params`` are the instance's validated params (or the plan's, in a workflow job);
    see :func:`factory_arguments` for what is derived. ``threads`` is passed to factories
    that take it. Configuration and asset errors are prefixed with ``<family>.<instance>``
    so that the message names the config entry to fix.
    """
    spec = registry_for(family).get(plugin)
    arguments = factory_arguments(
        spec,
        params or {},
        inputs=inputs,
        resources_dir=resources_dir,
        allow_downloads=allow_downloads,
        gpu=gpu,
    )
    factory = spec.load_factory()
    if threads is not None and _accepts(factory, "threads"):
        arguments["threads"] = int(threads)
    where = f"{family}.{instance}" if instance else f"{family} plugin {plugin!r}"
    try:
        built = factory(**arguments)
    except (AssetError, ConfigError) as exc:
        if instance is None:
            raise
        try:
            prefixed = type(exc)(f"{family}.{instance}: {exc}")
        except TypeError:  # pragma: no cover - a subclass with another signature
            raise exc from None
        raise prefixed from exc
    except TypeError as exc:
        if "abstract" not in str(exc):
            raise
        # A subclass of a family's base class that leaves out a member it must give.
        raise PluginLoadError(
            f"{where} ({spec.factory}, from {spec.distribution}): {exc}"
        ) from None
    problems = contract_problems(family, built, spec)
    if problems:
        raise PluginLoadError(
            f"{where} ({spec.factory}, from {spec.distribution}) does not keep its family's "
            f"contract: {'; '.join(problems)} (docs/plugins.md, section 1)"
        )
    return built


#: What the workflow calls on each family's objects: (member, kind, what it is for).
CONTRACTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "colourisers": (
        ("colourise", "method", "colourise(grey_images) -> list of (H, W, 3) uint8"),
        ("provenance", "method", "provenance() -> dict, logged and recorded by every job"),
    ),
    "recognition": (
        ("process", "method", "process(images, image_ids) -> (records, embeddings)"),
        ("embedding_dim", "positive int", "the length of an embedding row"),
        ("name", "str", "the system's name in records and provenance"),
        ("provenance", "method", "provenance() -> dict, logged and recorded by every job"),
    ),
    "quality": (
        ("score", "method", "score(images, faces) -> (scores, reasons)"),
        ("name", "str", "the estimator's name in tables"),
        ("provenance", "method", "provenance() -> dict, logged and recorded by every job"),
    ),
}


def contract_problems(family: str, target: Any, spec: PluginSpec | None = None) -> list[str]:
    """The members the workflow calls that ``target`` (a built plugin object) lacks or
    has in the wrong form; empty if it keeps the contract of ``family``."""
    members = list(CONTRACTS.get(family, ()))
    if family == "colourisers" and spec is not None and spec.trained_on_subjects:
        members.append(("training_subjects", "method", "training_subjects() -> set of subject ids"))
    problems = []
    for member, kind, purpose in members:
        value = getattr(target, member, None)
        if value is None:
            problems.append(f"no `{member}` ({purpose})")
        elif kind == "method" and not callable(value):
            problems.append(f"`{member}` is not callable ({purpose})")
        elif kind == "positive int" and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            problems.append(f"`{member}` is {value!r}, not a positive int ({purpose})")
        elif kind == "str" and not isinstance(value, str):
            problems.append(f"`{member}` is {value!r}, not a str ({purpose})")
    return problems
