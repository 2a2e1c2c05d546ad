"""Variants and their solutions: exact answers and the worked steps that explain them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Mapping

from .lazy import sympy

from .bank import LETTERS, Exercise
from .answer_keys import reading_key
from .cache import bank_work
from .errors import ExgenError
from .formula import FormulaError, is_vector
from .formula_latex import Printer, fraction_latex
from .numbers import NumberStyle, plain, show_value
from .reading import Key


@dataclass(frozen=True)
class Variant:
    exercise: Exercise
    params: Mapping[str, object]

    @cached_property
    def plain_params(self) -> dict:
        if isinstance(self.params, DrawnParams):
            return self.params.plain
        return plain_params(self.params)

    @cached_property
    def key(self) -> str:
        """A stable text identity of the parameters (for caches, codes and comparisons)."""
        return json.dumps(self.plain_params, sort_keys=True, ensure_ascii=False)


class DrawnParams(Mapping):
    """The parameters of a drawn variant: known in plain values from the exercise's
    drawing (its key, the manifest and an option order need no more), made exact
    (sympy) only when a formula or template needs them."""

    def __init__(self, exercise: Exercise, index: int):
        self.exercise = exercise
        self.index = index
        self.plain = exercise.drawing.plain(index)
        self._exact: dict | None = None

    def __getitem__(self, name: str):
        if name.endswith("_order") and name in self.plain:
            return tuple(self.plain[name])
        if self._exact is None:
            self._exact = self.exercise.space.variant(self.index)
        return self._exact[name]

    def __iter__(self):
        return iter(self.plain)

    def __len__(self) -> int:
        return len(self.plain)


def drawn(exercise: Exercise, index: int) -> Variant:
    """The index-th variant of the exercise's whole parameter space."""
    return Variant(exercise, DrawnParams(exercise, index))


def plain_params(params: Mapping[str, object]) -> dict:
    return {name: list(v) if name.endswith("_order") else plain(v)
            for name, v in params.items()}


@dataclass(frozen=True)
class Step:
    """One worked step, all LaTeX math: `symbolic = substituted = fraction ≈ result`.

    Where a rounded number had to be substituted (an irrational σ), what follows the
    substitution can only be approximately equal to it, so it is joined with ≈ and no
    exact fraction is claimed."""

    symbolic: str
    substituted: str
    result: str
    substituted_rounded: bool = False    # a rounded value stands in the substitution
    fraction: str | None = None          # the exact value, where it is a short fraction
    result_rounded: bool = False         # the result is printed rounded

    def latex(self, *, formula: bool = True, boxed: bool = False, unit: str = "") -> str:
        """With a unit (`\\%`), the result carries it after a thin space, in its box."""
        result = self.result + (rf"\,{unit}" if unit else "")
        result = rf"\boxed{{{result}}}" if boxed else result
        text = f"{self.symbolic} = " if formula else ""
        if self.substituted == self.result:
            return text + result
        text += self.substituted
        if self.substituted_rounded:
            return text + r" \approx " + result
        if self.fraction and self.fraction != self.substituted:
            text += f" = {self.fraction}"
        return text + (r" \approx " if self.result_rounded else " = ") + result


