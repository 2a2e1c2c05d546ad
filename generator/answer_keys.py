"""An answer of the bank as reading judges it: the one tolerance rule (what the key
prints), and the `reading.Key` of an answer's exact value — for grading, the site, the
LMS exports, `check`'s comparison with the seed and the misconceptions."""

from __future__ import annotations

from .lazy import sympy

from .bank import Answer
from .formula import is_matrix
from .numbers import plain
from .reading import Key, unit_key
from .reading import accepted as within


def tolerance_for(answer: Answer, expected) -> float:
    """The one tolerance rule: the variants file's `tolerance`, otherwise half a unit of
    the last place the key prints; whole numbers (every entry of a vector or matrix
    whole) exactly."""
    if answer.tolerance is not None:
        return float(answer.tolerance)
    values = [expected] if not isinstance(expected, (tuple, list)) and not is_matrix(expected) \
        else list(expected)
    if all(sympy.sympify(v).is_Integer for v in values):
        return 0.0
    return 0.5 * 10 ** -answer.places


def reading_key(answer: Answer, exact, alternatives=()) -> Key:
    """An answer of the bank as reading judges it: its plain value (a choice's letter),
    tolerance, whether it is whole, its alternatives and its unit."""
    if answer.is_choice:
        return Key(str(exact))
    suffixes, others = unit_key(answer.unit)
    value = plain(exact)
    whole = not isinstance(value, list) and bool(sympy.sympify(exact).is_Integer)
    return Key(value, tolerance_for(answer, exact), whole,
               tuple(plain(v) for v in alternatives), (), suffixes, others)


def accepted(given, answer: Answer, expected, tolerance: float | None = None) -> bool:
    """A plain number or (nested) list within the answer's tolerance of an exact value
    (reading.accepted with the bank's tolerance rule)."""
    if tolerance is None:
        tolerance = tolerance_for(answer, expected)
    return within(given, plain(expected), tolerance)
