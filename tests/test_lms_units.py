"""An answer written with its unit in the LMS files: what Moodle and a QTI engine give
`16 MB`, `0,5 MB`, `5,86 пъти`, `16 GB`, set against reading.py's verdict.

Moodle — a cloze NUMERICAL gap, transcribed below from Moodle's PHP (moodle/moodle):

- question/type/multianswer/questiontype.php (a Moodle 4 version, with MULTIRESPONSE
  gaps and MDL-54724's lost-subquestion stand-in), `qtype_multianswer_extract_question`: a
  NUMERICAL gap becomes a numerical subquestion with `multiplier = []` and `units = []`
  (cloze syntax has no place for a unit), its answers numbers or `*`
  (`qtype_multianswer_validate_question`: `answermustbenumberorstar`);
- question/type/numerical/questiontype.php (commit 81b24b17), `save_unit_options`: such a
  subquestion gets `unitpenalty` 1, `unitgradingtype` 0 and, with no default unit,
  `showunits` UNITNONE; `make_answer_processor([])` knows no unit;
  `qtype_numerical_answer_processor::apply_units` (same file) drops ASCII spaces, reads
  `×10^`/`e` exponents, takes commas as thousands separators when a `.` is there or
  there are several and as the decimal point otherwise, reads the leading number, and
  returns the rest as the unit, with no multiplier when the unit is unknown;
- question/type/numerical/question.php (commit 3536435e): `grade_response` →
  `get_matching_answer($value, $multiplier)` (the first answer whose tolerance interval
  holds the value; `unitisright` false when the multiplier is null) →
  `apply_unit_penalty` (unitgradingtype 0 subtracts nothing); `is_complete_response` is
  false for a unit under UNITNONE (the message "do not include a unit");
- question/type/multianswer/question.php (commit 0a32dca4), `grade_response`: each
  gradable gap's fraction times its mark, over the marks; question/behaviour/
  deferredfeedback/behaviour.php (commit 9c197f44) `process_finish` and
  interactive/behaviour.php (commit 6a966b06) `process_finish` grade the last response
  with `grade_response` when it is gradable (not blank), complete or not; interactive's
  `process_submit` marks an incomplete response invalid without grading it.

So in Moodle `16 MB`, `16MB`, `0,5 MB`, `5,86 пъти` earn the gap's points (a "Check"
in an interactive quiz first asks to drop the unit; finishing the attempt grades it),
and so does `16 GB`: a cloze gap cannot tell a wrong unit (test below). A QTI item asks
a number in a unit as text and judges it with patternMatch (qti.py, number_patterns.py):
there `16 GB` is wrong, as on paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from answering import written_number
from generator.bank import load_bank
from generator.cli import main
from generator.export import plan_export
from generator.number_patterns import pattern
from generator.reading import Key, judge, unit_key
from generator.spec import default_spec
from qti_processing import Item as QtiItem, pattern_matches
from test_export import (moodle_gaps, moodle_questions, package_files, typed_text,  # noqa: F401
                         validator)

SEED = 1

# ---------------------------------------------------------------- Moodle, transcribed

UNITINPUT, UNITNONE = 0, 3                       # qtype_numerical's constants
UNITGRADEDOUTOFMARK, UNITGRADEDOUTOFMAX = 1, 2
PRECISION = 14                                   # PHP's ini `precision`, by default


def apply_units(response: str, units: dict[str, float] | None = None):
    """qtype_numerical_answer_processor::apply_units (units after the number): the value,
    the unit as typed, the multiplier of a known unit or None. PHP's regular expressions
    here have no /u flag: `\\d` is 0–9."""
    units = units or {}
    response = response.replace(" ", "")
    response = re.sub(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)", r"e\1", response,
                      flags=re.ASCII)
    if "." in response or response.count(",") > 1:
        response = response.replace(",", "")
    else:
        response = response.replace(",", ".")
    match = re.match(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", response, re.ASCII)
    if not match:
        return None, None, None
    unit = response[match.end():]
    multiplier = 1 / units[unit] if unit in units else None
    return float(match.group(0)), unit, multiplier


@dataclass
class MoodleAnswer:
    """A question_answer of a numerical subquestion (qtype_numerical_answer)."""

    value: float
    tolerance: float
    fraction: float
    feedback: str = ""

    def within_tolerance(self, value: float) -> bool:
        """get_tolerance_interval, tolerance type 2 (nominal, the cloze default)."""
        epsilon = 10 ** -PRECISION
        tolerance = self.tolerance + epsilon * max(abs(self.tolerance), abs(self.value),
                                                   epsilon)
        return self.value - tolerance <= value <= self.value + tolerance


def get_matching_answer(answers: list[MoodleAnswer], value, multiplier):
    """qtype_numerical_question::get_matching_answer: the answer and `unitisright`."""
    if value is None:
        return None, False
    scaled = value * multiplier if multiplier is not None else value
    for answer in answers:
        if answer.within_tolerance(scaled):
            return answer, multiplier is not None
        if answer.within_tolerance(value):
            return answer, False
    return None, False


def apply_unit_penalty(fraction: float, unit_is_right: bool, grading_type: int,
                       penalty: float) -> float:
    """qtype_numerical_question::apply_unit_penalty."""
    if unit_is_right:
        return fraction
    if grading_type == UNITGRADEDOUTOFMARK:
        fraction -= penalty * fraction
    elif grading_type == UNITGRADEDOUTOFMAX:
        fraction -= penalty
    return max(fraction, 0)


def cloze_answers(gap: dict) -> list[MoodleAnswer]:
    """A NUMERICAL gap of exgen's file (test_export.moodle_gaps) as Moodle stores it."""
    return [MoodleAnswer(a["value"], a["tolerance"], a["fraction"], a.get("feedback", ""))
            for a in gap["answers"]]


