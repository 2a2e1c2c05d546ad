"""The QTI 2.1 writer: an IMS content package (`qti21.zip`) with one assessmentItem per
variant and an assessmentTest whose sections, one per slot, each select one item and
weight it by the slot's points.

An item asks each number in a textEntryInteraction (integers exactly with `match`,
whole numbers beyond a 32-bit integer as floats with `equal toleranceMode="exact"`,
decimals with `equal toleranceMode="absolute"` and the answer model's tolerance) and a
choice in a choiceInteraction. A number the bank counts in a unit (`unit = "MB"`, "%",
"times") is typed as text, since a student writes `16 MB`, `0,5 МБ` or `5,86 пъти` and a
QTI float holds no unit: its response is a `string` compared by `patternMatch` with the
texts reading.py reads as a number within the tolerance, followed by the unit, `%`,
`×`, "times" or „пъти“ (number_patterns.py) — so another unit (`16 GB`) is not right.
Its RAW score adds the same whole-number gap weights as the Moodle file; SCORE is
RAW / MAXSCORE, so an item scores 0 … 1 and the test's weights turn that into the
slot's points. The worked solution is a modal feedback, and so is each misconception a
wrong answer shows: a gap that is not right but equals one of a mistake's printed forms
(its own tolerance, as grade and the Moodle gaps compare it) adds the mistake to
FEEDBACK (a whole key whose mistake is not whole is an exact float, see `declared`).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

from .answers import AskedAnswer
from .bank import Bank
from .errors import ExgenError
from .export import Export, Question, Response
from .html import inline_markdown_to_html, inline_markdown_to_text
from .number_patterns import pattern
from .numbers import machine_text

FILENAME = "qti21.zip"
QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
# XHTML elements QTI 2.1 has in its content model, and the attributes we keep on them.
_BLOCK_AND_INLINE = {"p", "ol", "ul", "li", "pre", "code", "strong", "em", "blockquote",
                     "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "table", "thead",
                     "tbody", "tr", "th", "td", "div", "span", "a", "sub", "sup"}
_ATTRIBUTES = {"a": {"href"}}
# A date for every file of the zip: the same bytes on every run.
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def _q(tag: str) -> str:
    return f"{{{QTI}}}{tag}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), attrs)
    if text is not None:
        element.text = text
    return element


def _copy_html(html: str, parent: ET.Element) -> None:
    """XHTML from the Markdown writer, re-created in the QTI namespace; elements QTI does
    not know become their text."""
    source = ET.fromstring(f"<div>{html}</div>")

    def copy(node: ET.Element, into: ET.Element) -> None:
        last = None
        if node.text:
            into.text = (into.text or "") + node.text
        for child in node:
            if child.tag in _BLOCK_AND_INLINE:
                keep = {k: v for k, v in child.attrib.items()
                        if k in _ATTRIBUTES.get(child.tag, ())}
                element = ET.SubElement(into, _q(child.tag), keep)
                copy(child, element)
                last = element
                if child.tail:
                    element.tail = child.tail
            else:
                text = "".join(child.itertext()) + (child.tail or "")
                if last is None:
                    into.text = (into.text or "") + text
                else:
                    last.tail = (last.tail or "") + text
    copy(source, parent)


def _value(parent: ET.Element, text: str) -> None:
    _add(parent, "value", text)


# QTI 2.1 engines hold an `integer` in 32 bits; a `float` is a double, exact for whole
# numbers up to 2^53.
INTEGER_LIMIT = 2**31 - 1
FLOAT_EXACT_LIMIT = 2**53


def base_type(answer: AskedAnswer) -> str:
    """`identifier` for a choice; `string` for a number in a unit (typed with it);
    `integer` for whole keys (exact) that a 32-bit integer holds; `float` otherwise (a
    whole key beyond 2^31 − 1, such as 16,384,000,000 pairs, is compared exactly as a
    float)."""
    return answer.kind.written(_Declared, answer)


class _Declared:
    """The base type of a response, for each kind of answer."""

    @staticmethod
    def choice(answer: AskedAnswer) -> str:
        return "identifier"

    @staticmethod
    def number(answer: AskedAnswer) -> str:
        if answer.answer.unit is not None:
            return "string"
        values = answer.components
        if all(isinstance(v, int) for v in values) and answer.tolerance == 0:
            if all(abs(v) <= INTEGER_LIMIT for v in values):
                return "integer"
            if any(abs(v) > FLOAT_EXACT_LIMIT for v in values):
                raise ExgenError(f"answer `{answer.id}` cannot be exported to QTI: "
                                 f"{answer.plain} is larger than a QTI number holds exactly "
                                 f"(2^53)")
        return "float"

    vector = matrix = number


def declared(response: Response) -> str:
    """The base type of a response: its answer's (base_type), except that a whole key
    whose box may show a misconception that is not whole (σ for σ², √2 ≈ 1.41 where the
    key is 2) is a `float` compared exactly — a QTI integer box cannot take `1.41`, so
    its mistake could never be shown."""
    kind = base_type(response.answer)
    if kind == "integer" and any(not float(value).is_integer()
                                 for forms in response.gap_mistakes()
                                 for _, value, _ in forms):
        return "float"
    return kind


def _score(parent: ET.Element, condition: ET.Element, weight: int) -> None:
    """responseIf(condition): RAW += weight."""
    rule = _add(_add(parent, "responseCondition"), "responseIf")
    rule.append(condition)
    add = _add(_add(rule, "setOutcomeValue", identifier="RAW"), "sum")
    _add(add, "variable", identifier="RAW")
    _add(add, "baseValue", str(weight), baseType="float")


def _comparison(identifier: str, value, response: Response) -> ET.Element:
    """The test that the gap `identifier` (key `value`) is right."""
    answer, kind = response.answer, declared(response)
    if kind == "string":
        return _matches(identifier, value, answer.tolerance, answer)
    if kind == "float" and answer.tolerance == 0:
        element = ET.Element(_q("equal"), {"toleranceMode": "exact"})
    elif kind == "float":
        tolerance = machine_text(answer.tolerance)
        element = ET.Element(_q("equal"), {"toleranceMode": "absolute",
                                           "tolerance": f"{tolerance} {tolerance}"})
    else:
        element = ET.Element(_q("match"))
    ET.SubElement(element, _q("variable"), {"identifier": identifier})
    ET.SubElement(element, _q("correct"), {"identifier": identifier})
    return element


def _matches(identifier: str, value, tolerance: float, answer: AskedAnswer) -> ET.Element:
    """patternMatch: the typed text reads as `value` within `tolerance`, as reading.py
    reads an answer of this key (its unit and suffixes)."""
    element = ET.Element(_q("patternMatch"), {"pattern": pattern(value, tolerance,
                                                                 answer.key)})
    ET.SubElement(element, _q("variable"), {"identifier": identifier})
    return element


def _feedback(parent: ET.Element, identifier: str) -> None:
    """FEEDBACK gains `identifier` (a modal feedback to show)."""
    added = _add(_add(parent, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
    _add(added, "variable", identifier="FEEDBACK")
    _add(added, "baseValue", identifier, baseType="identifier")


def _mistake_id(name: str) -> str:
    return f"MISTAKE_{name}"


def _mistake_rules(parent: ET.Element, question: Question) -> list[str]:
    """For each gap, each printed form of a misconception: a gap that is not right but
    equals the form (within its own tolerance) shows the mistake's feedback. The names
    of the mistakes that can show, in order."""
    names: dict[str, None] = {}
    for response in question.responses:
        for identifier, key, forms in zip(response.identifiers, response.values,
                                          response.gap_mistakes()):
            for name, value, tolerance in forms:
                condition = ET.Element(_q("and"))
                ET.SubElement(condition, _q("not")).append(
                    _comparison(identifier, key, response))
                if declared(response) == "string":
                    condition.append(_matches(identifier, value, tolerance,
                                              response.answer))
                else:
                    shown = machine_text(tolerance)
                    equal = ET.SubElement(condition, _q("equal"), {
                        "toleranceMode": "absolute", "tolerance": f"{shown} {shown}"})
                    ET.SubElement(equal, _q("variable"), {"identifier": identifier})
                    ET.SubElement(equal, _q("baseValue"), {"baseType": "float"}).text = \
                        machine_text(value)
                rule = _add(_add(parent, "responseCondition"), "responseIf")
                rule.append(condition)
                _feedback(rule, _mistake_id(name))
                names[name] = None
    return list(names)


class _Interaction:
    """An answer's interaction, for each kind: a choice of the printed letters, or a line
    of text entries (a vector's in brackets, a matrix's rows split by `;`)."""

    @staticmethod
    def choice(body: ET.Element, response: Response, label: str) -> None:
        interaction = _add(body, "choiceInteraction", responseIdentifier=response.identifiers[0],
                           shuffle="false", maxChoices="1")
        _add(interaction, "prompt", label)
        for letter in response.answer.letters:
            _add(interaction, "simpleChoice", f"{letter})", identifier=letter)

    @staticmethod
    def number(body: ET.Element, response: Response, label: str) -> None:
        _add(_add(body, "p", f"{label}: "), "textEntryInteraction",
             responseIdentifier=response.identifiers[0], expectedLength="12")

    @staticmethod
    def vector(body: ET.Element, response: Response, label: str, row: int = 0) -> None:
        line = _add(body, "p", f"{label}: [ ")
        count = len(response.identifiers)
        for index, identifier in enumerate(response.identifiers, start=1):
            entry = _add(line, "textEntryInteraction", responseIdentifier=identifier,
                         expectedLength="12")
            entry.tail = " ]" if index == count else " ; " if row and index % row == 0 \
                else ", "

    @staticmethod
    def matrix(body: ET.Element, response: Response, label: str) -> None:
        _Interaction.vector(body, response, label, row=response.answer.shape[1])


def item_xml(question: Question, bank: Bank, lang: str) -> bytes:
    language = bank.language(lang)
    root = ET.Element(_q("assessmentItem"), {
        f"{{{XSI}}}schemaLocation": f"{QTI} {QTI_XSD}",
        "identifier": question.idnumber, "title": question.name(lang),
        "adaptive": "false", "timeDependent": "false",
        "{http://www.w3.org/XML/1998/namespace}lang": lang})
    for response in question.responses:
        for identifier, value in zip(response.identifiers, response.values):
            declaration = _add(root, "responseDeclaration", identifier=identifier,
                               cardinality="single", baseType=declared(response))
            _value(_add(declaration, "correctResponse"),
                   machine_text(value) if response.answer.kind.gaps_per_number else value)
    # FEEDBACK: the modal feedbacks to show (the solution, the mistakes a box gives).
    for identifier, kind, default in (("SCORE", "float", "0"), ("RAW", "float", "0"),
                                      ("MAXSCORE", "float", str(question.mark)),
                                      ("FEEDBACK", "identifier", None)):
        declaration = _add(root, "outcomeDeclaration", identifier=identifier,
                           cardinality="multiple" if identifier == "FEEDBACK" else "single",
                           baseType=kind)
        if default is not None:
            _value(_add(declaration, "defaultValue"), default)

    body = _add(root, "itemBody")
    text = _add(body, "div")
    _copy_html(question.question_html, text)
    _add(body, "p", language.word("answers")).set("class", "answers")
    if any(r.answer.kind.gaps_per_number for r in question.responses):
        _add(body, "p", language.word("export_numbers_point"))   # QTI's floats: a point
    for response in question.responses:
        label = inline_markdown_to_text(response.answer.label(lang))   # labels are Markdown
        response.answer.kind.written(_Interaction, body, response, label)

    processing = _add(root, "responseProcessing")
    for response in question.responses:
        for identifier, value in zip(response.identifiers, response.values):
            _score(processing, _comparison(identifier, value, response), response.weight)
    mistakes = _mistake_rules(processing, question)
    total = _add(_add(processing, "setOutcomeValue", identifier="SCORE"), "divide")
    _add(total, "variable", identifier="RAW")
    _add(total, "variable", identifier="MAXSCORE")
    _feedback(processing, "SOLUTION")

    solution = _add(root, "modalFeedback", outcomeIdentifier="FEEDBACK", showHide="show",
                    identifier="SOLUTION", title=language.word("solution"))
    _copy_html(question.solution_html, _add(solution, "div"))
    for name in mistakes:      # Markdown with math, as the question's HTML has it
        explained = inline_markdown_to_html(language.explanation(question.exercise.id, name))
        _copy_html(f"<p>{explained}</p>", _add(root, "modalFeedback",
                                               outcomeIdentifier="FEEDBACK", showHide="show",
                                               identifier=_mistake_id(name),
                                               title=language.word("what_went_wrong")))
    return _serialize(root, QTI, indent=False)


def test_xml(export: Export) -> bytes:
    root = ET.Element(_q("assessmentTest"), {
        f"{{{XSI}}}schemaLocation": f"{QTI} {QTI_XSD}",
        "identifier": f"exgen-seed-{export.seed}", "title": export.title or "exgen"})
    _add(root, "outcomeDeclaration", identifier="SCORE", cardinality="single",
         baseType="float")
    maximum = sum(Decimal(str(c.points)) * c.slot.pick for c in export.categories)
    _value(_add(_add(root, "outcomeDeclaration", identifier="MAXSCORE",
                     cardinality="single", baseType="float"), "defaultValue"),
           machine_text(float(maximum)))
    part = _add(root, "testPart", identifier="part", navigationMode="nonlinear",
                submissionMode="individual")
    for category in export.categories:
        section = _add(part, "assessmentSection", identifier=f"slot-{category.number}",
                       title=category.name, visible="true")
        _add(section, "selection", select=str(category.slot.pick))
        for question in category.questions:
            ref = _add(section, "assessmentItemRef", identifier=question.idnumber,
                       href=_item_path(question))
            _add(ref, "weight", identifier="POINTS",
                 value=machine_text(float(category.points)))
    processing = _add(root, "outcomeProcessing")
    total = _add(_add(processing, "setOutcomeValue", identifier="SCORE"), "sum")
    _add(total, "testVariables", variableIdentifier="SCORE", weightIdentifier="POINTS")
    return _serialize(root, QTI)


def manifest_xml(export: Export) -> bytes:
    def cp(parent, tag, **attrs):
        return ET.SubElement(parent, f"{{{CP}}}{tag}", attrs)

    root = ET.Element(f"{{{CP}}}manifest", {
        f"{{{XSI}}}schemaLocation": f"{CP} {CP_XSD}",
        "identifier": f"exgen-seed-{export.seed}-manifest"})
    metadata = cp(root, "metadata")
    cp(metadata, "schema").text = "QTIv2.1 Package"
    cp(metadata, "schemaversion").text = "1.0.0"
    cp(root, "organizations")
    resources = cp(root, "resources")
    test = cp(resources, "resource", identifier="test", type="imsqti_test_xmlv2p1",
              href="test.xml")
    cp(test, "file", href="test.xml")
    for question in export.questions:
        cp(test, "dependency", identifierref=question.idnumber)
    for question in export.questions:
        resource = cp(resources, "resource", identifier=question.idnumber,
                      type="imsqti_item_xmlv2p1", href=_item_path(question))
        cp(resource, "file", href=_item_path(question))
    return _serialize(root, CP)


def _item_path(question: Question) -> str:
    return f"items/{question.idnumber}.xml"


def _serialize(root: ET.Element, namespace: str, indent: bool = True) -> bytes:
    """Items are not indented: whitespace added inside their XHTML would show (in a
    `<pre>`, for one)."""
    ET.register_namespace("", namespace)
    ET.register_namespace("xsi", XSI)
    if indent:
        ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def package(export: Export, bank: Bank) -> bytes:
    files = [("imsmanifest.xml", manifest_xml(export)), ("test.xml", test_xml(export))]
    files += [(_item_path(q), item_xml(q, bank, export.lang)) for q in export.questions]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write(export: Export, bank: Bank, folder) -> list[str]:
    (folder / FILENAME).write_bytes(package(export, bank))
    return [FILENAME]
