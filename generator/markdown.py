"""The Markdown writer: documents through the layouts in `templates/layouts/`."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import jinja2
import sympy
from jinja2.sandbox import SandboxedEnvironment

from .bank import Bank
from .documents import (AnswerBox, ClassDocuments, KeyRow, Mistake, Part, StudentDocument,
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
    while "\n\n\n" in text:          # blank lines collapsed to one (str.replace: fast)
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


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
    style = bank.language(doc.lang).style
    return _render(bank, "answer-sheet.md", heading=doc.heading,
                   words=bank.language(doc.lang).words, student=_student(doc.student),
                   code=doc.code,
                   boxes=[replace(b, exercise=_cell(b.exercise), label=_label(b.label),
                                  points=style.points(b.points) if b.points else "")
                          for b in boxes])


def instructor_markdown(bank: Bank, lang: str, heading: Heading, seed: int,
                        rows: Sequence[KeyRow], mistakes=()) -> str:
    cells = [KeyRow(*(_cell(str(v)) for v in (r.id, r.name, r.code)), r.position,
                    _cell(r.exercise), _label(r.answers)) for r in rows]
    return _render(bank, "instructor.md", heading=heading, words=bank.language(lang).words,
                   seed=seed, rows=cells,
                   mistakes=[(_cell(title), _mistakes(found)) for title, found in mistakes])


def _mistakes(mistakes) -> list:
    return [Mistake(_label(m.labels), _cell(m.values), _cell(m.explanation))
            for m in mistakes]


def report_markdown(bank: Bank, lang: str, heading: Heading, report) -> str:
    words = bank.language(lang).words
    style = bank.language(lang).style

    def number(value) -> str:
        return show_scalar(sympy.Rational(str(value)), style).text

    def percent(share: float) -> str:
        return f"{number(round(100 * share))} %"

    def title(exercise_id: str) -> str:
        return _cell(bank.exercise(exercise_id).title(lang))

    stats = {**report.summary, **{k: number(report.summary[k])
                                  for k in ("mean", "median", "maximum")}}
    rows = [{"exercise": title(a.exercise_id), "label": _label(a.label), "right": a.right,
             "given_to": a.given_to, "wrong": a.wrong, "blank": a.blank,
             "unparseable": a.unparseable,
             "frequent": "; ".join(f"{_cell(v)} ×{n}" for v, n in a.frequent_wrong) or "—"}
            for a in report.answers]
    labels = {a.column: a.label for a in report.answers}

    def answer_name(column: str) -> str:
        label = labels.get(column, "")
        return f"{_label(label)} (`{column}`)" if label else f"`{column}`"

    def listed(found) -> list[dict]:
        return [{"student_id": _cell(m.student_id), "column": answer_name(m.column),
                 "given": _cell(m.given)} for m in found]

    marks = listed(report.problems)
    strays = [{"student_id": _cell(s.student_id), "column": f"`{s.column}`",
               "given": _cell(s.given)} for s in report.stray]
    overridden = [{"student_id": _cell(o.student_id), "column": answer_name(o.column),
                   "given": _cell(o.given), "before": number(round(o.before, 2)),
                   "after": number(round(o.after, 2))} for o in report.overridden]
    groups = [{"group": _cell(g.group) or "—", "students": g.students,
               "mean": number(g.mean), "share": percent(g.share)} for g in report.groups]
    items = [{"exercise": title(i.exercise_id), "students": i.students,
              "right": percent(i.right), "difficulty": number(round(i.difficulty, 2)),
              "discrimination": "—" if i.discrimination is None
              else number(i.discrimination)} for i in report.items]
    variants = [{"exercise": title(v.exercise_id), "variant": _cell(v.variant) or "—",
                 "students": v.students, "share": percent(v.share),
                 "right": percent(v.right)}
                for v in report.variants]
    language = bank.language(lang)
    mistakes = [{"exercise": title(m.exercise_id),
                 "explanation": _cell(language.explanation(m.exercise_id, m.name)),
                 "students": m.students, "given_to": m.given_to}
                for m in report.misconceptions]
    return _render(bank, "report.md", heading=heading, words=words, seed=report.seed,
                   stats=stats, answer_stats=rows, problems=marks,
                   absent=[_cell(a) for a in report.absent], stray=strays,
                   overridden=overridden, groups=groups, items=items, variants=variants,
                   misconceptions=mistakes, alternatives=listed(report.alternatives))


def feedback_markdown(bank: Bank, heading: Heading, feedback) -> str:
    """One student's feedback, in their language."""
    lang = feedback.lang
    words = bank.language(lang).words
    style = bank.language(lang).style
    results = {"right": words["mark_right"], "alternative": words["mark_alternative"],
               "wrong": words["mark_wrong"],
               "blank": words["mark_blank"], "unparseable": words["mark_unparseable"],
               "scored": words["mark_scored"]}
    # Labels are the bank's Markdown; the key's numbers take the minus sign in text.
    rows = [{"position": r.position, "exercise": _cell(r.exercise), "label": _label(r.label),
             "given": _cell(r.given), "key": _cell(r.key.replace("-", "−")),
             "result": results[r.status],
             "points": f"{style.points(round(r.points, 2))}\u00a0/\u00a0"
                       f"{style.points(round(r.worth, 2))}",
             "explanation": _cell(r.explanation)} for r in feedback.rows]
    grade = feedback.grade
    return _render(bank, "feedback.md", heading=heading, words=words,
                   student=_student(feedback.student), code=grade.exam.code, rows=rows,
                   total=style.points(grade.total), maximum=style.points(grade.maximum),
                   grade=grade.grade)


def handout_markdown(bank: Bank, lang: str, heading: Heading, parts: Sequence[Part]) -> str:
    items = [replace(p, mistakes=_mistakes(p.mistakes)) for p in parts]
    return _render(bank, "handout.md", heading=heading, words=bank.language(lang).words,
                   items=items)


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
                                   build.exam.seed, build.rows, build.mistakes))


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
    return _escaped(str(text))


@lru_cache(maxsize=8192)        # a class's key repeats its ids, codes and titles
def _escaped(text: str) -> str:
    text = _MARKDOWN_SIGNS.sub(r"\\\1", text.replace("\n", " "))
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match) -> str:
    """`# x`, `- x` and `1. x` would start a heading or a list: the sign is escaped
    (after the digits, for a numbered list)."""
    sign = match.group(2)
    if sign[:1].isdigit():
        return match.group(1) + sign[:-1] + "\\" + sign[-1]
    return match.group(1) + "\\" + sign


def _label(text: str) -> str:
    """A label from the bank: Markdown with math (`Параметри на $W_1$`), kept as it is
    except for what would break a table row."""
    return str(text).replace("\n", " ").replace("|", r"\|")


def _student(student) -> dict:
    return {"id": _cell(student.id), "name": _cell(student.name) if student.name else ""}
