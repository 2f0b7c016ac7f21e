"""What a workflow job script needs from its Snakemake object to run a plugin.

Job rules give a script exactly two params, ``plugin`` and ``params`` (the plan's factory
parameters), and the plugin's files as inputs named ``plugin_<name>``. Run settings
(``threads``, ``gpu``, ``batch_size``) are not params, so changing them reruns nothing:
threads and the GPU resource come from the job, the batch size from the instance's config.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from colourfr.registry import PluginSpec, build, load_object, registry_for

#: Prefix of the job inputs that come from a plugin plan (rules/common.smk).
PLUGIN_INPUT_PREFIX = "plugin_"


def plugin_inputs(named_inputs: Mapping[str, Any]) -> dict[str, str]:
    """The plan's files among a job's named inputs, by their plan name."""
    return {
        name[len(PLUGIN_INPUT_PREFIX) :]: str(path)
        for name, path in named_inputs.items()
        if name.startswith(PLUGIN_INPUT_PREFIX)
    }


def instance_settings(config: Mapping[str, Any], family: str, name: str) -> dict[str, Any]:
    """One instance block of the workflow config with the schema's defaults filled in."""
    from colourfr.config import instance_schema, validate_against

    settings = copy.deepcopy(dict(config.get(family, {}).get(name, {})))
    validate_against(instance_schema(), settings, f"{family}.{name}")
    return settings


@dataclass(frozen=True)
class PluginJob:
    """The plugin one job runs, with everything needed to build it."""

    family: str
    instance: str
    plugin: str
    params: Mapping[str, Any]
    inputs: Mapping[str, str]
    threads: int
    gpu: bool
    batch_size: int

    @property
    def spec(self) -> PluginSpec:
        return registry_for(self.family).get(self.plugin)

    def build(self) -> Any:
        return build(
            self.family,
            self.plugin,
            self.params,
            inputs=self.inputs,
            threads=self.threads,
            gpu=self.gpu,
            instance=self.instance,
        )


def _named(items: Any) -> dict[str, Any]:
    # Snakemake's Namedlist: items() gives the named entries only.
    return dict(items.items()) if hasattr(items, "items") else {}


def plugin_job(snakemake: Any, family: str, wildcard: str) -> PluginJob:
    """The PluginJob of a Snakemake script whose instance name is ``wildcards[wildcard]``."""
    name = str(getattr(snakemake.wildcards, wildcard))
    settings = instance_settings(snakemake.config, family, name)
    return PluginJob(
        family=family,
        instance=name,
        plugin=str(snakemake.params.plugin),
        params=dict(snakemake.params.params),
        inputs=plugin_inputs(_named(snakemake.input)),
        threads=int(snakemake.threads),
        gpu=bool(getattr(snakemake.resources, "gpu", 0)),
        batch_size=int(settings["batch_size"]),
    )


def run_build_artifact(snakemake: Any) -> None:
    """What rule-generated build artifacts run (workflow/scripts/build_artifact.py)."""
    function = load_object(str(snakemake.params.function))
    function(
        {k: str(v) for k, v in _named(snakemake.input).items()},
        {k: str(v) for k, v in _named(snakemake.output).items()},
        dict(snakemake.params.params),
        int(snakemake.threads),
        bool(getattr(snakemake.resources, "gpu", 0)),
    )
