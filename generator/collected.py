"""The answers a class hands back, as typed in by whoever collects them: a CSV (any
spreadsheet dialect) or the filled `answers-template.xlsx`. One row per student, a column
per answer box (`<exercise>.<answer>`). Nothing is dropped without a word: a value in a
column that does not apply to its student is reported, and a student who missed the exam
(an empty row, a language's `absent_mark` word — `absent`, `отсъства` — in any cell, or no
row at all) is marked absent.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import ExgenError
from .exam import Exam, Item, StudentExam
from .reading import read_number
from .tables import guarded, read_table

# Columns an answers file may carry for the people typing it in; never graded.
INFORMATIONAL = ("name", "group")


def item_columns(item: Item) -> list[str]:
    """An exercise's columns: `<exercise>.<answer>` per answer asked and
    `<exercise>.<sub-question>.points` per written sub-question, by sub-question."""
    answers = item.exercise.answers
    entries = [(answers[name].part or 0, f"{item.exercise.id}.{name}") for name in item.asked]
    entries += [(part, written_column(item.exercise.id, part)) for part in item.written_parts]
    return [column for _, column in sorted(entries, key=lambda e: e[0])]


def written_column(exercise_id: str, part: int) -> str:
    return f"{exercise_id}.{part}.points"


def column_label(bank, column: str, lang: str) -> str:
    """What the answer form calls a column's box, in a language."""
    exercise_id, _, name = column.partition(".")
    if name.endswith(".points"):
        return f"{bank.language(lang).word('written_question')} {name.split('.')[0]}"
    return bank.exercise(exercise_id).answers[name].labels.get(lang, name)


def student_columns(se: StudentExam) -> list[str]:
    """The answer columns that apply to one student, in the order of their sheet."""
    return [column for item in se.items for column in item_columns(item)]


def answer_columns(exam: Exam) -> list[str]:
    """`<exercise>.<answer>` for every answer any student of this exam must give, in the
    order of the answer forms: by place on the sheet, then the bank's order of exercises
    (the exercises of one pool share a place)."""
    place: dict[str, tuple[int, int, int]] = {}
    order = list(exam.bank.exercises)
    for se in exam.students:
        for item in se.items:
            for index, column in enumerate(item_columns(item)):
                key = (item.position, order.index(item.exercise.id), index)
                place[column] = min(place.get(column, key), key)
    return sorted(place, key=place.__getitem__)


def template_csv(exam: Exam) -> str:
    """An empty answers file: one row per student of this class, a column per answer."""
    columns = answer_columns(exam)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", *columns])
    for se in exam.students:
        writer.writerow([guarded(se.student.id), guarded(se.student.name),
                         *([""] * len(columns))])
    return out.getvalue()


@dataclass(frozen=True)
class Stray:
    """A value typed in a column that does not apply to its student: not graded."""

    student_id: str
    column: str
    given: str
    where: str


@dataclass(frozen=True)
class Flagged:
    """An answer cell whose text is not what the student wrote, or not all of it: a date
    or a time Excel made of it, a formula saved without its value, control characters.
    It is graded as read, and said on the terminal and in the report."""

    student_id: str
    column: str
    given: str
    where: str
    note: object                        # xlsx.CellNote: kind, what was found, a sentence


@dataclass(frozen=True)
class Answers:
    rows: dict[str, dict[str, str]]     # per present student: column → text
    absent: tuple[str, ...]             # marked absent, or without a row
    no_row: tuple[str, ...]             # of those, the students the file has no row for
    stray: tuple[Stray, ...]
    detected: str = ""                  # how the file was read, if not plain UTF-8 CSV
    flagged: tuple[Flagged, ...] = ()


def absent_marks(bank) -> frozenset[str]:
    """The word each language of the bank marks an absent student with."""
    return frozenset(language.word("absent_mark").casefold()
                     for language in bank.languages.values())


def is_absent_mark(text: str, marks: frozenset[str]) -> bool:
    return text.strip().strip(".!").casefold() in marks


