"""Marking returned answers against each student's own key.

The exam is planned again from the seed, the spec and the class of the build (its
manifest.json) — the same plan that printed the sheets, checked against the variant
codes the build recorded. Each answer is compared with a tolerance
that matches what the key shows: whole numbers exactly, decimals to half a unit of the
key's last printed place (so `1,63` and `1.63` both match 1.6329…), or the answer's own
`tolerance` from its variants file. The lecturer's overrides (`--accept`) and the
points of written sub-questions come on top.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from typing import Sequence

import sympy

from .answers import accepted, asked_answers, tolerance_for
from .bank import Answer
from .collected import Answers
from .exam import Exam, Item, StudentExam
from .formula import is_matrix
from .misconceptions import recognise
from .numbers import plain
from .overrides import Applied, Override, override_for
from .roster import print_order
from .spec import DEFAULT_SCALE
from .tables import guarded

# What grades.csv says in the grade column of a student who missed the exam.
ABSENT = "absent"


@dataclass(frozen=True)
class Mark:
    student_id: str
    position: int
    exercise_id: str
    answer: str                 # the answer's name, or `<sub-question>.points` if written
    given: str
    status: str                 # right, alternative (right: another rounding), wrong,
                                # blank or unparseable; scored if written
    points: float = 0.0         # earned
    worth: float = 0.0          # at most
    misconception: str = ""     # the bank's name of the mistake a wrong answer shows

    @property
    def column(self) -> str:
        return f"{self.exercise_id}.{self.answer}"

    @property
    def right(self) -> bool:
        """Right, or one of the answer's accepted alternatives (another rounding)."""
        return self.status in ("right", "alternative") or (self.status == "scored" and
                                           self.points >= self.worth - 1e-9)

    @property
    def written(self) -> bool:
        return self.answer.endswith(".points")


@dataclass
class StudentGrade:
    exam: StudentExam
    points: list[float]          # per position on the sheet (empty when absent)
    total: float
    maximum: float
    grade: int | None            # None: absent, no grade
    absent: bool = False


@dataclass
class Grading:
    exam: Exam
    marks: list[Mark]            # of the students present
    students: list[StudentGrade]
    answers: Answers | None = None
    scale: Sequence[tuple[float, int]] = DEFAULT_SCALE
    overridden: list[Applied] = field(default_factory=list)

    @property
    def present(self) -> list[StudentGrade]:
        """The students who sat the exam: every statistic is over these."""
        return [s for s in self.students if not s.absent]

    @property
    def absent(self) -> list[StudentGrade]:
        return [s for s in self.students if s.absent]

    @property
    def maximum(self) -> float:
        return max((s.maximum for s in self.students), default=0)




# ---------------------------------------------------------------- reading one answer

_NUMBER = re.compile(r"^[-+−]?[\d\s\u00a0.,']+$")
# A unit after the number: `87,5 %`, `93x`, `93×` (and the Cyrillic `х` that looks alike).
_UNIT = re.compile(r"\s*(%|[x×х])$", re.IGNORECASE)


def number_readings(text: str) -> list[float]:
    """Every sensible reading of a written number: `1,63` and `1.63`, `1 048 576`,
    `1,048,576`, `87,5 %`, `93×`; `1,048` may be either, so both readings are kept
    (`read_number` chooses)."""
    text = text.strip().lstrip("≈~").strip().replace("−", "-")
    text = _UNIT.sub("", text)
    if not text:
        return []
    fraction = re.fullmatch(r"(-?\d+)\s*/\s*(\d+)", text)
    if fraction and int(fraction.group(2)) != 0:
        return [int(fraction.group(1)) / int(fraction.group(2))]
    if not _NUMBER.match(text):
        return []
    compact = re.sub(r"[\s\u00a0']", "", text)
    readings = []
    for decimal, group in ((".", ","), (",", ".")):
        candidate = compact
        if group in candidate and decimal in candidate and \
                candidate.rfind(group) > candidate.rfind(decimal):
            continue
        if group in candidate and not re.fullmatch(
                rf"-?\d{{1,3}}(\{group}\d{{3}})+(\{decimal}\d+)?", candidate):
            if decimal in candidate or candidate.count(group) > 1:
                continue
            candidate = candidate.replace(group, decimal)   # a lone decimal sign
        else:
            candidate = candidate.replace(group, "")
        try:
            readings.append(float(candidate.replace(decimal, ".")))
        except ValueError:
            pass
    return sorted(set(readings))


def read_number(text: str, whole: bool) -> float | None:
    """One reading of a written number. A single separator followed by three digits
    (`1,024`, `1.024`) groups thousands where the key is a whole number, and is a
    decimal sign otherwise."""
    readings = number_readings(text)
    if not readings:
        return None
    return max(readings, key=abs) if whole else min(readings, key=abs)