def grade_gap(gap: dict, typed: str) -> tuple[float, str]:
    """qtype_numerical_question::grade_response for a cloze gap (no units, unitgradingtype
    0, unitpenalty 1): the fraction, and the feedback of the answer it matched."""
    value, _, multiplier = apply_units(typed)
    answer, unit_is_right = get_matching_answer(cloze_answers(gap), value, multiplier)
    if answer is None:
        return 0.0, ""
    return apply_unit_penalty(answer.fraction, unit_is_right, 0, 1), answer.feedback


def is_complete(typed: str, unitdisplay: int = UNITNONE) -> bool:
    """qtype_numerical_question::is_complete_response, but for its last test
    (contains_thousands_seaparator, which depends on the site language's separator)."""
    if not (typed or typed == "0"):
        return False
    value, unit, _ = apply_units(typed)
    return value is not None and not (unitdisplay != UNITINPUT and unit)


def grade_cloze(gaps: list[dict], typed: list[str]) -> float:
    """qtype_multianswer_question::grade_response: blank gaps give nothing."""
    total = sum(g["weight"] for g in gaps)
    return sum(grade_gap(g, t)[0] * g["weight"] for g, t in zip(gaps, typed) if t) / total


def test_the_transcription_gives_what_moodle_s_own_tests_expect():
    """question/type/numerical/tests/answerprocessor_test.php (commit 58299c8f): apply_units
    with no unit known, and the Euro style."""
    assert apply_units("3x10^8") == (3e8, "", None)
    assert apply_units("1 frogs") == (1, "frogs", None)
    assert apply_units(". m/s") == (None, None, None)
    assert apply_units("-1 000")[:2] == (-1000, "")
    assert apply_units("3,14159")[:2] == (3.14159, "")
    assert apply_units("1c", {"c": 3.3356409519815e-9})[2] == pytest.approx(299792458)


@pytest.mark.parametrize("gap, typed, value, unit", [
    ("{1:NUMERICAL:=16:0}", "16 MB", 16, "MB"),
    ("{1:NUMERICAL:=16:0}", "16MB", 16, "MB"),
    ("{1:NUMERICAL:=0.5:0.005}", "0,5 MB", 0.5, "MB"),
    ("{1:NUMERICAL:=5.86:0.005}", "5,86 пъти", 5.86, "пъти"),
    ("{1:NUMERICAL:=5.86:0.005}", "5.86 times", 5.86, "times"),
    ("{1:NUMERICAL:=1234.5:0.05}", "1 234,5", 1234.5, ""),
    ("{1:NUMERICAL:=16:0}", "16 GB", 16, "GB"),
])
def test_a_moodle_cloze_gap_reads_the_number_and_drops_any_unit(gap, typed, value, unit):
    """What a NUMERICAL gap exgen writes does with a typed answer: the leading number is
    graded; the unit, any unit, is dropped — full points for `16 GB` too. The answer is
    "incomplete" (so an interactive quiz's Check asks to type it without the unit), but
    finishing the attempt grades it as it stands."""
    (parsed,) = moodle_gaps(gap)
    assert apply_units(typed)[:2] == (value, unit)
    assert grade_gap(parsed, typed)[0] == 1.0
    assert is_complete(typed) == (unit == "")


# ---------------------------------------------------------------- the export


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("units") / "export"
    with pytest.raises(SystemExit) as exc:
        main(["export", "--seed", str(SEED), "--format", "moodle,qti", "--out", str(out)])
    assert exc.value.code == 0
    return out