@dataclass(frozen=True, eq=False)
class Solution:
    """A variant's exact answers (sympy) and what every reader asks of them: each
    answer's reading.Key (its plain value, tolerance, whether it is whole, its
    alternatives) and its printed text in a language's style. Kept from build to build
    (solve()), the keys and texts need no exact arithmetic: a warm build reads them and
    the exact values are made only when something computes with them."""

    variant: Variant
    answers: Mapping[str, object]
    # Per answer, the further values grading accepts (its variants file's alternatives).
    alternatives: Mapping[str, tuple] = field(default_factory=dict)
    kept_keys: Mapping[str, Key] | None = field(default=None, repr=False)

    @cached_property
    def keys(self) -> Mapping[str, Key]:
        """Each answer as reading judges it (without its mistakes)."""
        if self.kept_keys is not None:
            return self.kept_keys
        answers = self.variant.exercise.answers
        return {name: reading_key(answers[name], value, self.alternatives.get(name, ()))
                for name, value in self.answers.items()}

    @cached_property
    def plain_answers(self) -> dict:
        return {name: key.value for name, key in self.keys.items()}

    @property
    def plain_params(self) -> dict:
        return self.variant.plain_params

    def value_env(self) -> dict:
        return {**self.variant.params, **self.answers}

    def shown(self, name: str, style: NumberStyle) -> tuple[str, bool]:
        """An answer as printed, and whether it is rounded."""
        try:
            return self._printed(style)[name]
        except KeyError:
            raise ExgenError(f"`{name}` is not an answer of "
                             f"{self.variant.exercise.id}") from None

    def _printed(self, style: NumberStyle) -> dict[str, tuple[str, bool]]:
        """Every answer as printed in this style (kept from build to build)."""
        printed = self.__dict__.setdefault("_printed_in", {})
        if style not in printed:
            exercise = self.variant.exercise
            printed[style] = bank_work("printed", exercise,
                                       [exercise.id, self.variant.key, repr(style)],
                                       lambda: self._print(style), _printed_json,
                                       lambda kept: _printed_from(kept, exercise))
        return printed[style]

    def _print(self, style: NumberStyle) -> dict[str, tuple[str, bool]]:
        result = {}
        for name, answer in self.variant.exercise.answers.items():
            value = self.answers[name]
            if answer.is_choice:
                result[name] = (str(value), False)
            else:
                shown = show_value(value, style, answer.places)
                result[name] = (shown.text, shown.approximate)
        return result

    def step(self, name: str, style: NumberStyle) -> Step:
        exercise = self.variant.exercise
        try:
            answer = exercise.answers[name]
        except KeyError:
            raise ExgenError(f"`{name}` is not an answer of {exercise.id}") from None
        if answer.is_choice:
            raise ExgenError(f"`{name}` is a multiple-choice answer and has no worked step")
        symbols = {**exercise.symbols}
        vectors = frozenset(n for n, v in self.value_env().items() if is_vector(v))
        symbolic = Printer(symbols, style, answer.places, vectors=vectors).print(answer.formula)
        exact_forms = {n: a.formula for n, a in exercise.answers.items() if not a.is_choice}
        printer = Printer(symbols, style, answer.places, env=self.value_env(),
                          exact_forms=exact_forms)
        substituted = printer.print(answer.formula)
        result, rounded = self.shown(name, style)
        value = self.answers[name]
        fraction = fraction_latex(value, style) if rounded and not isinstance(value, tuple) \
            else None
        return Step(symbolic, substituted, result, printer.approximate, fraction, rounded)


def reference(exercise: Exercise, fixed: Mapping[str, object] | None = None) -> Variant:
    """The seed's own values (with any --set values in their place)."""
    params = dict(exercise.reference)
    if fixed:
        exercise.space.fix(fixed)  # names, kinds and option orders are checked there
        params.update(exercise.space.coerce(fixed))
        exercise.space.check(params)
    return Variant(exercise, params)


class Variants:
    """The variants of one build, each made and solved once: a class shares variants
    (1,000 students × 12 exercises hold a few thousand distinct ones), so a variant drawn
    again is the same object, its key is encoded once and its answers computed once.
    Keyed by exercise and index in the exercise's whole parameter space (never a space
    narrowed by fixed values), and by exercise and parameter values; it lives as long as
    the build that made it."""

    def __init__(self) -> None:
        self._drawn: dict[tuple[str, int], Variant] = {}
        self._solved: dict[tuple[str, str], Solution] = {}

    def drawn(self, exercise: Exercise, index: int) -> Variant:
        key = (exercise.id, index)
        if key not in self._drawn:
            self._drawn[key] = drawn(exercise, index)
        return self._drawn[key]

    def solution(self, variant: Variant) -> Solution:
        key = (variant.exercise.id, variant.key)
        if key not in self._solved:
            self._solved[key] = solve(variant)
        return self._solved[key]


