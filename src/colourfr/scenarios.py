"""Scenarios as data: which image variant is the reference and which the probe.

A scenario whose reference or probe is ``colourised`` expands into one instance per
enabled colouriser (``s4`` -> ``s4-trained-unet``, ``s4-exemplar-transfer``); the
others keep their id. Variant names used in paths: ``original``, ``grey``,
``colourised-<colouriser>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ORIGINAL = "original"
GREY = "grey"
COLOURISED = "colourised"


def colourised_variant(colouriser: str) -> str:
    return f"{COLOURISED}-{colouriser}"


@dataclass(frozen=True)
class ScenarioInstance:
    id: str
    scenario: str
    label: str
    reference: str
    probe: str
    impostors: bool
    baseline: bool
    colouriser: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def expand_scenarios(
    scenarios: Sequence[Mapping[str, Any]], colourisers: Sequence[str]
) -> list[ScenarioInstance]:
    instances: list[ScenarioInstance] = []
    for scenario in scenarios:
        uses_colour = COLOURISED in (scenario["reference"], scenario["probe"])
        label = scenario.get("label") or f"{scenario['reference']} / {scenario['probe']}"
        for colouriser in colourisers if uses_colour else [None]:

            def variant(name: str, c: str | None = colouriser) -> str:
                return colourised_variant(c) if name == COLOURISED and c else name

            instances.append(
                ScenarioInstance(
                    id=f"{scenario['id']}-{colouriser}" if colouriser else scenario["id"],
                    scenario=scenario["id"],
                    label=f"{label} ({colouriser})" if colouriser else label,
                    reference=variant(scenario["reference"]),
                    probe=variant(scenario["probe"]),
                    impostors=bool(scenario.get("impostors", False)),
                    baseline=bool(scenario.get("baseline", False)),
                    colouriser=colouriser,
                )
            )
    return instances


def variants_in_use(instances: Sequence[ScenarioInstance]) -> list[str]:
    seen: dict[str, None] = {}
    for instance in instances:
        seen.setdefault(instance.reference)
        seen.setdefault(instance.probe)
    return list(seen)


def grey_counterpart(
    instance: ScenarioInstance, instances: Sequence[ScenarioInstance]
) -> ScenarioInstance | None:
    """The scenario that differs from ``instance`` only in having ``grey`` wherever it has
    a colourised variant (s4-c -> s3, s5-c -> s2): the comparison that says whether
    colourising the greyscale images changes the outcome. None without colouriser or
    when the config has no such scenario."""
    if instance.colouriser is None:
        return None

    def greyed(variant: str) -> str:
        return GREY if variant.startswith(f"{COLOURISED}-") else variant

    wanted = (greyed(instance.reference), greyed(instance.probe))
    return next((other for other in instances if (other.reference, other.probe) == wanted), None)


def paired_test_pairs(instances: Sequence[ScenarioInstance]) -> list[tuple[str, str]]:
    """Scenario pairs for paired tests: the baseline against every other scenario, then
    each colourised scenario against its greyscale counterpart (grey first)."""
    baseline = next((i.id for i in instances if i.baseline), None)
    pairs = [(baseline, i.id) for i in instances if baseline and i.id != baseline]
    for instance in instances:
        counterpart = grey_counterpart(instance, instances)
        if counterpart is not None:
            pairs.append((counterpart.id, instance.id))
    return list(dict.fromkeys(pairs))


#: The effects the workflow reports per colouriser: (id, what the treatment does,
#: (reference, probe) kinds of the control, of the treatment). "colourised" stands for
#: the colouriser's variant.
EFFECT_COMPARISONS: tuple[tuple[str, str, tuple[str, str], tuple[str, str]], ...] = (
    ("grey-both", "colourising both grey images", (GREY, GREY), (COLOURISED, COLOURISED)),
    ("grey-probe", "colourising the grey probe", (ORIGINAL, GREY), (ORIGINAL, COLOURISED)),
    (
        "original-probe",
        "a colourised instead of the original probe",
        (ORIGINAL, ORIGINAL),
        (ORIGINAL, COLOURISED),
    ),
)


def effect_comparisons(instances: Sequence[ScenarioInstance]) -> list[dict[str, str]]:
    """Per colouriser, the (control, treatment) scenario pairs of :data:`EFFECT_COMPARISONS`
    that the configured scenarios hold (matched by their variants, not their ids)."""

    def kind(variant: str) -> str:
        return COLOURISED if variant.startswith(f"{COLOURISED}-") else variant

    found = []
    for name, description, control_kinds, treatment_kinds in EFFECT_COMPARISONS:
        for treatment in instances:
            if treatment.colouriser is None:
                continue
            if (kind(treatment.reference), kind(treatment.probe)) != treatment_kinds:
                continue
            control = next(
                (i for i in instances if i.colouriser is None
                 and (i.reference, i.probe) == control_kinds),
                None,
            )  # fmt: skip
            if control is not None:
                found.append({"comparison": name, "description": description,
                              "colouriser": treatment.colouriser, "control": control.id,
                              "treatment": treatment.id})  # fmt: skip
    return found
