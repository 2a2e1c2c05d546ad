"""`exgen check`: everything that can be wrong in a bank, found before a class sees it."""

from __future__ import annotations

import re

from .answer_keys import accepted
from .answers import asked_answers
from .bank import Bank, Exercise
from .errors import ExgenError
from .exam import Item, conceptual_parts
from .export import responses
from .latex import markdown_to_latex
from .formula import is_matrix
from .misconceptions import declared
from .numbers import is_whole, plain
from .printed import missteps
from .render import (HELPERS, ExerciseTexts, language_environment, template_names,
                     template_problems)
from .sampling import sample
from .solve import Variant, reference, solve

SAMPLES_PER_EXERCISE = 20
# Worked steps are redone with their printed numbers for every variant of an exercise,
# or for this many spread evenly over a larger space.
STEP_VARIANTS = 300


def step_variants(exercise: Exercise) -> list[Variant]:
    space = exercise.space
    stride = max(1, -(-space.size // STEP_VARIANTS))
    return [reference(exercise)] + [Variant(exercise, space.variant(i))
                                    for i in range(0, space.size, stride)]


def check_steps(exercise: Exercise) -> list[str]:
    """Every worked step must land on its boxed answer with the numbers as printed; one
    line per step that does not, naming the first variant where it fails."""
    failing: dict[str, tuple] = {}
    variants = step_variants(exercise)
    for variant in variants:
        for miss in missteps(solve(variant)):
            first, count = failing.get(miss.answer, (None, 0))
            failing[miss.answer] = (first or (variant, miss), count + 1)
    problems = []
    for name, ((variant, miss), count) in failing.items():
        problems.append(
            f"{exercise.path}: the worked step of `{name}` does not lead to its boxed "
            f"answer in {count} of {len(variants)} variants checked; with {variant.key}, "
            f"${miss.step}$ gives {miss.printed} with the numbers as printed, which is not "
            f"{miss.boxed} within the tolerance {miss.tolerance:g} (print the exact value, "
            "carry more digits, or list the student's value under `alternatives`)")
    return problems


def boxed_values(text: str) -> list[str]:
    """The contents of every \\boxed{…} in a rendered key, without a unit after `\\,`."""
    found = []
    for match in re.finditer(r"\\boxed\{", text):
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found.append(text[match.end():i - 1].split(r"\,")[0])
    return found


def check_boxes(bank: Bank, solution) -> list[str]:
    """A key boxes exactly the answers the sheet and the answer form ask for: each once,
    and nothing else (an intermediate value is a step, not a box)."""
    exercise = solution.variant.exercise
    problems = []
    for lang in bank.languages:
        style = bank.language(lang).style
        asked = sorted(solution.shown(name, style)[0] for name, answer in
                       exercise.answers.items()
                       if not answer.is_choice and not answer.intermediate
                       and not is_matrix(solution.answers[name]))   # matrices: grid()
        boxed = sorted(boxed_values(ExerciseTexts(bank, lang).render(solution).solution))
        if boxed != asked:
            problems.append(f"{exercise.templates[lang]}: the key boxes {boxed or 'nothing'}, "
                            f"but the answers asked are {asked} (box each asked answer once: "
                            "step, calc or result; intermediate answers are not boxed)")
    return problems


def check_not_graded(bank: Bank, solution) -> list[str]:
    """Every conceptual sub-question says, on an exam that gives it no points, that it is
    not graded: its question calls not_graded(n) once."""
    exercise = solution.variant.exercise
    problems = []
    for lang, language in bank.languages.items():
        for part in conceptual_parts(exercise):
            text = ExerciseTexts(bank, lang).render(solution, (part,), ungraded=True).question
            if text.count(f"({language.word('not_graded')})") != 1:
                problems.append(f"{exercise.templates[lang]}: sub-question {part} has no "
                                "answer to compute, and its question does not say when it is "
                                f"not graded: end it with {{{{ not_graded({part}) }}}}")
    return problems


def check_exercise(bank: Bank, exercise: Exercise) -> list[str]:
    problems = []
    known = set(exercise.space.names) | set(exercise.answers) | set(HELPERS)
    for lang, language in bank.languages.items():
        for name, answer in exercise.answers.items():
            try:
                markdown_to_latex(answer.labels.get(lang, name),
                                  bank.language(lang).typesetting)
            except ValueError as exc:       # labels are Markdown, set in the PDFs too
                problems.append(f"{language.exercises_path}: the {lang} label of `{name}` "
                                f"of {exercise.id}: {exc}")
        for name in declared(exercise):     # explanations too: Markdown with math
            try:
                markdown_to_latex(language.explanation(exercise.id, name),
                                  language.typesetting)
            except ValueError as exc:
                problems.append(f"templates/{lang}/misconceptions.toml: the explanation of "
                                f"`{name}` of {exercise.id}: {exc}")
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
    problems.extend(check_steps(exercise))
    problems.extend(check_boxes(bank, solution))
    problems.extend(check_not_graded(bank, solution))
    variants = [solution] + [solve(sample(exercise, s, "check")[1])
                             for s in range(SAMPLES_PER_EXERCISE)]
    for lang in bank.languages:
        unsound = template_problems(language_environment(bank, lang),
                                    exercise.templates[lang])
        problems += unsound
        if unsound:
            continue
        exercise_texts = ExerciseTexts(bank, lang)
        for sol in variants:
            try:
                rendered = exercise_texts.render(sol)
                markdown_to_latex(rendered.question + "\n\n" + rendered.solution,
                                  bank.language(lang).typesetting)
                silent = [name for name, answer in exercise.answers.items()
                          if not answer.is_choice and not answer.intermediate
                          and not is_whole(sol.answers[name])
                          and name not in rendered.instructed]
                if silent:
                    problems.append(
                        f"{exercise.templates[lang]}: the question does not say how to give "
                        f"`{silent[0]}`, which is not a whole number (variant "
                        f"{sol.variant.key}): add {{{{ rounding(\"{silent[0]}\") }}}} to it")
                    break
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
    from .misconceptions import avoided

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


def chosen_exercises(bank: Bank, ids=None) -> list[Exercise]:
    """The exercises named, or all of them (ids None)."""
    return list(bank.exercises.values()) if ids is None else \
        [bank.exercise(i) for i in dict.fromkeys(ids)]


def check_notes(bank: Bank, ids=None) -> list[str]:
    """What `check` reports without failing: misconceptions that coincide with the key
    for some variants (a right answer is never labelled with a misconception)."""
    return [note for exercise in chosen_exercises(bank, ids)
            for note in misconception_notes(exercise)]


def check_bank(bank: Bank, ids=None) -> list[str]:
    """Every exercise (or those named), and every exam spec shipped in the bank's
    `exams/` folder."""
    from .spec import load_spec

    exercises = chosen_exercises(bank, ids)
    problems = []
    for exercise in exercises:
        try:
            problems.extend(check_exercise(bank, exercise))
        except ExgenError as exc:
            problems.append(str(exc))
    for path in sorted((bank.root / "exams").glob("*.toml")):
        try:
            load_spec(path, bank)
        except ExgenError as exc:
            problems.append(str(exc))
    if exercises:
        problems.extend(layout_problems(bank, {ex.id for ex in exercises}))
    return problems


def layout_problems(bank: Bank, ids: set[str] | None = None) -> list[str]:
    """The sheet, key and answer form of one student in every language, through the
    Markdown and the LaTeX layouts (the bank's own, else exgen's), without TeX; with
    `ids`, of those exercises only."""
    from dataclasses import replace

    from .documents import TextsByLanguage, answer_boxes, student_documents
    from .exam import plan
    from .layouts import MARKDOWN, answer_form_context, latex_format, render, sheet_context
    from .roster import Student
    from .spec import default_spec

    spec = default_spec(bank)
    if ids is not None:
        spec = replace(spec, slots=tuple(s for s in spec.slots if set(s.pool) & ids))
    texts = TextsByLanguage(bank)
    problems = []
    for lang, language in bank.languages.items():
        exam = plan(bank, 1, [Student("01", "", lang)], lang, spec.slots)
        se = exam.students[0]
        for fmt in (MARKDOWN, latex_format(language)):
            try:
                for doc in student_documents(se, spec.headings, texts):
                    render(bank, "exam", fmt, sheet_context(bank, doc, fmt))
                render(bank, "answer-sheet", fmt,
                       answer_form_context(bank, doc, answer_boxes(se), fmt))
            except ExgenError as exc:
                problems.append(f"{exc} (the {lang} layouts, {fmt.ext})")
    return list(dict.fromkeys(problems))
