"""Load and validate the workflow configuration.

Validation happens once, at Snakemake parse time, in two layers:
1. the JSON schema (draft 2020-12) in ``colourfr/schema/config.schema.yaml``, which also
   fills in defaults;
2. semantic checks the schema cannot express: plugin names exist in their registries,
   plugin ``params`` match the plugin's own schema (defaults filled), paths exist,
   scenarios reference known variants and exactly one baseline computes impostors.
All problems are collected and raised together as one :class:`ConfigError`.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from colourfr.datasets import DOWNLOADABLE_FORMATS
from colourfr.datasets.assets import LFW_ARCHIVES
from colourfr.errors import ConfigError
from colourfr.registry import registry_for

FAMILIES = ("colourisers", "recognition", "quality")


def schema_path() -> Path:
    return Path(str(resources.files("colourfr") / "schema" / "config.schema.yaml"))


def _load_schema() -> dict[str, Any]:
    return yaml.safe_load(schema_path().read_text())


def instance_schema() -> dict[str, Any]:
    """The schema of one plugin instance block (``colourisers.<name>`` ...)."""
    return dict(_load_schema()["$defs"]["instance"])


def schema_default(key: str) -> Any:
    """The schema's default of a top-level key (for scripts that read the raw config)."""
    return _load_schema()["properties"][key].get("default")


