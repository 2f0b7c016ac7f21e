"""`colourfr metrics` end to end on small hand-made score files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colourfr.cli import main

# Baseline: 10 impostors 0.1..1.0 and 4 genuine pairs (one failed).
BASELINE = (
    "reference,probe,genuine,score,failure,reference_subject,probe_subject\n"
    + "".join(f"r{i},q{i},false,{v / 10:.1f},,x{i},y{i}\n" for i, v in enumerate(range(1, 11)))
    + "ra,pa,true,0.05,,a,a\nrb,pb,true,0.15,,b,b\nrc,pc,true,0.25,,c,c\n"
    + "rd,pd,true,,probe:no_face,d,d\n"
)
# Scenario: same genuine pairs, worse scores.
SCENARIO = (
    "reference,probe,genuine,score,failure,reference_subject,probe_subject\n"
    "ra,pa,true,0.35,,a,a\nrb,pb,true,,reference:no_face,b,b\n"
    "rc,pc,true,0.15,,c,c\nrd,pd,true,,probe:no_face,d,d\n"
)


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    baseline = tmp_path / "s1.csv"
    baseline.write_text(BASELINE)
    scenario = tmp_path / "s2.csv"
    scenario.write_text(SCENARIO)
    return baseline, scenario


def test_json_output_fields_and_values(files, capsys) -> None:
    baseline, scenario = files
    code = main(
        [
            "metrics",
            str(baseline),
            str(scenario),
            "--baseline",
            str(baseline),
            "--fmr",
            "0.1",
            "--fmr",
            "0.001",
        ]
    )
    assert code == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 4
    expected_keys = {
        "file",
        "fmr_target",
        "threshold",
        "fmr",
        "fta",
        "fnmr",
        "frr",
        "d_prime",
        "eer",
        "n_genuine",
        "n_genuine_valid",
        "n_impostor_valid",
    }
    assert expected_keys <= set(records[0])
    by_key = {(Path(r["file"]).name, r["fmr_target"]): r for r in records}
    # Baseline at FMR 0.1: t = s_2 = 0.2; valid genuine {0.05, 0.15, 0.25}: one >= t.
    base = by_key[("s1.csv", 0.1)]
    assert base["threshold"] == 0.2 and base["fmr"] == pytest.approx(0.1)
    assert base["fta"] == 0.25 and base["fnmr"] == pytest.approx(1 / 3)
    assert base["frr"] == pytest.approx(0.25 + (1 / 3) * 0.75)
    assert (base["n_genuine"], base["n_genuine_valid"], base["n_impostor_valid"]) == (4, 3, 10)
    # Scenario at the same threshold: FTA 2/4, valid {0.35, 0.15}: one rejected -> 1/2.
    scen = by_key[("s2.csv", 0.1)]
    assert scen["threshold"] == 0.2
    assert scen["fta"] == 0.5 and scen["fnmr"] == 0.5 and scen["frr"] == 0.75
    # FMR 0.001 with 10 impostors: k = 0, t = 0.1; note says the estimate is weak.
    low = by_key[("s1.csv", 0.001)]
    assert low["threshold"] == 0.1 and low["fmr"] == 0.0 and "1/FMR" in low["note"]


@pytest.mark.parametrize(
    "fmt, marker",
    [("md", "| FMR target (%) |"), ("tex", r"\toprule"), ("csv", "file,fmr_target,threshold")],
)
def test_table_formats(files, capsys, fmt: str, marker: str) -> None:
    baseline, scenario = files
    assert (
        main(
            ["metrics", str(scenario), "--baseline", str(baseline), "--fmr", "0.1", "--format", fmt]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert marker in out
    if fmt != "csv":
        assert "50.000" in out  # FTA of the scenario in percent, three decimals


def test_bootstrap_adds_intervals(files, capsys) -> None:
    baseline, scenario = files
    assert (
        main(
            [
                "metrics",
                str(scenario),
                "--baseline",
                str(baseline),
                "--fmr",
                "0.1",
                "--bootstrap",
                "50",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    (record,) = json.loads(capsys.readouterr().out)
    assert record["fta_low"] <= record["fta"] <= record["fta_high"]


def test_mismatched_files_give_one_line_error(files, tmp_path: Path, capsys) -> None:
    baseline, _ = files
    other = tmp_path / "other.csv"
    other.write_text("reference,probe,genuine,score\nra,pa,true,0.3\nzz,pz,true,0.2\n")
    assert main(["metrics", str(other), "--baseline", str(baseline)]) == 2
    err = capsys.readouterr().err
    assert "other.csv: line 3: genuine pair reference='zz'" in err
    assert main(["metrics", str(other), "--baseline", str(baseline), "--unpaired"]) == 0


def test_impostor_free_baseline_is_an_error(files, tmp_path: Path, capsys) -> None:
    _, scenario = files
    assert main(["metrics", str(scenario), "--baseline", str(scenario)]) == 2
    assert "baseline has no impostor rows" in capsys.readouterr().err


def test_bad_score_value_reports_file_and_line(files, tmp_path: Path, capsys) -> None:
    baseline, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,probe,genuine,score\nra,pa,true,0.3\nrb,pb,true,high\n")
    assert main(["metrics", str(bad), "--baseline", str(baseline)]) == 2
    assert "bad.csv: line 3: score is not a number" in capsys.readouterr().err


def test_fmr_argument_is_checked(files, capsys) -> None:
    baseline, scenario = files
    with pytest.raises(SystemExit):
        main(["metrics", str(scenario), "--baseline", str(baseline), "--fmr", "2"])
    assert "FMR target must lie in (0, 1)" in capsys.readouterr().err


def test_performance_report_writes_every_output(files, tmp_path: Path) -> None:
    from colourfr.metrics.bootstrap import BootstrapSettings
    from colourfr.reporting.performance import PerformanceOutputs, write_performance_report

    baseline, scenario = files
    out = tmp_path / "out"
    names = [
        "csv",
        "md",
        "tex",
        "json",
        "mcnemar",
        "det_png",
        "det_pdf",
        "frr_png",
        "frr_pdf",
        "distributions_png",
        "distributions_pdf",
    ]
    suffix = {"mcnemar": "csv"}
    paths = {n: out / f"{n}.{suffix.get(n, n.split('_')[-1])}" for n in names}
    out.mkdir()
    table = write_performance_report(
        {"s1": baseline, "s2": scenario},
        "s1",
        [0.1, 0.001],
        0.1,
        PerformanceOutputs(**paths),
        labels={"s1": "orig/orig", "s2": "orig/grey"},
        bootstrap=BootstrapSettings(replicates=20, seed=1),
    )
    for path in paths.values():
        assert path.stat().st_size > 0, path
    # Table 3 groups rows by FMR target in the given order, labels replace ids.
    md_rows = [line for line in paths["md"].read_text().splitlines()[2:] if line.startswith("|")]
    assert [row.split("|")[1].strip() for row in md_rows] == ["10", "10", "0.1", "0.1"]
    assert "orig/grey" in md_rows[1]
    mcnemar = paths["mcnemar"].read_text().splitlines()
    assert mcnemar[0].startswith("scenario_a,scenario_b,fmr_target")
    # At t=0.2: s1 rejects only rd (FTA) and rc (0.25); s2 rejects rb, rd (FTA) and ra (0.35).
    first = mcnemar[1].split(",")
    assert first[:2] == ["s1", "s2"] and first[4:9] == ["4", "1", "1", "2", "0"]
    assert len(table) == 4


@pytest.mark.parametrize("batch_rows", ["1", "3", "1000"])
def test_streaming_mode_matches_in_memory(files, capsys, batch_rows: str) -> None:
    baseline, scenario = files
    common = [
        str(baseline),
        str(scenario),
        "--baseline",
        str(baseline),
        "--fmr",
        "0.1",
        "--fmr",
        "0.25",
    ]
    assert main(["metrics", *common]) == 0
    in_memory = json.loads(capsys.readouterr().out)
    assert main(["metrics", *common, "--stream", "--batch-rows", batch_rows]) == 0
    streamed = json.loads(capsys.readouterr().out)
    for a, b in zip(in_memory, streamed):
        for key in ("threshold", "fmr", "fta", "fnmr", "frr", "n_genuine", "n_impostor_valid"):
            assert a[key] == b[key], key
        assert a["d_prime"] == pytest.approx(b["d_prime"])
        assert b["eer"] is None and "EER not computed" in b["note"]


def test_streaming_errors_keep_file_and_line(files, tmp_path: Path, capsys) -> None:
    baseline, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "reference,probe,genuine,score\n"
        + "".join(f"r{i},p{i},false,0.{i}\n" for i in range(1, 8))
        + "ra,pa,maybe,0.3\n"
    )
    # The bad flag is on line 9, in the third batch of 3 rows.
    assert main(["metrics", str(bad), "--baseline", str(bad), "--stream", "--batch-rows", "3"]) == 2
    assert "bad.csv: line 9: genuine must be true/false" in capsys.readouterr().err
    assert (
        main(
            ["metrics", str(baseline), "--baseline", str(baseline), "--stream", "--bootstrap", "10"]
        )
        == 2
    )
    assert "drop --stream" in capsys.readouterr().err


def test_mcnemar_fields_against_a_reference_file(files, capsys) -> None:
    baseline, scenario = files
    assert (
        main(
            [
                "metrics",
                str(baseline),
                str(scenario),
                "--baseline",
                str(baseline),
                "--fmr",
                "0.1",
                "--mcnemar",
                str(baseline),
            ]
        )
        == 0
    )
    records = {Path(r["file"]).name: r for r in json.loads(capsys.readouterr().out)}
    # At t=0.2 (see the report test): only s1 rejects rc; only s2 rejects ra and rb.
    other = records["s2.csv"]
    assert other["mcnemar_vs"] == str(baseline)
    assert [other["mcnemar_only_vs_rejects"], other["mcnemar_only_file_rejects"]] == [1, 2]
    assert isinstance(other["mcnemar_only_vs_rejects"], int)
    assert other["mcnemar_p_value"] == pytest.approx(1.0)  # 1 vs 2 discordant: p = 1
    assert records["s1.csv"]["mcnemar_p_value"] is None


def test_a_plot_folder_that_is_a_file_is_one_line_naming_it(files, tmp_path: Path, capsys) -> None:
    baseline, other = files
    taken = tmp_path / "plots"
    taken.write_text("a file where the plots would go")
    code = main(["metrics", str(other), "--baseline", str(baseline), "--plot", str(taken)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(taken) in err and "Traceback" not in err
