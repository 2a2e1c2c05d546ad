"""Document layouts: one context per document, one layout per format.

A document — a student's sheet or key, an answer form, the instructor's key, a handout,
one exercise as `exgen show` prints it — is built once here as a context: its words, its
heading, the student, the exercises with their points. A `Format` says how each kind of
text in a context is written in its language:

- `fixed`: the bank's fixed words, the lecturer's headings, exercise titles;
- `people`: what people typed (names, ids, answers), printed exactly as typed;
- `label`: the bank's short Markdown (answer labels, `$W_1$ parameters`) on one line;
- `markdown`: the bank's Markdown blocks (questions, solutions).

`templates/layouts/<document>.md` and `<document>.tex` then lay out the same context
(a bank may bring its own layouts folder). The Markdown layouts use Jinja's usual
delimiters; the LaTeX ones, whose text is full of braces, use `\\VAR{…}` for values,
`\\BLOCK{…}` for statements and `\\#{…}` for comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from . import cache
from .bank import Bank, Language
from .documents import KeyRow, Mistake, PrintedExercise
from .errors import ExgenError
from .numbers import show_fraction
from .render import compiled_templates
from .spec import Heading

SHIPPED = Path(__file__).resolve().parent.parent / "templates" / "layouts"


@dataclass(frozen=True)
class Format:
    """How a context's texts are written in one output format and language."""

    ext: str                                   # the layouts' file extension: md, tex
    fixed: Callable[[str], str]
    people: Callable[[str], str]
    label: Callable[[str, str], str]           # (text, whose text it is, for errors)
    markdown: Callable[[str, str], str]
    tidy: Callable[[str], str]                 # the rendered layout, finished

    def words(self, language: Language) -> Mapping[str, str]:
        """The language's fixed words in this format, converted once."""
        key = (self.ext, id(language))
        if key not in _WORDS:
            _WORDS[key] = (language, {k: self.fixed(v) for k, v in language.words.items()})
        return _WORDS[key][1]


# Caches by language object (kept alive here, so that its id stays its own).
_WORDS: dict[tuple[str, int], tuple[Language, Mapping[str, str]]] = {}
_LATEX: dict[int, tuple[Language, "Format"]] = {}


# ---------------------------------------------------------------- Markdown

_MARKDOWN_SIGNS = re.compile(r"([\\`*_\[\]<>|$~])")
_LINE_START = re.compile(r"^(\s*)([#+-]|\d+[.)])")


def markdown_cell(text: str) -> str:
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


def markdown_label(text: str, origin: str = "") -> str:
    """A label from the bank: Markdown with math (`Параметри на $W_1$`), kept as it is
    except for what would break a table row."""
    return str(text).replace("\n", " ").replace("|", r"\|")


def _squeezed(text: str) -> str:
    while "\n\n\n" in text:          # blank lines collapsed to one (str.replace: fast)
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


MARKDOWN = Format("md", fixed=str, people=markdown_cell, label=markdown_label,
                  markdown=lambda text, origin: text, tidy=_squeezed)


# ---------------------------------------------------------------- LaTeX

def latex_format(language: Language) -> Format:
    if id(language) not in _LATEX:
        _LATEX[id(language)] = (language, _latex_format(language))
    return _LATEX[id(language)][1]


@lru_cache(maxsize=8192)
def _converted(markdown: str, ts) -> str:
    """Each distinct text converted once: a class's sheets and keys share their variants'
    texts (a bounded cache, so that a long-running process does not grow without end)."""
    from .latex import markdown_to_latex

    return markdown_to_latex(markdown, ts)


def _latex_format(language: Language) -> Format:
    from .typesetting import running_text

    ts = language.typesetting

    def plain(text: str) -> str:
        try:
            return running_text(str(text).replace("\n", " "), ts)
        except ValueError as exc:
            raise ExgenError(f"the text `{text}`: {exc}") from None

    def markdown(text: str, origin: str) -> str:
        try:
            return _converted(text, ts)
        except ValueError as exc:
            raise ExgenError(f"{origin}: {exc}") from None

    return Format("tex", fixed=plain, people=plain,
                  label=lambda text, origin: markdown(text, origin).strip(),
                  markdown=markdown, tidy=_without_last_newline)


def _without_last_newline(text: str) -> str:
    """An entry of a class document: the layout's last line break is the class
    document's to place."""
    return text[:-1] if text.endswith("\n") else text


# ---------------------------------------------------------------- rendering

_ENVIRONMENTS = {
    "md": dict(lstrip_blocks=True),
    "tex": dict(lstrip_blocks=True, trim_blocks=True,
                block_start_string=r"\BLOCK{", block_end_string="}",
                variable_start_string=r"\VAR{", variable_end_string="}",
                comment_start_string=r"\#{", comment_end_string="}"),
}


def _environment(folder: Path, ext: str) -> SandboxedEnvironment:
    return _environment_of(folder, ext, cache.command_number())


@lru_cache(maxsize=16)
def _environment_of(folder: Path, ext: str, command: int) -> SandboxedEnvironment:
    """Layouts (and the macros they import) from the bank's folder, else exgen's; read
    once per command (cache.command_number)."""
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder)),
                                  jinja2.FileSystemLoader(str(SHIPPED))])
    return SandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined,
                                autoescape=False, bytecode_cache=compiled_templates(ext),
                                auto_reload=False,    # a command reads a layout once
                                **_ENVIRONMENTS[ext])


