"""`exgen check`: everything that can be wrong in a bank, found before a class sees it."""

from __future__ import annotations

from .answers import asked_answers
from .bank import Bank, Exercise
from .errors import ExgenError
from .exam import Item
from .export import responses
from .latex import markdown_to_latex
from .grade import accepted
from .numbers import plain
from .render import (HELPERS, Renderer, language_environment, template_names,
                     template_problems)
from .solve import reference, sample, solve

SAMPLES_PER_EXERCISE = 20


def check_exercise(bank: Bank, exercise: Exercise) -> list[str]:
    problems = []
    known = set(exercise.space.names) | set(exercise.answers) | set(HELPERS)
    for lang in bank.languages:
        path = exercise.templates[lang]
        used, in_solution = template_names(bank, exercise, lang)
        for name in sorted(used - known):
            problems.append(f"{path}: `{name}` is neither a parameter nor an answer of "
                            f"{exercise.id}")
        for name in exercise.answers:
            if name not in in_solution:
                problems.append(f"{path}: the solution block never shows the answer `{name}`")
    solution = solve(reference(exercise))
    for name, answer in exercise.answers.items():
        if answer.reference is None:
            problems.append(f"{exercise.path}: answer `{name}` has no `reference` value from "
                            "the seed")
            continue
        got = solution.answers[name]
        if not (got == answer.reference if answer.is_choice
                else accepted(answer.reference, answer, got)):
            problems.append(f"{exercise.path}: with the reference values, `{name}` is "
                            f"{plain(got)}, but the seed's answer is {answer.reference}")
    try:                  # what a learning platform could not import
        responses(exercise, asked_answers(Item(1, exercise, solution)), None)
    except ExgenError as exc:
        problems.append(str(exc))
    variants = [solution] + [solve(sample(exercise, s, "check")[1])
                             for s in range(SAMPLES_PER_EXERCISE)]
    for lang in bank.languages:
        unsound = template_problems(language_environment(bank, lang),
                                    exercise.templates[lang])
        problems += unsound
        if unsound:
            continue
        renderer = Renderer(bank, lang)
        for sol in variants:
            try:
                rendered = renderer.render(sol)
                markdown_to_latex(rendered.question + "\n\n" + rendered.solution, lang)
            except ExgenError as exc:
                problems.append(f"{exc} (variant {sol.variant.key})")
                break
            except ValueError as exc:     # text that cannot be typeset in the PDFs
                problems.append(f"{exercise.templates[lang]}: {exc}")
                break
    return problems


MISCONCEPTION_VARIANTS = 400


def misconception_notes(exercise: Exercise) -> list[str]:
    """Every variant (or 400 spread over a large space): a misconception must give a
    value that grading can tell from the key, unless the variants file asks the sampler
    to avoid the variants where it does not (`avoid = true`)."""
    from .misconceptions import coinciding
    from .solve import Variant, avoided

    if not any(a.misconceptions for a in exercise.answers.values()):
        return []
    size = exercise.space.size
    step = max(1, size // MISCONCEPTION_VARIANTS)
    found: dict[tuple[str, str], str] = {}
    for index in range(0, size, step):
        variant = Variant(exercise, exercise.space.variant(index))
        if avoided(variant):
            continue
        for pair in coinciding(solve(variant)):
            found.setdefault(pair, variant.key)
    return [f"{exercise.path}: misconception `{name}` of `{answer}` gives the key's own value "
            f"for the variant {key} (and maybe others): there grading cannot tell it from a "
            "right answer; mark it `{ formula = …, avoid = true }` if the sampler should "
            "keep such variants out" for (answer, name), key in found.items()]


def check_notes(bank: Bank) -> list[str]:
    """What `check` reports without failing: misconceptions that coincide with the key
    for some variants (a right answer is never labelled with a misconception)."""
    return [note for exercise in bank.exercises.values()
            for note in misconception_notes(exercise)]


def check_bank(bank: Bank) -> list[str]:
    """Every exercise, and every exam spec shipped in the bank's `exams/` folder."""
    from .spec import load_spec

    problems = []
    for exercise in bank.exercises.values():
        try:
            problems.extend(check_exercise(bank, exercise))
        except ExgenError as exc:
            problems.append(str(exc))
    for path in sorted((bank.root / "exams").glob("*.toml")):
        try:
            load_spec(path, bank)
        except ExgenError as exc:
            problems.append(str(exc))
    return problems
