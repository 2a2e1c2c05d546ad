"""Each student reads their sheet, key and answer form in the language of their roster row."""

from __future__ import annotations

import json

from conftest import QUIZ, ROSTER_ROWS, exams_of, write_roster


def test_each_student_reads_sheet_and_key_in_their_language(class_md):
    _, out, data = class_md
    langs = {r[0]: r[2] for r in ROSTER_ROWS}
    assert {s["id"]: s["lang"] for s in data["students"]} == langs
    for sid, lang in langs.items():
        sheet = (out / "sheets" / f"{sid}.md").read_text(encoding="utf-8")
        key = (out / "keys" / f"{sid}.md").read_text(encoding="utf-8")
        form = (out / "answer-sheets" / f"{sid}.md").read_text(encoding="utf-8")
        if lang == "bg":
            assert "## Задача 1:" in sheet and "Exercise" not in sheet
            assert "Лекция 5: контролно" in sheet and "20 минути" in sheet
            assert "### Решение" in key and "Ключ с отговори" in key
            assert "Лист за отговори" in form
        else:
            assert "## Exercise 1:" in sheet and "Упражнение" not in sheet
            assert "Lecture 5: quiz" in sheet and "20 minutes" in sheet
            assert "### Solution" in key and "Answer key" in key
            assert "Answer sheet" in form


def test_flipping_languages_keeps_every_variant(class_md, run, tmp_path):
    _, _, before = class_md
    flipped = [(sid, name, {"bg": "en", "en": "bg"}[lang], group)
               for sid, name, lang, group in ROSTER_ROWS]
    roster = write_roster(tmp_path / "flipped.csv", flipped)
    out = tmp_path / "out"
    assert run("exams", "--seed", 11, "--spec", QUIZ, "--roster", roster, "--format", "md",
               "--out", out).code == 0
    after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert exams_of(after) == exams_of(before)
    for a, b in zip(before["students"], after["students"]):
        assert a["id"] == b["id"] and a["lang"] != b["lang"]
        assert a["variant_code"] == b["variant_code"]
    # … and the sheets really did switch language
    sid = ROSTER_ROWS[0][0]                                  # en before, bg now
    assert "## Задача 1:" in (out / "sheets" / f"{sid}.md").read_text(encoding="utf-8")


def test_a_rosters_lang_column_overrides_the_default_language(run, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name,lang\n01,A,en\n02,B,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run("exams", "--seed", 1, "--roster", roster, "--lang", "bg", "--spec", QUIZ,
               "--format", "md", "--out", out).code == 0
    assert "## Exercise 1:" in (out / "sheets" / "01.md").read_text(encoding="utf-8")
    assert "## Задача 1:" in (out / "sheets" / "02.md").read_text(encoding="utf-8")
