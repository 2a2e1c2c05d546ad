"""The reading rules are one set, written twice: generator/reading.py (grade, overrides,
exports) and its twin generator/site_assets/reading.js (the practice site). Here both
read the shared cases of tests/reading_cases.json, and thousands of answers typed the way
students type them (hypothesis: separators, Unicode digits and spaces, signs, brackets,
units, Cyrillic letters) for real answers of the bank, and must give the same verdict —
status, the reason an answer was not read, the other unit, the misconception — on every
one. The browser side runs in Debian's Chromium, all answers in one `page.evaluate`.

tests/reading_twins.json records the fingerprints of the two files as they were when the
differential test last passed. A change to either file fails the tripwire below until
the differential test passes again with EXGEN_RECORD_TWINS=1, which records both: so a
rule changed in one file and not the other cannot slip through, even on a machine
without a browser.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from generator.export import plan_export
from generator.misconceptions import judged_key
from generator.reading import Key, judge, mistake_in, unit_key
from generator.spec import default_spec

CASES = json.loads((Path(__file__).parent / "reading_cases.json").read_text(encoding="utf-8"))
VERDICTS = ("right", "alternative", "wrong", "unparseable", "blank")
TWINS = (ROOT / "generator" / "reading.py", ROOT / "generator" / "site_assets" / "reading.js")
RECORD = Path(__file__).parent / "reading_twins.json"
EXAMPLES = 2500
# The page's side: the verdict and the misconception of every case, in one call.
BATCH = ("([keys, cases]) => cases.map(([k, text]) => {"
         " const v = exgenReading.judge(text, keys[k]);"
         " return [v.status, v.reason, v.unit, exgenReading.mistakeIn(text, keys[k])]; })")


def fingerprints() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in TWINS}


def case_key(group: dict) -> Key:
    key = group["key"]
    whole = isinstance(key, int) and not isinstance(key, bool)
    return Key(key, group["tolerance"], whole, tuple(group.get("alternatives", ())), (),
               *unit_key(group.get("unit")))


def all_cases():
    for group in CASES["groups"]:
        for verdict in VERDICTS:
            for text in group.get(verdict, []):
                yield group, text, verdict


def python_side(key: Key, text: str) -> list:
    verdict = judge(text, key)
    return [verdict.status, verdict.reason, verdict.unit, mistake_in(text, key)]


@pytest.fixture(scope="module")
def reader(browser):
    """A blank page holding reading.js alone."""
    page = browser.new_page()
    page.set_content("<!doctype html><title>reading</title>")
    page.add_script_tag(path=str(TWINS[1]))
    yield page
    page.close()


# ---------------------------------------------------------------- the shared cases


def test_the_shared_cases_cover_every_kind_of_answer_and_verdict():
    keys = [case_key(g) for g in CASES["groups"]]
    assert {k.kind for k in keys} == {"number", "vector", "matrix", "choice"}
    assert {v for _, _, v in all_cases()} == set(VERDICTS)
    assert any(k.other_units for k in keys)


@pytest.mark.parametrize("group,text,verdict", list(all_cases()),
                         ids=[f"{v}:{t!r}" for _, t, v in all_cases()])
def test_reading_py_reads_each_shared_case_as_listed(group, text, verdict):
    assert judge(text, case_key(group)).status == verdict, group["rule"]


def test_reading_js_reads_each_shared_case_as_listed(reader):
    keys = [case_key(g).to_json() for g in CASES["groups"]]
    index = {id(g): i for i, g in enumerate(CASES["groups"])}
    cases = [[index[id(g)], text] for g, text, _ in all_cases()]
    got = reader.evaluate(BATCH, [keys, cases])
    disagree = [(text, verdict, g[0]) for (g_, text, verdict), g in zip(all_cases(), got)
                if g[0] != verdict]
    assert disagree == []


def test_the_reasons_say_what_was_expected():
    mb = case_key({"key": 16, "tolerance": 0, "unit": "MB"})
    assert judge("16 GB", mb).to_json() == {"status": "wrong", "reason": "unit", "unit": "GB"}
    assert judge("abc", mb).reason == "number"
    assert judge("[0,46; x]", case_key({"key": [1.0, 2.0], "tolerance": 0})).reason == "vector"
    assert judge("1 0 / 0 1", case_key({"key": [[1, 0], [0, 1]], "tolerance": 0})).reason \
        == "matrix"
    assert judge("the first", case_key({"key": "a", "tolerance": 0})).reason == "choice"


# ---------------------------------------------------------------- the differential test


def real_keys(bank) -> list[Key]:
    """Every answer of a few variants of every exercise, with its alternatives, unit and
    misconceptions, as the site and grade judge it; and the shared cases' keys."""
    export = plan_export(bank, default_spec(bank), 11, 3, "en")
    keys = [judged_key(q.item.solution, r.answer.name)
            for q in export.questions for r in q.responses]
    return keys + [case_key(g) for g in CASES["groups"]]


