"""The one way numbers are written for readers: rates in per cent and plain values with a
fixed number of decimals, intervals in brackets, ``n/a`` where there is no value."""

from __future__ import annotations

import math
from typing import Any

#: What a table shows where a value is undefined (NaN, None, no data).
MISSING = "n/a"
#: Decimals of a rate in per cent: FMR 0.1 % has to read as 0.100, not 0.10.
PERCENT_DIGITS = 3


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def fixed(value: Any, digits: int = 3) -> str:
    """``0.123`` with ``digits`` decimals; ``inf``/``-inf`` as such; :data:`MISSING` for
    NaN or no number."""
    number = _number(value)
    if number is None:
        return MISSING
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return f"{number:.{digits}f}"


def with_interval(
    value: Any, low: Any = None, high: Any = None, *, scale: float = 1.0, digits: int = 3
) -> str:
    """``value * scale`` with ``digits`` decimals and, when both ends are known, its
    interval in brackets: ``12.345 [10.000, 15.000]``; :data:`MISSING` where there is
    no finite value."""
    number = _number(value)
    if number is None or math.isinf(number):
        return MISSING
    text = fixed(scale * number, digits)
    low_number, high_number = _number(low), _number(high)
    if low_number is not None and high_number is not None:
        text += f" [{fixed(scale * low_number, digits)}, {fixed(scale * high_number, digits)}]"
    return text


def percent(value: Any, low: Any = None, high: Any = None, digits: int = PERCENT_DIGITS) -> str:
    """A rate (a fraction) in per cent, ``12.345``, with its interval when both ends are
    known; :data:`MISSING` where there is no value."""
    return with_interval(value, low, high, scale=100.0, digits=digits)
