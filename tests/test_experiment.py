"""The whole experiment on the reduced configuration (six LFW subjects), end to end:
every paper table and figure, the pipeline figure, provenance and the Snakemake report."""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SYSTEMS = ("arcface-mobilefacenet", "dlib-resnet")
COLOURISERS = ("trained-unet", "exemplar-transfer")
VARIANTS = ("original", "grey", *(f"colourised-{c}" for c in COLOURISERS))
SCENARIOS = {"s1", "s2", "s3", *(f"{s}-{c}" for s in ("s4", "s5") for c in COLOURISERS)}


@pytest.fixture(scope="module")
def experiment(reduced_experiment: tuple[Path, list[str]]) -> tuple[Path, list[str]]:
    return reduced_experiment


def test_nothing_is_left_to_do_after_the_run(snakemake, experiment: tuple[Path, list[str]]) -> None:
    _, configs = experiment
    output = snakemake.run("--dry-run", *configs).stdout
    assert "Nothing to be done" in output, output


def test_table1_counts_follow_from_the_manifest(experiment: tuple[Path, list[str]]) -> None:
    results, _ = experiment
    manifest = pd.read_csv(results / "lfw" / "manifest.csv", dtype=str)
    overview = pd.read_csv(results / "lfw" / "tables" / "dataset_overview.csv").iloc[0]
    probes = len(manifest) - 6
    assert (overview["subjects"], overview["references"], overview["probes"]) == (6, 6, probes)
    assert overview["impostor_comparisons"] == probes * 5


def test_table2_has_every_estimator_and_variant(experiment: tuple[Path, list[str]]) -> None:
    results, _ = experiment
    stats = pd.read_csv(results / "lfw" / "tables" / "quality_statistics.csv")
    lightqnet = stats[stats["estimator"] == "lightqnet"].set_index("variant")
    assert set(lightqnet.index) == set(VARIANTS)
    assert (
        (lightqnet["min"] <= lightqnet["median"]) & (lightqnet["median"] <= lightqnet["max"])
    ).all()
    assert ((lightqnet["max"] <= 1) & (lightqnet["min"] >= 0)).all()
    # Greyscale faces have no colour: OFIQ's natural-colour component rates them 100.
    natural = stats[
        (stats["estimator"] == "iso29794-5:natural_colour") & (stats["variant"] == "grey")
    ]
    assert natural["min"].item() == natural["max"].item() == 100.0
    for suffix in ("md", "tex"):
        assert (results / "lfw" / "tables" / f"quality_statistics.{suffix}").stat().st_size > 0


@pytest.mark.parametrize("system", SYSTEMS)
def test_table3_reuses_baseline_thresholds_and_obeys_the_frr_identity(
    experiment: tuple[Path, list[str]], system: str
) -> None:
    results, _ = experiment
    metrics = results / "lfw" / "metrics" / "paper" / system
    table = pd.read_csv(metrics / "performance.csv")
    assert set(table["file"]) == SCENARIOS
    assert sorted(table["fmr_target"].unique()) == [0.0001, 0.001, 0.01]
    # One threshold per FMR target: the baseline's, reused by every scenario.
    assert (table.groupby("fmr_target")["threshold"].nunique() == 1).all()
    np.testing.assert_allclose(table["frr"], table["fta"] + table["fnmr"] * (1 - table["fta"]))
    assert (
        (table["frr_low"] <= table["frr"] + 1e-12) & (table["frr"] <= table["frr_high"] + 1e-12)
    ).all()
    assert (table["n_genuine"] == table.loc[table["file"] == "s1", "n_genuine"].iloc[0]).all()
    markdown = (metrics / "performance.md").read_text()
    assert "original / colourised (trained-unet)" in markdown
    assert "\\begin{tabular}" in (metrics / "performance.tex").read_text()
    mcnemar = pd.read_csv(metrics / "mcnemar.csv")
    assert ((mcnemar["p_value"] >= 0) & (mcnemar["p_value"] <= 1)).all()


def test_every_paper_figure_exists_as_png_and_pdf(experiment: tuple[Path, list[str]]) -> None:
    results, _ = experiment
    figures = results / "lfw" / "figures"
    stems = [figures / "example_variants", figures / "colour_fidelity_ciede2000"]
    stems += [figures / f"quality_cdf_{e}" for e in ("lightqnet", "iso29794-5")]
    stems += [figures / f"fta_rescued_{s}_{c}" for s in SYSTEMS for c in COLOURISERS]
    stems += [
        figures / "paper" / s / name
        for s in SYSTEMS
        for name in ("frr_threshold", "det", "score_distributions")
    ]
    stems += [results / "figures" / f"pipeline_{g}" for g in ("rulegraph", "dag")]
    for stem in stems:
        pdf = stem.with_suffix(".pdf").read_bytes()
        assert pdf.startswith(b"%PDF"), stem
        # No run-dependent date (Graphviz's is replaced by a fixed one).
        assert re.search(rb"/CreationDate \(D:(?!19700101)", pdf) is None, stem
        if "pipeline" in stem.name:
            assert "<svg" in stem.with_suffix(".svg").read_text()
        else:
            assert stem.with_suffix(".png").read_bytes().startswith(b"\x89PNG"), stem
    for table in ("dataset_overview", "fta_changes", "colour_fidelity"):
        for suffix in ("csv", "md", "tex"):
            assert (results / "lfw" / "tables" / f"{table}.{suffix}").stat().st_size > 0, table


