"""`exgen export`: the Moodle XML and QTI 2.1 files, read back by code of their own.

The Moodle file is parsed with lxml and its gaps with the regular expressions of Moodle's
own importer (`question/type/multianswer/questiontype.php`), re-typed here from Moodle's
source; the QTI package is validated against the official IMS schemas in
`../shared/standards/qti-2.1/` and its response processing evaluated as the QTI 2.1
specification defines `match` and `equal`. Every value is checked against export.json,
and export.json against the numpy oracles of test_oracle.py.
"""

from __future__ import annotations

import html.entities
import importlib.util
import json
import re
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings, strategies as st
from lxml import etree

from conftest import QUIZ, ROOT, SPEC_SECTIONS, tex_required
from qti_processing import Item as QtiItem
from generator.bank import load_bank
from generator.cli import main
from generator.export import plan_export
from generator.answer_keys import accepted
from generator.grade import judge
from generator.html import inline_markdown_to_html
from generator.moodle import gap_feedback
from generator import qti
from generator.answers import asked_answers
from generator.exam import Item
from generator.numbers import machine_text
from generator.qti import base_type
from generator.solve import Variant, solve
from generator.spec import default_spec, load_spec
from test_oracle import ORACLES, problem

SEED = 5
VALIDATOR = ROOT.parent / "shared" / "standards" / "qti-2.1" / "validate.py"
QTI_NS = {"q": "http://www.imsglobal.org/xsd/imsqti_v2p1"}