def _bracketed(text: str) -> str:
    """A vector as `[…]`: written in parentheses or without brackets, or over lines."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = "[" + text[1:-1] + "]"
    if not (text.startswith("[") and text.endswith("]")):
        text = "[" + text + "]"
    lines = [line.strip().rstrip(";") for line in text.splitlines() if line.strip()]
    return "; ".join(lines) if len(lines) > 1 else text


def list_readings(text: str) -> list[list]:
    """A vector: JSON (`[1.1, 1.8, 3.3]`), with semicolons (`[1,1; 1,8; 3,3]`, the
    Bulgarian way), with commas and spaces (`1,1, 1,8, 3,3`), with spaces (`[1 2 3]`);
    in brackets, in parentheses or in neither."""
    text = _bracketed(text)
    inner = text[1:-1]
    decimal_commas = re.search(r",\S", inner) and re.search(r",\s", inner)  # [1,1, 1,8]
    if not decimal_commas:
        try:
            value = json.loads(text)
            return [value] if isinstance(value, list) else []
        except json.JSONDecodeError:
            pass
    if "[" in inner or "]" in inner:
        return []
    if ";" in inner:
        pieces = inner.split(";")
    elif "," in inner:
        if not re.search(r",\s", inner):
            return []
        pieces = re.split(r",\s+", inner)
    else:
        pieces = inner.split()
    parts = [number_readings(p) for p in pieces if p.strip()]
    if parts and all(len(p) == 1 for p in parts):
        return [[p[0] for p in parts]]
    return []


def matrix_readings(text: str) -> list[list]:
    """A 0/1 matrix: JSON, rows in brackets as the key prints them (`[1; 0] [1; 1]`,
    `[1, 0] [1, 1]`, `[1 0] [1 1]`), rows separated by semicolons in one bracket
    (`[1 0; 1 1]`, `[1,0; 1,1]`), or rows on separate lines of the cell."""
    text = text.strip()
    try:
        value = json.loads(text)
        if isinstance(value, list) and all(isinstance(r, list) for r in value):
            return [value]
    except json.JSONDecodeError:
        pass
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        rows = [line.strip("[]();") for line in lines]
        if any(re.search(r"[\[\]()]", row) for row in rows):
            return []
    else:
        rows = re.findall(r"\[([^\[\]]*)\]", text)
        if len(rows) == 1:
            rows = rows[0].split(";")
        elif not rows or re.sub(r"\[[^\[\]]*\]|[\s,\[\]]", "", text):
            return []
    try:
        matrix = [[float(cell) for cell in re.split(r"[\s,;]+", row.strip()) if cell]
                  for row in rows]
    except ValueError:
        return []
    return [matrix] if matrix and all(matrix) else []


def readings(given: str, answer: Answer, expected) -> list | None:
    """Every sensible reading of a written numeric answer, by the reading rules; None
    for a blank box, [] for one that cannot be read."""
    if not given.strip():
        return None
    target = plain(expected)
    if isinstance(target, list):
        is_matrix_answer = bool(target) and isinstance(target[0], list)
        return matrix_readings(given) if is_matrix_answer else list_readings(given)
    number = read_number(given, sympy.sympify(expected).is_Integer)
    return [] if number is None else [number]


def judge(given: str, answer: Answer, expected, alternatives: Sequence = ()) -> str:
    """right, alternative (one of the answer's further accepted values, each with the
    key's own tolerance), wrong, blank or unparseable."""
    if not given.strip():
        return "blank"
    if answer.is_choice:
        letter = given.strip().strip("().").strip().lower()
        if len(letter) != 1 or not letter.isalpha():
            return "unparseable"
        return "right" if letter == expected else "wrong"
    found = readings(given, answer, expected)
    if not found:
        return "unparseable"
    if any(accepted(r, answer, expected) for r in found):
        return "right"
    tolerance = tolerance_for(answer, expected)          # the key's own, for alternatives
    if any(accepted(r, answer, value, tolerance) for r in found for value in alternatives):
        return "alternative"
    return "wrong"


def misconception_in(given: str, item: Item, name: str) -> str:
    """The misconception a wrong answer shows (within the key's tolerance), or ""."""
    answer = item.exercise.answers[name]
    if answer.is_choice or not answer.misconceptions:
        return ""
    for reading in readings(given, answer, item.solution.answers[name]) or []:
        found = recognise(item.solution, name, reading)
        if found:
            return found
    return ""


# ---------------------------------------------------------------- the whole class


def grade_for(share: float, scale: Sequence[tuple[float, int]]) -> int:
    for threshold, grade in scale:
        if share >= threshold - 1e-12:
            return grade
    return scale[-1][1]


def answer_share(item: Item) -> float:
    """The points of one computed answer: the exercise's points less its written
    sub-questions', shared equally."""
    worth = item.points if item.points is not None else 1
    rest = worth - (item.written or 0) * len(item.written_parts)
    return rest / len(item.asked) if item.asked else 0.0


def same_answer(given: str, value: str, answer: Answer, expected) -> bool:
    """Whether a student's answer reads as an accepted value (an override), by the
    rules and within the tolerance the key's own answer has."""
    if answer.is_choice:
        return given.strip().strip("().").lower() == value.strip().strip("().").lower()
    target = plain(expected)
    if isinstance(target, list):
        read = matrix_readings if target and isinstance(target[0], list) else list_readings
        mine, theirs = read(given), read(value)
        mine, theirs = mine[:1], theirs[:1]
    else:
        whole = sympy.sympify(expected).is_Integer
        mine = [x for x in [read_number(given, whole)] if x is not None]
        theirs = [x for x in [read_number(value, whole)] if x is not None]
    if not mine or not theirs:
        return False
    return accepted(mine[0], answer, theirs[0], tolerance_for(answer, expected))


def grade_exam(exam: Exam, answers: Answers,
               scale: Sequence[tuple[float, int]] = DEFAULT_SCALE,
               overrides: Sequence[Override] = ()) -> Grading:
    from .collected import points_given, written_column

    marks, students, applied = [], [], []
    absent = set(answers.absent)
    for se in exam.students:
        sid = se.student.id
        maximum = sum(i.points if i.points is not None else 1 for i in se.items)
        if sid in absent:
            students.append(StudentGrade(se, [], 0, maximum, None, absent=True))
            continue
        row = answers.rows.get(sid, {})
        points = []
        for item in se.items:
            share = answer_share(item)
            item_marks = []
            for entry in asked_answers(item):
                name, answer, column, expected = entry.name, entry.answer, entry.id, entry.exact
                given = row.get(column, "")
                status = judge(given, answer, expected, entry.alternatives)
                mark = Mark(sid, item.position, item.exercise.id, name, given, status,
                            share if status in ("right", "alternative") else 0.0, share,
                            misconception_in(given, item, name) if status == "wrong" else "")
                rule, before = override_for(overrides, sid, column), mark
                if rule is not None:
                    if rule.points is not None:
                        got = min(rule.points, share)
                        mark = replace(mark, points=got,
                                       status="right" if got >= share - 1e-9 else "wrong")
                    elif status not in ("right", "alternative") and same_answer(
                            given, rule.value, answer, expected):
                        mark = replace(mark, points=share, status="right")
                item_marks.append(_noted(before, mark, rule, applied))
            for part in item.written_parts:
                column = written_column(item.exercise.id, part)
                given = row.get(column, "")
                got = points_given(given, item.written, column) if given else 0.0
                mark = Mark(sid, item.position, item.exercise.id, f"{part}.points", given,
                            "scored" if given else "blank", got, item.written)
                rule, before = override_for(overrides, sid, column), mark
                if rule is not None and rule.points is not None:
                    mark = replace(mark, points=min(rule.points, item.written),
                                   status="scored")
                item_marks.append(_noted(before, mark, rule, applied))
            marks.extend(item_marks)
            points.append(round(sum(m.points for m in item_marks), 2))
        total = round(sum(points), 2)
        students.append(StudentGrade(se, points, total, maximum,
                                     grade_for(total / maximum if maximum else 0, scale)))
    return Grading(exam, marks, students, answers, tuple(scale), applied)


def _noted(before: Mark, after: Mark, rule: Override | None, applied: list) -> Mark:
    """Keep a record of every override that changed a mark (the report lists them)."""
    if rule is not None and (before.points, before.status) != (after.points, after.status):
        applied.append(Applied(rule, after.student_id, after.column, after.given,
                               before.points, after.points))
    return after


def grade_table(grading: Grading) -> tuple[list[str], list[list]]:
    """The rows of grades.csv and grades.xlsx: points per exercise, total, grade; an
    absent student's row has no points and `absent` for the grade."""
    width = max((len(s.points) for s in grading.students), default=0)
    header = ["id", "name", "group", *[f"ex{i}" for i in range(1, width + 1)],
              "total", "max", "grade", "misconceptions"]
    mistakes: dict[str, list[str]] = {}
    for mark in grading.marks:
        if mark.misconception:
            mistakes.setdefault(mark.student_id, []).append(
                f"{mark.column}: {mark.misconception}")
    rows = []
    for s in sorted(grading.students, key=lambda s: print_order(s.exam.student)):
        student = s.exam.student
        if s.absent:
            rows.append([student.id, student.name, student.group, *[None] * width, None,
                         s.maximum, ABSENT, None])
        else:
            rows.append([student.id, student.name, student.group, *s.points, s.total,
                         s.maximum, s.grade, "; ".join(mistakes.get(student.id, []))])
    return header, rows


def grades_csv(grading: Grading) -> str:
    header, rows = grade_table(grading)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _num(v) if isinstance(v, (int, float))
                         and not isinstance(v, bool) and i > 2 else guarded(str(v))
                         for i, v in enumerate(row)])
    return out.getvalue()


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
