"""Formulas: the whitelist, exact arithmetic, and worked steps printed from the same tree."""

import pytest
import sympy

from generator.formula import FormulaError, parse, to_value
from generator.formula_latex import Printer
from generator.numbers import NumberStyle, plain, show_scalar, show_value

BG = NumberStyle("bg", 2, "; ", "\u202f")     # as templates/bg/strings.toml has it
EN = NumberStyle("en", 2, ", ")


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "x.__class__",
    "open('/etc/passwd')",
    "(lambda: 1)()",
    "[y for y in x]",
    "'text'",
    "x if y else z",
    "eval('1')",
])
def test_formulas_outside_the_whitelist_are_refused(source):
    with pytest.raises(FormulaError):
        parse(source)


def test_integers_stay_exact_and_decimals_are_exact_rationals():
    f = parse("2 * n_heads * seq_len * d_k * bytes_per_value")
    env = {"n_heads": to_value(32), "seq_len": to_value(8192), "d_k": to_value(128),
           "bytes_per_value": to_value(2)}
    assert f.evaluate(env) == 134217728 and isinstance(plain(f.evaluate(env)), int)
    assert parse("x + s").evaluate({"x": to_value([1, 2, 3]), "s": to_value([0.1, -0.2, 0.3])}) \
        == (sympy.Rational(11, 10), sympy.Rational(9, 5), sympy.Rational(33, 10))


def test_isqrt_is_the_largest_whole_number_that_fits():
    value = parse("isqrt(gb * 2**30 / b)").evaluate({"gb": to_value(24), "b": to_value(4)})
    assert value == 80264
    assert 80264**2 * 4 <= 24 * 2**30 < 80265**2 * 4


def test_worked_step_substitutes_the_students_numbers():
    f = parse("2 * n_heads * seq_len")
    env = {"n_heads": to_value(32), "seq_len": to_value(8192)}
    assert Printer({}, BG).print(f) == r"2 \times n_{\text{heads}} \times \text{seq\_len}"
    assert Printer({}, BG, env=env).print(f) == r"2 \times 32 \times 8192"
    assert Printer({}, EN, env=env).print(f) == r"2 \times 32 \times 8192"
    env["seq_len"] = to_value(16384)
    assert Printer({}, EN, env=env).print(f) == r"2 \times 32 \times 16,384"


def test_vector_steps_expand_element_by_element():
    x = to_value([2, 4, 6])
    env = {"x": x, "mean": to_value(4)}
    variance = parse("sum((x - mean)**2) / len(x)")
    assert Printer({}, EN, env=env).print(variance) == \
        r"\frac{(2 - 4)^{2} + (4 - 4)^{2} + (6 - 4)^{2}}{3}"
    assert variance.evaluate(env) == sympy.Rational(8, 3)


def test_numbers_follow_each_language():
    assert show_scalar(sympy.Integer(2048), BG).text == "2048"
    assert show_scalar(sympy.Integer(32000), BG).text == "32\u202f000"
    assert show_scalar(sympy.Integer(1048576), BG).text == "1\u202f048\u202f576"
    assert show_scalar(sympy.Integer(1048576), EN).text == "1,048,576"
    assert show_scalar(sympy.sqrt(sympy.Rational(8, 3)), BG).text == "1,63"
    assert show_scalar(sympy.sqrt(sympy.Rational(8, 3)), EN).text == "1.63"
    assert show_value(to_value([1.1, 1.8, 3.3]), BG).text == "[1,1; 1,8; 3,3]"
    assert show_scalar(sympy.Rational(1, 4), BG) .approximate is False
    assert show_scalar(sympy.Rational(8, 3), EN).approximate is True


def test_constraints_are_comparisons():
    c = parse("n_heads % kv_heads == 0 and kv_heads < n_heads")
    assert c.holds({"n_heads": to_value(32), "kv_heads": to_value(8)})
    assert not c.holds({"n_heads": to_value(30), "kv_heads": to_value(8)})


def test_fast_constraint_arithmetic_agrees_with_sympy(bank):
    """Spaces are enumerated with plain Python numbers; sympy must find the same ones."""
    import itertools

    from generator.formula import EXACT

    for exercise in bank.exercises.values():
        for group in exercise.space.groups:
            if not group.constraints:
                continue
            candidates = [exercise.space.candidates[n] for n in group.names]
            exact = tuple(values for values in itertools.product(*candidates)
                          if all(c.holds(dict(zip(group.names, values)), EXACT)
                                 for c in group.constraints))
            assert exact == group.combinations, exercise.id