def export(out: Path, *args: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", "--seed", str(SEED), "--out", str(out), *args])
    assert exc.value.code == 0


@pytest.fixture(scope="module")
def default_export(tmp_path_factory) -> Path:
    """A default export: every exercise of the bank, 20 variants each, in Bulgarian."""
    out = tmp_path_factory.mktemp("export") / "default"
    export(out)
    return out


@pytest.fixture(scope="module")
def quiz_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "quiz"
    export(out, "--spec", str(QUIZ), "--variants", "6", "--lang", "en")
    return out


def data(folder: Path) -> dict:
    return json.loads((folder / "export.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the QTI schemas


@pytest.fixture(scope="module")
def validator():
    if not VALIDATOR.is_file():
        if tex_required():
            pytest.fail(f"CI=true but {VALIDATOR} is missing: the QTI schemas must be checked")
        pytest.skip(f"{VALIDATOR} is absent (../shared is not beside the project; not CI)")
    spec = importlib.util.spec_from_file_location("qti_validate", VALIDATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check


def package_files(folder: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(folder / "qti21.zip") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_file_of_the_qti_package_validates(default_export, validator):
    files = package_files(default_export)
    questions = data(default_export)["questions"]
    assert "imsmanifest.xml" in files and "test.xml" in files
    assert sorted(n for n in files if n.startswith("items/")) == \
        sorted(f"items/{q['idnumber']}.xml" for q in questions)
    problems = [p for p in (validator(name, content) for name, content in files.items()) if p]
    assert not problems, "\n".join(problems[:10])


def test_the_validator_catches_a_broken_item(default_export, validator):
    files = package_files(default_export)
    name, item = next((n, c) for n, c in files.items()
                      if n.startswith("items/") and b'toleranceMode="absolute"' in c)
    assert validator(name, item) is None
    broken = item.replace(b'toleranceMode="absolute"', b'toleranceMode="approx"', 1)
    assert "INVALID" in validator(name, broken)


def test_the_test_selects_one_item_per_slot_weighted_by_points(quiz_export):
    test = etree.fromstring(package_files(quiz_export)["test.xml"])
    exported = data(quiz_export)
    sections = test.findall(".//q:assessmentSection", QTI_NS)
    assert len(sections) == len(exported["categories"]) == 4
    for section, category in zip(sections, exported["categories"]):
        assert section.find("q:selection", QTI_NS).get("select") == "1"
        refs = section.findall("q:assessmentItemRef", QTI_NS)
        assert [r.get("identifier") for r in refs] == [
            q["idnumber"] for q in exported["questions"] if q["slot"] == category["slot"]]
        assert {float(r.find("q:weight", QTI_NS).get("value")) for r in refs} == \
            {category["points"]}
    manifest = etree.fromstring(package_files(quiz_export)["imsmanifest.xml"])
    hrefs = {f.get("href") for f in manifest.iter("{*}file")}
    assert hrefs == {"test.xml", *(f"items/{q['idnumber']}.xml"
                                   for q in exported["questions"])}


# ---------------------------------------------------------------- Moodle, as Moodle reads it

# question/type/multianswer/questiontype.php (Moodle's current source), its PHP regexes in
# Python's syntax. Python's look-behind needs a fixed width, so `(?<!\\|&|&amp;)` becomes
# three of them.
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
TYPES = (r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
         r"(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|(MULTICHOICE_S|MCS)|"
         r"(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|(MULTIRESPONSE|MR)|"
         r"(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)")
GAP = re.compile(r"\{([0-9]*):(" + TYPES + r"):(" + ALTERNATIVE + "(~" + ALTERNATIVE +
                 r")*)\}", re.S)
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL = re.compile(f"^({NUMBER})(:{NUMBER})?$", re.S)
# question_bank::fraction_options_full(): the only fractions Moodle's forms know.
MOODLE_FRACTIONS = {1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4,
                    0.3333333, 0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1,
                    0.05, 0.0}


def html_entity_decode(text: str) -> str:
    """PHP's html_entity_decode(…, ENT_QUOTES, 'UTF-8'), once: numeric and named
    character references that end with `;`."""
    def one(match: re.Match) -> str:
        ref = match.group(1)
        if ref.startswith(("#x", "#X")):
            return chr(int(ref[2:], 16))
        if ref.startswith("#"):
            return chr(int(ref[1:]))
        return html.entities.html5.get(ref + ";", match.group(0))
    return re.sub(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", one, text)


def moodle_feedback(found: str) -> str:
    """What qtype_multianswer_extract_question stores of a gap's feedback."""
    return html_entity_decode(found).replace("\\}", "}").replace("\\#", "#")


def moodle_gaps(text: str) -> list[dict]:
    """The subquestions qtype_multianswer_extract_question finds, in order, checked as
    qtype_multianswer_validate_question checks them."""
    gaps = []
    for match in GAP.finditer(text):
        kind = match.group(2)
        gap = {"weight": int(match.group(1) or 1),
               "type": "NUMERICAL" if match.group(3) else
                       "MULTICHOICE" if match.group(4) else kind,
               "answers": []}
        remaining = match.group(16)
        while (alt := re.search("~?" + ALTERNATIVE, remaining, re.S)) is not None:
            fraction = 1.0 if alt.group(1) == "=" else (
                0.01 * float(alt.group(2).replace(",", ".")) if alt.group(2) else 0.0)
            answer = {"fraction": fraction, "text": alt.group(3)}
            if alt.group(5):
                answer["feedback"] = moodle_feedback(alt.group(5))
            if gap["type"] == "NUMERICAL":
                number = NUMERICAL.match(alt.group(3))
                assert number, f"Moodle would not read {alt.group(3)!r} as a number"
                answer["value"] = float(number.group(1))
                answer["tolerance"] = float(number.group(7)) if number.group(7) else 0.0
            gap["answers"].append(answer)
            remaining = remaining.split(alt.group(0), 1)[1]
        answered = [a for a in gap["answers"] if a["text"].strip()]
        assert len(answered) >= (2 if gap["type"] == "MULTICHOICE" else 1), \
            f"Moodle refuses {match.group(0)}: not enough answers"
        assert any(a["fraction"] == 1 for a in answered), \
            f"Moodle refuses {match.group(0)}: no answer is worth 100 %"
        gaps.append(gap)
    return gaps


def test_gap_parser_reads_moodle_examples():
    gaps = moodle_gaps("a {1:NUMERICAL:=1.63:0.005} b {2:MC:x~=y~%50%z#half} c "
                       "{:SA:=cat}")
    with pytest.raises(AssertionError, match="not enough answers"):
        moodle_gaps("{1:MULTICHOICE:=a}")
    with pytest.raises(AssertionError, match="100 %"):
        moodle_gaps("{1:NUMERICAL:%50%2:0}")
    assert [g["weight"] for g in gaps] == [1, 2, 1]
    assert gaps[0]["answers"] == [{"fraction": 1.0, "text": "1.63:0.005", "value": 1.63,
                                   "tolerance": 0.005}]
    assert [(a["text"], a["fraction"]) for a in gaps[1]["answers"]] == \
        [("x", 0.0), ("y", 1.0), ("z", 0.5)]


def moodle_questions(folder: Path) -> list[dict]:
    """Walk moodle.xml as the importer does: a category applies to what follows it."""
    root = etree.parse(str(folder / "moodle.xml")).getroot()
    assert root.tag == "quiz"
    questions, category = [], None
    for element in root.findall("question"):
        if element.get("type") == "category":
            category = element.findtext("category/text")
            continue
        assert element.get("type") == "cloze"
        questions.append({
            "category": category,
            "name": element.findtext("name/text"),
            "idnumber": element.findtext("tags/tag/text"),
            "text": element.findtext("questiontext/text"),
            "feedback": element.findtext("generalfeedback/text"),
            "gaps": moodle_gaps(element.findtext("questiontext/text")),
        })
    return questions


def test_moodle_questions_match_export_json(default_export):
    bg = load_bank().language("bg")
    exported = data(default_export)
    questions = moodle_questions(default_export)
    assert [q["idnumber"] for q in questions] == [q["idnumber"] for q in exported["questions"]]
    assert len({q["idnumber"] for q in questions}) == len(questions)
    categories = {c["slot"]: c["name"] for c in exported["categories"]}
    for read, want in zip(questions, exported["questions"]):
        where = want["idnumber"]
        assert read["category"].startswith("$course$/top/"), where
        assert read["category"].endswith("/" + categories[want["slot"]].replace("/", "//"))
        assert want["variant_code"] in read["name"] and want["idnumber"] in read["name"]
        assert read["feedback"].strip(), f"{where}: no worked solution"
        gaps = read["gaps"]
        assert sum(g["weight"] for g in gaps) == want["mark"], where
        numbered = [n for r in want["responses"] for n in r["moodle_gaps"]]
        assert numbered == list(range(1, len(gaps) + 1)), where
        for response in want["responses"]:
            values = response["value"]
            if response["kind"] == "matrix":
                values = [v for row in values for v in row]
            elif response["kind"] != "vector":
                values = [values]
            for place, (number, value) in enumerate(zip(response["moodle_gaps"], values,
                                                        strict=True)):
                gap = gaps[number - 1]
                assert gap["weight"] == response["weight"], where
                assert all(a["fraction"] in MOODLE_FRACTIONS for a in gap["answers"])
                if response["kind"] == "choice":
                    assert gap["type"] == "MULTICHOICE" and len(gap["answers"]) >= 2
                    assert [a["text"] for a in gap["answers"]] == response["options"]
                    assert [a["text"] for a in gap["answers"] if a["fraction"] == 1] == [value]
                else:
                    answer, *mistakes = gap["answers"]
                    assert gap["type"] == "NUMERICAL" and answer["fraction"] == 1
                    assert re.fullmatch(r"-?\d+(\.\d+)?", answer["text"].split(":")[0])
                    assert answer["value"] == value, where
                    assert answer["tolerance"] == response["tolerance"], where
                    # Each printed form of a misconception (its own rounding and
                    # tolerance, as grade compares it): 0 %, explained.
                    forms = {(_flat(v)[place], t) for printed in
                             response["misconceptions"].values() for v, t in printed}
                    for mistake in mistakes:
                        assert mistake["fraction"] == 0 and mistake["feedback"], where
                        # what Moodle stores is the explanation's HTML, to the sign
                        assert mistake["feedback"] in {
                            inline_markdown_to_html(bg.explanation(want["exercise"], n))
                            for n in response["misconceptions"]}, where
                        assert abs(mistake["value"] - value) > response["tolerance"], where
                        assert any(abs(mistake["value"] - v) < 1e-9 and
                                   mistake["tolerance"] == t for v, t in forms), where


def _flat(value) -> list:
    if isinstance(value, list):
        return [c for v in value for c in _flat(v)]
    return [value]


def test_moodle_text_is_html_with_mathjax_math_and_the_language_numbers(default_export):
    questions = {q["idnumber"]: q for q in moodle_questions(default_export)}
    layernorm = next(q for i, q in questions.items() if i.startswith("layernorm-"))
    assert "\\(" in layernorm["text"] and "$" not in layernorm["text"]
    assert "<ol>" in layernorm["text"]
    assert "1,63" in layernorm["text"]          # how to type a decimal, the Bulgarian way
    assert re.search(r"\\boxed\{-?\d+(,\d+)?\}", layernorm["feedback"])


def test_a_gap_in_the_exercise_text_is_not_read_as_one(bank_copy, tmp_path, run):
    template = bank_copy / "templates" / "bg" / "residual.md"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("{% block question %}",
                                     "{% block question %}\nНе е празно: {1:NUMERICAL:=7}\n",
                                     1), encoding="utf-8")
    result = run("--bank", bank_copy, "export", "--seed", "1", "--variants", "2",
                 "--out", tmp_path / "x")
    assert result.code == 0, result.err
    for question in moodle_questions(tmp_path / "x"):
        if question["idnumber"].startswith("residual-"):
            assert "=7" not in json.dumps([g["answers"] for g in question["gaps"]])
            assert "NUMERICAL:=7}" in question["text"]


SIGNS = "\\}{#~&<>;:=%/a1 "


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=SIGNS, max_size=24) | st.sampled_from(
    ["\\", "a\\", "\\}", "\\#", "\\\\}", "\\\\#", "&lt;", "&amp;lt;", "\\}#"]))
def test_a_gap_feedback_arrives_in_moodle_as_written(html_text):
    """Whatever the feedback's HTML holds — a `\\` at its end, `\\}`, `\\#`, `&lt;` —
    Moodle's import finds the gap, the 0 % answer after it, and stores that HTML."""
    text = ("before {2:NUMERICAL:=1.5:0.05~%0%2.5:0.05#" + gap_feedback(html_text)
            + "~%0%3:0.05#x} after {1:MULTICHOICE:=a~b}")
    gaps = moodle_gaps(text)
    assert [len(g["answers"]) for g in gaps] == [3, 2]
    assert gaps[0]["answers"][1].get("feedback", "") == html_text
    assert gaps[0]["answers"][2]["text"] == "3:0.05"


def test_explanations_with_tex_and_html_signs_survive_the_import(bank_copy, tmp_path, run):
    explanation = "Делено на $n - 1$: $\\{x_i\\}$, a < b & c, 50 % #1, x\\"
    path = bank_copy / "templates" / "bg" / "misconceptions.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^sample_variance = ".*"$',
                           lambda m: "sample_variance = '" + explanation + "'", text),
                    encoding="utf-8")
    result = run("--bank", bank_copy, "export", "--seed", "1", "--variants", "3",
                 "--out", tmp_path / "x")
    assert result.code == 0, result.err
    layernorm = [q for q in moodle_questions(tmp_path / "x")
                 if q["idnumber"].startswith("layernorm-")]
    feedback = {a.get("feedback") for q in layernorm for g in q["gaps"]
                for a in g["answers"]}
    assert inline_markdown_to_html(explanation) in feedback
    assert "\\(\\{x_i\\}\\)" in inline_markdown_to_html(explanation)
    assert "a &lt; b &amp; c" in inline_markdown_to_html(explanation)


def test_the_variant_code_arrives_as_a_tag_and_in_the_name(default_export):
    root = etree.parse(str(default_export / "moodle.xml")).getroot()
    for element in root.findall("question[@type='cloze']"):
        code = element.findtext("tags/tag/text")
        assert element.find("idnumber") is None      # the cloze import would drop it
        assert code and element.findtext("name/text").endswith(code)


def test_gap_weights_share_the_points_as_grade_does(quiz_export):
    exported = data(quiz_export)
    points = {c["slot"]: Fraction(str(c["points"])) for c in exported["categories"]}
    for question in exported["questions"]:
        responses = question["responses"]
        shares = {Fraction(r["weight"] * len(r["moodle_gaps"]), question["mark"])
                  for r in responses}
        assert shares == {Fraction(1, len(responses))}, question["idnumber"]
        assert question["mark"] % points[question["slot"]] == 0, question["idnumber"]


# ---------------------------------------------------------------- the same verdict everywhere


def qti_items(folder: Path) -> dict[str, QtiItem]:
    """The package's items, by identifier, with their response processing."""
    items = [QtiItem(content) for name, content in package_files(folder).items()
             if name.startswith("items/")]
    return {item.identifier: item for item in items}


def typed_text(value) -> str:
    """A number as a student types it into a QTI box: plain digits, a decimal point."""
    if isinstance(value, str):
        return value
    return format(Decimal(repr(value)).normalize(), "f")


def test_qti_explains_each_mistake_where_moodle_does_and_only_where_it_is_true(
        default_export):
    """QTI's feedback for a misconception is Moodle's gap for gap, run as a QTI engine
    runs the item (qti_processing): each value a Moodle gap explains (its 0 % answers),
    typed in the QTI box, and within that form's tolerance, shows a mistake; the key
    shows none; every mistake rule is one of Moodle's forms; in a mask, only the cells
    where the mistaken mask differs from the key (a transposed causal mask is right on
    the diagonal) carry one."""
    exported = data(default_export)
    moodle = {q["idnumber"]: q["gaps"] for q in moodle_questions(default_export)}
    items = qti_items(default_export)
    masks = 0
    for question in exported["questions"]:
        qid = question["idnumber"]
        item = items[qid]
        rules = item.mistake_rules()
        explained = set()
        for response in question["responses"]:
            keys = _flat(response["value"]) if response["kind"] != "choice" else [None]
            for number, identifier, key in zip(response["moodle_gaps"],
                                               response["qti_responses"], keys, strict=True):
                gap = moodle[qid][number - 1]
                in_moodle = {(a["value"], a["tolerance"]) for a in gap["answers"]
                             if a["fraction"] == 0 and gap["type"] == "NUMERICAL"}
                mine = rules.get(identifier, [])

                def shown(value):
                    return {name for name, condition in mine
                            if item.holds(condition, {identifier: typed_text(value)})}

                assert len(mine) == len(in_moodle), (qid, identifier)
                fired = set()
                for value, tolerance in in_moodle:
                    for delta in (0, 0.99 * tolerance, -0.99 * tolerance):
                        names = shown(value + delta)
                        assert names, (qid, identifier, value, delta)
                        fired |= names
                assert fired == {name for name, _ in mine}, (qid, identifier)
                if key is not None:
                    assert not shown(key), (qid, identifier)
                explained |= fired
            if response["kind"] == "matrix" and response["misconceptions"]:
                masks += 1
                cells = [i for i, identifier in enumerate(response["qti_responses"])
                         if rules.get(identifier)]
                wrong = set()
                for printed in response["misconceptions"].values():
                    for value, _ in printed:
                        wrong |= {i for i, (v, k) in enumerate(zip(_flat(value), keys))
                                  if v != k}
                assert cells == sorted(wrong), (qid, response["id"])
        assert item.feedbacks() == {f"MISTAKE_{n}" for n in explained} | {"SOLUTION"}, qid
    assert masks, "no mask with a misconception in the export"
    assert any(len(r) > 1 for item in items.values() for r in item.mistake_rules().values()), \
        "no box explains two mistakes"
    layernorm = next(item for qid, item in items.items() if qid.startswith("layernorm-"))
    layernorm = {name for rules in layernorm.mistake_rules().values() for name, _ in rules}
    assert layernorm == {"sample_variance", "variance_std_swapped", "divided_by_variance"}


def test_an_item_runs_as_a_qti_engine_runs_it(default_export):
    """The key typed in every box scores 1 and shows only the solution; nothing typed
    scores 0; every variable the rules set is declared (FEEDBACK among them)."""
    exported = {q["idnumber"]: q for q in data(default_export)["questions"]}
    for qid, item in qti_items(default_export).items():
        key = {}
        for response in exported[qid]["responses"]:
            values = _flat(response["value"]) if response["kind"] != "choice" \
                else [response["value"]]
            key.update({i: typed_text(v) for i, v in zip(response["qti_responses"], values)})
        outcomes = item.process(key)
        assert (outcomes["SCORE"], outcomes["FEEDBACK"]) == (1.0, ["SOLUTION"]), qid
        assert item.process({})["SCORE"] == 0.0, qid


def moodle_right(gap: dict, given) -> bool:
    """qtype_numerical_answer::within_tolerance, nominal tolerance (the cloze default),
    with PHP's precision 14; a MULTICHOICE gap: the option marked 100 %."""
    if gap["type"] == "MULTICHOICE":
        return any(a["text"] == given and a["fraction"] == 1 for a in gap["answers"])
    # Moodle takes the first answer whose interval holds the response (the key comes
    # first; misconceptions follow at 0 %).
    epsilon = 10 ** -14
    for answer in gap["answers"]:
        tolerance = answer["tolerance"] + epsilon * max(abs(answer["tolerance"]),
                                                        abs(answer["value"]), epsilon)
        if answer["value"] - tolerance <= given <= answer["value"] + tolerance:
            return answer["fraction"] == 1
    return False


def test_grade_moodle_and_qti_agree_on_every_answer(default_export):
    exported = data(default_export)
    bank = load_bank()
    model = {q.idnumber: q for q in
             plan_export(bank, default_spec(bank), SEED, exported["variants"], "bg").questions}
    gaps = {q["idnumber"]: q["gaps"] for q in moodle_questions(default_export)}
    items = qti_items(default_export)
    rules = {qid: item.scoring_rules() for qid, item in items.items()}

    def qti_right(qid: str, identifier: str, given) -> bool:
        return items[qid].holds(rules[qid][identifier],
                                {identifier: typed_text(given)}) is True
    checked = 0
    disagreements = []
    for question in exported["questions"]:
        qid = question["idnumber"]
        asked = {r.answer.id: r.answer for r in model[qid].responses}
        for response in question["responses"]:
            answer = asked[response["id"]]
            if response["kind"] == "choice":
                for letter in response["options"]:
                    verdicts = (judge(letter, answer.answer, answer.exact) == "right",
                                moodle_right(gaps[qid][response["moodle_gaps"][0] - 1], letter),
                                qti_right(qid, response["qti_responses"][0], letter))
                    if len(set(verdicts)) != 1 or verdicts[0] != (letter == response["value"]):
                        disagreements.append((qid, response["id"], letter, verdicts))
                    checked += 1
                continue
            key = answer.components
            tol = response["tolerance"]
            deltas = [(0, True), (0.99 * tol, True), (-0.99 * tol, True),
                      (1.01 * tol, False), (-1.01 * tol, False)]
            if tol == 0:
                deltas += [(1, False), (-1, False)]
            for index, (gap, rid) in enumerate(zip(response["moodle_gaps"],
                                                   response["qti_responses"])):
                for delta, expected in deltas:
                    if delta == 0 and not expected:
                        continue
                    given = list(key)
                    given[index] = key[index] + delta
                    verdicts = (accepted(given if len(key) > 1 else given[0], answer.answer,
                                         answer.exact),
                                moodle_right(gaps[qid][gap - 1], given[index]),
                                qti_right(qid, rid, given[index]))
                    if set(verdicts) != {expected}:
                        disagreements.append((qid, response["id"], index, delta, verdicts))
                    checked += 1
    assert checked > 2000
    assert not disagreements, f"{len(disagreements)} of {checked}: {disagreements[:10]}"


# ---------------------------------------------------------------- export.json and the oracles


def exact_param(value):
    if isinstance(value, list):
        return tuple(exact_param(v) for v in value)
    if isinstance(value, float):
        return Fraction(repr(value))
    return value


def as_exgen(value):
    """A plain JSON answer in the form test_oracle's comparison reads exgen's values."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        return sympy.Matrix(value)
    if isinstance(value, list):
        return tuple(as_exgen(v) for v in value)
    if isinstance(value, str):
        return value
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value, 17)


def test_export_json_agrees_with_the_numpy_oracles(default_export):
    bank = load_bank()
    problems = []
    for question in data(default_export)["questions"]:
        exercise = bank.exercise(question["exercise"])
        params = {k: exact_param(v) for k, v in question["params"].items()}
        expected = ORACLES[exercise.id](exercise, params)
        for name, value in question["answers"].items():
            why = problem(as_exgen(value), expected[name], 1e-12) if name in expected else None
            if why:
                problems.append(f"{question['idnumber']} {name}: {value!r} ({why})")
    assert not problems, "\n".join(problems[:10])


def test_export_json_has_what_other_tools_need(default_export):
    exported = data(default_export)
    assert (exported["seed"], exported["lang"], exported["variants"]) == (SEED, "bg", 20)
    bank = load_bank()
    for question in exported["questions"]:
        assert question["idnumber"] == f"{question['exercise']}-{question['variant_code']}"
        for response in question["responses"]:
            assert response["id"].startswith(question["exercise"] + ".")
            assert response["value"] == question["answers"][response["id"].split(".")[1]]
            assert isinstance(response["tolerance"], float)
            assert len(response["moodle_gaps"]) == len(response["qti_responses"])
    layernorm = next(q for q in exported["questions"] if q["exercise"] == "layernorm")
    tolerances = {r["id"]: r["tolerance"] for r in layernorm["responses"]}
    assert tolerances["layernorm.std"] == 0.005         # half a unit of the key's 1,63
    assert tolerances["layernorm.mean"] == 0.0          # a whole number: exact
    counts = {}
    for question in exported["questions"]:
        counts[question["exercise"]] = counts.get(question["exercise"], 0) + 1
    for ex_id, exercise in bank.exercises.items():
        assert counts[ex_id] == min(20, exercise.space.size)


def test_variants_are_distinct_and_all_of_a_small_space(tmp_path, run):
    result = run("export", "--seed", "2", "--variants", "5", "--out", tmp_path / "x")
    assert result.code == 0
    assert "pre_post_norm has only 2 variant(s)" in result.err
    questions = data(tmp_path / "x")["questions"]
    by_exercise = {}
    for q in questions:
        by_exercise.setdefault(q["exercise"], []).append(json.dumps(q["params"], sort_keys=True))
    assert all(len(set(v)) == len(v) for v in by_exercise.values())
    assert len(by_exercise["pre_post_norm"]) == 2 and len(by_exercise["ffn_dims"]) == 5


# ---------------------------------------------------------------- the command


def test_same_arguments_give_identical_files(default_export, tmp_path):
    export(tmp_path / "again")
    for name in ("export.json", "moodle.xml", "qti21.zip"):
        assert (tmp_path / "again" / name).read_bytes() == (default_export / name).read_bytes()


def test_another_seed_gives_other_variants(default_export, tmp_path, run):
    assert run("export", "--seed", str(SEED + 1), "--out", tmp_path / "x").code == 0
    assert data(tmp_path / "x")["questions"] != data(default_export)["questions"]


def test_one_format_alone(tmp_path, run):
    result = run("export", "--seed", "1", "--variants", "1", "--format", "qti",
                 "--out", tmp_path / "x")
    assert result.code == 0
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == [".exgen-build", "export.json",
                                                               "qti21.zip"]


def test_default_folder_names_the_spec_seed_and_language(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("export", "--seed", "4", "--variants", "1").code == 0
    assert (tmp_path / "build" / "export" / "seed-4-bg" / "moodle.xml").is_file()
    assert run("export", "--seed", "4", "--variants", "1", "--spec", QUIZ).code == 0
    assert (tmp_path / "build" / "export" / "lecture5-quiz-seed-4-bg" / "qti21.zip").is_file()
    # the English export of the same seed goes beside the Bulgarian one, not over it
    assert run("export", "--seed", "4", "--variants", "1", "--lang", "en").code == 0
    assert json.loads((tmp_path / "build" / "export" / "seed-4-en" / "export.json")
                      .read_text(encoding="utf-8"))["lang"] == "en"
    assert json.loads((tmp_path / "build" / "export" / "seed-4-bg" / "export.json")
                      .read_text(encoding="utf-8"))["lang"] == "bg"


@pytest.mark.parametrize("args, message", [
    (("--format", "moodle,scorm"), "--format takes moodle, qti"),
    (("--variants", "0"), "--variants must be at least 1"),
    (("--variants", "-3"), "--variants must be at least 1"),
    (("--lang", "fr"), "unknown language `fr`"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path, run, args, message):
    result = run("export", "--seed", "1", "--out", tmp_path / "x", *args)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err
    assert not (tmp_path / "x").exists()


def test_an_exercise_that_cannot_be_exported_is_named(bank_copy, tmp_path, run):
    """Paper can print a multiple-choice question of one option; Moodle cannot import it."""
    path = bank_copy / "variants" / "rope.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('options = ["absolute", "relative", "values"]',
                                 'options = ["relative"]'), encoding="utf-8")
    result = run("--bank", bank_copy, "export", "--seed", "1", "--out", tmp_path / "x")
    assert result.code == 2 and "Traceback" not in result.err
    assert "rope.toml" in result.err and "two options or more" in result.err
    assert not (tmp_path / "x").exists()
    checked = run("--bank", bank_copy, "check", "rope")
    assert checked.code == 2 and "two options or more" in checked.err


def test_a_failed_export_leaves_the_previous_one(tmp_path, run, default_export):
    out = tmp_path / "x"
    assert run("export", "--seed", "1", "--variants", "1", "--out", out).code == 0
    before = (out / "moodle.xml").read_bytes()
    assert run("export", "--seed", "1", "--variants", "0", "--out", out).code == 2
    assert (out / "moodle.xml").read_bytes() == before


def test_a_foreign_folder_is_not_replaced(tmp_path, run):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = run("export", "--seed", "1", "--variants", "1", "--out", tmp_path / "mine")
    assert result.code == 2
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_a_slot_that_picks_two_selects_two(tmp_path, run):
    spec = tmp_path / "pick.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["ffn_dims", "block_params", '
                    '"residual"]\npick = 2\npoints = 1.5\n', encoding="utf-8")
    assert run("export", "--seed", "1", "--variants", "2", "--spec", spec,
               "--out", tmp_path / "x").code == 0
    test = etree.fromstring(package_files(tmp_path / "x")["test.xml"])
    [section] = test.findall(".//q:assessmentSection", QTI_NS)
    assert section.find("q:selection", QTI_NS).get("select") == "2"
    assert test.findtext(".//q:outcomeDeclaration[@identifier='MAXSCORE']//q:value",
                         namespaces=QTI_NS) == "3"
    assert {r.find("q:weight", QTI_NS).get("value")
            for r in section.findall("q:assessmentItemRef", QTI_NS)} == {"1.5"}


def test_qti_asks_for_a_decimal_point_in_every_language(default_export):
    item = next(c for n, c in package_files(default_export).items()
                if n.startswith("items/layernorm-")).decode()
    assert "1.63" in item and "1,63" not in item
    assert "с точка, не със запетая" in item          # said plainly, in Bulgarian


def test_every_bank_answer_fits_the_qti_type_it_is_declared(validator):
    """Over many variants of every exercise (up to 400, spread over its whole space), each
    answer's QTI base type holds its key exactly: an `integer` within 32 bits, a `float`
    that reads back as the same number; sliding window's n² pairs (up to 128,000²) are
    floats. An item with such a key validates."""
    bank = load_bank()
    declared, problems = {}, []
    for exercise in bank.exercises.values():
        size = exercise.space.size
        for index in sorted({*range(0, size, max(1, size // 400)), size - 1}):
            variant = Variant(exercise, exercise.space.variant(index))
            item = Item(1, exercise, solve(variant))
            for answer in asked_answers(item):
                kind = base_type(answer)
                declared.setdefault(answer.id, set()).add(kind)
                for value in answer.components if kind != "identifier" else ():
                    if kind == "integer" and abs(value) > 2**31 - 1:
                        problems.append(f"{answer.id} = {value}: beyond a 32-bit integer")
                    if kind == "float" and float(machine_text(value)) != value:
                        problems.append(f"{answer.id} = {value}: not exact as a float")
    assert not problems, problems[:10]
    assert declared["sliding_window.full_pairs"] == {"integer", "float"}
    big = next(q for q in plan_export(bank, load_spec(QUIZ, bank), SEED, 51, "en").questions
               if q.exercise.id == "sliding_window" and q.item.solution.plain_params["seq_len"]
               == 128000)
    item = qti.item_xml(big, bank, "en")
    assert b'baseType="float"' in item and b'toleranceMode="exact"' in item
    assert validator(f"items/{big.idnumber}.xml", item) is None
