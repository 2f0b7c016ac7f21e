"""Config validation: schema defaults, plugin names, paths, scenarios."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from colourfr.cli import main as cli_main
from colourfr.config import load_config, validate_config, workflow_config
from colourfr.errors import ConfigError
from colourfr.scenarios import expand_scenarios, variants_in_use

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def minimal(tmp_path: Path) -> dict:
    (tmp_path / "faces").mkdir()
    return {
        "datasets": {"toy": {"format": "folder", "root": str(tmp_path / "faces")}},
        "scenarios": [
            {
                "id": "s1",
                "reference": "original",
                "probe": "original",
                "impostors": True,
                "baseline": True,
            },
            {"id": "s4", "reference": "colourised", "probe": "colourised"},
        ],
        "recognition": {"dlib": {"plugin": "dlib-resnet"}},
    }


def test_defaults_are_filled(minimal: dict) -> None:
    config = validate_config(minimal)
    assert config["results_dir"] == "results"
    assert config["metrics"]["fmr_targets"] == [0.001, 0.01, 0.0001]
    assert config["metrics"]["bootstrap"]["replicates"] == 1000
    assert config["sharding"]["shard_size"] == 1000
    assert config["datasets"]["toy"]["protocols"] == ["paper"]
    assert config["datasets"]["toy"]["subjects"]["min_images"] == 2
    assert config["protocols"]["paper"]["kind"] == "reference-per-subject"
    assert config["recognition"]["dlib"]["enabled"] is True
    assert minimal.get("metrics") is None  # the input is not modified


def test_default_config_file_is_valid() -> None:
    if not (REPO.parent / "shared" / "data" / "lfw").is_dir():
        pytest.skip("default config points at ../shared/data/lfw")
    config = load_config(
        REPO / "config" / "config.yaml", REPO / "config" / "datasets.yaml", base_dir=REPO
    )
    assert config["datasets"]["lfw"]["root"].endswith("shared/data/lfw")


def test_a_user_config_that_names_datasets_runs_only_those(tmp_path: Path) -> None:
    from colourfr.config import workflow_config

    mine = tmp_path / "mine.yaml"
    mine.write_text(yaml.safe_dump({"datasets": {"faces": {"format": "folder", "root": "x"}}}))
    assert list(workflow_config(REPO, mine)["datasets"]) == ["faces"]
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"sharding": {"shard_size": 10}}))
    # A config that names no dataset keeps the default run's (LFW).
    assert list(workflow_config(REPO, other)["datasets"]) == ["lfw"]
    assert workflow_config(REPO, other)["training_data"]["people"] == "peopleDevTrain.txt"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda c: c["recognition"].update({"x": {"plugin": "no-such-system"}}),
            "recognition.x.plugin: unknown recognition system plugin 'no-such-system'",
        ),
        (
            lambda c: c["datasets"]["toy"].update({"format": "nope"}),
            "datasets.toy.format: unknown dataset format plugin 'nope'",
        ),
        (
            lambda c: c["datasets"]["toy"].update({"root": "/definitely/not/here"}),
            "datasets.toy.root: folder not found",
        ),
        (lambda c: c.update({"sharding": {"shard_size": 0}}), "sharding.shard_size"),
        (lambda c: c.update({"metrics": {"fmr_targets": [1.5]}}), "metrics.fmr_targets.0"),
        (
            lambda c: c["scenarios"][1].update({"baseline": True}),
            "exactly one scenario must be the baseline",
        ),
        (
            lambda c: c["scenarios"][0].update({"impostors": False}),
            "the baseline must compute impostors",
        ),
        (lambda c: c["scenarios"][1].update({"probe": "sepia"}), "scenarios.1.probe"),
        (lambda c: c.update({"colour": {}}), "Additional properties are not allowed"),
        (
            lambda c: c["datasets"]["toy"].update({"protocols": ["mystery"]}),
            "unknown protocol 'mystery'",
        ),
        (
            lambda c: c["recognition"]["dlib"].update({"enabled": False}),
            "no recognition system is enabled",
        ),
        (
            lambda c: c["datasets"]["toy"].update({"archive_sha256": "abc"}),
            "datasets.toy.archive_sha256: 'abc' does not match",
        ),
        (
            lambda c: c["datasets"]["toy"].update({"root": None}),
            "datasets.toy.root: no root given and download is false",
        ),
        (
            lambda c: c["datasets"]["toy"].update({"root": None, "download": True}),
            "datasets.toy.download: format 'folder' cannot be downloaded (licensed)",
        ),
        (
            lambda c: c["datasets"]["toy"].update(
                {
                    "format": "lfw",
                    "root": None,
                    "download": True,
                    "options": {"images_dir": "lfw-a"},
                }
            ),
            "datasets.toy.options.images_dir: 'lfw-a' has no archive to download",
        ),
        (
            lambda c: c.update(
                {
                    "protocols": {
                        "paper": {"kind": "reference-per-subject", "reference": {"rule": "best"}}
                    }
                }
            ),
            "protocols.paper.reference: rule best needs quality and/or pose",
        ),
        (
            lambda c: c.update(
                {
                    "protocols": {
                        "paper": {
                            "kind": "reference-per-subject",
                            "reference": {"rule": "best", "pose": "arc"},
                        }
                    }
                }
            ),
            "protocols.paper.reference.pose: 'arc' is not an enabled recognition instance",
        ),
        (
            lambda c: c.update(
                {
                    "protocols": {
                        "paper": {
                            "kind": "reference-per-subject",
                            "reference": {"rule": "list", "list": "no.txt"},
                        }
                    }
                }
            ),
            "protocols.paper.reference.list: file not found",
        ),
        (
            lambda c: c.update(
                {
                    "protocols": {
                        "paper": {"kind": "reference-per-subject", "reference": {"rule": "fist"}}
                    }
                }
            ),
            "protocols.paper.reference.rule: 'fist' is not one of",
        ),
    ],
)
def test_bad_configs_name_the_key(minimal: dict, mutate, message: str) -> None:
    config = copy.deepcopy(minimal)
    mutate(config)
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert message in str(error.value)


def test_every_schema_problem_is_reported(minimal: dict) -> None:
    minimal.update({"sharding": {"shard_size": 0}, "metrics": {"primary_fmr": 2}})
    with pytest.raises(ConfigError) as error:
        validate_config(minimal)
    assert "sharding.shard_size" in str(error.value) and "metrics.primary_fmr" in str(error.value)


def test_download_settings(minimal: dict) -> None:
    minimal["datasets"]["toy"] = {"format": "lfw", "root": None, "download": True}
    dataset = validate_config(minimal)["datasets"]["toy"]
    assert dataset["archive_sha256"] is None
    assert dataset["options"]["images_dir"] == "images_deepfunneled"
    minimal["datasets"]["toy"]["archive_sha256"] = "A" * 64  # either case
    assert validate_config(minimal)["datasets"]["toy"]["archive_sha256"] == "A" * 64


def test_threads_come_from_the_plugin_unless_the_instance_sets_them(
    minimal: dict, tmp_path: Path
) -> None:
    exemplar = tmp_path / "exemplar.png"
    exemplar.write_bytes(b"")
    minimal["colourisers"] = {
        "ex": {"plugin": "exemplar-transfer", "params": {"exemplar": str(exemplar)}}
    }
    minimal["recognition"]["dlib4"] = {"plugin": "dlib-resnet", "threads": 4}
    config = validate_config(minimal)
    assert config["recognition"]["dlib"]["threads"] == 1  # dlib declares one core
    assert config["recognition"]["dlib4"]["threads"] == 4
    assert config["colourisers"]["ex"]["threads"] == 1


def test_a_spec_with_bad_threads_is_unusable() -> None:
    from colourfr.registry import PluginSpec, spec_problems

    for bad in (0, 1.5, True):
        spec = PluginSpec(name="p", factory="m:f", summary="s", threads=bad)  # type: ignore[arg-type]
        assert any("threads must be a positive integer" in p for p in spec_problems(spec, "p"))


def test_consumers_of_five_landmarks_need_a_system_that_records_them(
    minimal: dict, tmp_path: Path
) -> None:
    from colourfr.config import config_warnings

    # dlib records no five landmarks: skin tone is skipped with a warning when left to
    # choose, an error when pointed at dlib; a landmark-aligned estimator is an error.
    config = validate_config(minimal)
    assert config["skin_tone"]["system"] is None
    assert any("skin tone is skipped" in w for w in config_warnings(config))
    minimal["skin_tone"] = {"system": "dlib"}
    minimal["quality"] = {"iso": {"plugin": "iso29794-5", "detector": "dlib"}}
    with pytest.raises(ConfigError) as info:
        validate_config(minimal)
    message = str(info.value)
    assert "skin_tone.system: 'dlib' (plugin 'dlib-resnet') records no five landmarks" in message
    assert (
        "quality.iso.detector: 'dlib' (plugin 'dlib-resnet') records no five landmarks" in message
    )
    assert "insightface-arcface" in message  # what would do


def test_names_and_settings_a_job_would_trip_on_are_config_errors(
    minimal: dict, tmp_path: Path
) -> None:
    exemplar = tmp_path / "exemplar.png"
    exemplar.write_bytes(b"")
    minimal["datasets"]["my faces"] = minimal["datasets"].pop("toy")
    minimal["colourisers"] = {
        "Mine_1": {"plugin": "exemplar-transfer", "params": {"exemplar": str(exemplar)}},
        "ex": {"plugin": "exemplar-transfer", "params": {"exemplar": str(exemplar), "window": 4}},
    }
    minimal["metrics"] = {"fmr_targets": [0.001, 0.001]}
    with pytest.raises(ConfigError) as info:
        validate_config(minimal)
    message = str(info.value)
    assert "datasets.my faces: the name 'my faces' may hold letters, digits" in message
    assert "colourisers.Mine_1: the name 'Mine_1' may hold lower-case letters" in message
    assert "metrics.fmr_targets" in message and "non-unique" in message


def test_an_even_exemplar_window_is_refused_at_config_time(minimal: dict, tmp_path: Path) -> None:
    exemplar = tmp_path / "exemplar.png"
    exemplar.write_bytes(b"")
    minimal["colourisers"] = {
        "ex": {"plugin": "exemplar-transfer", "params": {"exemplar": str(exemplar), "window": 4}}
    }
    with pytest.raises(ConfigError, match=r"colourisers.ex.params.window: 4 is even"):
        validate_config(minimal)


def test_readme_plugin_tables_match_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    # The built-ins only: a plugin package installed beside colourfr documents its own.
    assert cli_main(["plugins", "--markdown", "--distribution", "colourfr"]) == 0
    output = capsys.readouterr().out
    text = (REPO / "config" / "README.md").read_text()
    begin, end = "<!-- BEGIN PLUGINS -->\n", "<!-- END PLUGINS -->"
    assert text.count(begin) == 1 and text.count(end) == 1
    block = text[text.index(begin) + len(begin) : text.index(end)]
    # The block ends with exactly one newline before the END marker.
    assert block == output.rstrip("\n") + "\n", (
        "config/README.md is out of date: replace the block between the PLUGINS markers "
        "with the output of `colourfr plugins --markdown --distribution colourfr`"
    )


def test_plugin_params_are_validated(minimal: dict) -> None:
    minimal["recognition"]["dlib"]["params"] = {"no_such_param": 1}
    with pytest.raises(ConfigError, match="recognition.dlib.params"):
        validate_config(minimal)


def test_unreadable_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("datasets: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")


def test_scenarios_expand_per_colouriser() -> None:
    scenarios = yaml.safe_load(
        """
        - {id: s1, reference: original, probe: original, impostors: true, baseline: true}
        - {id: s3, reference: grey, probe: grey}
        - {id: s5, reference: original, probe: colourised}
        """
    )
    instances = expand_scenarios(scenarios, ["a", "b"])
    assert [i.id for i in instances] == ["s1", "s3", "s5-a", "s5-b"]
    assert instances[2].probe == "colourised-a" and instances[2].reference == "original"
    assert variants_in_use(instances) == ["original", "grey", "colourised-a", "colourised-b"]
    assert [i.id for i in expand_scenarios(scenarios, [])] == ["s1", "s3"]


def _schema_key_paths(
    node: Any, defs: dict, path: tuple[str, ...] = (), seen: frozenset = frozenset()
):
    """Every property path of the config schema (``datasets.<name>.subjects.min_images``)."""
    if not isinstance(node, dict):
        return
    reference = node.get("$ref", "").rsplit("/", 1)[-1]
    if reference and reference not in seen:
        yield from _schema_key_paths(defs.get(reference, {}), defs, path, seen | {reference})
    for key, sub in node.get("properties", {}).items():
        yield (*path, key)
        yield from _schema_key_paths(sub, defs, (*path, key), seen)
    for key in ("additionalProperties", "items"):
        if isinstance(node.get(key), dict):
            yield from _schema_key_paths(node[key], defs, (*path, "<name>"), seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []):
            yield from _schema_key_paths(sub, defs, path, seen)


def test_every_schema_key_is_documented_in_config_readme() -> None:
    schema = yaml.safe_load(
        (REPO / "src" / "colourfr" / "schema" / "config.schema.yaml").read_text()
    )
    text = (REPO / "config" / "README.md").read_text()
    documented = {
        part
        for token in re.findall(r"`([^`]+)`", text)
        for part in re.split(r"[.\s,<>{}=:]+", token)
    }
    paths = list(_schema_key_paths(schema, schema.get("$defs", {})))
    assert len(paths) > 50  # the walk reaches the nested sections
    undocumented = [".".join(p) for p in paths if p[-1] not in documented]
    assert undocumented == [], f"config/README.md does not mention {undocumented}"


def test_no_colouriser_warns_that_the_colourised_scenarios_are_skipped(minimal: dict) -> None:
    from colourfr.config import config_warnings

    config = validate_config(minimal)
    assert not [n for n, i in config.get("colourisers", {}).items() if i["enabled"]]
    (warning,) = [w for w in config_warnings(config) if "colouriser" in w]
    assert "no colouriser is enabled" in warning and "s4" in warning
    config["colourisers"] = {"any": {"plugin": "exemplar-transfer", "enabled": True}}
    assert not [w for w in config_warnings(config) if "colouriser" in w]


def test_training_override_keys_are_the_training_config_fields() -> None:
    from dataclasses import fields

    from colourfr.colourisers.specs import TRAINING_OVERRIDE_KEYS
    from colourfr.colourisers.training.recipe import TrainingConfig

    assert TRAINING_OVERRIDE_KEYS == tuple(f.name for f in fields(TrainingConfig))


def test_a_typo_in_training_overrides_is_a_config_error_at_start(minimal: dict) -> None:
    minimal["colourisers"] = {
        "unet": {
            "plugin": "trained-unet",
            "params": {"training": {"pretrain_epoch": 2}},
        }
    }
    with pytest.raises(ConfigError, match="pretrain_epoch"):
        validate_config(minimal)


def test_schema_and_semantic_problems_of_different_sections_come_in_one_pass() -> None:
    # A schema error in one section no longer hides the checks of the others.
    config = workflow_config(REPO)
    config["sharding"] = {"shard_size": 0}  # schema
    config["recognition"]["arcface-mobilefacenet"]["plugin"] = "arcfcae"  # registry
    config["metrics"]["primary_fmr"] = 0.5  # semantic: not one of fmr_targets
    with pytest.raises(ConfigError) as error:
        validate_config(config, REPO)
    message = str(error.value)
    assert "sharding.shard_size: 0 is less than the minimum of 1" in message
    assert "recognition.arcface-mobilefacenet.plugin: unknown recognition system plugin" in message
    assert "metrics.primary_fmr: 0.5 is not one of fmr_targets" in message


def test_a_check_waits_only_for_the_sections_it_reads() -> None:
    config = workflow_config(REPO)
    config["metrics"]["primary_fmr"] = "high"  # schema error in metrics
    config["scenarios"].append(dict(config["scenarios"][0]))  # duplicate id: scenarios check
    with pytest.raises(ConfigError) as error:
        validate_config(config, REPO)
    message = str(error.value)
    assert "metrics.primary_fmr" in message
    # The scenarios check reads metrics too, so it waits; nothing crashes on the bad value.
    assert "duplicate id" not in message


@pytest.mark.parametrize(
    "files",
    [["config/paper.yaml"], ["config/gpu.yaml"], ["config/gpu.yaml", "config/reduced.yaml"]],
)
def test_configuration_presets_are_valid(files: list[str], tmp_path: Path) -> None:
    """config/paper.yaml (with stand-in dataset roots: FERET and FRGC are licensed) and
    config/gpu.yaml, alone and before another file."""
    roots = {"feret": tmp_path / "colorferet", "frgc": tmp_path / "FRGC-2.0-dist"}
    for root in roots.values():
        root.mkdir()
    lists = {"feret": tmp_path / "fa.txt", "frgc": tmp_path / "frgc-2.0.4.txt"}
    for path in lists.values():
        path.write_text("00001 00001_930831_fa_a.ppm.bz2\n")
    stand_ins = tmp_path / "paths.yaml"
    stand_ins.write_text(
        yaml.safe_dump(
            {
                "datasets": {name: {"root": str(root)} for name, root in roots.items()},
                "protocols": {
                    f"paper-{name}": {"reference": {"list": str(path)}}
                    for name, path in lists.items()
                },
            }
        )
    )
    user_files = [REPO / f for f in files]
    if files == ["config/paper.yaml"]:
        user_files.append(stand_ins)
    config = validate_config(workflow_config(REPO, *user_files), REPO)
    gpu_instances = {
        (family, name)
        for family in ("colourisers", "recognition", "quality")
        for name, instance in config[family].items()
        if instance["enabled"] and instance.get("gpu")
    }
    if files == ["config/paper.yaml"]:
        enabled = {
            family: sorted(n for n, i in config[family].items() if i["enabled"])
            for family in ("colourisers", "recognition", "quality")
        }
        assert enabled == {
            "colourisers": ["deoldify-dana", "deoldify-stable"],
            "recognition": ["arcface-buffalo_l"],
            "quality": ["faceqnet-v0"],
        }
        assert sorted(config["datasets"]) == ["feret", "frgc"]
        assert config["recognition"]["arcface-buffalo_l"]["params"]["pack"] == "buffalo_l"
        assert [s["id"] for s in config["scenarios"]] == ["s1", "s2", "s3", "s4", "s5"]
        for name in ("feret", "frgc"):  # the paper's references are lists
            (protocol,) = config["datasets"][name]["protocols"]
            assert config["protocols"][protocol]["reference"]["rule"] == "list"
        assert len(gpu_instances) == 4
    else:
        assert ("recognition", "arcface-mobilefacenet") in gpu_instances
        assert ("colourisers", "trained-unet") in gpu_instances
