"""The Markdown writer: documents through the layouts in `templates/layouts/`."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import sympy

from . import background
from .bank import Bank
from .documents import (AnswerBox, ClassDocuments, KeyRow, Mistake, PrintedExercise,
                        StudentDocument, answer_boxes)
from .spec import Heading
from .files import write_text, writing_beside
from .layouts import (MARKDOWN, answer_form_context, markdown_cell,
                      markdown_label, render, sheet_context, student_context)
from .numbers import show_scalar

# The word for each kind of odd cell an answers file may hold (xlsx.CellNote.kind).
CELL_WORDS = {"date": "cell_date", "time": "cell_time", "formula": "cell_formula",
              "error": "cell_error", "control": "cell_control"}


def _render(bank: Bank, layout: str, **context) -> str:
    return render(bank, layout.removesuffix(".md"), MARKDOWN, context)


def student_markdown(bank: Bank, doc: StudentDocument) -> str:
    return render(bank, "exam", MARKDOWN, sheet_context(bank, doc, MARKDOWN))


def answer_sheet_markdown(bank: Bank, doc: StudentDocument,
                          boxes: Sequence[AnswerBox]) -> str:
    return render(bank, "answer-sheet", MARKDOWN,
                  answer_form_context(bank, doc, boxes, MARKDOWN))


def instructor_markdown(bank: Bank, lang: str, heading: Heading, seed: int,
                        rows: Sequence[KeyRow], mistakes=()) -> str:
    """Each student's final answers under their id, name and variant code: a table of
    three columns per student leaves the answers most of the line."""
    students: list[dict] = []
    for r in rows:
        if not students or students[-1]["key"] != (r.id, r.code):
            students.append({"key": (r.id, r.code), "id": markdown_cell(str(r.id)),
                             "name": markdown_cell(str(r.name)), "code": r.code,
                             "rows": []})
        students[-1]["rows"].append({"position": r.position,
                                     "exercise": markdown_cell(r.exercise),
                                     "answers": markdown_label(r.answers)})
    return _render(bank, "instructor.md", heading=heading, words=bank.language(lang).words,
                   seed=seed, students=students,
                   mistakes=[(markdown_cell(title), _mistakes(found)) for title, found in mistakes])


def _mistakes(mistakes) -> list:
    return [Mistake(markdown_label(m.labels), markdown_cell(m.values), markdown_label(m.explanation))
            for m in mistakes]


def verdict_text(words, status: str, reason: str = "", unit: str = "") -> str:
    """What a mark says in a language: its word; for an answer not read, how such an
    answer is written; for one in another unit, that unit."""
    if reason == "unit":
        return f"{words['mark_wrong']}: {words['other_unit'].replace('{unit}', unit)}"
    if status == "unparseable" and reason:
        return words[f"unread_{reason}"]
    return words[f"mark_{status}"]


def report_markdown(bank: Bank, lang: str, heading: Heading, report) -> str:
    words = bank.language(lang).words
    style = bank.language(lang).style

    def number(value) -> str:
        return show_scalar(sympy.Rational(str(value)), style).text

    def percent(share: float) -> str:
        return f"{number(round(100 * share))} %"

    def title(exercise_id: str) -> str:
        """`3. FFN dimensions`: the number the sheets give it, as the feedback writes it."""
        position = report.positions.get(exercise_id)
        name = markdown_cell(bank.exercise(exercise_id).title(lang))
        return f"{position}. {name}" if position else name

    decimal_sign = style.decimal(Decimal("1.5"), 1)[1]

    def fixed(value: float) -> str:
        """Two decimal places, always, and a minus sign: a column of indices reads evenly."""
        return f"{value:.2f}".replace("-", "−").replace(".", decimal_sign)

    # The class's mean and median to two places, as every other index of the report.
    stats = {**report.summary, "mean": fixed(report.summary["mean"]),
             "median": fixed(report.summary["median"]),
             "maximum": number(report.summary["maximum"])}
    rows = [{"exercise": title(a.exercise_id), "label": markdown_label(a.label), "right": a.right,
             "given_to": a.given_to, "wrong": a.wrong, "blank": a.blank,
             "unparseable": a.unparseable,
             "frequent": "; ".join(f"{markdown_cell(v)} ×{n}" for v, n in a.frequent_wrong) or "—"}
            for a in report.answers]
    labels = {a.column: a.label for a in report.answers}

    def answer_name(column: str) -> str:
        label = labels.get(column, "")
        return f"{markdown_label(label)} (`{column}`)" if label else f"`{column}`"

    def listed(found) -> list[dict]:
        return [{"student_id": markdown_cell(m.student_id), "column": answer_name(m.column),
                 "given": markdown_cell(m.given)} for m in found]

    marks = [{**row, "given": " — ".join(filter(None, (row["given"], markdown_cell(
        verdict_text(words, m.status, m.reason, m.unit)) if m.reason else "")))}
             for row, m in zip(listed(report.problems), report.problems)]
    strays = [{"student_id": markdown_cell(s.student_id), "column": f"`{s.column}`",
               "given": markdown_cell(s.given)} for s in report.stray]
    flagged = [{"student_id": markdown_cell(f.student_id), "column": answer_name(f.column),
                "given": markdown_cell(f.given) or "—",
                "reason": words[CELL_WORDS[f.note.kind]]} for f in report.flagged]
    overridden = [{"student_id": markdown_cell(o.student_id), "column": answer_name(o.column),
                   "given": markdown_cell(o.given), "before": number(round(o.before, 2)),
                   "after": number(round(o.after, 2))} for o in report.overridden]
    groups = [{"group": markdown_cell(g.group) or "—", "students": g.students,
               "mean": fixed(g.mean), "share": percent(g.share)} for g in report.groups]
    items = [{"exercise": title(i.exercise_id), "students": i.students,
              "right": percent(i.right), "difficulty": fixed(i.difficulty),
              "discrimination": "—" if i.discrimination is None
              else fixed(i.discrimination)} for i in report.items]
    variants = [{"exercise": title(v.exercise_id), "variant": markdown_cell(v.variant) or "—",
                 "students": v.students, "share": percent(v.share),
                 "right": percent(v.right)}
                for v in report.variants]
    language = bank.language(lang)
    mistakes = [{"exercise": title(m.exercise_id),
                 "explanation": markdown_label(language.explanation(m.exercise_id, m.name)),
                 "students": m.students, "given_to": m.given_to}
                for m in report.misconceptions]
    return _render(bank, "report.md", heading=heading, words=words, seed=report.seed,
                   stats=stats, answer_stats=rows, problems=marks,
                   absent=[markdown_cell(a) for a in report.absent], stray=strays,
                   flagged=flagged,
                   overridden=overridden, groups=groups, items=items, variants=variants,
                   misconceptions=mistakes, alternatives=listed(report.alternatives))


def feedback_markdown(bank: Bank, heading: Heading, feedback) -> str:
    """One student's feedback, in their language."""
    lang = feedback.lang
    words = bank.language(lang).words
    style = bank.language(lang).style
    # Labels are the bank's Markdown; the key's numbers take the minus sign in text.
    rows = [{"position": r.position, "exercise": markdown_cell(r.exercise), "label": markdown_label(r.label),
             "given": markdown_cell(r.given), "key": markdown_cell(r.key.replace("-", "−")),
             "result": markdown_cell(verdict_text(words, r.status, r.reason, r.unit)),
             "points": f"{style.points(round(r.points, 2))}\u00a0/\u00a0"
                       f"{style.points(round(r.worth, 2))}",
             "explanation": markdown_label(r.explanation)} for r in feedback.rows]
    # A mistake is explained once for the answers of an exercise it affects.
    explained: dict[tuple, list[str]] = {}
    for r in rows:
        if r["explanation"]:
            explained.setdefault((r["position"], r["explanation"]), []).append(r["label"])
    grade = feedback.grade
    return _render(bank, "feedback.md", heading=heading, words=words,
                   student=_student(feedback.student), code=grade.exam.code, rows=rows,
                   explained=[{"position": position, "labels": ", ".join(labels),
                               "explanation": explanation}
                              for (position, explanation), labels in explained.items()],
                   total=style.points(grade.total), maximum=style.points(grade.maximum),
                   grade=grade.grade)


def handout_markdown(bank: Bank, lang: str, heading: Heading,
                     exercises: Sequence[PrintedExercise], exam: bool = False) -> str:
    """The bank's handout, or with `exam` an exam's: its exercises go by their places on
    the sheets („Задача 3“), with their points, after an introduction of its own."""
    style = bank.language(lang).style
    items = [replace(p, mistakes=_mistakes(p.mistakes),
                     points=style.points(p.points) if p.points is not None else "")
             for p in exercises]
    return _render(bank, "handout.md", heading=heading, words=bank.language(lang).words,
                   items=items, exam=exam)


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


def _student(student) -> dict:
    return student_context(student, MARKDOWN)