def read_answers(path: Path, exam: Exam, label_words=()) -> Answers:
    """Every student's answers. `label_words` are the texts the workbook template puts
    in the id column of its second row (the labels), which is then skipped."""
    table = read_table(path, "answers file", multiline=True, sheet="answers")
    header = list(table.header)
    if not header or header[0] != "id":
        raise ExgenError("the first column must be `id` (print a blank file with "
                         "`exgen grade … --template`, or fill the build's "
                         "answers-template.xlsx)", where=table.header_where)
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise ExgenError(f"the column(s) {', '.join(twice)} appear twice",
                         where=table.header_where)
    known = set(answer_columns(exam)) | set(INFORMATIONAL)
    unknown = [h for h in header[1:] if h not in known]
    if unknown:
        raise ExgenError(f"unknown answer column(s) {', '.join(unknown)} (columns are "
                         "<exercise>.<answer> of this exam)", where=table.header_where)
    by_id = {se.student.id: se for se in exam.students}
    marks = absent_marks(exam.bank)
    rows: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    absent, stray, flagged = [], [], []
    for index, row in enumerate(table.rows):
        where = table.where(row.line)
        sid = row.get(0).strip()
        if index == 0 and sid in label_words:
            continue            # the workbook template's labels (also once saved as CSV)
        if not sid:
            raise ExgenError("a row without a student id", where=where)
        if sid not in by_id:
            raise ExgenError(f"unknown student id `{sid}` (not in this class's roster)",
                             where=where)
        if sid in lines:
            raise ExgenError(f"a second row for student `{sid}` (the first is "
                             f"{table.unit} {lines[sid]})", where=where)
        if len(row.cells) > len(header) and any(c.strip() for c in row.cells[len(header):]):
            raise ExgenError(f"{len(row.cells)} cells but {len(header)} columns (quote answers "
                             "that contain the delimiter: \"[1.1, 1.8, 3.3]\")", where=where)
        lines[sid] = row.line
        cells = {h: row.get(i).strip() for i, h in enumerate(header) if i > 0}
        answers = {h: v for h, v in cells.items() if h not in INFORMATIONAL}
        applies = set(student_columns(by_id[sid]))
        for column, value in answers.items():
            note = table.notes.get((row.line, header.index(column)))
            if note and column in applies:
                flagged.append(Flagged(sid, column, value, where, note))
        if any(is_absent_mark(v, marks) for v in cells.values()) or not any(answers.values()):
            absent.append(sid)
            continue
        undecided = [c for c, v in answers.items() if v == "?"]
        if undecided:
            raise ExgenError(f"student `{sid}`, column {undecided[0]}: `?` is an answer "
                             "`exgen scan` could not read (its cell comment and review.html "
                             "say why); type the value the student marked, or empty the "
                             "cell for a blank answer", where=where)
        bounds = written_bounds(by_id[sid])
        for column, value in answers.items():
            if value and column not in applies:
                stray.append(Stray(sid, column, value, where))
            elif value and column in bounds:
                points_given(value, bounds[column], f"{where}, column {column}")
        rows[sid] = {c: v for c, v in answers.items() if c in applies}
    no_row = [se.student.id for se in exam.students if se.student.id not in lines]
    order = {se.student.id: i for i, se in enumerate(exam.students)}
    absent = sorted({*absent, *no_row}, key=order.get)
    return Answers(rows, tuple(absent), tuple(no_row), tuple(stray), table.detected,
                   tuple(flagged))


def written_bounds(se: StudentExam) -> dict[str, float]:
    """The most points each written sub-question's column may hold."""
    return {written_column(item.exercise.id, part): item.written
            for item in se.items for part in item.written_parts}


def points_given(text: str, bound: float, where: str) -> float:
    """Points written in a `.points` column (or an override): a number from 0 to the
    sub-question's points."""
    value = read_number(text, whole=False, suffixes=())
    if value is None or not 0 <= value <= bound + 1e-9:
        raise ExgenError(f"`{text}` is not a number of points from 0 to {bound:g}",
                         where=where)
    return value
