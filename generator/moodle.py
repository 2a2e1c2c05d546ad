"""The Moodle XML writer: one question category per slot, then its questions, each an
embedded-answers (cloze) question with one gap per number the student types.

Written for what Moodle's importer really reads (`question/format/xml/format.php`,
`import_multianswer`, and `qtype_multianswer_extract_question`): it takes a cloze
question's mark from its gaps' whole-number weights (it ignores `<defaultgrade>`, and
`<idnumber>`, which is therefore not written: the variant's code is in the name and in a
tag), a numerical gap is `{weight:NUMERICAL:=number:tolerance}` with a plain number
(no digit grouping), a MULTICHOICE gap has two options or more with one marked `=`
(fraction 100 %, the others 0 %, both on Moodle's fixed list), and a gap's feedback is
written so that the import's unescaping gives back its HTML (gap_feedback).

A NUMERICAL gap reads a typed answer as Moodle's numerical question does
(`qtype_numerical_answer_processor::apply_units`): the leading number, the rest as its
unit. A cloze gap has no units (`qtype_multianswer_extract_question` gives it none;
`save_unit_options` no unit grading), so whatever follows the number is dropped and the
number alone is graded (`grade_response`): `16 MB`, `16MB`, `0,5 MB`, `5,86 пъти` earn the
gap's points, and so does `16 GB` for an answer in MB — no cloze syntax can refuse it, as
a NUMERICAL gap's answers are numbers or `*`, matched by value alone. Moodle calls an
answer with a unit incomplete ("do not include a unit"): in an interactive quiz Check
asks again; finishing the attempt grades it as typed. tests/test_lms_units.py
transcribes these rules from Moodle's PHP and applies them to the gaps written here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import escape

from .bank import Bank, Language
from .export import Export, Question, Response, number_hint
from .html import inline_markdown_to_html
from .numbers import machine_text

FILENAME = "moodle.xml"
# The start of a gap as Moodle finds it in a question's text (ANSWER_START_REGEX).
_GAP_START = re.compile(r"\{(?=[0-9]*:)")


def gap(response: Response, value, mistakes=(), language: Language | None = None) -> str:
    """A gap; with each printed form of a misconception (value and its own tolerance) as
    a 0 % answer whose feedback explains it."""
    return response.answer.kind.written(_Gap, response, value, mistakes, language)


class _Gap:
    """A cloze gap for each kind of answer: a drop-down of the printed letters for a
    choice, a NUMERICAL gap for each number of the others."""

    @staticmethod
    def choice(response: Response, value, mistakes, language) -> str:
        options = "~".join(("=" if letter == value else "") + letter
                           for letter in response.answer.letters)
        return f"{{{response.weight}:MULTICHOICE:{options}}}"

    @staticmethod
    def number(response: Response, value, mistakes, language) -> str:
        answer = response.answer
        tolerance = machine_text(answer.tolerance)
        wrong = "".join(
            f"~%0%{machine_text(mistaken)}:{machine_text(own)}#"
            + gap_feedback(inline_markdown_to_html(language.explanation(answer.exercise_id,
                                                                        name)))
            for name, mistaken, own in mistakes) if language is not None else ""
        return f"{{{response.weight}:NUMERICAL:={machine_text(value)}:{tolerance}{wrong}}}"

    vector = matrix = number


# How a gap's feedback is written so that Moodle's import stores exactly the HTML given.
# qtype_multianswer_extract_question reads a feedback up to the first `~` or `}` that no
# `\` precedes, then decodes HTML's character references once (html_entity_decode) and
# replaces `\}` by `}` and `\#` by `#`. So the signs that end or split a gap (and a
# gap's start) are character references, `&` is `&amp;` (the HTML's own `&lt;` arrives
# as `&lt;`, not as a raw `<`), and no raw `\` is left: each is `&#92;`, doubled before
# a `}` or `#`, whose escape the import then removes.
_FEEDBACK_SIGNS = {"{": "&#123;", "}": "&#125;", "~": "&#126;", "#": "&#35;",
                   "&": "&amp;", "\\": "&#92;"}


def gap_feedback(html: str) -> str:
    """A gap's feedback (HTML) as Moodle's cloze import must find it in the gap."""
    out = []
    for index, ch in enumerate(html):
        out.append(_FEEDBACK_SIGNS.get(ch, ch))
        if ch == "\\" and html[index + 1:index + 2] in ("}", "#"):
            out.append("&#92;")
    return "".join(out)


def _text(html: str) -> str:
    """Text of the exercise itself must never read as a gap."""
    return _GAP_START.sub("&#123;", html)


def answers_html(question: Question, language: Language, decimal_example: str) -> str:
    """The answer block under the question: a line per asked answer with its gaps."""
    lines = []
    for response in question.responses:
        answer = response.answer
        values = response.values
        gaps = [gap(response, v, mistakes, language)
                for v, mistakes in zip(values, response.gap_mistakes())]
        label = _text(inline_markdown_to_html(answer.label(language.code)))
        lines.append(answer.kind.written(_Line, label, gaps, answer, language))
    head = f"<p><strong>{escape(language.word('answers'))}</strong></p>"
    hint = ""
    if any(r.answer.kind.gaps_per_number for r in question.responses):
        hint = "<p><em>" + _text(escape(number_hint(language, decimal_example))) + "</em></p>"
    return head + hint + "<ol>" + "".join(lines) + "</ol>"


class _Line:
    """An answer's line of the answer block, for each kind: its gap, a vector's gaps in
    brackets, a matrix's as a table."""

    @staticmethod
    def number(label: str, gaps: list[str], answer, language: Language) -> str:
        return f"<li>{label}: {gaps[0]}</li>"

    choice = number

    @staticmethod
    def vector(label: str, gaps: list[str], answer, language: Language) -> str:
        return f"<li>{label}: [{language.style.list_separator.join(gaps)}]</li>"

    @staticmethod
    def matrix(label: str, gaps: list[str], answer, language: Language) -> str:
        rows, columns = answer.shape
        cells = "".join(
            "<tr>" + "".join(f"<td>{gaps[r * columns + c]}</td>" for c in range(columns))
            + "</tr>" for r in range(rows))
        return f"<li>{label}:<table>{cells}</table></li>"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _html(parent: ET.Element, tag: str, html: str) -> None:
    element = _add(parent, tag, format="html")
    _add(element, "text", html)