# Digits of other scripts (Python's `\d` and float() read them all): Arabic-Indic,
# Devanagari, fullwidth and mathematical bold (outside the BMP).
DIGITS = ("0123456789", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５６７８９",
          "".join(chr(0x1D7CE + i) for i in range(10)))
SPACES = (" ", "\u00a0", "\u202f", "\u2009", "\u2003", "\t", "\u3000", "\ufeff", "\u200b")
GROUPS = ("", " ", "\u00a0", "\u202f", ",", ".", "'", "_")
MINUS = ("-", "−", "–", "- ", "")
NOISE = "0123456789 ,.;:-−+[]()x×х%/≈~eE\u00a0\u202f\nаб вгцсдabcMBГБмбпъти"


@st.composite
def written_number(draw, value: float, places: int) -> str:
    """A number as a student might write it: its places, decimal sign, digit groups,
    sign, script of digits, a sign of approximation."""
    if not math.isfinite(value):
        return repr(value)
    digits = draw(st.sampled_from((places, places, 0, 1, 2, 3, 4)))
    text = f"{abs(value):.{digits}f}"
    whole, _, fraction = text.partition(".")
    group = draw(st.sampled_from(GROUPS))
    if group and len(whole) > 3:
        head = len(whole) % 3 or 3
        whole = whole[:head] + "".join(group + whole[i:i + 3]
                                       for i in range(head, len(whole), 3))
    decimal = draw(st.sampled_from((",", ".", ",", ".", ",", ".", "/")))
    text = whole + (decimal + fraction if fraction else "")
    if draw(st.booleans()):
        script = draw(st.sampled_from(DIGITS))
        text = "".join(script[int(c)] if c.isdigit() and c.isascii() else c for c in text)
    if value < 0 or draw(st.integers(0, 9)) == 0:
        text = draw(st.sampled_from(MINUS)) + text
    if draw(st.integers(0, 5)) == 0:
        text = draw(st.sampled_from(("≈", "~", "≈ ", "+"))) + text
    return text


