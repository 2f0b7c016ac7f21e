"""The Snakemake workflow: lint, the frame stages on a reduced config, and that a changed
setting reruns only the descendants of what changed."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from helpers.snakemake import REPO, reduced_config_args
from PIL import Image


def test_lint_is_clean(snakemake) -> None:
    result = snakemake.run("--lint", check=False)
    assert "Lints for" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.returncode == 0


def test_every_config_problem_is_reported_at_parse_time(snakemake, tmp_path: Path) -> None:
    # Two schema errors: both keys appear (snakemake's own validate would stop at one).
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"sharding": {"shard_size": 0}, "metrics": {"primary_fmr": 2}}))
    result = snakemake.run("--dry-run", "--configfile", str(bad), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "sharding.shard_size: 0 is less than the minimum of 1" in output
    assert "metrics.primary_fmr: 2 is greater than or equal to the maximum of 1" in output


def test_bad_config_fails_at_parse_time(snakemake, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump({"recognition": {"arcface-mobilefacenet": {"plugin": "arcfcae"}}})
    )
    result = snakemake.run("--dry-run", "--configfile", str(bad), check=False)
    assert result.returncode != 0
    assert (
        "recognition.arcface-mobilefacenet.plugin: unknown recognition system plugin 'arcfcae'"
        in (result.stdout + result.stderr)
    )


def test_frame_stages_of_the_reduced_experiment(
    snakemake, reduced_experiment: tuple[Path, list[str]]
) -> None:
    results, configs = reduced_experiment
    manifest = pd.read_csv(results / "lfw" / "manifest.csv", dtype=str, keep_default_na=False)
    assert manifest["subject_id"].nunique() == 6
    train_people = (REPO.parent / "shared/data/lfw/peopleDevTrain.txt").read_text()
    assert not any(
        f"\n{s}\t" in train_people for s in manifest["subject_id"]
    )  # training split excluded
    shards = sorted(manifest["shard"].unique())
    assert len(shards) > 1
    targets = [str(results / "lfw" / "tables" / "dataset_overview.csv")] + [
        str(results / "lfw" / "variants" / "grey" / f"{s}.csv") for s in shards
    ]
    overview = pd.read_csv(results / "lfw" / "tables" / "dataset_overview.csv").iloc[0]
    assert overview["subjects"] == 6 and overview["references"] == 6
    assert overview["genuine_comparisons"] == len(manifest) - 6
    assert overview["impostor_comparisons"] == (len(manifest) - 6) * 5
    assert (results / "lfw" / "tables" / "dataset_overview.md").read_text().startswith("# Dataset")

    grey = pd.concat(pd.read_csv(t, dtype=str, keep_default_na=False) for t in targets[1:])
    assert len(grey) == len(manifest) and (grey["status"] == "ok").all()
    image = Image.open(grey["path"].iloc[0])
    assert image.mode == "L" and image.size == (250, 250)

    # Nothing left to do for these targets: the DAG is stable.
    assert snakemake.planned_jobs(targets, configs) == {}


SYSTEM = "dlib-resnet"


def test_changed_colouriser_setting_reruns_only_its_descendants(
    snakemake, reduced_experiment: tuple[Path, list[str]], tmp_path: Path
) -> None:
    results, configs = reduced_experiment
    lfw = results / "lfw"
    shards = sorted(pd.read_csv(lfw / "manifest.csv", dtype=str)["shard"].unique())
    colourisers = ("exemplar-transfer", "trained-unet")

    def indexes(variant: str) -> list[str]:
        return [str(lfw / "variants" / variant / f"{s}.csv") for s in shards]

    def recognition(variant: str) -> list[str]:
        return [str(lfw / "recognition" / SYSTEM / variant / f"{s}.parquet") for s in shards]

    def scores(scenario: str) -> str:
        return str(lfw / "scores" / "paper" / SYSTEM / f"{scenario}.parquet")

    targets = indexes("original") + indexes("grey")
    for name in colourisers:
        targets += indexes(f"colourised-{name}") + recognition(f"colourised-{name}")
        targets += [scores(f"s4-{name}"), scores(f"s5-{name}")]
    targets += [scores("s1"), scores("s3")]
    assert snakemake.planned_jobs(targets, configs) == {}

    changed = tmp_path / "changed.yaml"
    changed.write_text(
        yaml.safe_dump({"colourisers": {"exemplar-transfer": {"params": {"n_samples": 128}}}})
    )
    # A dry run only: the shared experiment stays as it is.
    plan = snakemake.plan(targets, [*configs, str(changed)])
    planned: dict[str, list[str]] = {}
    for job in plan:
        planned.setdefault(job.rule, []).extend(job.outputs)
    assert Counter(job.rule for job in plan) == {
        "colourise": len(shards),
        "embed": len(shards),
        "compare": 2,
    }
    exemplar = "colourised-exemplar-transfer"
    assert set(planned["colourise"]) >= set(indexes(exemplar))
    assert set(planned["embed"]) >= set(recognition(exemplar))
    assert set(planned["compare"]) == {
        scores("s4-exemplar-transfer"),
        scores("s5-exemplar-transfer"),
    }
    # Nothing of trained-unet, grey or original: every planned output is exemplar's.
    unrelated = [o for outputs in planned.values() for o in outputs if "exemplar-transfer" not in o]
    assert unrelated == []

    first = Image.open(pd.read_csv(indexes(exemplar)[0], dtype=str)["path"].iloc[0])
    assert np.asarray(first).shape == (250, 250, 3)


def copy_configs(results: Path) -> list[str]:
    """The reduced experiment's --configfile arguments, pointed at a copy of its results."""
    overlay = results / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({"results_dir": str(results)}))
    return reduced_config_args(overlay)


