"""An LMS export as data: for every slot of a spec (or every exercise of the bank), `K`
distinct variants of each exercise of its pool, rendered and solved, with the layout of
their answer gaps. The Moodle and QTI writers are thin layers over this model and read
every value, tolerance, weight and identifier from it; `export.json` prints it.

In an LMS the quiz draws a question when a student starts an attempt, so an export
carries variants, not students: each exercise's variants are the first `K` distinct
ones of a stream seeded by (seed, exercise) alone.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from typing import Sequence

from . import cache
from .answers import AskedAnswer, asked_answers
from .bank import Bank, Exercise, Language
from .documents import TextsByLanguage
from .errors import ExgenError
from .exam import Item, Slot
from .html import markdown_to_html
from .misconceptions import avoided, recognisable
from .params import draws
from .reading import Mistake
from .solve import Variant, drawn, solve
from .spec import Spec

DEFAULT_VARIANTS = 20


def variant_indices(exercise: Exercise, seed: int, count: int) -> list[int]:
    """`count` distinct indices into the exercise's space, drawn from (seed, exercise);
    the whole space, in order, when it is no larger. Variants the variants file asks to
    avoid (a misconception that gives the key) are left out."""
    size = exercise.drawing.size

    def usable(index: int) -> bool:
        return not avoided(drawn(exercise, index))

    if size <= count:
        return [index for index in range(size) if usable(index)]
    picked: dict[int, None] = {}
    for tried, index in enumerate(draws(size, "export", seed, exercise.id)):
        if index not in picked and usable(index):
            picked[index] = None
        if len(picked) == count:
            return list(picked)
        if tried > 50 * size:        # fewer usable variants than asked: take them all
            return [i for i in range(size) if usable(i)]
    raise AssertionError("unreachable: draws() never ends")


def number_hint(language: Language, example: str) -> str:
    """How to type numbers (the bank's own words, so no str.format on them)."""
    return language.word("export_numbers").replace("{example}", example)


def variant_code(exercise_id: str, variant: Variant) -> str:
    """Six hex digits naming one variant of one exercise (the same rule as a student's
    variant code, over a single exercise)."""
    return hashlib.sha256(f"{exercise_id}:{variant.key}".encode()).hexdigest()[:6].upper()


@dataclass(frozen=True)
class Response:
    """One asked answer as an LMS asks for it: one gap (Moodle) and one response (QTI)
    per number the student types — a number, each entry of a vector, each cell of a
    matrix — or one for a choice."""

    answer: AskedAnswer
    gaps: tuple[int, ...]            # Moodle's gap numbers (1, 2, … in the question)
    identifiers: tuple[str, ...]     # QTI response identifiers, one per gap
    weight: int                      # each gap's whole-number weight (Moodle) or score
    # Misconceptions grading can tell from the key, each with its printed forms.
    mistakes: tuple[Mistake, ...] = ()

    @property
    def values(self) -> list:
        """The key of each gap, in order."""
        return self.answer.components

    def gap_mistakes(self) -> list[list[tuple[str, object, float]]]:
        """For each gap, the misconceptions' printed forms (name, value, tolerance: the
        forms grading compares a wrong answer with, reading.printed) whose value differs
        from the gap's key by more than its tolerance (a vector's mistake may leave some
        entries right), each value once."""
        result: list[list[tuple[str, object, float]]] = [[] for _ in self.gaps]
        for mistake in self.mistakes:
            for value, tolerance in mistake.printed:
                flat = self.answer.kind.components(value)
                if len(flat) != len(self.gaps) or not all(
                        isinstance(v, (int, float)) for v in flat):
                    continue
                for i, (mistaken, key) in enumerate(zip(flat, self.values)):
                    if abs(mistaken - key) > self.answer.tolerance + 1e-9 * max(1, abs(key)) \
                            and all(abs(mistaken - v) > 1e-12 for _, v, _ in result[i]):
                        result[i].append((mistake.name, mistaken, tolerance))
        return result


@dataclass(frozen=True)
class Question:
    item: Item
    slot: int
    code: str
    question_html: str
    solution_html: str
    responses: tuple[Response, ...]

    @property
    def exercise(self) -> Exercise:
        return self.item.exercise

    @property
    def idnumber(self) -> str:
        return f"{self.exercise.id}-{self.code}"

    @property
    def mark(self) -> int:
        """The question's whole mark: the sum of its gaps' weights."""
        return sum(r.weight * len(r.gaps) for r in self.responses)

    def name(self, lang: str) -> str:
        return f"{self.exercise.title(lang)} · {self.idnumber}"


@dataclass(frozen=True)
class Category:
    """A slot of the spec: the questions one quiz slot draws from."""

    number: int
    slot: Slot
    name: str
    questions: tuple[Question, ...]

    @property
    def points(self) -> float:
        return self.slot.points if self.slot.points is not None else 1


@dataclass(frozen=True)
class Export:
    seed: int
    lang: str
    variants: int
    title: str                 # course and exam title, the root of the categories
    categories: tuple[Category, ...]
    notes: tuple[str, ...]

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for c in self.categories for q in c.questions)

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "lang": self.lang,
            "variants": self.variants,
            "categories": [
                {"slot": c.number, "name": c.name, "pool": list(c.slot.pool),
                 "pick": c.slot.pick, "points": c.points}
                for c in self.categories],
            "questions": [
                {"idnumber": q.idnumber, "name": q.name(self.lang),
                 "exercise": q.exercise.id, "slot": q.slot, "variant_code": q.code,
                 "mark": q.mark,
                 "parts": list(q.item.parts) if q.item.parts else None,
                 "params": q.item.solution.plain_params,
                 "answers": {r.answer.name: r.answer.plain for r in q.responses},
                 "responses": [
                     {"id": r.answer.id, "kind": r.answer.kind, "value": r.answer.plain,
                      "tolerance": r.answer.tolerance,
                      "options": list(r.answer.letters) or None,
                      "moodle_gaps": list(r.gaps), "qti_responses": list(r.identifiers),
                      "weight": r.weight,
                      "misconceptions": {m.name: [list(form) for form in m.printed]
                                         for m in r.mistakes}}
                     for r in q.responses]}
                for q in self.questions],
            "notes": list(self.notes),
        }