@st.composite
def typed(draw, keys: list[Key]):
    # Every key, or one of the rarer kinds: alternatives, choices, units.
    rare = [[i for i, k in enumerate(keys) if test(k)] for test in (
        lambda k: k.alternatives, lambda k: k.kind == "choice", lambda k: k.other_units)]
    index = draw(st.integers(0, len(keys) - 1) | st.sampled_from(rare[0])
                 | st.sampled_from(rare[1]) | st.sampled_from(rare[2]))
    key = keys[index]
    if draw(st.integers(0, 9)) == 0:                          # anything at all
        return [index, draw(st.text(alphabet=NOISE, max_size=14))]
    if key.kind == "choice":
        letter = draw(st.sampled_from(("a", "b", "c", "d", "e", "A", "C", "а", "б", "в",
                                       "г", "д", "е", "ц", "с", "С", "В", "я", "ab", "1")))
        wrap = draw(st.sampled_from(("{}", "({})", "{})", "{}.", " {} ", "( {} )")))
        return [index, wrap.format(letter)]
    values = [key.value, *key.alternatives,
              *(form[0] for m in key.mistakes for form in m.printed)]
    value = draw(st.sampled_from(values))
    if key.alternatives and draw(st.booleans()):              # another rounding on the way
        value = draw(st.sampled_from(key.alternatives))
        if draw(st.booleans()):                               # rounded as the key prints
            entries = value if isinstance(value, list) else [value]
            text = "; ".join(f"{e:.2f}".replace(".", draw(st.sampled_from(",.")))
                             for e in entries)
            return [index, f"[{text}]" if isinstance(value, list) else text]
    if draw(st.integers(0, 3)) == 0:                          # a slip
        slip = draw(st.sampled_from((0.01, -0.01, 1, 0.004, 10)))
        value = [[c + slip for c in row] if isinstance(row, list) else row + slip
                 for row in value] if isinstance(value, list) else value + slip
    places = draw(st.integers(0, 3))
    if key.kind == "number":
        text = draw(written_number(value, places))
    else:
        rows = value if key.kind == "matrix" else [value]
        separator = draw(st.sampled_from(("; ", ", ", " ", ";", ",", "\n", " ; ", "  ")))
        written = [separator.join(draw(written_number(float(c), places)) for c in row)
                   for row in rows]
        if key.kind == "matrix":
            form = draw(st.sampled_from(("[{}]", "{}", "({})")))
            joint = draw(st.sampled_from((" ", "; ", "\n", "")))
            text = joint.join(form.format(r) for r in written) if draw(st.booleans()) \
                else "[" + "; ".join(written) + "]"
        else:
            text = draw(st.sampled_from(("[{}]", "({})", "{}", "[{})", "[[{}]]"))).format(
                written[0])
    units = list(key.suffixes) + [s for s, _ in key.other_units] + ["MB", "xx", "пъти"]
    if draw(st.integers(0, 3)) == 0:
        text += draw(st.sampled_from(("", " "))) + draw(st.sampled_from(units))
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.sampled_from(SPACES)) + text + draw(st.sampled_from(SPACES))
    return [index, text]


def test_reading_py_and_reading_js_give_the_same_verdict_on_every_typed_answer(reader, bank):
    keys = real_keys(bank)
    cases: list[list] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(typed(keys))
    def collect(case):
        cases.append(case)

    collect()
    assert len(cases) >= EXAMPLES // 2
    expected = [python_side(keys[k], text) for k, text in cases]
    got = reader.evaluate(BATCH, [[k.to_json() for k in keys], cases])
    disagree = [(text, keys[k].value, want, have)
                for (k, text), want, have in zip(cases, expected, got) if want != have]
    assert disagree[:10] == [], f"{len(disagree)} of {len(cases)} answers disagree"
    # The batch exercised every verdict, every reason and a misconception.
    assert {e[0] for e in expected} == set(VERDICTS)
    assert {e[1] for e in expected} >= {"number", "vector", "matrix", "choice", "unit"}
    assert any(e[3] for e in expected)
    if os.environ.get("EXGEN_RECORD_TWINS") == "1":
        RECORD.write_text(json.dumps(fingerprints(), indent=2) + "\n", encoding="utf-8")


def test_the_twins_are_the_pair_the_differential_test_last_passed():
    """A change to reading.py or reading.js, without the other checked against it."""
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    changed = [name for name, digest in fingerprints().items()
               if recorded.get(name) != digest]
    assert not changed, (
        f"{' and '.join(changed)} changed since the differential test last passed: make "
        "the same change in its twin (generator/reading.py ↔ "
        "generator/site_assets/reading.js), add its cases to tests/reading_cases.json, then "
        "run `EXGEN_RECORD_TWINS=1 .venv/bin/python -m pytest tests/test_reading_twins.py`, "
        "which records the pair only when both read every answer alike")