def test_deoldify_weights_come_from_their_own_rule_or_the_configured_file(
    snakemake, experiment_copy: Path, tmp_path: Path
) -> None:
    results = experiment_copy
    lfw = results / "lfw"
    shards = sorted(pd.read_csv(lfw / "manifest.csv", dtype=str)["shard"].unique())
    targets = [str(lfw / "variants" / "colourised-deoldify-stable" / f"{s}.csv") for s in shards]
    enable = tmp_path / "deoldify.yaml"
    enable.write_text(
        yaml.safe_dump(
            {
                "resources_dir": str(tmp_path / "resources"),
                "colourisers": {"deoldify-stable": {"enabled": True}},
            }
        )
    )
    configs = [*copy_configs(results), str(enable)]
    # weights: null -> one download job shared by every shard
    jobs = snakemake.planned_jobs(targets, configs)
    assert jobs["fetch_deoldify_stable"] == 1 and jobs["colourise"] == len(shards)
    # offline (allow_downloads: false) it fails at once with the file and the URL to fetch,
    # and no colourise job starts
    result = snakemake.run(targets[0], *configs, check=False)
    assert result.returncode != 0
    assert "ColorizeStable_gen.pth" in result.stderr and "downloads are disabled" in result.stderr
    assert "https://data.deepai.org/deoldify/ColorizeStable_gen.pth" in result.stderr
    assert not Path(targets[0]).exists()
    # weights: a local file -> that file is the input, nothing to fetch
    local = tmp_path / "my-stable.pth"
    local.write_bytes(b"not really weights")
    configured = tmp_path / "local.yaml"
    configured.write_text(
        yaml.safe_dump(
            {
                "resources_dir": str(tmp_path / "resources"),
                "colourisers": {
                    "deoldify-stable": {"enabled": True, "params": {"weights": str(local)}}
                },
            }
        )
    )
    jobs = snakemake.planned_jobs(targets, [*copy_configs(results), str(configured)])
    assert "fetch_deoldify_stable" not in jobs and jobs["colourise"] == len(shards)


def test_dag_figure_of_the_reduced_experiment(reduced_experiment: tuple[Path, list[str]]) -> None:
    results, _ = reduced_experiment
    svg = (results / "figures" / "pipeline_rulegraph.svg").read_text()
    assert "<svg" in svg
    for stage in ("manifest", "greyscale", "colourise", "embed", "compare"):
        assert f">{stage}<" in svg, f"rule graph lacks {stage}"
    assert (results / "figures" / "pipeline_rulegraph.pdf").read_bytes().startswith(b"%PDF")
    assert (results / "figures" / "pipeline_rulegraph.png").read_bytes().startswith(b"\x89PNG")
    # the job DAG: one node per job, so every shard's greyscale job appears
    dag = (results / "figures" / "pipeline_dag.svg").read_text()
    shards = pd.read_csv(results / "lfw" / "manifest.csv", dtype=str)["shard"].nunique()
    assert dag.count(">greyscale<") == shards and "shard: " in dag
    assert (results / "figures" / "pipeline_dag.pdf").read_bytes().startswith(b"%PDF")