def _with_defaults(validator_class: Any) -> Any:
    """A validator that fills ``default`` values into the instance while validating."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):  # type: ignore[no-untyped-def]
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if isinstance(subschema, dict) and "default" in subschema:
                    instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_DefaultingValidator = _with_defaults(jsonschema.Draft202012Validator)


def _format_path(prefix: str, path: Iterator[Any] | Any) -> str:
    parts = [prefix] if prefix else []
    parts.extend(str(p) for p in path)
    return ".".join(parts) or "(top level)"


def validate_against(schema: Mapping[str, Any], instance: Any, where: str) -> list[str]:
    """Validate and fill defaults in place; return human-readable problems."""
    validator = _DefaultingValidator(schema)
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        problems.append(f"{_format_path(where, error.absolute_path)}: {error.message}")
    return problems


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(os.path.expanduser(path))
    return candidate if candidate.is_absolute() else (base / candidate)


#: Names that become folders, file names and Snakemake wildcards: a dataset, protocol,
#: recognition system or quality estimator; a colouriser's name is part of its variant's
#: (``colourised-<name>``), whose wildcard takes lower case, digits and ``-`` only.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_COLOURISER_NAME = re.compile(r"[a-z0-9-]+")


def _name_problem(where: str, name: str, pattern: re.Pattern[str], allowed: str) -> list[str]:
    if pattern.fullmatch(name) and name not in (".", ".."):
        return []
    message = f"{where}: the name {name!r} may hold {allowed} only (it names folders, files"
    return [message + " and the workflow's wildcards)"]


def _check_instances(config: dict[str, Any], base: Path) -> list[str]:
    problems: list[str] = []
    for family in FAMILIES:
        registry = registry_for(family)
        for name, instance in config.get(family, {}).items():
            where = f"{family}.{name}"
            if family == "colourisers":
                problems += _name_problem(
                    where, name, _COLOURISER_NAME, "lower-case letters, digits and '-'"
                )
            else:
                problems += _name_problem(where, name, _NAME, "letters, digits, '_', '.' and '-'")
            plugin_name = instance.setdefault("plugin", name)
            try:
                spec = registry.get(plugin_name)
            except ConfigError as exc:  # not installed, or a broken plugin distribution
                problems.append(f"{where}.plugin: {exc}")
                continue
            if instance.get("threads") is None:
                instance["threads"] = spec.threads
            params = instance.setdefault("params", {})
            problems.extend(validate_against(spec.params_schema, params, f"{where}.params"))
            for key in spec.path_params:
                value = params.get(key)
                if value is None:
                    continue
                resolved = _resolve(str(value), base)
                params[key] = str(resolved)
                if instance["enabled"] and not resolved.exists():
                    problems.append(f"{where}.params.{key}: file not found: {resolved}")
            if spec.uses_gpu is False and instance.get("gpu"):
                problems.append(f"{where}.gpu: plugin {plugin_name!r} does not use a GPU")
    recognition = config.get("recognition", {})
    if not any(i["enabled"] for i in recognition.values()):
        problems.append("recognition: no recognition system is enabled")
    with_landmarks = [n for n in recognition if _gives_five_landmarks(config, n)]
    for name, instance in config.get("quality", {}).items():
        if not instance["enabled"]:
            continue
        needs = _quality_needs_landmarks(instance)
        detector = instance.get("detector")
        if detector is None:
            enabled = [n for n, i in recognition.items() if i["enabled"]]
            usable = [n for n in enabled if n in with_landmarks] if needs else enabled
            if usable or enabled:
                instance["detector"] = (usable or enabled)[0]
                detector = instance["detector"]
        elif detector not in recognition or not recognition[detector]["enabled"]:
            problems.append(
                f"quality.{name}.detector: {detector!r} is not an enabled recognition system"
            )
            continue
        if needs and detector is not None and detector not in with_landmarks:
            problems.append(
                f"quality.{name}.detector: {detector!r} (plugin "
                f"{recognition[detector].get('plugin')!r}) records no five landmarks, and "
                f"quality plugin {instance['plugin']!r} scores aligned faces: name a "
                f"recognition system that records them ({_landmark_plugins()}), or disable "
                f"quality.{name}"
            )
    return problems


def _spec_or_none(family: str, plugin: str | None) -> Any:
    try:
        return registry_for(family).get(str(plugin))
    except ConfigError:  # reported where the instance is checked
        return None


def _gives_five_landmarks(config: dict[str, Any], name: str) -> bool:
    instance = config.get("recognition", {}).get(name, {})
    spec = _spec_or_none("recognition", instance.get("plugin", name))
    return bool(instance.get("enabled", True) and spec is not None and spec.five_landmarks)


def _quality_needs_landmarks(instance: dict[str, Any]) -> bool:
    spec = _spec_or_none("quality", instance.get("plugin"))
    return bool(spec is not None and spec.needs_five_landmarks)


def _landmark_plugins() -> str:
    registry = registry_for("recognition")
    names = []
    for name in registry.names():
        spec = _spec_or_none("recognition", name)
        if spec is not None and spec.five_landmarks:
            names.append(name)
    return ", ".join(names) or "none installed"


def _check_plans(config: dict[str, Any]) -> list[str]:
    """Problems the plugins' workflow plans find (missing files they need, conflicting
    artifacts), so that they are reported with the rest, before any job starts."""
    from colourfr.plugin_plan import collect_artifacts, enabled_instances, plan_instance

    problems: list[str] = []
    plans = {}
    for family in FAMILIES:
        for name in enabled_instances(config, family):
            try:
                plans[(family, name)] = plan_instance(family, name, config)
            except ConfigError as exc:
                problems.append(str(exc))
    if not problems:
        try:
            collect_artifacts(plans)
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


def _check_download(dataset: dict[str, Any], where: str) -> list[str]:
    """Problems of a dataset without root, which the workflow must download."""
    if not dataset["download"]:
        return [f"{where}.root: no root given and download is false"]
    if dataset["format"] not in DOWNLOADABLE_FORMATS:
        problem = (
            f"{where}.download: format {dataset['format']!r} cannot be downloaded (licensed); "
            "set root to your copy"
        )
        return [problem]
    images_dir = dataset["options"].get("images_dir")
    if dataset["format"] == "lfw" and images_dir not in LFW_ARCHIVES:
        problem = (
            f"{where}.options.images_dir: {images_dir!r} has no archive to download; "
            f"use one of {', '.join(sorted(LFW_ARCHIVES))} or set root to your copy"
        )
        return [problem]
    return []


def _check_datasets(config: dict[str, Any], base: Path) -> list[str]:
    problems: list[str] = []
    registry = registry_for("datasets")
    protocols = config["protocols"]
    for name, dataset in config["datasets"].items():
        where = f"datasets.{name}"
        problems += _name_problem(where, name, _NAME, "letters, digits, '_', '.' and '-'")
        try:
            spec = registry.get(dataset["format"])
        except ConfigError as exc:
            problems.append(f"{where}.format: {exc}")
            continue
        options = dataset.setdefault("options", {})
        problems.extend(validate_against(spec.params_schema, options, f"{where}.options"))
        for key in spec.path_params:
            if options.get(key) is not None:
                resolved = _resolve(str(options[key]), base)
                options[key] = str(resolved)
                if dataset["enabled"] and not resolved.exists():
                    problems.append(f"{where}.options.{key}: file not found: {resolved}")
        root = dataset.get("root")
        if root is None:
            problems.extend(_check_download(dataset, where))
        else:
            resolved_root = _resolve(root, base)
            dataset["root"] = str(resolved_root)
            if dataset["enabled"] and not resolved_root.is_dir():
                problems.append(f"{where}.root: folder not found: {resolved_root}")
        exclude = []
        for listed in dataset["subjects"]["exclude_lists"]:
            resolved = _resolve(listed, base)
            if not resolved.is_file():
                problems.append(f"{where}.subjects.exclude_lists: file not found: {resolved}")
            exclude.append(str(resolved))
        dataset["subjects"]["exclude_lists"] = exclude
        for protocol in dataset["protocols"]:
            if protocol not in protocols:
                problems.append(
                    f"{where}.protocols: unknown protocol {protocol!r}; defined: "
                    f"{', '.join(sorted(protocols))}"
                )
    if not any(d["enabled"] for d in config["datasets"].values()):
        problems.append("datasets: no dataset is enabled")
    return problems


def _check_results_dir(config: dict[str, Any], base: Path) -> list[str]:
    """The results folder is a folder of its own: not empty, not ``/``, not a dataset's
    root or inside one, and holding no dataset (the run would list its own figures as
    images, and rebuild the manifest every time)."""
    value = str(config.get("results_dir", ""))
    if not value.strip():
        return ["results_dir: empty; name a folder for the results (default: results)"]
    results = _resolve(value, base)
    if results == Path(results.anchor):
        return [f"results_dir: {value!r} is the root of the filesystem; name a folder of its own"]
    problems = []
    for name, dataset in config.get("datasets", {}).items():
        root = dataset.get("root")
        if not dataset.get("enabled", True) or not root:
            continue
        root_path = _resolve(str(root), base)
        if results == root_path or results.is_relative_to(root_path):
            problems.append(
                f"results_dir: {results} is inside datasets.{name}.root ({root_path}); the "
                "results would become images of the dataset: put them elsewhere"
            )
        elif root_path.is_relative_to(results):
            problems.append(
                f"results_dir: {results} holds datasets.{name}.root ({root_path}); put the "
                "results in a folder of their own"
            )
    return problems


def _check_protocols(config: dict[str, Any], base: Path) -> list[str]:
    """Reference selection: the list file exists; rule best names enabled instances."""
    problems: list[str] = []
    enabled = {
        family: {n for n, i in config.get(family, {}).items() if i["enabled"]}
        for family in ("quality", "recognition")
    }
    for name, protocol in config["protocols"].items():
        problems += _name_problem(
            f"protocols.{name}", name, _NAME, "letters, digits, '_', '.' and '-'"
        )
        reference = protocol.get("reference", {})
        where = f"protocols.{name}.reference"
        rule = reference.get("rule", "first")
        if rule != "first" and protocol["kind"] != "reference-per-subject":
            problems.append(f"{where}.rule: only reference-per-subject protocols choose references")
        if rule == "list":
            if not reference.get("list"):
                problems.append(f"{where}.list: rule list needs a file of reference image ids")
            else:
                resolved = _resolve(str(reference["list"]), base)
                reference["list"] = str(resolved)
                if not resolved.is_file():
                    problems.append(
                        f"{where}.list: file not found: {resolved} (one image id per line; "
                        "`colourfr references` writes one from the dataset, docs/datasets.md)"
                    )
        if rule == "best":
            if not (reference.get("quality") or reference.get("pose")):
                problems.append(f"{where}: rule best needs quality and/or pose")
            for key, family in (("quality", "quality"), ("pose", "recognition")):
                value = reference.get(key)
                if value and value not in enabled[family]:
                    problems.append(f"{where}.{key}: {value!r} is not an enabled {family} instance")
            pose = reference.get("pose")
            if pose and pose in enabled["recognition"] and not _gives_five_landmarks(config, pose):
                problems.append(
                    f"{where}.pose: {pose!r} records no five landmarks, which measure the "
                    f"pose: name one that does ({_landmark_plugins()})"
                )
    return problems


def _check_scenarios(config: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    ids = [s["id"] for s in config["scenarios"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"scenarios: duplicate id(s) {', '.join(duplicates)}")
    baselines = [s for s in config["scenarios"] if s["baseline"]]
    if len(baselines) != 1:
        problems.append(
            f"scenarios: exactly one scenario must be the baseline (baseline: true), "
            f"found {len(baselines)}"
        )
    elif not baselines[0]["impostors"]:
        problems.append(
            f"scenarios.{baselines[0]['id']}: the baseline must compute impostors "
            "(its thresholds are reused for all scenarios)"
        )
    elif "colourised" in (baselines[0]["reference"], baselines[0]["probe"]):
        problems.append("scenarios: the baseline cannot use the colourised variant")
    metrics = config["metrics"]
    if metrics["primary_fmr"] not in metrics["fmr_targets"]:
        problems.append(f"metrics.primary_fmr: {metrics['primary_fmr']} is not one of fmr_targets")
    return problems


def _check_skin_tone(config: dict[str, Any]) -> list[str]:
    from colourfr.skin_tone import ita_bins

    section = config["skin_tone"]
    problems: list[str] = []
    try:
        ita_bins(section["bins"], key="skin_tone.bins")
    except ConfigError as error:
        problems.append(str(error))
    system = section["system"]
    if system is not None and system not in config.get("recognition", {}):
        problems.append(
            f"skin_tone.system: {system!r} is not a recognition instance (configured: "
            f"{', '.join(config.get('recognition', {})) or 'none'})"
        )
    elif system is not None and not config["recognition"][system].get("enabled", True):
        problems.append(f"skin_tone.system: recognition instance {system!r} is not enabled")
    elif section.get("enabled", True):
        # The region is placed by the five landmarks of the original image's record.
        with_landmarks = [
            n for n in config.get("recognition", {}) if _gives_five_landmarks(config, n)
        ]
        if system is None and with_landmarks:
            section["system"] = with_landmarks[0]
        elif system is not None and system not in with_landmarks:
            plugin = config["recognition"][system].get("plugin")
            problems.append(
                f"skin_tone.system: {system!r} (plugin {plugin!r}) records no five landmarks, "
                f"which place the skin region: name one that does ({_landmark_plugins()}), "
                "or set skin_tone.enabled: false"
            )
    return problems


def _section(problem: str) -> str:
    """The top-level key a problem message (``key.sub: message``) is about; for a missing
    top-level key, that key."""
    where, _, message = problem.partition(": ")
    if where == "(top level)":
        missing = re.match(r"'([^']+)' is a required property", message)
        return missing.group(1) if missing else ""
    return where.split(".", 1)[0]


def validate_config(config: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".") -> dict:
    """Return a validated deep copy of ``config`` with defaults filled and paths resolved.

    Every problem is reported in one pass: all schema problems, and the semantic checks
    of every section whose structure is valid (a check indexes into the sections it reads,
    so it waits only for those). The plugins' plans, which read everything, run once
    nothing else is wrong.
    """
    validated: dict[str, Any] = copy.deepcopy(dict(config))
    problems = validate_against(_load_schema(), validated, "")
    broken = {_section(problem) for problem in problems}
    base = Path(base_dir).resolve()
    checks: list[tuple[tuple[str, ...], Callable[[], list[str]]]] = [
        (("datasets", "protocols"), lambda: _check_datasets(validated, base)),
        (("results_dir", "datasets"), lambda: _check_results_dir(validated, base)),
        (FAMILIES, lambda: _check_instances(validated, base)),
        (("scenarios", "metrics"), lambda: _check_scenarios(validated)),
        (("skin_tone", "recognition"), lambda: _check_skin_tone(validated)),
        (("protocols", *FAMILIES), lambda: _check_protocols(validated, base)),
    ]
    for sections, check in checks:
        if not broken.intersection(sections):
            problems += check()
    if not problems:
        validated["results_dir"] = str(validated["results_dir"])
        problems += _check_plans(validated)
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return validated


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(path) as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return raw


def merge_configs(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``, mapping by mapping (as Snakemake merges files)."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_configs(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def workflow_config(
    repository: str | os.PathLike[str], *user_files: str | os.PathLike[str]
) -> dict[str, Any]:
    """The raw config a Snakemake run with ``--configfile user_files...`` sees: the base
    (config/config.yaml), the default datasets (config/datasets.yaml) unless a user file
    names datasets, then the user files in order."""
    root = Path(repository)
    users = [read_config_file(path) for path in user_files]
    merged = read_config_file(root / "config" / "config.yaml")
    if not any("datasets" in user for user in users):
        merged = merge_configs(merged, read_config_file(root / "config" / "datasets.yaml"))
    for user in users:
        merged = merge_configs(merged, user)
    return merged


def load_config(
    path: str | os.PathLike[str],
    *more: str | os.PathLike[str],
    base_dir: str | os.PathLike[str] = ".",
) -> dict:
    """Read one or more config files (merged in order) and validate them."""
    raw = read_config_file(path)
    for other in more:
        raw = merge_configs(raw, read_config_file(other))
    return validate_config(raw, base_dir)


def config_warnings(config: Mapping[str, Any]) -> list[str]:
    """What a validated configuration leaves out without being wrong: said once at the
    start of a run, so that a missing table is never a surprise at the end."""
    warnings: list[str] = []
    colourisers = [
        name for name, instance in config.get("colourisers", {}).items() if instance["enabled"]
    ]
    needs_colour = [
        s["id"] for s in config["scenarios"] if "colourised" in (s["reference"], s["probe"])
    ]
    if not colourisers and needs_colour:
        warnings.append(
            f"no colouriser is enabled: scenario(s) {', '.join(needs_colour)} (colourised "
            "reference or probe) are skipped; enable one under colourisers to run them"
        )
    if skin_tone_skipped(config):
        warnings.append(
            "skin tone is skipped: no enabled recognition system records the five landmarks "
            f"that place the skin region ({_landmark_plugins()} do); enable one, or set "
            "skin_tone.enabled: false to silence this"
        )
    return warnings


def skin_tone_skipped(config: Mapping[str, Any]) -> bool:
    """Skin tone is on, but no enabled system places its region (the validated config
    then leaves ``skin_tone.system`` null): its rules plan nothing."""
    section = config.get("skin_tone", {})
    return bool(section.get("enabled", True)) and section.get("system") is None