def render(bank: Bank, document: str, fmt: Format, context: Mapping) -> str:
    """The layout `<document>.<ext>` (the bank's own, else the shipped one) with this
    context."""
    name = f"{document}.{fmt.ext}"
    env = _environment(bank.root / "templates" / "layouts", fmt.ext)
    try:
        template = env.get_template(name)
        text = template.render(**context)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise ExgenError(f"layout error: {exc}",
                         where=f"{where}, line {line}" if line else where) from None
    return fmt.tidy(text)


# ---------------------------------------------------------------- contexts

def heading_context(heading, fmt: Format) -> dict:
    return {key: fmt.fixed(getattr(heading, key)) if getattr(heading, key) else ""
            for key in ("course", "title", "date", "duration", "instructions")}


def student_context(student, fmt: Format) -> dict:
    return {"id": fmt.people(student.id),
            "name": fmt.people(student.name) if student.name else ""}


def sheet_context(bank: Bank, doc, fmt: Format) -> dict:
    """A student's sheet (doc.key false) or answer key."""
    language = bank.language(doc.lang)
    style = language.style
    sid = doc.student.id
    items = []
    for ex in doc.exercises:
        origin = f"student {sid}, exercise {ex.exercise_id}"
        items.append({"position": ex.position, "number": ex.number, "id": ex.exercise_id,
                      "origin": origin, "title": fmt.fixed(ex.title),
                      "question": fmt.markdown(ex.question, origin),
                      "solution": fmt.markdown(ex.solution, origin) if doc.key else "",
                      "points": fmt.fixed(style.points(ex.points))
                      if ex.points is not None else ""})
    total = doc.student_exam.total_points
    points = [fmt.fixed(language.word("problem_points")
                        .replace("{position}", str(ex.position))
                        .replace("{points}", style.points(ex.points)))
              for ex in doc.exercises if ex.points is not None]
    return {"words": fmt.words(language), "heading": heading_context(doc.heading, fmt),
            "student": student_context(doc.student, fmt), "code": doc.code,
            "key": doc.key, "items": items, "points_listed": points,
            "total_points": fmt.fixed(style.points(total)) if total is not None else ""}


def answer_form_context(bank: Bank, doc, boxes: Sequence, fmt: Format) -> dict:
    """A student's answer form: a box per answer, grouped by exercise."""
    language = bank.language(doc.lang)
    groups: list[dict] = []
    for box in boxes:
        if not groups or groups[-1]["position"] != box.position:
            groups.append({"position": box.position, "title": fmt.fixed(box.exercise),
                           "boxes": []})
        written = box.kind == "written"
        groups[-1]["boxes"].append({
            "position": box.position, "kind": box.kind, "name": box.name,
            "label": fmt.fixed(box.label) if written
            else fmt.label(box.label, f"the label of {box.name}"),
            "points": fmt.fixed(language.style.points(box.points)) if box.points else ""})
    return {"words": fmt.words(language), "heading": heading_context(doc.heading, fmt),
            "student": student_context(doc.student, fmt), "code": doc.code,
            "groups": groups, "boxes": [b for g in groups for b in g["boxes"]]}


def exercise_context(bank: Bank, lang: str, exercise, question: str, solution: str | None,
                     points, fmt: Format) -> dict:
    """One exercise as `exgen show` prints it (solution None: without it)."""
    language = bank.language(lang)
    origin = f"exercise {exercise.id}"
    return {"words": fmt.words(language), "number": exercise.number,
            "title": fmt.fixed(exercise.title(lang)),
            "points": fmt.fixed(language.style.points(points)) if points is not None else "",
            "question": fmt.markdown(question, origin),
            "solution": fmt.markdown(solution, origin) if solution is not None else None}


# The documents of a class's grading and the handouts: their Markdown layouts are
# converted for their PDFs (pdf.py), so their contexts are Markdown.

# The word for each kind of odd cell an answers file may hold (xlsx.CellNote.kind).
CELL_WORDS = {"date": "cell_date", "time": "cell_time", "formula": "cell_formula",
              "error": "cell_error", "control": "cell_control"}


def instructor_context(bank: Bank, lang: str, heading: Heading, seed: int,
                        rows: Sequence[KeyRow], mistakes=()) -> dict:
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
    return dict(heading=heading, words=bank.language(lang).words,
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


def report_context(bank: Bank, lang: str, heading: Heading, report) -> dict:
    words = bank.language(lang).words
    style = bank.language(lang).style

    def number(value) -> str:
        return show_fraction(Fraction(str(value)), style).text

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
    return dict(heading=heading, words=words, seed=report.seed,
                   stats=stats, answer_stats=rows, problems=marks,
                   absent=[markdown_cell(a) for a in report.absent], stray=strays,
                   flagged=flagged,
                   overridden=overridden, groups=groups, items=items, variants=variants,
                   misconceptions=mistakes, alternatives=listed(report.alternatives))


def feedback_context(bank: Bank, heading: Heading, feedback) -> dict:
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
    return dict(heading=heading, words=words,
                   student=student_context(feedback.student, MARKDOWN), code=grade.exam.code, rows=rows,
                   explained=[{"position": position, "labels": ", ".join(labels),
                               "explanation": explanation}
                              for (position, explanation), labels in explained.items()],
                   total=style.points(grade.total), maximum=style.points(grade.maximum),
                   grade=grade.grade)


def handout_context(bank: Bank, lang: str, heading: Heading,
                     exercises: Sequence[PrintedExercise], exam: bool = False) -> dict:
    """The bank's handout, or with `exam` an exam's: its exercises go by their places on
    the sheets („Задача 3“), with their points, after an introduction of its own."""
    style = bank.language(lang).style
    items = [replace(p, mistakes=_mistakes(p.mistakes),
                     points=style.points(p.points) if p.points is not None else "")
             for p in exercises]
    return dict(heading=heading, words=bank.language(lang).words,
                   items=items, exam=exam)
