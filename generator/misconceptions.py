"""Misconceptions: the named mistakes a variants file declares per answer (the sample
variance where LayerNorm divides by n, a KV cache without its factor 2 …), evaluated for
a variant, and recognised in a wrong answer in each of their printed forms (the rule is
reading's: `reading.printed`, `reading.mistake_in`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

from .cache import bank_work
from .answer_keys import accepted, tolerance_for
from .formula import FormulaError
from .numbers import plain
from .reading import Key, Mistake, mistake_of, printed
from .solve import Solution, Variant, solve


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


def recognisable(solution: Solution, answer_name: str) -> tuple[Mistake, ...]:
    """What a wrong answer is compared with: each misconception grading can tell from
    the key, in its printed forms — its value with the tolerance the key would have were
    it that value (a mistaken 67.108864 MB is printed, and typed, as 67.11), and its
    shorter roundings (67.1, 67). Kept from build to build (generator/cache.py)."""
    variant = solution.variant
    return bank_work("mistakes", variant.exercise, [variant.exercise.id, variant.key,
                                                    answer_name],
                     lambda: _recognisable(solution, answer_name),
                     lambda found: [m.to_json() for m in found], _mistakes)


def _recognisable(solution: Solution, answer_name: str) -> tuple[Mistake, ...]:
    answer = solution.variant.exercise.answers[answer_name]
    key = solution.answers[answer_name]
    key_tolerance = tolerance_for(answer, key)
    return tuple(Mistake(name, printed(plain(value), tolerance_for(answer, value),
                                       answer.places, plain(key), key_tolerance))
                 for name, value in distinct_mistakes(solution, answer_name).items())


def judged_key(solution: Solution, answer_name: str) -> Key:
    """Everything a written answer of this variant is judged by: the key, its tolerance,
    alternatives and unit, and the misconceptions a wrong answer is told from."""
    answer = solution.variant.exercise.answers[answer_name]
    key = solution.keys[answer_name]
    return key if answer.is_choice else replace(
        key, mistakes=recognisable(solution, answer_name))


def recognise(solution: Solution, answer_name: str, given) -> str | None:
    """The misconception a wrong answer matches (plain value, as read from the student);
    None when it matches none, or is right."""
    return mistake_of(given, judged_key(solution, answer_name)) or None


def _mistakes(kept) -> tuple[Mistake, ...]:
    """Mistakes as `Mistake.to_json` wrote them; ValueError for anything else."""
    def plain_value(v) -> bool:
        return (isinstance(v, (int, float, str)) and not isinstance(v, bool)) or (
            isinstance(v, list) and all(plain_value(x) for x in v))

    result = []
    for entry in kept:
        name, forms = entry["name"], entry["printed"]
        if not (isinstance(name, str) and isinstance(forms, list) and all(
                isinstance(f, list) and len(f) == 2 and plain_value(f[0])
                and isinstance(f[1], (int, float)) and not isinstance(f[1], bool)
                for f in forms)):
            raise ValueError(f"not a mistake: {entry!r}")
        result.append(Mistake(name, tuple((value, tolerance) for value, tolerance in forms)))
    return tuple(result)


def _flag(kept) -> bool:
    if not isinstance(kept, bool):
        raise ValueError(f"not true or false: {kept!r}")
    return kept


def declared(exercise) -> Mapping[str, tuple[str, ...]]:
    """Misconception name → the answers that declare it, in the variants file's order."""
    names: dict[str, list[str]] = {}
    for answer in exercise.answers.values():
        for name in answer.misconceptions:
            names.setdefault(name, []).append(answer.name)
    return {name: tuple(answers) for name, answers in names.items()}


def avoided(variant: Variant, solver: Callable[[Variant], Solution] | None = None) -> bool:
    """True for a variant the variants file asks the sampler to skip: one where a
    misconception marked `avoid` gives the key's own value (a student making that mistake
    could not be told from one who did not). Uniform over the rest, as rejection is.
    A build passes its own `solver` (Variants.solution): the answers are computed once."""
    exercise = variant.exercise
    if not any(a.avoid for a in exercise.answers.values()):
        return False
    cache = exercise.avoided_variants
    if variant.key not in cache:
        cache[variant.key] = bank_work(
            "avoided", exercise, [exercise.id, variant.key],
            lambda: bool(coinciding((solver or solve)(variant), avoided_only=True)),
            lambda flag: flag, _flag)
    return cache[variant.key]