def test_fta_changes_agree_with_the_recognition_records(experiment: tuple[Path, list[str]]) -> None:
    results, _ = experiment
    changes = pd.read_csv(results / "lfw" / "tables" / "fta_changes.csv")
    for row in changes.itertuples():
        records = {
            variant: pd.concat(
                pd.read_parquet(p)
                for p in sorted(
                    (results / "lfw" / "recognition" / row.system / variant).glob("*.parquet")
                )
            ).set_index("image_id")["failure"]
            for variant in ("grey", f"colourised-{row.colouriser}")
        }
        grey_failed = records["grey"].notna() & (records["grey"] != "")
        colour = records[f"colourised-{row.colouriser}"].reindex(records["grey"].index)
        colour_failed = colour.notna() & (colour != "")
        assert row.grey_fta == int(grey_failed.sum())
        assert row.colourised_fta == int(colour_failed.sum())
        assert row.rescued == int((grey_failed & ~colour_failed).sum())


def test_provenance_lists_models_with_their_digests(experiment: tuple[Path, list[str]]) -> None:
    results, _ = experiment
    text = (results / "provenance.md").read_text()
    assert re.search(r"git commit: `[0-9a-f]{40}", text)
    sums = (SHARED / "models" / "SHA256SUMS").read_text()
    scrfd = next(line.split()[0] for line in sums.splitlines() if "scrfd_2.5g_kps" in line)
    assert f"`{scrfd}`" in text
    lightqnet = next(line.split()[0] for line in sums.splitlines() if "lightqnet-dm100.pb" in line)
    assert f"`{lightqnet}`" in text
    # the self-trained generator is listed with the digest of the file the run produced
    generator = results / "models" / "trained-unet" / "generator.pth"
    assert f"`{hashlib.sha256(generator.read_bytes()).hexdigest()}`" in text
    for name in (
        "generator.pth",
        "lightqnet-dm100.pb",
        "dlib_face_recognition_resnet_model_v1.dat",
    ):
        assert name in text, name
    for package in ("torch", "onnxruntime", "insightface", "snakemake"):
        assert f"| {package} | {importlib.metadata.version(package)}" in text, package


def test_snakemake_report_holds_the_results(
    snakemake, experiment: tuple[Path, list[str]], tmp_path: Path
) -> None:
    results, configs = experiment
    report = tmp_path / "report.html"  # beside, not inside, the shared results
    snakemake.run("--report", str(report), *configs, cores=None)
    html = report.read_text()
    match = re.search(r"var results = (\{.*?\});\s*</script>", html, flags=re.DOTALL)
    assert match and len(match.group(1)) > 1000, "the report holds no results"
    for category in (
        "Performance",
        "Quality",
        "Figures",
        "Tables",
        "Provenance",
        "Pipeline",
        "Summary",
        "Performance record",
    ):
        assert f'"{category}"' in html, category
    # captions are rendered per output and name the dataset, system and settings
    for system in SYSTEMS:
        assert f"on dataset lfw, protocol paper, recognition system {system}" in html, system
    assert "bootstrap replicates (seed" in html
    # Readers' tables are HTML pages (inline in the report), with labels
    for system in SYSTEMS:
        page = (results / "lfw" / "metrics" / "paper" / system / "performance.html").read_text()
        assert "<table>" in page and "<td>grey / grey</td>" in page and "EER (%)" in page
    for page in ("summary.html", "provenance.html", "benchmarks/rules.html"):
        assert "<table>" in (results / page).read_text(), page


def test_summary_page_and_console_headline(experiment: tuple[Path, list[str]]) -> None:
    """results/summary.md holds the primary operating point of every system
    with intervals, and the run ends by printing its headline."""
    from colourfr.reporting.numbers import percent
    from colourfr.reporting.summary import headline_of

    results, _ = experiment
    summary = (results / "summary.md").read_text()
    for system in SYSTEMS:
        performance = pd.read_csv(
            results / "lfw" / "metrics" / "paper" / system / "performance.csv"
        )
        row = performance[
            (performance["fmr_target"] == 0.001) & (performance["file"] == "s3")
        ].iloc[0]
        assert f"### lfw / paper / {system}" in summary
        assert (
            f"| grey / grey | {percent(row.fta, row.fta_low, row.fta_high)} | "
            f"{percent(row.fnmr, row.fnmr_low, row.fnmr_high)} | "
            f"{percent(row.frr, row.frr_low, row.frr_high)} |"
        ) in summary
    headline = headline_of(summary)
    assert len(headline) == len(SYSTEMS)
    console = (results / "snakemake-console.log").read_text()
    assert all(line in console for line in headline), console[-3000:]


def test_performance_record_lists_the_heavy_rules(experiment: tuple[Path, list[str]]) -> None:
    """Benchmark files of the heavy rules, summed per rule."""
    results, _ = experiment
    record = pd.read_csv(results / "benchmarks" / "rules.csv").set_index("rule")
    for rule in ("greyscale", "colourise", "embed", "quality_score", "compare", "metrics"):
        jobs = len(list((results / "benchmarks" / rule).glob("*.tsv")))
        assert record.loc[rule, "jobs"] == jobs > 0, rule
        assert record.loc[rule, "wall_s_total"] > 0 and record.loc[rule, "peak_rss_mb_max"] > 0