def solve(variant: Variant) -> Solution:
    """The variant's answers (and their alternatives), or those kept from an earlier
    build (generator/cache.py) where every one is an exact integer, fraction, ± the
    square root of a fraction, a vector or matrix of them, or a choice. Kept ones are
    made exact (sympy) only when read: their keys need no exact arithmetic."""
    exercise = variant.exercise
    return bank_work("solutions", exercise, [exercise.id, variant.key],
                     lambda: _solved(variant), _solution_json,
                     lambda kept: _solution_from(variant, kept))


def _solution_json(solution: Solution) -> list | None:
    try:
        return [[[name, _value_json(v)] for name, v in solution.answers.items()],
                [[name, [_value_json(v) for v in values]]
                 for name, values in solution.alternatives.items()],
                [[name, key.to_json()] for name, key in solution.keys.items()]]
    except _NotKept:
        return None


def _solution_from(variant: Variant, kept) -> Solution:
    """A kept solution, its shape checked whole now; its exact values made when read."""
    answers, alternatives, keys = kept
    names = [name for name, _ in answers]
    for _, value in answers:
        _value_from(value, check=True)
    for _, values in alternatives:
        for value in values:
            _value_from(value, check=True)
    keys = {name: _key_from(key) for name, key in keys}
    if names != list(variant.exercise.answers) or list(keys) != names or \
            not {name for name, _ in alternatives} <= set(names):
        raise ValueError("the kept answers are not the exercise's")
    return Solution(variant,
                    _Exact(names, lambda: {name: _value_from(v) for name, v in answers}),
                    _Exact([name for name, _ in alternatives],
                           lambda: {name: tuple(_value_from(v) for v in values)
                                    for name, values in alternatives}),
                    keys)


class _Exact(Mapping):
    """Kept values, made exact (sympy) all at once when one is first read."""

    def __init__(self, names: list[str], make: Callable[[], dict]):
        self._names = names
        self._make = make
        self._values: dict | None = None

    def __getitem__(self, name: str):
        if name not in self._names:
            raise KeyError(name)
        if self._values is None:
            self._values = self._make()
        return self._values[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _printed_json(printed: dict) -> list:
    return [[name, text, rounded] for name, (text, rounded) in printed.items()]


def _printed_from(kept, exercise: Exercise) -> dict[str, tuple[str, bool]]:
    printed = {}
    for name, text, rounded in kept:
        if not (isinstance(name, str) and isinstance(text, str) and isinstance(rounded, bool)):
            raise ValueError("not a printed answer")
        printed[name] = (text, rounded)
    if list(printed) != list(exercise.answers):
        raise ValueError("the kept answers are not the exercise's")
    return printed


def _key_from(data) -> Key:
    """A kept reading.Key, each part of the shape Key.to_json writes."""
    key = Key.from_json(data)
    if not (_plain(key.value) and all(_plain(v) for v in key.alternatives)
            and isinstance(key.tolerance, (int, float)) and not isinstance(key.tolerance, bool)
            and isinstance(key.whole, bool) and not key.mistakes
            and all(isinstance(s, str) for s in key.suffixes)
            and all(isinstance(s, str) and isinstance(n, str) for s, n in key.other_units)):
        raise ValueError(f"not a kept key: {data!r}")
    return key


def _plain(value) -> bool:
    return (isinstance(value, (int, float, str)) and not isinstance(value, bool)) or (
        isinstance(value, list) and all(_plain(v) for v in value))


class _NotKept(Exception):
    """A value the cache does not keep (an irrational number other than ±√(fraction)):
    solved every time."""


def _value_json(value) -> list:
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, str):
        return ["text", value]
    if isinstance(value, tuple):
        return ["vector", [_value_json(v) for v in value]]
    if isinstance(value, sympy.ImmutableDenseMatrix):
        return ["matrix", [[_value_json(value[i, j]) for j in range(value.cols)]
                           for i in range(value.rows)]]
    if isinstance(value, sympy.Integer):
        return ["integer", str(value.p)]
    if isinstance(value, sympy.Rational):
        return ["fraction", str(value.p), str(value.q)]
    if isinstance(value, sympy.Expr) and value.is_number:    # ±√(a fraction), as it was
        square = value ** 2
        if isinstance(square, sympy.Rational) and square > 0:
            sign = 1 if value > 0 else -1
            if sign * sympy.sqrt(square) == value:
                return ["root", sign, str(square.p), str(square.q)]
    raise _NotKept(type(value).__name__)


