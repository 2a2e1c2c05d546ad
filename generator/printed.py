"""A key's worked steps redone with the numbers as the key prints them.

A step such as `[-2; 0; 2] / 1,63 ≈ [-1,22; 0; 1,22]` substitutes a rounded σ: a student
who follows it computes 2 / 1,63 = 1,227 and writes 1,23, not the boxed 1,22. This
module evaluates each step's formula with every substituted value replaced by the number
printed for it — a fraction such as 8/3 exactly, a rounded decimal as rounded — and says
whether the result, rounded as the key rounds it, is accepted by grading. `exgen check`
runs it over every variant (or a few hundred of each exercise).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .lazy import sympy

from .bank import Answer
from .formula import EXACT, elementwise, evaluate_node, is_irrational, is_matrix, is_vector
from .answer_keys import accepted, tolerance_for
from .numbers import NumberStyle, plain, rounded, show_value
from .solve import Solution


@dataclass(frozen=True)
class Misstep:
    """A step whose printed arithmetic does not land on its boxed answer."""

    answer: str
    step: str           # the step as the key prints it (LaTeX, English numbers)
    printed: str        # what its printed numbers give (two more places than the key)
    boxed: str          # the boxed answer
    tolerance: float


def _scalar_as_printed(value, places: int):
    """A short fraction prints as \\frac{p}{q} (exact); anything else is rounded."""
    value = sympy.sympify(value)
    if value.is_Rational and value.q <= 100:
        return value
    return rounded(value, places)


def _as_printed(value, places: int, indexed: bool):
    if isinstance(value, str) or is_matrix(value):
        return value
    if is_vector(value):
        # A whole vector prints as [a; b; c], each element rounded; taken element by
        # element (inside x - μ or a sum), each element prints as a scalar.
        return tuple(_scalar_as_printed(v, places) if indexed else rounded(v, places)
                     for v in value)
    return _scalar_as_printed(value, places)


class _PrintedEvaluator:
    """Evaluates a formula the way the Printer substitutes numbers into it (see
    formula_latex.Printer: a vector plus or minus a number, and sum(), print element-wise)."""

    def __init__(self, env, places: int, exact_forms):
        self.env = env
        self.places = places
        self.exact_forms = exact_forms

    def exact(self, node):
        return evaluate_node(node, self.env)

    def value(self, node, indexed: bool = False):
        if isinstance(node, ast.Constant):
            return self.exact(node)
        if isinstance(node, ast.Name) and node.id in self.exact_forms and \
                is_irrational(self.exact(node)):
            return self.value(self.exact_forms[node.id].tree, indexed)
        if isinstance(node, (ast.Name, ast.Subscript)):
            return _as_printed(self.exact(node), self.places, indexed)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.value(node.operand, indexed)
            return tuple(-v for v in value) if is_vector(value) else -value
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if not indexed and op in (ast.Add, ast.Sub) and \
                    is_vector(self.exact(node.left)) != is_vector(self.exact(node.right)):
                indexed = True
            left, right = self.value(node.left, indexed), self.value(node.right, indexed)
            if is_matrix(left) or is_matrix(right):
                return EXACT.binary[op](left, right)
            return elementwise(EXACT.binary[op], left, right)
        if isinstance(node, ast.Call):
            name = node.func.id
            if name == "len":
                return self.exact(node)
            args = [self.value(a, indexed or name == "sum") for a in node.args]
            return EXACT.functions[name](*args)
        if isinstance(node, (ast.List, ast.Tuple)):
            return tuple(self.value(e, indexed) for e in node.elts)
        return self.exact(node)        # comparisons and the like print no numbers


def as_printed(solution: Solution, name: str):
    """What the printed numbers of answer `name`'s worked step give."""
    answers = solution.variant.exercise.answers
    exact_forms = {n: a.formula for n, a in answers.items() if not a.is_choice}
    return _PrintedEvaluator(solution.value_env(), answers[name].places,
                             exact_forms).value(answers[name].formula.tree)


def _rounded_like_the_key(value, answer: Answer):
    if is_matrix(value):
        return value
    if is_vector(value):
        return tuple(rounded(v, answer.places) for v in value)
    return rounded(value, answer.places)


ENGLISH = NumberStyle("en", 2, ", ")


def missteps(solution: Solution) -> list[Misstep]:
    """Every worked step of this variant whose printed arithmetic, rounded as the key
    rounds, is not accepted as the boxed answer."""
    found = []
    for name, answer in solution.variant.exercise.answers.items():
        if answer.is_choice:
            continue
        expected = solution.answers[name]
        got = as_printed(solution, name)
        if accepted(plain(_rounded_like_the_key(got, answer)), answer, expected):
            continue
        step = solution.step(name, ENGLISH).latex(formula=False)
        found.append(Misstep(name, step, show_value(got, ENGLISH, answer.places + 2).text,
                             show_value(expected, ENGLISH, answer.places).text,
                             tolerance_for(answer, expected)))
    return found
