"""The answer, for readers: the effects table (CSV, Markdown with its HTML twin, LaTeX),
the forest plot and one sentence per system (colourfr.metrics.effects computes them)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from colourfr.io.tables import markdown, write_table
from colourfr.metrics.effects import CONTEXT_FIELDS
from colourfr.reporting.numbers import fixed, percent


def points(fraction: Any, digits: int = 2) -> str:
    """A fraction as percentage points (``-0.032`` -> ``-3.20``)."""
    return fixed(100.0 * float(fraction), digits) if fraction is not None else fixed(None)


def read_effects(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of an effects.csv (as :func:`compute_effects` returns them)."""
    from colourfr.io.csv import read_csv

    frame = read_csv(path, what="effects table")
    records = []
    for row in frame.to_dict(orient="records"):
        row["delta_frr_ci"] = (float(row.pop("delta_frr_low")), float(row.pop("delta_frr_high")))
        records.append(row)
    return records


def readable_effects(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for record in records:
        low, high = record["delta_frr_ci"]
        level = f"{100 * record['confidence']:g} %"
        rows.append(
            {
                **{key.capitalize(): record.get(key, "") for key in CONTEXT_FIELDS[:4]},
                "Treatment": record.get("description") or record["treatment"],
                "Pairs": record["n_pairs"],
                "FRR control (%)": percent(record["frr_control"], digits=2),
                "FRR treatment (%)": percent(record["frr_treatment"], digits=2),
                f"ΔFRR (points) [{level}]": f"{points(record['delta_frr'])} "
                f"[{points(low)}, {points(high)}]",
                "p (McNemar)": f"{record['p_mcnemar']:.3g}",
                "p (Holm)": f"{record['p_holm']:.3g}" if "p_holm" in record else "",
                "Detectable (points)": points(record["detectable_delta"]),
                "Verdict": record["verdict"],
            }
        )
    frame = pd.DataFrame(rows)
    # Context a score-file comparison does not have (the command line's) is left out.
    empty = [c for c in ("Dataset", "Protocol", "System", "Colouriser", "p (Holm)")
             if c in frame and (frame[c] == "").all()]  # fmt: skip
    return frame.drop(columns=empty)


def effects_markdown(records: Sequence[Mapping[str, Any]], title: str = "") -> str:
    text = markdown(readable_effects(records), numparse=False)
    return (f"# {title}\n\n" if title else "") + text + "\n" + verdict_note(records) + "\n"


def effects_csv(records: Sequence[Mapping[str, Any]]) -> str:
    return effects_frame(records).to_csv(index=False)


def effects_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """All fields, one row per effect (the interval as ``delta_frr_low``/``_high``)."""
    from dataclasses import fields

    from colourfr.metrics.effects import PairedEffect

    columns: list[str] = list(CONTEXT_FIELDS)
    for name in (f.name for f in fields(PairedEffect)):
        columns += ["delta_frr_low", "delta_frr_high"] if name == "delta_frr_ci" else [name]
    columns.append("p_holm")
    rows = []
    for record in records:
        row = {k: v for k, v in record.items() if k != "delta_frr_ci"}
        row["delta_frr_low"], row["delta_frr_high"] = record["delta_frr_ci"]
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def verdict_note(records: Sequence[Mapping[str, Any]]) -> str:
    if not records:
        return ""
    margin = points(records[0]["margin"])
    return (
        f"ΔFRR = FRR(treatment) - FRR(control) on the same genuine pairs (a failure to "
        "acquire counts as a rejection), at the baseline's threshold; interval: paired "
        f"bootstrap over reference subjects. Verdict: better / worse when the interval lies "
        f"below / above 0, equivalent when it lies within ±{margin} points and the data could "
        "detect that much, inconclusive otherwise; detectable: the smallest |ΔFRR| the data "
        "would detect with 80 % power."
    )


def write_effects_tables(
    records: Sequence[Mapping[str, Any]],
    csv: str | os.PathLike[str],
    md: str | os.PathLike[str],
    tex: str | os.PathLike[str],
) -> None:
    readable = readable_effects(records)
    write_table(effects_frame(records), csv=csv)
    write_table(
        readable,
        md=md,
        tex=tex,
        markdown_text=effects_markdown(records, "Does colourisation help? Paired effects on FRR"),
        caption="Paired effects of colourisation on FRR. " + verdict_note(records),
        label="tab:effects",
    )


def forest_rows(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The plotted rows, top to bottom: label, group (dataset / system), effect and interval
    in points, verdict (what the figure shows, for readers and tests)."""
    rows = []
    for record in records:
        low, high = record["delta_frr_ci"]
        rows.append(
            {
                "group": f"{record.get('dataset', '')} / {record.get('system', '')}",
                "label": f"{record.get('colouriser', '')}: {record.get('description') or record['treatment']}",
                "effect": 100.0 * record["delta_frr"],
                "low": 100.0 * low,
                "high": 100.0 * high,
                "verdict": record["verdict"],
            }
        )
    return pd.DataFrame(rows, columns=["group", "label", "effect", "low", "high", "verdict"])


VERDICT_COLOURS = {"better": "#1b7837", "worse": "#b2182b", "equivalent": "#2166ac",
                   "inconclusive": "#636363"}  # fmt: skip


def plot_forest(
    records: Sequence[Mapping[str, Any]], margin: float, *paths: str | os.PathLike[str]
) -> pd.DataFrame:
    """Effect and interval per row (points of FRR), zero and ±margin drawn, rows grouped by
    dataset and system; returns the plotted rows (:func:`forest_rows`)."""
    from colourfr.io.figures import pyplot, save_figures

    plt = pyplot()
    rows = forest_rows(records)
    n = max(len(rows), 1)
    figure, axis = plt.subplots(figsize=(7.5, 0.45 * n + 1.6))
    axis.axvspan(
        -100 * margin, 100 * margin, color="#d1e5f0", alpha=0.6, label=f"±{100 * margin:g} points"
    )
    axis.axvline(0.0, color="black", linewidth=0.8)
    labels = []
    previous_group = None
    for position, row in enumerate(rows.itertuples(index=False)):
        y = n - 1 - position
        colour = VERDICT_COLOURS.get(row.verdict, "black")
        axis.plot([row.low, row.high], [y, y], color=colour, linewidth=2)
        axis.plot([row.effect], [y], "o", color=colour)
        labels.append(row.label if row.group == previous_group else f"{row.group} | {row.label}")
        previous_group = row.group
    axis.set_yticks(range(n - 1, n - 1 - len(rows), -1), labels, fontsize="small")
    axis.set_xlabel("ΔFRR, treatment − control (percentage points; < 0: colourisation helps)")
    axis.set_title("Does colourisation help? Paired effects with intervals")
    handles = [plt.Line2D([], [], color=c, marker="o", label=v) for v, c in VERDICT_COLOURS.items()]
    axis.legend(handles=handles, fontsize="small", loc="lower right")
    axis.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    save_figures(figure, *paths)
    plt.close(figure)
    return rows


def headline_sentences(records: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str, str], str]:
    """(dataset, protocol, system) -> one sentence: what colourising the grey probe does
    (the paper's question) and what colourising both images does, per colouriser."""
    by_system: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for record in records:
        key = (record.get("dataset", ""), record.get("protocol", ""), record.get("system", ""))
        by_system.setdefault(key, []).append(record)
    sentences: dict[tuple[str, str, str], str] = {}
    for (dataset, protocol, system), rows in by_system.items():
        parts = []
        for record in rows:
            if record.get("comparison") not in ("grey-probe", "grey-both"):
                continue
            low, high = record["delta_frr_ci"]
            delta = 100.0 * record["delta_frr"]
            change = "lowers" if delta < 0 else "raises" if delta > 0 else "leaves"
            size = f" by {abs(delta):.2f} points" if delta else " unchanged"
            parts.append(
                f"{record.get('description', record['treatment'])} ({record.get('colouriser', '')}) "
                f"{change} FRR{size} [{points(low)}, {points(high)}]: {record['verdict']}"
            )
        if parts:
            sentence = f"{system} on {dataset} ({protocol}): " + "; ".join(parts) + "."
            sentences[(dataset, protocol, system)] = sentence
    return sentences