def moodle_xml(export: Export, bank: Bank) -> bytes:
    language = bank.language(export.lang)
    example = language.style.decimal(Decimal("1.63"), 2)
    quiz = ET.Element("quiz")
    for category in export.categories:
        head = _add(quiz, "question", type="category")
        _add(_add(head, "category"), "text",
             "$course$/top/" + "/".join(_category_part(p) for p in
                                        (export.title, category.name)))
        _html(head, "info", "")
        for question in category.questions:
            element = _add(quiz, "question", type="cloze")
            _add(_add(element, "name"), "text", question.name(export.lang))
            _html(element, "questiontext",
                  _text(question.question_html) + "\n" +
                  answers_html(question, language, example))
            _html(element, "generalfeedback", _text(question.solution_html))
            _add(element, "penalty", "0.3333333")
            _add(element, "hidden", "0")
            # Moodle's cloze import drops an idnumber; a tag arrives (and is searchable).
            _add(_add(_add(element, "tags"), "tag"), "text", question.idnumber)
    ET.indent(quiz)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(quiz, encoding="utf-8", xml_declaration=False) + b"\n")


def _category_part(name: str) -> str:
    """A category path's `/` separates levels: a slash inside a name is doubled."""
    return name.replace("/", "//") or "exgen"


def write(export: Export, bank: Bank, folder) -> list[str]:
    (folder / FILENAME).write_bytes(moodle_xml(export, bank))
    return [FILENAME]
