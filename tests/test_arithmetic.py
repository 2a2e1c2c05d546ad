"""The arithmetic table: where an operator or function has a fast way (int and Fraction,
for constraints), it gives what the exact way (sympy) gives, and refuses what it refuses."""

from __future__ import annotations

import ast
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.formula import FAST, FUNCTIONS, OPERATORS, FormulaError, fast_value, parse

SAME = settings(max_examples=60, deadline=None, derandomize=True)

numbers = st.one_of(st.integers(-40, 40),
                    st.builds(Fraction, st.integers(-40, 40), st.integers(1, 12)))
vectors = st.lists(numbers, min_size=1, max_size=4).map(tuple)


def exact(value):
    if isinstance(value, tuple):
        return tuple(exact(v) for v in value)
    return sympy.Rational(value.numerator, value.denominator)


def plain(value):
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return fast_value(value) if isinstance(value, sympy.Basic) else value


def outcome(function, *args):
    """The result as plain numbers, or the message it was refused with."""
    try:
        return plain(function(*args))
    except FormulaError as exc:
        return "refused: " + str(exc)


def same(row_exact, row_fast, *args):
    assert outcome(row_fast, *args) == outcome(row_exact, *map(exact, args)), args


def test_the_fast_way_offers_what_constraints_need_and_no_more():
    assert set(FAST.binary) == set(OPERATORS)
    assert set(FAST.functions) == {"abs", "floor", "ceil", "sum", "len", "min", "max"}


@SAME
@given(a=numbers, b=numbers, exponent=st.integers(0, 6))
def test_every_operator_computes_fast_what_it_computes_exactly(a, b, exponent):
    for op, row in OPERATORS.items():
        same(row.exact, row.fast, a, exponent if op is ast.Pow else b)
        same(row.exact, row.fast, a, 0)                    # refused by / // %, alike


def test_a_power_beyond_the_bound_is_refused_both_ways():
    row = OPERATORS[ast.Pow]
    same(row.exact, row.fast, 2, 1001)
    assert outcome(row.fast, 2, 1001).startswith("refused: the exponent 1001")


@SAME
@given(x=numbers, v=vectors, w=vectors)
def test_every_function_with_a_fast_way_computes_what_it_computes_exactly(x, v, w):
    for name, fast in FAST.functions.items():
        exact_way = FUNCTIONS[name].exact
        if name in ("sum", "len"):
            same(exact_way, fast, v)
            same(exact_way, fast, x)                       # refused: not a vector
        elif name in ("min", "max"):
            same(exact_way, fast, v)
            same(exact_way, fast, x, *w)
        else:
            same(exact_way, fast, x)
            same(exact_way, fast, v)


@pytest.mark.parametrize("name", ["sqrt", "isqrt", "ones", "tril", "round", "transpose"])
def test_functions_without_a_fast_way_make_a_formula_exact_only(name):
    assert FUNCTIONS[name].fast is None
    assert not parse(f"{name}(x) > 0").fast
