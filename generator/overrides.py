"""The lecturer's judgement over the key: an accepted-answers file (`grade --accept`).

A table (CSV in any spreadsheet dialect, or .xlsx) with the columns `student`, `column`,
and `value` or `points`:

    student,column,value,points
    *,ffn_dims.d_ff,2048,            everyone who wrote 2048 gets this answer right
    2401003,layernorm.std,,0.5       this student gets half a point here
    2401003,flash_attention.4.points,,1

`student` empty or `*` means everyone. A `value` is read by the same rules as a student's
answer and compared with the same tolerance; `points` are bounded by what the answer is
worth. A regrade applies the file again; the report lists every override that applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .answers import answer_share
from .collected import item_columns, points_given
from .errors import ExgenError
from .exam import Exam
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

    table = read_table(path, "accepted-answers file")
    header = list(table.header)
    if "column" not in header or not ({"value", "points"} & set(header)):
        raise ExgenError("an accepted-answers file has the columns student, column, and "
                         "value or points", where=table.header_where)
    index = {name: header.index(name) for name in ("student", "column", "value", "points")
             if name in header}
    worth: dict[tuple[str, str], float] = {}
    for se in exam.students:
        for item in se.items:
            for column in item_columns(item):
                worth[(se.student.id, column)] = item.written if column.endswith(
                    ".points") else answer_share(item)
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
        given = points_given(points, min(bounds), where) if points else None
        key = (student if student not in EVERYONE else None, column)
        if key in seen:
            raise ExgenError(f"a second override of `{column}` for "
                             f"{student or 'everyone'} (the first is {seen[key]})",
                             where=where)
        seen[key] = where
        overrides.append(Override(key[0], column, value or None, given, where))
    return tuple(overrides)