@pytest.fixture(scope="module")
def unit_gaps(exported):
    """Every gap of the export whose answer is counted in a unit: (question, its Moodle
    gap, its QTI item, response identifier, the asked answer)."""
    bank = load_bank()
    model = plan_export(bank, default_spec(bank), SEED, 20, "bg")
    moodle = {q["idnumber"]: q["gaps"] for q in moodle_questions(exported)}
    items = {}
    for name, content in package_files(exported).items():
        if name.startswith("items/"):
            item = QtiItem(content)
            items[item.identifier] = item
    found = []
    for question in model.questions:
        for response in question.responses:
            if response.answer.answer.unit is None:
                continue
            for gap, identifier in zip(response.gaps, response.identifiers):
                found.append((question.idnumber, moodle[question.idnumber][gap - 1],
                              items[question.idnumber], identifier, response.answer))
    assert {a.answer.unit for *_, a in found} == {"MB", "%", "times"}
    return found


# How a student writes each unit after the number; the other units of its kind.
OWN = {"MB": ("{} MB", "{}MB", "{} МБ", "{} mb"), "%": ("{} %", "{}%"),
       "times": ("{} пъти", "{} times", "{}×", "{} x"), "B": ("{} B", "{} байта")}
OTHER = {"MB": ("{} GB", "{} KB", "{}GB", "{} ГБ")}


def test_a_right_answer_with_its_unit_is_right_in_moodle_and_in_qti(unit_gaps):
    """Every exported answer in a unit, its key as the Bulgarian and the English keys
    print it, with its unit in the ways students write it: right on paper
    (reading.judge), right in the QTI item, full points in the Moodle gap (but for an
    English `1,024`, which Moodle reads as 1.024 with or without a unit)."""
    checked = 0
    for qid, gap, item, identifier, answer in unit_gaps:
        printed = {written_number(answer.plain, "bg", answer.answer.places),
                   written_number(answer.plain, "en", answer.answer.places)}
        for number in printed:
            for form in OWN[answer.answer.unit]:
                typed = form.format(number)
                assert judge(typed, answer.key).status == "right", (qid, typed)
                if "," not in number or number.count(",") == 1 and \
                        len(number.partition(",")[2]) != 3:   # 1,024: Moodle reads 1.024
                    assert grade_gap(gap, typed)[0] == 1.0, (qid, typed)
                assert item.holds(item.scoring_rules()[identifier], {identifier: typed}), \
                    (qid, typed)
                checked += 1
    assert checked > 100


def test_another_unit_is_wrong_in_qti_and_earns_the_points_in_moodle(unit_gaps):
    """`16 GB` for an answer in MB: wrong with the unit said on paper; not right in the
    QTI item; in Moodle the cloze gap reads 16 and gives the points (it has no units)."""
    checked = 0
    for qid, gap, item, identifier, answer in unit_gaps:
        for form in OTHER.get(answer.answer.unit, ()):
            typed = form.format(written_number(answer.plain, "bg", answer.answer.places))
            verdict = judge(typed, answer.key)
            assert (verdict.status, verdict.reason) == ("wrong", "unit"), (qid, typed)
            assert not item.holds(item.scoring_rules()[identifier], {identifier: typed})
            assert grade_gap(gap, typed)[0] == 1.0          # Moodle cannot refuse it
            checked += 1
    assert checked > 20


def test_a_mistake_written_with_its_unit_shows_its_feedback_everywhere(unit_gaps):
    """A misconception's printed value with the unit (`134,2 MB`, the 10⁶-byte megabyte):
    the mistake on paper, the Moodle gap's 0 % answer with its explanation, the QTI
    item's modal feedback for that mistake."""
    checked = 0
    for qid, gap, item, identifier, answer in unit_gaps:
        rules = item.mistake_rules().get(identifier, [])
        for moodle_answer in cloze_answers(gap)[1:]:
            for form in OWN[answer.answer.unit][:1]:
                typed = form.format(typed_text(moodle_answer.value).replace(".", ","))
                fraction, feedback = grade_gap(gap, typed)
                assert (fraction, feedback) == (0, moodle_answer.feedback) and feedback
                outcomes = item.process({identifier: typed})
                shown = {n for n, condition in rules
                         if item.holds(condition, {identifier: typed})}
                assert shown and {f"MISTAKE_{n}" for n in shown} <= \
                    set(outcomes["FEEDBACK"]), (qid, typed)
                checked += 1
    assert checked > 20


