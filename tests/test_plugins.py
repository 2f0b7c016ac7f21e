"""The plugin contract: entry-point discovery, one clear error per broken
plugin distribution, the spec carries what the workflow needs, the workflow names none."""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from colourfr import registry as registry_module
from colourfr.cli import main
from colourfr.config import validate_config, workflow_config
from colourfr.errors import ConfigError, PluginLoadError, UnknownPluginError
from colourfr.plugin_plan import (
    BUILD,
    DOWNLOAD,
    Artifact,
    WorkflowPlan,
    collect_artifacts,
    conda_env_file,
    plan_instance,
)
from colourfr.registry import (
    ENTRY_POINT_GROUPS,
    PluginSpec,
    Registry,
    build,
    factory_arguments,
    registry_for,
)

REPO = Path(__file__).resolve().parents[1]
BUILTIN = {
    "colourisers": {
        "deoldify-artistic",
        "deoldify-dana",
        "deoldify-stable",
        "deoldify-video",
        "exemplar-transfer",
        "trained-unet",
    },
    "recognition": {"dlib-resnet", "insightface-arcface"},
    "quality": {"faceqnet-v0", "faceqnet-v1", "iso29794-5", "lightqnet"},
    "datasets": {"csv", "feret", "folder", "frgc", "lfw"},
}


def make_distribution(
    root: Path, name: str, entry_points: dict[str, dict[str, str]], modules: dict[str, str]
) -> Path:
    """An installed distribution (dist-info + modules) under ``root``, as pip would lay it
    out with ``--target``; ``root`` then goes on sys.path."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = []
    for group, entries in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{key} = {value}" for key, value in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for module, code in modules.items():
        path = root / (module.replace(".", "/") + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code))
    return root


@pytest.fixture
def fresh_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registries rebuilt from whatever is on sys.path now (not the session's cache)."""
    monkeypatch.setattr(registry_module, "_REGISTRIES", {})
    importlib.invalidate_caches()


GOOD_SPEC_MODULE = """
from colourfr.registry import PluginSpec
SPEC = PluginSpec(name="{name}", factory="builtins:dict", summary="test plugin")
"""


def test_builtin_plugins_are_entry_points_of_colourfr() -> None:
    for family, names in BUILTIN.items():
        group = ENTRY_POINT_GROUPS[family]
        declared = {ep.name for ep in importlib.metadata.entry_points(group=group)}
        assert names <= declared, family
        registry = registry_for(family)
        for name in names:
            spec = registry.get(name)
            assert spec.name == name and spec.distribution == "colourfr"


def test_a_separate_distribution_registers_a_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registries: None
) -> None:
    make_distribution(
        tmp_path,
        "colourfr-sepia",
        {"colourfr.colourisers": {"sepia": "colourfr_sepia:SPEC"}},
        {"colourfr_sepia": GOOD_SPEC_MODULE.format(name="sepia")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = registry_for("colourisers")
    assert "sepia" in registry.names()
    assert registry.get("sepia").distribution == "colourfr-sepia"
    assert registry.distribution_of("exemplar-transfer") == "colourfr"


def test_one_name_registered_by_two_distributions_is_one_error_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registries: None
) -> None:
    make_distribution(
        tmp_path,
        "colourfr-clash",
        {"colourfr.colourisers": {"exemplar-transfer": "colourfr_clash:SPEC"}},
        {"colourfr_clash": GOOD_SPEC_MODULE.format(name="exemplar-transfer")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginLoadError) as info:
        Registry("colourisers").names()
    message = str(info.value)
    assert "'exemplar-transfer' is registered twice" in message
    assert "'colourfr'" in message and "'colourfr-clash'" in message


def test_broken_entry_point_is_one_error_at_config_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registries: None, lfw_root: Path
) -> None:
    make_distribution(
        tmp_path,
        "colourfr-broken",
        {
            "colourfr.colourisers": {"broken": "colourfr_broken:SPEC"},
            "colourfr.quality": {"badspec": "colourfr_badspec:SPEC"},
        },
        {
            "colourfr_broken": "import a_module_that_is_not_installed\n",
            "colourfr_badspec": "SPEC = {'name': 'badspec'}\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # Listing names does not import anything: an unused broken plugin blocks nobody.
    assert "broken" in registry_for("colourisers").names()
    config = workflow_config(REPO)
    config["colourisers"]["mine"] = {"plugin": "broken"}
    config["quality"]["q"] = {"plugin": "badspec"}
    with pytest.raises(ConfigError) as info:
        validate_config(config, base_dir=REPO)
    message = str(info.value)
    assert (
        "colourisers.mine.plugin: colouriser plugin 'broken': entry point "
        "'broken = colourfr_broken:SPEC' of distribution 'colourfr-broken' failed to import: "
        "ModuleNotFoundError" in message
    )
    assert "quality.q.plugin: quality estimator plugin 'badspec': entry point" in message
    assert "is a dict, not a colourfr.registry.PluginSpec" in message


def test_unknown_plugin_lists_the_installed_ones() -> None:
    with pytest.raises(UnknownPluginError) as info:
        registry_for("recognition").get("arcfcae")
    # The built-ins among them (a plugin package installed beside colourfr adds its own).
    installed = re.search(r"installed: ([^;()\n]+)", str(info.value))
    assert installed, str(info.value)
    assert BUILTIN["recognition"] <= set(installed.group(1).rstrip(".").split(", "))


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (PluginSpec("x", "not a reference", "s"), "factory 'not a reference' is not"),
        (PluginSpec("y", "m:f", "s"), "spec name 'y' differs"),
        (PluginSpec("x", "m:f", "s", params_schema={"type": "array"}), "type object"),
        (
            PluginSpec(
                "x",
                "m:f",
                "s",
                path_params=("weights",),
                params_schema={"type": "object", "properties": {}},
            ),
            "not in params_schema: weights",
        ),
    ],
)
def test_invalid_specs_are_named(spec: PluginSpec, problem: str) -> None:
    assert any(problem in p for p in registry_module.spec_problems(spec, "x"))


def test_plugins_command_names_the_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.split("\t")[:3] == ["colourisers", "trained-unet", "colourfr"] for line in lines
    )
    assert any(line.split("\t")[:3] == ["datasets", "lfw", "colourfr"] for line in lines)


