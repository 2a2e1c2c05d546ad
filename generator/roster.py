"""Who takes the exam: a roster (`id,name[,lang,group]`, CSV or .xlsx) or `--students N`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ExgenError
from .tables import read_table

_SAFE_ID = re.compile(r"^[\w-][\w.-]{0,63}$", re.UNICODE)
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    lang: str | None = None
    group: str = ""


def print_order(student: Student) -> tuple:
    """Group, then id in natural order (`9` before `10`)."""
    return (student.group, [(0, int(t), "") if t.isdigit() else (1, 0, t)
                            for t in re.findall(r"\d+|\D+", student.id)])


def numbered(count: int) -> tuple[Student, ...]:
    """Students `01` … `N` (zero-padded to the width of N, at least two digits)."""
    if count < 1:
        raise ExgenError(f"--students must be at least 1, not {count}")
    width = max(2, len(str(count)))
    return tuple(Student(str(i).zfill(width)) for i in range(1, count + 1))


def safe_id(sid: str) -> bool:
    """Ids name files (`sheets/<id>.pdf`): letters, digits, `_`, `-` and inner dots only —
    no `.`/`..`, no hidden file, no device name Windows reserves."""
    return bool(_SAFE_ID.match(sid)) and not sid.endswith(".") and \
        sid.split(".")[0].upper() not in _RESERVED


def read_roster(path: Path, languages, notes: list[str] | None = None) -> tuple[Student, ...]:
    """The class from a roster table (CSV in any spreadsheet dialect, or .xlsx); how the
    file was read, when not plain UTF-8 CSV, goes to `notes`."""
    table = read_table(path, "roster file", sheet="roster")
    if table.detected and notes is not None:
        notes.append(f"{path}: read as {table.detected}")
    if notes is not None:
        notes.extend(f"{table.where(line)}: {note.message}"
                     for (line, _), note in sorted(table.notes.items()))
    columns = list(table.header)
    if "id" not in columns:
        raise ExgenError(f"the roster needs a header line with at least the column `id` "
                         f"(columns: id,name[,lang,group]); its first line has "
                         f"{', '.join(f'`{c}`' for c in columns[:6]) or 'nothing'}",
                         where=table.header_where)
    index = {name: columns.index(name) for name in ("id", "name", "lang", "group")
             if name in columns}
    students, seen = [], {}
    for row in table.rows:
        where = table.where(row.line)
        values = {name: row.get(i).strip() for name, i in index.items()}
        sid = values["id"]
        if not sid:
            raise ExgenError("a student without an id", where=where)
        if len(row.cells) > len(columns) and any(c.strip() for c in row.cells[len(columns):]):
            raise ExgenError(f"{len(row.cells)} cells but {len(columns)} columns (a name "
                             "with the delimiter in it needs quotes)", where=where)
        if not safe_id(sid):
            raise ExgenError(f"student id `{sid[:40]}` is not a safe file name: ids may hold "
                             "letters, digits, `_`, `-` and dots inside (they name files)",
                             where=where)
        if sid in seen:
            raise ExgenError(f"student id `{sid}` is already used on line {seen[sid]}",
                             where=where)
        lang = values.get("lang") or None
        if lang is not None and lang not in languages:
            raise ExgenError(f"unknown language `{lang}` for student {sid} "
                             f"(known: {', '.join(languages)})", where=where)
        seen[sid] = row.line
        students.append(Student(sid, values.get("name", ""), lang, values.get("group", "")))
    if not students:
        raise ExgenError("the roster lists no student", where=str(path))
    return tuple(students)