def _value_from(kept, check: bool = False):
    """A kept value made exact; with `check`, its shape checked only (no sympy)."""
    kind, *rest = kept
    if kind == "bool" and isinstance(rest[0], bool):
        return rest[0]
    if kind == "text" and isinstance(rest[0], str):
        return rest[0]
    if kind == "vector" and isinstance(rest[0], list):
        return tuple(_value_from(v, check) for v in rest[0])
    if kind == "matrix" and isinstance(rest[0], list) and rest[0] and all(
            isinstance(row, list) and len(row) == len(rest[0][0]) for row in rest[0]):
        rows = [[_value_from(v, check) for v in row] for row in rest[0]]
        return None if check else sympy.ImmutableMatrix(rows)
    if kind == "integer" and _digits(rest[0]):
        return None if check else sympy.Integer(int(rest[0]))
    if kind == "fraction" and _digits(rest[0]) and _digits(rest[1]) and int(rest[1]) > 0:
        return None if check else sympy.Rational(int(rest[0]), int(rest[1]))
    if kind == "root" and rest[0] in (1, -1) and not isinstance(rest[0], bool) and \
            _digits(rest[1]) and _digits(rest[2]) and int(rest[1]) > 0 and int(rest[2]) > 0:
        return None if check else rest[0] * sympy.sqrt(sympy.Rational(int(rest[1]),
                                                                     int(rest[2])))
    raise ValueError(f"not a kept value: {kept!r}")


def _digits(text) -> bool:
    return isinstance(text, str) and 0 < len(text) <= 4000 and \
        text.lstrip("-").isascii() and text.lstrip("-").isdigit()


def _solved(variant: Variant) -> Solution:
    exercise = variant.exercise
    env = dict(variant.params)
    answers = {}
    for name, answer in exercise.answers.items():
        if answer.is_choice:
            order = variant.params[answer.order_param]
            answers[name] = LETTERS[order.index(answer.correct)]
        else:
            try:
                answers[name] = answer.formula.evaluate(env)
            except FormulaError as exc:
                raise ExgenError(f"answer `{name}`: {exc} (parameters {variant.key})",
                                 where=str(exercise.path)) from None
            if not _real(answers[name]):
                raise ExgenError(f"answer `{name}` is not a real number for the parameters "
                                 f"{variant.key}", where=str(exercise.path))
        env[name] = answers[name]
    alternatives = {}
    for name, answer in exercise.answers.items():
        if answer.alternatives:
            try:
                alternatives[name] = tuple(a.evaluate(env) for a in answer.alternatives)
            except FormulaError as exc:
                raise ExgenError(f"an alternative of `{name}`: {exc} (parameters "
                                 f"{variant.key})", where=str(exercise.path)) from None
    return Solution(variant, answers, alternatives)


def _real(value) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_real(v) for v in value)
    if isinstance(value, sympy.MatrixBase):
        return all(_real(v) for v in value)
    return bool(getattr(value, "is_real", False)) or isinstance(value, bool)