def test_no_plugin_is_named_in_the_workflow_layer() -> None:
    names = set().union(*(BUILTIN[f] for f in ("colourisers", "recognition", "quality")))
    names |= {"lfw", "feret", "frgc", "buffalo_l", "mobilefacenet", "scrfd", "deoldify"}
    files = [
        REPO / "Snakefile",
        *sorted((REPO / "rules").glob("*.smk")),
        *sorted((REPO / "workflow" / "scripts").glob("*.py")),
    ]
    found = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for name in names:
                if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", line, re.IGNORECASE):
                    found.append(f"{path.relative_to(REPO)}:{number}: {name}")
    assert found == []


def test_job_rules_take_only_plugin_and_params_as_params() -> None:
    text = "\n".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    for rule in ("colourise", "embed", "quality_score"):
        body = re.search(rf"^rule {rule}:\n(.*?)(?=^\S)", text, re.MULTILINE | re.DOTALL)
        assert body, rule
        params = re.search(r"^    params:\n((?:        .*\n)+)", body.group(1), re.MULTILINE)
        assert params, rule
        keys = re.findall(r"^        (\w+)=", params.group(1), re.MULTILINE)
        # image_budget_mb decides which images are too_large, so a change must rerun.
        assert keys == ["plugin", "params", "image_budget_mb"], (rule, keys)


def test_factory_arguments_apply_inputs_downloads_and_device() -> None:
    spec = registry_for("recognition").get("insightface-arcface")
    arguments = factory_arguments(
        spec,
        {"pack": "buffalo_l", "detector": None, "pack_dir": "/x", "device": "auto"},
        inputs={"detector": "/m/det.onnx", "unrelated": "/y"},
        gpu=False,
    )
    assert arguments == {"pack": "buffalo_l", "detector": "/m/det.onnx", "device": "cpu"}


def _config(**overlay: object) -> dict:
    config = workflow_config(REPO)
    for family, instances in overlay.items():
        for name, settings in instances.items():  # type: ignore[attr-defined]
            config.setdefault(family, {})[name] = settings
    return validate_config(config, base_dir=REPO)


@pytest.mark.usefixtures("lfw_root")
def test_plans_give_inputs_and_artifacts_without_the_workflow_knowing_names() -> None:
    config = _config(
        colourisers={"deoldify-stable": {"plugin": "deoldify-stable", "enabled": True}},
        recognition={
            "arcface-buffalo_l": {
                "plugin": "insightface-arcface",
                "enabled": True,
                "params": {"pack": "buffalo_l"},
            }
        },
    )
    stable = plan_instance("colourisers", "deoldify-stable", config)
    weights = str(Path(config["resources_dir"], "models", "deoldify", "ColorizeStable_gen.pth"))
    assert stable.inputs == {"weights": weights} and stable.params["weights"] == weights
    assert [(a.name, a.kind) for a in stable.artifacts] == [("fetch_deoldify_stable", DOWNLOAD)]
    trained = plan_instance("colourisers", "trained-unet", config)
    assert [(a.name, a.kind, a.conda_env) for a in trained.artifacts] == [
        ("train_trained_unet", BUILD, "train")
    ]
    assert set(trained.inputs) == {"model_checkpoint", "model_config"}
    assert "training" not in trained.params and "profile" not in trained.params
    arcface = plan_instance("recognition", "arcface-mobilefacenet", config)
    assert [a.name for a in arcface.artifacts] == ["import_mobilefacenet"]
    assert not set(arcface.params) & {"pack_dir", "mxnet_symbol", "mxnet_params"}
    buffalo = plan_instance("recognition", "arcface-buffalo_l", config)
    assert [a.name for a in buffalo.artifacts] == ["fetch_buffalo_l"]


