"""Specs that ask only some sub-questions: the sheet, key, answer form, manifest and
grading all follow the chosen parts, and the asked ones are numbered 1, 2, …"""

import json
import re

import pytest

from conftest import SPEC_SECTIONS

SPEC = SPEC_SECTIONS + """
[[slot]]
pool = ["ffn_dims"]
parts = [2, 4]
points = 2

[[slot]]
pool = ["gqa_kv_cache"]
points = 3
"""


@pytest.fixture
def built(tmp_path, run):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 3, "--students", 2, "--spec", spec, "--format", "md",
                 "--out", out)
    assert result.code == 0, result.err
    return spec, out


def _boxed(text: str) -> set[str]:
    return set(re.findall(r"\\boxed\{([^}]*)\}", text))


def test_only_the_chosen_answers_are_asked(built, bank):
    _, out = built
    manifest = json.loads((out / "manifest.json").read_text())
    ffn = manifest["students"][0]["exercises"][0]
    assert ffn["exercise"] == "ffn_dims" and ffn["parts"] == [2, 4]
    parts = {name: a.part for name, a in bank.exercise("ffn_dims").answers.items()}
    assert ffn["asked"] == [n for n in parts if parts[n] in (None, 2, 4)]
    gqa = manifest["students"][0]["exercises"][1]
    intermediate = {name for name, a in bank.exercise("gqa_kv_cache").answers.items()
                    if a.intermediate}
    assert gqa["parts"] is None and sorted(gqa["asked"]) == sorted(set(gqa["answers"])
                                                                   - intermediate)


def test_key_boxes_only_the_asked_answers_and_numbers_them_from_one(built, bank):
    _, out = built
    manifest = json.loads((out / "manifest.json").read_text())
    ffn = manifest["students"][0]["exercises"][0]
    key = (out / "keys" / "01.md").read_text()
    section = re.split(r"^## ", key, flags=re.M)[2]     # the first exercise's section
    question, solution = re.split(r"^### ", section, flags=re.M)[:2]
    style = bank.language("bg").style
    shown = {name: style.integer(value) for name, value in ffn["answers"].items()}
    assert {shown[n] for n in ffn["asked"]} <= _boxed(solution)
    asked_values = {shown[n] for n in ffn["asked"]}
    for name in set(ffn["answers"]) - set(ffn["asked"]):
        if shown[name] not in asked_values:   # W2 has as many parameters as W1
            assert shown[name] not in _boxed(solution), name
    assert re.findall(r"^(\d+)\. ", question, re.M) == ["1", "2"]
    assert re.findall(r"^(\d+)\. ", solution, re.M) == ["1", "2"]


def test_answer_form_and_grading_template_list_only_the_asked_answers(built, run, bank):
    spec, out = built
    form = (out / "answer-sheets" / "01.md").read_text()
    labels = {name: a.labels["bg"] for name, a in bank.exercise("ffn_dims").answers.items()}
    manifest = json.loads((out / "manifest.json").read_text())
    asked = manifest["students"][0]["exercises"][0]["asked"]
    for name, label in labels.items():
        assert (f"| {label} |" in form) == (name in asked), name
    template = run("grade", "--seed", 3, "--students", 2, "--spec", spec, "--template").out
    columns = template.splitlines()[0].split(",")
    assert [c for c in columns if c.startswith("ffn_dims.")] == [f"ffn_dims.{n}" for n in asked]


def test_a_part_the_exercise_does_not_have_is_refused(tmp_path, run):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC.replace("parts = [2, 4]", "parts = [2, 9]"), encoding="utf-8")
    result = run("exams", "--seed", 3, "--students", 2, "--spec", spec, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "9" in result.err and "spec.toml, line" in result.err


def test_parts_that_ask_no_answer_are_refused(tmp_path, run):
    spec = tmp_path / "spec.toml"
    spec.write_text('[[slot]]\npool = ["rope"]\nparts = [2, 3]\npoints = 2\n', encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--spec", spec, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "rope" in result.err and "no answer" in result.err


def test_points_are_given_to_every_slot_or_to_none(tmp_path, run):
    spec = tmp_path / "spec.toml"
    spec.write_text('[[slot]]\npool = ["ffn_dims"]\npoints = 3\n\n[[slot]]\n'
                    'pool = ["residual"]\n', encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--spec", spec, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "spec.toml, line 5" in result.err


def test_check_finds_text_the_pdfs_cannot_typeset(bank_copy, run):
    template = bank_copy / "templates" / "en" / "residual.md"
    template.write_text(template.read_text().replace("{% block question %}",
                                                     "{% block question %}\n🙂\n", 1))
    result = run("--bank", bank_copy, "check", "residual")
    assert result.code == 2 and "residual.md" in result.err