def test_the_items_with_units_validate(exported, unit_gaps, validator):    # noqa: F811
    files = package_files(exported)
    for qid in {qid for qid, *_ in unit_gaps}:
        name = f"items/{qid}.xml"
        assert validator(name, files[name]) is None, name
        assert b'baseType="string"' in files[name] and b"<patternMatch" in files[name]


# ---------------------------------------------------------------- the patterns themselves


def suffixes_of(unit: str | None) -> list[str]:
    own, others = unit_key(unit)
    return [*own, *(s for s, _ in others)]


@st.composite
def typed_answers(draw):
    """A key (a whole number given exactly, or a decimal within half a unit of its last
    printed place) and a text in the language number_patterns states: a number near the
    key, with either decimal sign, digits apart, a sign, `≈`, a suffix of any unit."""
    unit = draw(st.sampled_from([None, "MB", "B", "%", "times"]))
    whole = draw(st.booleans())
    if whole:
        value = draw(st.integers(0, 3_000_000))
        tolerance, places = 0.0, 0
    else:
        places = draw(st.integers(1, 4))
        value = round(draw(st.floats(-500, 500, allow_nan=False)), places) + 0.0
        tolerance = 0.5 * 10 ** -places
    key = Key(value, tolerance, whole, (), (), *unit_key(unit))
    unit_step = 1 if whole else 10 ** -places
    delta = draw(st.sampled_from([0, 0.4, -0.4, 0.99, -0.99, 1.01, -1.01, 1, -1, 7]))
    near = value + delta * (tolerance if tolerance else unit_step)
    shown = draw(st.integers(0, places + 2))
    text = f"{abs(near):.{shown}f}" if not whole or shown else str(abs(round(near)))
    if whole and draw(st.booleans()) and abs(near) >= 1000 and "." not in text:
        text = f"{int(text):,}".replace(",", draw(st.sampled_from([",", "."])))
    else:
        text = text.replace(".", draw(st.sampled_from([".", ","])))
        if draw(st.booleans()):                             # digits apart
            head, sign, tail = text.partition(text[-2] if len(text) > 2 else "§")
            gap = draw(st.sampled_from([" ", "\u00a0", "\u202f", "'"]))
            text = head + gap + sign + tail
    if near < 0:
        text = draw(st.sampled_from(["-", "−", "- "])) + text
    elif draw(st.booleans()):
        text = "+" + text
    if draw(st.booleans()):
        text = draw(st.sampled_from(["≈", "≈ ", "~"])) + text
    suffix = draw(st.sampled_from(["", *suffixes_of(unit), *suffixes_of("MB")]))
    if suffix and draw(st.booleans()):
        suffix = draw(st.sampled_from([suffix.upper(), suffix.lower()]))
    space = draw(st.sampled_from(["", " ", "\u00a0"])) if suffix else ""
    outer = draw(st.sampled_from(["", " ", "\t"]))
    return key, outer + text + space + suffix + outer


@settings(max_examples=500, deadline=None)
@given(typed_answers())
def test_a_pattern_matches_what_reading_reads_as_right(case):
    """number_patterns.pattern against reading.judge on typed answers of the language
    the pattern states, matched by three engines: libxml2's XML Schema regular
    expressions (what QTI's patternMatch is), Python's `re`, and a regular expression
    engine that matches bytes, as TAO's qti-sdk runs a pattern (PatternMatchProcessor:
    PCRE, `/^…$/s`, no /u flag)."""
    key, text = case
    written = pattern(key.value, key.tolerance, key)
    expected = judge(text, key).status == "right"
    assert pattern_matches(written, text) == expected, (key, text)
    assert (re.fullmatch(written, text) is not None) == expected, (key, text)
    assert (re.fullmatch(written.encode(), text.encode(), re.S) is not None) == expected, \
        (key, text)


def test_a_pattern_is_plain_xml_schema():
    """Nothing that XML Schema and Python read differently: no anchors, `\\d`, `\\s`,
    a `.` outside a class, or a starred group (see number_patterns._repeat); no
    character beyond ASCII in a class, which an engine matching bytes splits."""
    for unit in (None, "MB", "B", "%", "times"):
        for value, tolerance, whole in ((16, 0.0, True), (1048576, 0.0, True),
                                        (0.5, 0.005, False), (-5.86, 0.005, False)):
            written = pattern(value, tolerance, Key(value, tolerance, whole, (), (),
                                                    *unit_key(unit)))
            classes = re.findall(r"\[(?:\\.|[^\]])*\]", written)
            assert all(c.isascii() for c in classes), classes
            outside = re.sub(r"\[(\\.|[^\]])*\]", "C", written)
            assert not re.search(r"[\^$.]|\\[ds]|\)\*", outside), outside
