"""A class's exam as data: who gets which variant of which exercise, solved.

`plan` is the single source every writer (Markdown, PDF, manifest) reads from. A
student's variant of an exercise is drawn from a stream seeded by (seed, student id,
exercise); only when a classmate earlier in the roster already holds that variant is it
drawn again (once every variant is out, a new round starts), so appending students never
changes anyone's exam and classmates share a variant only when the exercise has fewer
variants than the class has students. Removing or reordering students can change the
variants of those after them: grading therefore checks the build's manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable, Sequence

from .bank import Bank, Exercise
from .errors import ExgenError
from .roster import Student
from .params import draws
from .sampling import sample
from .solve import Solution, Variants


@dataclass(frozen=True)
class Item:
    """One exercise on one student's sheet."""

    position: int
    exercise: Exercise
    solution: Solution
    points: float | None = None
    parts: tuple[int, ...] | None = None    # the sub-questions asked (None: all)
    written: float | None = None            # points of each written sub-question

    def asks(self, part: int | None) -> bool:
        return self.parts is None or part is None or part in self.parts

    @property
    def written_parts(self) -> list[int]:
        """The conceptual sub-questions ("why …?") asked that carry points: those with no
        answer to compute, when the spec gives them points."""
        if not self.written:
            return []
        return [part for part in conceptual_parts(self.exercise) if self.asks(part)]

    def shown_number(self, part: int) -> int:
        """The number a sub-question shows on the sheet (its place among those asked)."""
        return part if self.parts is None else sum(1 for p in self.parts if p <= part)

    @property
    def asked(self) -> list[str]:
        """The answers this student must give, sub-question by sub-question."""
        return asked_names(self.exercise, self.parts)


def asked_names(exercise: Exercise, parts: tuple[int, ...] | None) -> list[str]:
    """The answers an exercise asks for when these sub-questions are asked (None: all),
    sub-question by sub-question; intermediate answers are steps of the key, not asked."""
    answers = exercise.answers
    names = [name for name, answer in answers.items() if not answer.intermediate and (
        parts is None or answer.part is None or answer.part in parts)]
    return sorted(names, key=lambda n: answers[n].part or 0)


def conceptual_parts(exercise: Exercise) -> list[int]:
    """Sub-questions without an answer to compute: answered in words."""
    answered = {a.part for a in exercise.answers.values() if not a.intermediate}
    return [part for part in range(1, exercise.parts + 1) if part not in answered]


@dataclass(frozen=True)
class StudentExam:
    student: Student
    lang: str
    items: tuple[Item, ...]

    @cached_property
    def code(self) -> str:
        """A short code naming this exact set of variants (same variants, same code)."""
        keys = "|".join(f"{i.exercise.id}:{i.solution.variant.key}" for i in self.items)
        return hashlib.sha256(keys.encode()).hexdigest()[:6].upper()

    @property
    def total_points(self) -> float | None:
        points = [i.points for i in self.items if i.points is not None]
        return sum(points) if points else None


@dataclass(frozen=True)
class Slot:
    """A place on the sheet: the pool it draws `pick` exercises from, and their points."""

    pool: tuple[str, ...]
    points: float | None = None
    pick: int = 1
    parts: tuple[int, ...] | None = None
    written: float | None = None            # points of each conceptual sub-question asked


def slot_positions(slots: Sequence[Slot]) -> dict[str, tuple[int, ...]]:
    """Where each exercise of the slots can stand on a sheet: a slot's place, or in a
    slot that picks k of its pool, each place its pool order allows (the picked go in
    pool order, so a pool's first exercise is always at the slot's first place)."""
    found: dict[str, tuple[int, ...]] = {}
    start = 1
    for slot in slots:
        size = len(slot.pool)
        for index, ex_id in enumerate(slot.pool):
            first, last = max(0, index - (size - slot.pick)), min(index, slot.pick - 1)
            found[ex_id] = tuple(start + offset for offset in range(first, last + 1))
        start += slot.pick
    return found


def position_label(positions: Iterable[int]) -> str:
    """An exam's exercise by its number on the sheets: "3", or "3/4" where a slot that
    picks two puts it third on some sheets and fourth on others."""
    return "/".join(str(p) for p in sorted(set(positions)))


def choose(slot: Slot, seed: int, student_id: str, slot_index: int,
           given: dict[str, int]) -> list[str]:
    """The exercises of a pool for one student: those given least often so far in this
    class, ties broken by the student's own seeded preference. Each exercise of a pool
    thus goes to nearly the same number of students (counts differ by at most one)."""
    if len(slot.pool) == slot.pick:
        chosen = list(slot.pool)
    else:
        rank = {ex_id: next(draws(2**64, "pool", seed, student_id, slot_index, ex_id))
                for ex_id in slot.pool}
        chosen = sorted(slot.pool, key=lambda ex: (given.get(ex, 0), rank[ex]))[:slot.pick]
    for ex_id in chosen:
        given[ex_id] = given.get(ex_id, 0) + 1
    return sorted(chosen, key=slot.pool.index)


@dataclass(frozen=True)
class Exam:
    seed: int
    bank: Bank
    students: tuple[StudentExam, ...]
    notes: tuple[str, ...] = field(default=())


def all_exercises(bank: Bank) -> tuple[Slot, ...]:
    return tuple(Slot((ex_id,)) for ex_id in bank.exercises)


