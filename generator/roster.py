"""Who takes the exam: a roster CSV (`id,name[,lang,group]`) or `--students N`."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ExgenError, read_user_file

_SAFE_ID = re.compile(r"^[\w.-]+$", re.UNICODE)


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


def read_roster(path: Path, languages) -> tuple[Student, ...]:
    text = read_user_file(path, "roster file")
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "id" not in columns:
        raise ExgenError("the roster needs a header line with at least the column `id` "
                         "(columns: id,name[,lang,group])", where=f"{path}, line 1")
    students, seen = [], {}
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()
               if isinstance(v, str) or v is None}
        sid = row.get("id", "")
        where = f"{path}, line {line}"
        if not sid:
            if not any(row.values()):
                continue
            raise ExgenError("a student without an id", where=where)
        if not _SAFE_ID.match(sid):
            raise ExgenError(f"student id `{sid}` may hold only letters, digits, `.`, `_` "
                             "and `-` (it names files)", where=where)
        if sid in seen:
            raise ExgenError(f"student id `{sid}` is already used on line {seen[sid]}",
                             where=where)
        lang = row.get("lang") or None
        if lang is not None and lang not in languages:
            raise ExgenError(f"unknown language `{lang}` for student {sid} "
                             f"(known: {', '.join(languages)})", where=where)
        seen[sid] = line
        students.append(Student(sid, row.get("name", ""), lang, row.get("group", "")))
    if not students:
        raise ExgenError("the roster lists no student", where=str(path))
    return tuple(students)