def responses(exercise: Exercise, asked: Sequence[AskedAnswer],
               points: float | None) -> tuple[Response, ...]:
    """Gaps and their whole-number weights: the slot's points shared equally by the
    asked answers (as `grade` shares them), an answer's share equally by its gaps; the
    smallest whole numbers that do so, so the mark is a whole multiple of the points."""
    if not asked:
        raise ExgenError(f"exercise `{exercise.id}` cannot be exported: it asks for no "
                         "answer a platform could mark", where=str(exercise.path))
    share = Fraction(str(points)) if points else Fraction(1)
    counts = []
    for answer in asked:
        if not answer.kind.gaps_per_number:
            if len(answer.order) < 2:
                raise ExgenError(f"answer `{answer.name}` of `{exercise.id}` cannot be "
                                 "exported: a multiple-choice answer needs two options or "
                                 "more", where=str(exercise.path))
            counts.append(1)
            continue
        values = answer.components
        if not values or not all(math.isfinite(v) for v in values):
            raise ExgenError(f"answer `{answer.name}` of `{exercise.id}` cannot be exported: "
                             f"{answer.plain!r} is not a finite number or list of numbers",
                             where=str(exercise.path))
        counts.append(len(values))
    per_gap = [share / (len(asked) * count) for count in counts]
    factor = math.lcm(*(w.denominator for w in per_gap))
    responses, gap = [], 1
    for answer, count, weight in zip(asked, counts, per_gap):
        suffixes = answer.kind.suffixes(answer.plain)
        responses.append(Response(
            answer, tuple(range(gap, gap + count)),
            tuple(f"RESPONSE_{answer.name}{s}" for s in suffixes),
            int(weight * factor)))
        gap += count
    return tuple(responses)


def plan_export(bank: Bank, spec: Spec, seed: int, count: int, lang: str) -> Export:
    """Every question of the export, in slot order, each exercise's variants in draw
    order."""
    if count < 1:
        raise ExgenError(f"--variants must be at least 1, not {count}")
    language = bank.language(lang)
    heading = spec.headings[lang]
    exercise_texts = TextsByLanguage(bank).get(lang)          # as the keys: answers boxed
    to_html = cache.remembered("html", markdown_to_html)
    categories, notes, seen = [], [], {}
    for number, slot in enumerate(spec.slots, start=1):
        questions = []
        for ex_id in slot.pool:
            exercise = bank.exercise(ex_id)
            indices = variant_indices(exercise, seed, count)
            if len(indices) < count:
                notes.append(f"{ex_id} has only {len(indices)} variant(s): all of them "
                             f"are exported instead of {count}")
            for index in indices:
                variant = drawn(exercise, index)
                solution = solve(variant)
                item = Item(number, exercise, solution, slot.points, slot.parts)
                code = variant_code(ex_id, variant)
                # the platform marks no conceptual sub-question: each says so
                rendered = exercise_texts.render(solution, slot.parts, ungraded=True)
                gaps = tuple(
                    replace(r, mistakes=recognisable(solution, r.answer.name))
                    for r in responses(exercise, asked_answers(item), slot.points))
                question = Question(item, number, code, to_html(rendered.question),
                                    to_html(rendered.solution), gaps)
                if question.idnumber in seen:
                    raise ExgenError(f"two variants of {ex_id} share the code {code}: "
                                     "export fewer variants")
                seen[question.idnumber] = None
                questions.append(question)
        titles = ", ".join(bank.exercise(e).title(lang) for e in slot.pool)
        name = f"{language.word('problem')} {number}: {titles}"     # as the sheets say
        if slot.points is not None:
            name += f" ({language.style.points(slot.points)} {language.word('points')})"
        categories.append(Category(number, slot, name, tuple(questions)))
    title = " — ".join(t for t in (heading.course, heading.title) if t)
    return Export(seed, lang, count, title, tuple(categories), tuple(notes))
