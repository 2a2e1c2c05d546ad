"""Excel workbooks (openpyxl): the answers template a teaching assistant fills in, and
the grades. Typing thirty columns per student into a CSV is where mistakes happen; in the
template the cells that do not apply to a student are shaded and locked, and choices are
drop-down lists.

The template's first row holds the column names grading reads (`id`, `name`, `group`,
`<exercise>.<answer>`), the second the labels in the build's language; the students start
on the third row. Workbooks are saved byte-identically for the same input (fixed dates
inside the file and in the zip).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path

from .collected import answer_columns, column_label, item_columns, student_columns
from .plain_text import plain_text
from .answers import asked_answers
from .exam import Exam
from .roster import print_order
from .spreadsheets import load_openpyxl

FIXED_DATE = datetime.datetime(2000, 1, 1)
SHADE = "D9D9D9"
HEAD = "DCE6F1"


def save_workbook(book, path: Path) -> None:
    """Save without the time of day in it: core.xml's dates and every zip entry's time
    are fixed, so the same build gives the same bytes."""
    book.properties.created = FIXED_DATE
    book.properties.creator = "exgen"
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                              data)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)


def _append(sheet, values: list) -> None:
    """A row whose texts stay texts: openpyxl takes any text starting with `=` for a
    formula, and a roster name like `=HYPERLINK(…)` must not become a live one."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _positions(exam: Exam) -> dict[str, str]:
    """Per answer column, the place its exercise has on the sheets (`3`, or `3/4` where
    a pool's exercises come in more than one place)."""
    found: dict[str, set[int]] = {}
    for se in exam.students:
        for item in se.items:
            for column in item_columns(item):
                found.setdefault(column, set()).add(item.position)
    return {column: "/".join(map(str, sorted(places))) for column, places in found.items()}


class _Validation:
    """What a column's cells accept, for each kind of answer: a choice's printed letters
    as a drop-down list; anything else as typed (None)."""

    @staticmethod
    def choice(entry, validation):
        return validation(type="list", formula1=f'"{",".join(entry.letters)}"',
                          allow_blank=True)

    @staticmethod
    def number(entry, validation):
        return None

    vector = matrix = number


def _label(exam: Exam, column: str, lang: str, positions: dict[str, str]) -> str:
    """What the paper calls a box: „Задача 3: σ² (variance)“, in plain Unicode."""
    words = exam.bank.language(lang).words
    return (f"{words['problem']} {positions[column]}: "
            f"{plain_text(column_label(exam.bank, column, lang))}")


def write_answers_template(exam: Exam, lang: str, path: Path) -> None:
    """answers-template.xlsx: a row per student (in print order, as the papers come
    back), a column per answer box."""
    write_answers_workbook(answers_template(exam, lang), path)


def answers_template(exam: Exam, lang: str) -> dict:
    """What answers-template.xlsx holds, as plain data (no openpyxl): its two heading
    rows, each choice column's drop-down list, and per student the id, name and group and
    which of the answer columns apply to them."""
    words = exam.bank.language(lang).words
    columns = answer_columns(exam)
    positions = _positions(exam)
    asked = {entry.id: entry for se in exam.students for item in se.items
             for entry in asked_answers(item)}      # a written part's column has none
    choices = {}
    for column in columns:
        if column in asked and (listed := asked[column].kind.written(
                _Validation, asked[column], dict)) is not None:
            choices[column] = listed
    students = sorted(exam.students, key=lambda se: print_order(se.student))
    return {"columns": columns,
            "labels": [words["student_id"], words["name"], words["group"],
                       *[_label(exam, c, lang, positions) for c in columns]],
            "choices": choices,
            "students": [([se.student.id, se.student.name, se.student.group],
                          [column in applies for column in columns])
                         for se in students for applies in [set(student_columns(se))]]}


def prepare_answers_workbook() -> None:
    """Import what write_answers_workbook needs (openpyxl), ahead of its data."""
    load_openpyxl()
    import openpyxl.styles  # noqa: F401 (imported now, used by the writer)
    import openpyxl.worksheet.datavalidation  # noqa: F401


def write_answers_workbook(template: dict, path: Path) -> None:
    """answers-template.xlsx from answers_template's data: the cells that do not apply to
    a student shaded and locked, choices as drop-down lists."""
    load_openpyxl()
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = template["columns"]
    book = Workbook()
    sheet = book.active
    sheet.title = "answers"
    _append(sheet, ["id", "name", "group", *columns])
    _append(sheet, template["labels"])
    bold, head = Font(bold=True), PatternFill("solid", fgColor=HEAD)
    for row in (1, 2):
        for cell in sheet[row]:
            cell.font, cell.fill = bold, head
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    shade = PatternFill("solid", fgColor=SHADE)
    choices: dict[str, DataValidation] = {}
    for column, listed in template["choices"].items():
        choices[column] = DataValidation(**listed)
        sheet.add_data_validation(choices[column])
    for row, (student, applies) in enumerate(template["students"], start=3):
        _append(sheet, [*student, *[""] * len(columns)])
        for index, (column, applying) in enumerate(zip(columns, applies), start=4):
            cell = sheet.cell(row=row, column=index)
            cell.number_format = "@"                  # kept as typed: 1,63 or [1; 0]
            if applying:
                cell.protection = Protection(locked=False)
                if column in choices:
                    choices[column].add(cell)
            else:
                cell.fill = shade
    sheet.freeze_panes = "D3"
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 8
    for index in range(4, len(columns) + 4):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.row_dimensions[2].height = 45
    # Locked cells (ids, names, boxes not on a student's sheet) cannot be typed into;
    # no password: a lecturer may lift the protection from Excel's menu.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.sort = False
    sheet.protection.autoFilter = False
    save_workbook(book, path)


def write_grades_workbook(grading, lang: str, path: Path) -> None:
    """grades.xlsx: the rows of grades.csv, numbers as numbers, under a second row of
    labels in the report's language (the sheets' „Задача N“), and the mistakes in
    words."""
    load_openpyxl()
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from .grade import grade_table

    bank = grading.exam.bank
    language = bank.language(lang)
    words = language.words
    header, rows = grade_table(grading)
    width = len(header) - 7                  # the per-exercise columns ex1 … exN
    labels = [words["student_id"], words["name"], words["group"],
              *[f"{words['problem']} {i}" for i in range(1, width + 1)],
              words["total"], words["maximum"], words["grade"], words["mistakes"]]
    mistakes: dict[str, list[str]] = {}
    for mark in grading.marks:
        if mark.misconception:
            label = plain_text(column_label(bank, mark.column, lang))
            explained = plain_text(language.explanation(mark.exercise_id, mark.misconception))
            mistakes.setdefault(mark.student_id, []).append(
                f"{words['problem']} {mark.position}, {label}: {explained}")
    book = Workbook()
    sheet = book.active
    sheet.title = "grades"
    _append(sheet, header)
    _append(sheet, labels)
    for row in (1, 2):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for row in rows:
        _append(sheet, [*row[:-1], "\n".join(mistakes.get(str(row[0]), [])) or None])
        sheet.cell(row=sheet.max_row, column=len(row)).alignment = Alignment(wrap_text=True)
    sheet.freeze_panes = "D3"
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions[get_column_letter(len(header))].width = 60
    save_workbook(book, path)