def test_two_instances_needing_one_artifact_differently_is_a_config_error() -> None:
    one = Artifact("fetch_x", DOWNLOAD, "m:f", {"out": "/r/x"}, params={"sha": "a"})
    two = Artifact("fetch_x", DOWNLOAD, "m:f", {"out": "/r/x"}, params={"sha": "b"})
    shared, allowed = collect_artifacts(
        {
            ("colourisers", "a"): WorkflowPlan("p", {}, {}, (one,)),
            ("colourisers", "b"): WorkflowPlan("p", {}, {}, (one,), allow_download=False),
        }
    )
    assert list(shared) == ["fetch_x"] and allowed == {"fetch_x": False}
    with pytest.raises(ConfigError, match="colourisers.b and colourisers.a need artifact"):
        collect_artifacts(
            {
                ("colourisers", "a"): WorkflowPlan("p", {}, {}, (one,)),
                ("colourisers", "b"): WorkflowPlan("p", {}, {}, (two,)),
            }
        )


def test_conda_environments_resolve_by_name_package_or_path(tmp_path: Path) -> None:
    assert conda_env_file("colourisers", REPO) == str(REPO / "envs" / "colourisers.yaml")
    packaged = conda_env_file("colourfr:schema/config.schema.yaml", REPO)
    assert Path(packaged).is_file()
    assert conda_env_file(str(tmp_path / "env.yaml"), REPO) == str(tmp_path / "env.yaml")
    for family in ("colourisers", "recognition", "quality"):
        for spec in registry_for(family):
            for gpu in (False, True):
                assert Path(conda_env_file(spec.environment(gpu), REPO)).is_file(), spec.name


def test_a_recogniser_written_from_the_docs_runs_through_the_embed_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registries: None, lfw_root: Path
) -> None:
    """The recogniser snippet of docs/plugins.md, as a module of its own, registered,
    built the one way (which checks its contract) and run over LFW images by the embed
    step's loop."""
    import pandas as pd

    from colourfr.recognition.records import embed_index

    text = (REPO / "docs" / "plugins.md").read_text()
    block = text.split("<!-- BEGIN RECOGNISER SNIPPET -->")[1].split("<!-- END RECOGNISER")[0]
    code = block.split("```python\n", 1)[1].rsplit("```", 1)[0]
    (tmp_path / "my_recogniser.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_recogniser

    registry_for("recognition").register(my_recogniser.CENTRE_CROP)
    system = build("recognition", "centre-crop", {})
    paths = sorted((lfw_root / "images_deepfunneled" / "Aaron_Peirsol").glob("*.jpg"))[:3]
    index = pd.DataFrame({"image_id": [p.stem for p in paths], "path": list(map(str, paths)),
                          "status": "ok"})  # fmt: skip
    records, embeddings = embed_index(system, index, batch_size=2)
    assert [r.failure for r in records] == [None, None, None]
    assert embeddings.shape == (3, 64)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
    assert system.provenance()["system"] == "centre-crop"


def test_a_plugin_missing_a_member_is_refused_when_it_loads_naming_it(
    fresh_registries: None,
) -> None:
    from colourfr.recognition.base import AlignedEmbedder

    class NoEmbedding(AlignedEmbedder):  # locate only: embed_faces left out
        name = "no-embedding"
        embedding_dim = 4

        def locate(self, image, record):
            return image

    class NoProvenance:
        name = "no-provenance"

        def score(self, images, faces):
            return np.zeros(len(images)), [None] * len(images)

        provenance = None

    module = type(sys)("contract_cases")
    module.NoEmbedding, module.NoProvenance = NoEmbedding, NoProvenance
    sys.modules["contract_cases"] = module
    try:
        registry_for("recognition").register(
            PluginSpec("no-embedding", "contract_cases:NoEmbedding", "s")
        )
        registry_for("quality").register(
            PluginSpec("no-provenance", "contract_cases:NoProvenance", "s")
        )
        with pytest.raises(PluginLoadError, match="recognition plugin 'no-embedding'.*embed_faces"):
            build("recognition", "no-embedding", {})
        with pytest.raises(PluginLoadError, match="no `provenance`"):
            build("quality", "no-provenance", {})
    finally:
        del sys.modules["contract_cases"]
