"""A bank with one language: every command works without --lang, in that language (the
default is the bank's first language, not a language the bank may not have)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest


@pytest.fixture
def english_bank(bank_copy):
    shutil.rmtree(bank_copy / "templates" / "bg")
    return bank_copy


def test_every_command_works_without_lang_in_a_bank_with_only_english(english_bank, run,
                                                                       tmp_path,
                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    bank = ("--bank", english_bank)

    listed = run(*bank, "list")
    assert listed.code == 0, listed.err
    assert "FFN dimensions" in listed.out and "parameters" in listed.out.lower()

    shown = run(*bank, "show", "layernorm", "--reference", "--format", "json")
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["lang"] == "en"
    assert run(*bank, "show", "layernorm", "--seed", 3).code == 0

    out = tmp_path / "exams"
    built = run(*bank, "exams", "--seed", 4, "--students", 2, "--format", "md",
                "--answer-sheet", "--out", out)
    assert built.code == 0, built.err
    assert "Exercise" in (out / "sheets" / "01.md").read_text(encoding="utf-8")

    template = run(*bank, "grade", "--seed", 4, "--build", out, "--template")
    assert template.code == 0, template.err
    rows = list(csv.reader(template.out.splitlines()))
    answers = tmp_path / "answers.csv"
    with answers.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(rows[0])
        for row in rows[1:]:
            writer.writerow([row[0], row[1], *["1"] * (len(rows[0]) - 2)])
    graded = run(*bank, "grade", "--seed", 4, "--build", out, "--answers", answers,
                 "--format", "md")
    assert graded.code == 0, graded.err
    assert "Your results" in (out / "grades" / "feedback" / "01.md").read_text(encoding="utf-8")

    exported = run(*bank, "export", "--seed", 4, "--variants", 1, "--format", "moodle",
                   "--out", tmp_path / "export")
    assert exported.code == 0, exported.err
    assert json.loads((tmp_path / "export" / "export.json").read_text())["lang"] == "en"

    handout = run(*bank, "handout", "--reference", "--format", "md",
                  "--out", tmp_path / "handout")
    assert handout.code == 0, handout.err

    assert run(*bank, "check").code == 0


def test_lang_still_names_a_language_the_bank_lacks(english_bank, run):
    result = run("--bank", english_bank, "list", "--lang", "bg")
    assert result.code == 2 and "unknown language `bg` (this bank has: en)" in result.err


def test_the_shipped_bank_defaults_to_its_first_language_bulgarian(run):
    result = run("show", "layernorm", "--reference", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["lang"] == "bg"