def test_dag_figure_honours_config_given_on_the_command_line(snakemake, tmp_path: Path) -> None:
    """A results_dir from --config reaches the nested Snakemake (only
    --configfile files did: the graph was `manifest -> all`), and so does every file of
    several --configfile ones (shard size 12 from the second)."""
    results = tmp_path / "results"
    overlay = tmp_path / "one.yaml"
    overlay.write_text(yaml.safe_dump({"sharding": {"shard_size": 12}}))
    config_args = [
        "--configfile",
        str(REPO / "config" / "reduced.yaml"),
        str(overlay),
        "--config",
        f"results_dir={results}",
    ]
    figure = results / "figures" / "pipeline_rulegraph.svg"
    snakemake.run(str(figure), *config_args)
    svg = figure.read_text()
    for stage in ("manifest", "greyscale", "colourise", "embed", "compare", "metrics"):
        assert f">{stage}<" in svg, f"rule graph lacks {stage}"
    manifest = pd.read_csv(results / "lfw" / "manifest.csv", dtype=str)
    shards = manifest["shard"].nunique()
    assert shards > -(-len(manifest) // 24)  # shard_size 12 from the second file, not 24
    # A nested run with another shard size (or results folder) would plan the manifest
    # again and draw `manifest -> all`: every shard's job shows it saw the same config.
    dag = (results / "figures" / "pipeline_dag.svg").read_text()
    assert dag.count(">greyscale<") == shards


def test_rule_and_script_names_match() -> None:
    """Each rule with a script runs workflow/scripts/<rule>.py; the artifact rules, named
    after their artifacts, share build_artifact.py."""
    for smk in sorted((REPO / "rules").glob("*.smk")):
        text = smk.read_text()
        for match in re.finditer(
            r"^(?:rule|checkpoint) (\w+):\n(.*?)(?=^\S|\Z)", text, re.MULTILINE | re.DOTALL
        ):
            script = re.search(r'script:\n\s+"\.\./workflow/scripts/(\w+)\.py"', match.group(2))
            if script:
                assert script.group(1) == match.group(1), (smk.name, match.group(1))
    artifacts = (REPO / "rules" / "artifacts.smk").read_text()
    assert '"../workflow/scripts/build_artifact.py"' in artifacts
    scripts = {p.stem for p in (REPO / "workflow" / "scripts").glob("*.py")}
    rules = set(
        re.findall(
            r"^(?:rule|checkpoint) (\w+):",
            "\n".join(p.read_text() for p in (REPO / "rules").glob("*.smk")),
            re.MULTILINE,
        )
    )
    assert scripts - rules == {"build_artifact"}


def test_a_changed_dataset_reruns_only_the_shards_it_affects(
    snakemake, tmp_path: Path, lfw_root: Path
) -> None:
    """Adding, replacing or removing one image reruns the manifest (its listing fingerprint
    changed) and the per-image jobs of that image's shard only."""
    import shutil

    people = sorted(p for p in (lfw_root / "images_deepfunneled").iterdir() if p.is_dir())
    chosen = [p for p in people if len(list(p.glob("*.jpg"))) >= 4][:3]
    root = tmp_path / "toy"
    for person in chosen:
        (root / person.name).mkdir(parents=True)
        for image in sorted(person.glob("*.jpg"))[:3]:
            shutil.copy2(image, root / person.name / image.name)
    results = tmp_path / "results"
    overlay = tmp_path / "toy.yaml"
    overlay.write_text(yaml.safe_dump({
        "results_dir": str(results),
        "datasets": {"toy": {"format": "folder", "root": str(root), "protocols": ["paper"]}},
        "colourisers": {"trained-unet": {"enabled": False}},
        "sharding": {"shard_size": 5},
    }))  # fmt: skip
    config_args = reduced_config_args(overlay)
    manifest_file = results / "toy" / "manifest.csv"

    def shard_targets() -> list[str]:
        """The per-shard outputs of the manifest as it is (build it first)."""
        shards = sorted(pd.read_csv(manifest_file, dtype=str)["shard"].unique())
        return [
            str(results / "toy" / "variants" / variant / f"{s}.csv")
            for s in shards
            for variant in ("grey", "colourised-exemplar-transfer")
        ]

    def shard_of_file(image: Path) -> str:
        manifest = pd.read_csv(manifest_file, dtype=str)
        return manifest.loc[manifest["path"] == str(image), "shard"].item()

    snakemake.run(str(manifest_file), *config_args)
    assert len(shard_targets()) == 2 * 2  # 9 images in shards of 5: two shards
    snakemake.run(*shard_targets(), *config_args)
    assert snakemake.planned_jobs(shard_targets(), config_args) == {}

    person = root / chosen[0].name
    new_image = person / sorted(chosen[0].glob("*.jpg"))[3].name
    replaced = min(person.glob("*.jpg"))
    cases = [  # the shard of a removed image is the one it was in
        ("added", lambda: shutil.copy2(chosen[0] / new_image.name, new_image), new_image),
        ("replaced", lambda: shutil.copy2(min(chosen[1].glob("*.jpg")), replaced), replaced),
        ("removed", new_image.unlink, new_image),
    ]
    for what, change, image in cases:
        shard = shard_of_file(image) if image.exists() else None
        change()
        # The manifest sees the change (listing fingerprint), the rest waits for it.
        assert snakemake.planned_jobs([str(manifest_file)], config_args) == {"manifest": 1}, what
        snakemake.run(str(manifest_file), *config_args)
        shard = shard or shard_of_file(image)
        targets = shard_targets()
        planned = snakemake.planned_outputs(targets, config_args)
        assert set(planned) == {"original_index", "greyscale", "colourise"}, (what, planned)
        for rule, outputs in planned.items():
            assert all(f"/{shard}" in output for output in outputs), (what, rule, outputs)
        snakemake.run(*targets, *config_args)
    assert snakemake.planned_jobs(shard_targets(), config_args) == {}


def test_job_memory_follows_the_largest_image_and_the_budget_makes_it_too_large(
    snakemake, tmp_path: Path, lfw_root: Path
) -> None:
    """Each per-image job asks for its shard's largest image; an image above
    memory.image_budget_mb is recorded as too_large by the step, never decoded."""
    import shutil

    from colourfr.memory import STEP_BYTES_PER_PIXEL, job_mem_mb

    people = sorted(p for p in (lfw_root / "images_deepfunneled").iterdir() if p.is_dir())
    chosen = [p for p in people if len(list(p.glob("*.jpg"))) >= 2][:2]
    root = tmp_path / "photos"
    for person in chosen:
        (root / person.name).mkdir(parents=True)
        for image in sorted(person.glob("*.jpg"))[:2]:
            shutil.copy2(image, root / person.name / image.name)
    # One person's second photo becomes a 4000 x 2500 picture (10 Mpx).
    big = sorted((root / chosen[1].name).glob("*.jpg"))[1]
    Image.open(big).resize((4000, 2500)).save(big, quality=80)
    results = tmp_path / "results"
    budget_mb = 64  # greyscale: 11 B/px -> at most 6.1 Mpx
    overlay = tmp_path / "photos.yaml"
    overlay.write_text(yaml.safe_dump({
        "results_dir": str(results),
        "datasets": {"photos": {"format": "folder", "root": str(root), "protocols": ["paper"]}},
        "colourisers": {"trained-unet": {"enabled": False}},
        "sharding": {"shard_size": 2},
        "memory": {"image_budget_mb": budget_mb},
    }))  # fmt: skip
    config_args = reduced_config_args(overlay)
    manifest_file = results / "photos" / "manifest.csv"
    snakemake.run(str(manifest_file), *config_args)
    manifest = pd.read_csv(manifest_file, dtype=str)
    big_row = manifest[manifest["path"] == str(big)].iloc[0]
    targets = [
        str(results / "photos" / "variants" / "grey" / f"{s}.csv")
        for s in sorted(manifest["shard"].unique())
    ]
    dry = snakemake.run(*targets, "--dry-run", *config_args).stdout
    asked = dict(re.findall(r"variants/grey/(s\d+)\.csv.*?mem_mb=(\d+)", dry, re.DOTALL))
    per_pixel = STEP_BYTES_PER_PIXEL["greyscale"]
    for shard, mem_mb in asked.items():
        pixels = 4000 * 2500 if shard == big_row["shard"] else 250 * 250
        assert int(mem_mb) == job_mem_mb(1000, per_pixel, pixels, budget_mb), shard
    assert int(asked[big_row["shard"]]) == 1000 + budget_mb  # capped by the budget

    snakemake.run(*targets, *config_args)
    grey = pd.read_csv(
        results / "photos" / "variants" / "grey" / f"{big_row['shard']}.csv", dtype=str
    ).set_index("image_id")
    assert grey.loc[big_row["image_id"], "status"] == "too_large"
    assert "memory.image_budget_mb" in grey.loc[big_row["image_id"], "detail"]
    assert (grey.drop(index=big_row["image_id"])["status"] == "ok").all()