def plan(bank: Bank, seed: int, students: Sequence[Student], lang: str,
         slots: Iterable[Slot] | None = None, progress=None) -> Exam:
    """Draw and solve every student's variants, in roster order (see the module note)."""
    slots = tuple(slots) if slots is not None else all_exercises(bank)
    taken: dict[str, set[int]] = {}
    wrapped: dict[str, int] = {}
    given: list[dict[str, int]] = [{} for _ in slots]
    variants = Variants()                    # each distinct variant solved once
    exams = []
    for student in students:
        items = []
        picks = [(ex_id, slot) for index, slot in enumerate(slots)
                 for ex_id in choose(slot, seed, student.id, index, given[index])]
        for position, (ex_id, slot) in enumerate(picks, start=1):
            exercise = bank.exercise(ex_id)
            used = taken.setdefault(ex_id, set())
            try:
                index, variant = sample(exercise, seed, student.id, taken=used,
                                        variants=variants)
            except ValueError:                          # every variant is out: a new round
                wrapped[ex_id] = len(used)
                used.clear()
                index, variant = sample(exercise, seed, student.id, taken=used,
                                        variants=variants)
            used.add(index)
            items.append(Item(position, exercise, variants.solution(variant), slot.points,
                              slot.parts, slot.written))
        exams.append(StudentExam(student, student.lang or lang, tuple(items)))
        if progress is not None:
            progress(1)
    notes = tuple(
        f"{ex_id} has only {size} variant(s) for {len(students)} students: some share one"
        for ex_id, size in wrapped.items())
    return Exam(seed, bank, tuple(exams), notes)


def manifest(exam: Exam) -> dict:
    """What other tools read: every student's exercises with their params and answers."""
    return {
        "seed": exam.seed,
        "students": [dict(_student_entry(se), exercises=[_exercise_entry(item)
                                                        for item in se.items])
                     for se in exam.students],
        "notes": list(exam.notes),
    }


def manifest_json(exam: Exam) -> str:
    """manifest.json's text: `json.dumps(manifest(exam), ensure_ascii=False, indent=2)`,
    byte for byte, with each distinct exercise entry (a shared variant at the same place
    on the sheet) encoded once instead of once per student."""
    encoded: dict[tuple, str] = {}
    lists = []
    for se in exam.students:
        entries = []
        for item in se.items:
            key = (item.position, item.exercise.id, item.solution.variant.key, item.points,
                   item.parts, item.written)
            if key not in encoded:
                text = json.dumps(_exercise_entry(item), ensure_ascii=False, indent=2)
                encoded[key] = _INDENT + text.replace("\n", "\n" + _INDENT)
            entries.append(encoded[key])
        lists.append("[\n" + ",\n".join(entries) + "\n" + _INDENT[2:] + "]" if entries
                     else "[]")
    # The rest is small: encoded whole, with a placeholder where each list goes.
    skeleton = manifest(Exam(exam.seed, exam.bank, (), exam.notes))
    skeleton["students"] = [dict(_student_entry(se), exercises=f"{_HOLE}{n}")
                            for n, se in enumerate(exam.students)]
    text = json.dumps(skeleton, ensure_ascii=False, indent=2)
    holes = _HOLES.findall(text)
    if holes != [str(n) for n in range(len(lists))]:    # a value looked like a hole
        return json.dumps(manifest(exam), ensure_ascii=False, indent=2)
    return _HOLES.sub(lambda match: lists[int(match[1])], text)


_INDENT = " " * 8                   # an exercise entry's depth in the manifest
_HOLE = "\x00exercises-"
_HOLES = re.compile(r'"\\u0000exercises-(\d+)"')


def _student_entry(se: StudentExam) -> dict:
    return {
        "id": se.student.id,
        "name": se.student.name,
        "lang": se.lang,
        "group": se.student.group,
        "variant_code": se.code,
        "total_points": se.total_points,
    }


def _exercise_entry(item: Item) -> dict:
    return {
        "position": item.position,
        "exercise": item.exercise.id,
        "number": item.exercise.number,
        "points": item.points,
        "parts": list(item.parts) if item.parts else None,
        "asked": item.asked,
        "written": {str(p): item.written for p in item.written_parts},
        "params": item.solution.plain_params,
        "answers": item.solution.plain_answers,
    }


@dataclass(frozen=True)
class Built:
    """What a build's manifest.json says about its class."""

    students: tuple            # Student, in roster order
    codes: dict                # student id → variant code


def read_build(build_dir: Path, seed: int) -> Built | None:
    """The class a build was made for (None: no build there): manifest.json read back
    (`manifest_json` writes it)."""
    path = build_dir / "manifest.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        students = tuple(Student(s["id"], s.get("name") or "", s.get("lang"),
                                 s.get("group") or "") for s in data["students"])
        codes = {s["id"]: s["variant_code"] for s in data["students"]}
        built_seed = data["seed"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ExgenError("not a manifest written by exgen exams", where=str(path)) from None
    if built_seed != seed:
        raise ExgenError(f"the exams in {build_dir} were built with seed {built_seed}, "
                         f"not {seed}", where=str(path))
    return Built(students, codes)


def same_as_built(exam, built: Built, build_dir: Path) -> None:
    """Grading draws the keys again from (seed, spec, roster); the printed sheets must be
    the same, or every key would be wrong. The build's manifest says what was printed."""
    codes = built.codes
    unknown = [se.student.id for se in exam.students if se.student.id not in codes]
    if unknown:
        raise ExgenError(
            f"the exams in {build_dir} were not built for student(s) "
            f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}: they have no "
            "sheet to grade. Grade with the roster the exams were built with")
    differ = [se.student.id for se in exam.students if codes[se.student.id] != se.code]
    if differ:
        raise ExgenError(
            f"the sheets in {build_dir} were built from another roster or spec: "
            f"students {', '.join(differ[:5])}{' …' if len(differ) > 5 else ''} have other "
            "variants there. Grade with the seed, --spec and --roster the exams were built "
            "with (a student's variant depends on the classmates before them in the roster)")
