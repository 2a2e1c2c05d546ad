"""The lecturer's judgement over the key: an accepted-answers file (`grade --accept`).

A table (CSV in any spreadsheet dialect, or .xlsx) with the columns `student`, `column`,
and `value` or `points`:

    student,column,value,points
    *,ffn_dims.d_ff,2048,            everyone who wrote 2048 gets this answer right
    2401003,layernorm.std,,0.5       this student gets half a point here
    2401003,flash_attention.4.points,,1

`student` empty or `*` means everyone. A `value` is read by the same rules as a student's
answer and compared with the same tolerance; `points` are bounded by what the answer is
worth. A value that cannot be read as an answer of its column, or that is already the
key's answer for everyone it applies to, is refused with its line; an override that
changed no mark is named after grading (`unused`). A regrade applies the file again; the
report lists every override that applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .answers import answer_share, asked_answers
from .collected import item_columns, points_given
from .errors import ExgenError
from .exam import Exam
from .reading import first_reading, judge
from .tables import read_table

EVERYONE = ("", "*")


@dataclass(frozen=True)
class Override:
    student: str | None        # None: everyone
    column: str
    value: str | None          # accept this answer as right …
    points: float | None       # … or give these points
    where: str                 # the file and line it comes from


@dataclass(frozen=True)
class Applied:
    """An override that met a student's answer, and what it changed."""

    override: Override
    student_id: str
    column: str
    given: str
    before: float
    after: float


def override_for(overrides: Sequence[Override], student_id: str,
                 column: str) -> Override | None:
    """The student's own override of a column before one for everyone."""
    own = [o for o in overrides if o.column == column and o.student == student_id]
    common = [o for o in overrides if o.column == column and o.student is None]
    return (own or common or [None])[0]


def read_overrides(path: Path, exam: Exam) -> tuple[Override, ...]:

    table = read_table(path, "accepted-answers file", sheet="accepted")
    header = list(table.header)
    if "column" not in header or not ({"value", "points"} & set(header)):
        raise ExgenError("an accepted-answers file has the columns student, column, and "
                         "value or points", where=table.header_where)
    index = {name: header.index(name) for name in ("student", "column", "value", "points")
             if name in header}
    worth: dict[tuple[str, str], float] = {}
    keys = {}
    for se in exam.students:
        for item in se.items:
            for column in item_columns(item):
                worth[(se.student.id, column)] = item.written if column.endswith(
                    ".points") else answer_share(item)
            for asked in asked_answers(item):
                keys[(se.student.id, asked.id)] = asked.key
    overrides, seen = [], {}
    for row in table.rows:
        where = table.where(row.line)
        cell = {name: row.get(i).strip() for name, i in index.items()}
        student = cell.get("student", "")
        column, value, points = cell["column"], cell.get("value", ""), cell.get("points", "")
        students = [se.student.id for se in exam.students] if student in EVERYONE \
            else [student]
        if student not in EVERYONE and student not in {se.student.id for se in exam.students}:
            raise ExgenError(f"unknown student id `{student}`", where=where)
        bounds = [worth[(sid, column)] for sid in students if (sid, column) in worth]
        if not bounds:
            whose = "any sheet" if student in EVERYONE else f"the sheet of {student}"
            raise ExgenError(f"column `{column}` is not on {whose} of this exam",
                             where=where)
        if bool(value) == bool(points):
            raise ExgenError("give a value to accept or points to give, one of the two",
                             where=where)
        if value and column.endswith(".points"):
            raise ExgenError("a written sub-question takes points, not a value",
                             where=where)
        if value:
            _check_value(value, column, [keys[(sid, column)] for sid in students
                                         if (sid, column) in keys], where)
        given = points_given(points, min(bounds), where) if points else None
        key = (student if student not in EVERYONE else None, column)
        if key in seen:
            raise ExgenError(f"a second override of `{column}` for "
                             f"{student or 'everyone'} (the first is {seen[key]})",
                             where=where)
        seen[key] = where
        overrides.append(Override(key[0], column, value or None, given, where))
    return tuple(overrides)


def _check_value(value: str, column: str, keys, where: str) -> None:
    """A value to accept must read as an answer of its column, and be more than the key
    itself for at least one student it applies to."""
    verdict = judge(value, keys[0])
    if any(first_reading(value, key) is None for key in keys):
        why = f"in {verdict.unit}, another unit than the key's" \
            if verdict.reason == "unit" else f"not a {keys[0].kind}"
        raise ExgenError(f"`{value}` cannot be read as an answer of {column} ({why})",
                         where=where)
    if all(judge(value, key).status == "right" for key in keys):
        raise ExgenError(f"`{value}` is already the key's answer of {column} for everyone "
                         "it applies to: the line changes nothing", where=where)


def unused(overrides: Sequence[Override], applied: Sequence[Applied]) -> list[str]:
    """Notes naming each override that changed no student's mark."""
    used = {id(a.override) for a in applied}
    return [f"{o.where}: the override of {o.column} for {o.student or 'everyone'} "
            "changed no mark" for o in overrides if id(o) not in used]
