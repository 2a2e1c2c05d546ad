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
from dataclasses import dataclass, field, replace
from typing import Sequence

from . import reading
from .answer_keys import reading_key
from .answers import answer_share, asked_answers
from .bank import Answer
from .collected import Answers, points_given, written_column
from .exam import Exam, Item, StudentExam
from .misconceptions import judged_key
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
    reason: str = ""            # why it was not read, or `unit` (reading.Verdict)
    unit: str = ""              # the other unit a wrong answer is written in

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




# ---------------------------------------------------------------- one answer


def judge(given: str, answer: Answer, expected, alternatives: Sequence = ()) -> str:
    """right, alternative, wrong, blank or unparseable: reading.judge's status for an
    answer of the bank."""
    return reading.judge(given, reading_key(answer, expected, alternatives)).status


def misconception_in(given: str, item: Item, name: str) -> str:
    """The misconception a wrong answer shows (in one of its printed forms), or ""."""
    return reading.mistake_in(given, judged_key(item.solution, name))


# ---------------------------------------------------------------- the whole class


def grade_for(share: float, scale: Sequence[tuple[float, int]]) -> int:
    for threshold, grade in scale:
        if share >= threshold - 1e-12:
            return grade
    return scale[-1][1]


def grade_exam(exam: Exam, answers: Answers,
               scale: Sequence[tuple[float, int]] = DEFAULT_SCALE,
               overrides: Sequence[Override] = ()) -> Grading:
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
                name, column = entry.name, entry.id
                given = row.get(column, "")
                key = entry.key                 # its mistakes only for a wrong answer
                verdict = reading.judge(given, key)
                status = verdict.status
                mark = Mark(sid, item.position, item.exercise.id, name, given, status,
                            share if status in ("right", "alternative") else 0.0, share,
                            misconception_in(given, item, name) if status == "wrong" else "",
                            verdict.reason, verdict.unit)
                rule, before = override_for(overrides, sid, column), mark
                if rule is not None:
                    if rule.points is not None:
                        got = min(rule.points, share)
                        mark = replace(mark, points=got,
                                       status="right" if got >= share - 1e-9 else "wrong")
                    elif status not in ("right", "alternative") and reading.same_value(
                            given, rule.value, key):
                        mark = replace(mark, points=share, status="right", reason="", unit="")
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
