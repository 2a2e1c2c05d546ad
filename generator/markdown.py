"""The Markdown writer: documents through the layouts in `templates/layouts/`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import jinja2
import sympy
from jinja2.sandbox import SandboxedEnvironment

from .bank import Bank
from .documents import (AnswerBox, ClassDocuments, KeyRow, Part, StudentDocument,
                        answer_boxes)
from .spec import Heading
from .errors import ExgenError
from .files import write_text
from .numbers import show_scalar


@lru_cache(maxsize=None)
def _layouts(folder: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(folder)),
                                undefined=jinja2.StrictUndefined, autoescape=False,
                                lstrip_blocks=True)


def _render(bank: Bank, layout: str, **context) -> str:
    folder = bank.root / "templates" / "layouts"
    if not (folder / layout).is_file():
        folder = Path(__file__).resolve().parent.parent / "templates" / "layouts"
    try:
        text = _layouts(folder).get_template(layout).render(**context)
    except jinja2.TemplateError as exc:
        raise ExgenError(f"layout error: {exc}", where=str(folder / layout)) from None
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def student_markdown(bank: Bank, doc: StudentDocument) -> str:
    style = bank.language(doc.lang).style
    items = [{"position": p.position, "title": p.title, "question": p.question,
              "solution": p.solution,
              "points": style.points(p.points) if p.points is not None else ""}
             for p in doc.parts]
    total = doc.student_exam.total_points
    return _render(bank, "exam.md", heading=doc.heading, words=bank.language(doc.lang).words,
                   student=_student(doc.student), code=doc.code, items=items, key=doc.key,
                   total_points=style.points(total) if total is not None else "")


def answer_sheet_markdown(bank: Bank, doc: StudentDocument,
                          boxes: Sequence[AnswerBox]) -> str:
    return _render(bank, "answer-sheet.md", heading=doc.heading,
                   words=bank.language(doc.lang).words, student=_student(doc.student),
                   code=doc.code,
                   boxes=[b.__class__(b.position, _cell(b.exercise), b.name, _label(b.label),
                                      b.kind) for b in boxes])


def instructor_markdown(bank: Bank, lang: str, heading: Heading, seed: int,
                        rows: Sequence[KeyRow]) -> str:
    cells = [KeyRow(*(_cell(str(v)) for v in (r.id, r.name, r.code)), r.position,
                    _cell(r.exercise), _label(r.answers)) for r in rows]
    return _render(bank, "instructor.md", heading=heading, words=bank.language(lang).words,
                   seed=seed, rows=cells)


def report_markdown(bank: Bank, lang: str, heading: Heading, seed: int, stats: dict,
                    answer_stats, problems, missing, alternatives=()) -> str:
    words = bank.language(lang).words
    style = bank.language(lang).style
    stats = {**stats, **{k: show_scalar(sympy.Rational(str(stats[k])), style).text
                         for k in ("mean", "median", "maximum")}}
    rows = [{"exercise": _cell(bank.exercise(a.exercise_id).title(lang)),
             "label": _label(a.label), "right": a.right, "given_to": a.given_to,
             "wrong": a.wrong, "blank": a.blank, "unparseable": a.unparseable}
            for a in answer_stats]
    def answer_name(mark) -> str:
        label = bank.exercise(mark.exercise_id).answers[mark.answer].labels.get(lang, "")
        return f"{_label(label)} (`{mark.column}`)" if label else f"`{mark.column}`"

    def listed(marks):
        return [{"student_id": _cell(m.student_id), "column": answer_name(m),
                 "given": _cell(m.given)} for m in marks]

    return _render(bank, "report.md", heading=heading, words=words, seed=seed, stats=stats,
                   answer_stats=rows, problems=listed(problems),
                   alternatives=listed(alternatives), missing=[_cell(m) for m in missing])


def handout_markdown(bank: Bank, lang: str, heading: Heading, parts: Sequence[Part]) -> str:
    return _render(bank, "handout.md", heading=heading, words=bank.language(lang).words,
                   items=parts)


def write_exam(build: ClassDocuments, folder: Path) -> None:
    """Every student's sheet, key (and answer form), and the instructor's key."""
    bank = build.exam.bank
    for se, (sheet, key) in zip(build.exam.students, build.documents):
        write_text(folder / "sheets" / f"{se.student.id}.md", student_markdown(bank, sheet))
        write_text(folder / "keys" / f"{se.student.id}.md", student_markdown(bank, key))
        if build.answer_sheets:
            write_text(folder / "answer-sheets" / f"{se.student.id}.md",
                       answer_sheet_markdown(bank, sheet, answer_boxes(se)))
    write_text(folder / "instructor-key.md",
               instructor_markdown(bank, build.lang, build.headings[build.lang],
                                   build.exam.seed, build.rows))


def write_handout(bank: Bank, lang: str, heading: Heading, parts: Sequence[Part],
                  folder: Path) -> list[str]:
    name = f"handout-{lang}.md"
    write_text(folder / name, handout_markdown(bank, lang, heading, parts))
    return [name]


_MARKDOWN_SIGNS = re.compile(r"([\\`*_\[\]<>|$~])")
_LINE_START = re.compile(r"^(\s*)([#+-]|\d+[.)])")


def _cell(text: str) -> str:
    """Text that came from people (names, ids, typed answers), shown as it is: every sign
    Markdown (or the dollar maths) would act on is escaped."""
    text = _MARKDOWN_SIGNS.sub(r"\\\1", str(text).replace("\n", " "))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _label(text: str) -> str:
    """A label from the bank: Markdown with math (`Параметри на $W_1$`), kept as it is
    except for what would break a table row."""
    return str(text).replace("\n", " ").replace("|", r"\|")


def _student(student) -> dict:
    return {"id": _cell(student.id), "name": _cell(student.name) if student.name else ""}
