"""Misconceptions: the named mistakes a variants file declares per answer (the sample
variance where LayerNorm divides by n, a KV cache without its factor 2 …), evaluated for
a variant, and recognised in a wrong answer within the key's own tolerance."""

from __future__ import annotations

from typing import Mapping

from .answers import accepted, tolerance_for
from .formula import FormulaError
from .numbers import plain
from .solve import Solution


def mistaken_values(solution: Solution, answer_name: str,
                    names=None) -> dict[str, object]:
    """What each misconception of one answer (or those named) gives for this variant
    (exact values)."""
    answer = solution.variant.exercise.answers[answer_name]
    env = solution.value_env()
    values = {}
    for name, formula in answer.misconceptions.items():
        if names is not None and name not in names:
            continue
        try:
            values[name] = formula.evaluate(env)
        except FormulaError:
            continue                    # a mistake that makes no sense for this variant
    return values


def distinct_mistakes(solution: Solution, answer_name: str,
                      names=None) -> dict[str, object]:
    """The misconceptions (or those named) whose value differs from the key by more than
    the grading tolerance (those that coincide with it cannot be told from a right
    answer)."""
    answer = solution.variant.exercise.answers[answer_name]
    key = solution.answers[answer_name]
    tolerance = tolerance_for(answer, key)
    return {name: value for name, value in mistaken_values(solution, answer_name,
                                                           names).items()
            if not accepted(plain(value), answer, key, tolerance)}


def coinciding(solution: Solution, avoided_only: bool = False) -> list[tuple[str, str]]:
    """(answer, misconception) pairs that give the key's own value for this variant
    (only those marked `avoid`, for the sampler)."""
    pairs = []
    for name, answer in solution.variant.exercise.answers.items():
        names = answer.avoid if avoided_only else None
        if not answer.misconceptions or (avoided_only and not names):
            continue
        values = mistaken_values(solution, name, names)
        distinct = distinct_mistakes(solution, name, names)
        pairs += [(name, mistake) for mistake in values if mistake not in distinct]
    return pairs


def recognisable(solution: Solution, answer_name: str) -> list[tuple[str, object, float]]:
    """What a wrong answer is compared with: each misconception grading can tell from
    the key, its plain value, and the tolerance the key would have if it were that value
    (a mistaken 67.108864 MB is printed, and typed, as 67.11)."""
    answer = solution.variant.exercise.answers[answer_name]
    return [(name, plain(value), tolerance_for(answer, value))
            for name, value in distinct_mistakes(solution, answer_name).items()]


def recognise(solution: Solution, answer_name: str, given) -> str | None:
    """The misconception a wrong answer matches (plain value, as read from the student),
    by the grading rule (`recognisable`); None when it matches none, or is right."""
    answer = solution.variant.exercise.answers[answer_name]
    if accepted(given, answer, solution.answers[answer_name]):
        return None
    for name, value, tolerance in recognisable(solution, answer_name):
        if accepted(given, answer, value, tolerance):
            return name
    return None


def declared(exercise) -> Mapping[str, tuple[str, ...]]:
    """Misconception name → the answers that declare it, in the variants file's order."""
    names: dict[str, list[str]] = {}
    for answer in exercise.answers.values():
        for name in answer.misconceptions:
            names.setdefault(name, []).append(answer.name)
    return {name: tuple(answers) for name, answers in names.items()}
