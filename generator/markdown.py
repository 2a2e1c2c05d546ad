"""The Markdown writer: documents through the layouts in `templates/layouts/`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Sequence

from . import background
from .bank import Bank
from .documents import (AnswerBox, ClassDocuments, KeyRow, PrintedExercise,
                        StudentDocument, answer_boxes)
from .spec import Heading
from .files import write_text, writing_beside
from .layouts import (MARKDOWN, answer_form_context, feedback_context, handout_context,
                      instructor_context, render, report_context, sheet_context)


def student_markdown(bank: Bank, doc: StudentDocument) -> str:
    return render(bank, "exam", MARKDOWN, sheet_context(bank, doc, MARKDOWN))


def answer_sheet_markdown(bank: Bank, doc: StudentDocument,
                          boxes: Sequence[AnswerBox]) -> str:
    return render(bank, "answer-sheet", MARKDOWN,
                  answer_form_context(bank, doc, boxes, MARKDOWN))


def instructor_markdown(bank: Bank, lang: str, heading: Heading, seed: int,
                        rows: Sequence[KeyRow], mistakes=()) -> str:
    return render(bank, "instructor", MARKDOWN,
                  instructor_context(bank, lang, heading, seed, rows, mistakes))


def report_markdown(bank: Bank, lang: str, heading: Heading, report) -> str:
    return render(bank, "report", MARKDOWN, report_context(bank, lang, heading, report))


def feedback_markdown(bank: Bank, heading: Heading, feedback) -> str:
    """One student's feedback, in their language."""
    return render(bank, "feedback", MARKDOWN, feedback_context(bank, heading, feedback))


def handout_markdown(bank: Bank, lang: str, heading: Heading,
                     exercises: Sequence[PrintedExercise], exam: bool = False) -> str:
    return render(bank, "handout", MARKDOWN,
                  handout_context(bank, lang, heading, exercises, exam))


# From this many students on, a class's Markdown is written by two processes, each
# rendering half of the students (a process costs a few hundredths of a second).
SPLIT_FROM = 100


def write_exam(build: ClassDocuments, folder: Path) -> None:
    """Every student's sheet, key (and answer form), and the instructor's key."""
    bank = build.exam.bank
    students = list(zip(build.exam.students, build.documents))
    half = len(students) // 2 if len(students) >= SPLIT_FROM else 0
    first = background.start(lambda: _write_students(build, students[:half], folder)) \
        if half else (lambda: None)
    with contextlib.ExitStack() as waiting:
        waiting.callback(first)
        _write_students(build, students[half:], folder)
        write_text(folder / "instructor-key.md",
                   instructor_markdown(bank, build.lang, build.headings[build.lang],
                                       build.exam.seed, build.rows, build.mistakes))


def _write_students(build: ClassDocuments, students, folder: Path) -> None:
    bank = build.exam.bank
    with writing_beside() as write:
        for se, (sheet, key) in students:
            write(folder / "sheets" / f"{se.student.id}.md", student_markdown(bank, sheet))
            write(folder / "keys" / f"{se.student.id}.md", student_markdown(bank, key))
            if build.answer_sheets:
                write(folder / "answer-sheets" / f"{se.student.id}.md",
                      answer_sheet_markdown(bank, sheet, answer_boxes(se)))


def write_handout(bank: Bank, lang: str, heading: Heading, exercises: Sequence[PrintedExercise],
                  folder: Path, exam: bool = False) -> list[str]:
    name = f"handout-{lang}.md"
    write_text(folder / name, handout_markdown(bank, lang, heading, exercises, exam))
    return [name]
