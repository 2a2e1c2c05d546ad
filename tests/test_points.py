"""Points in a sheet's header and exercise headings, in each language's way of writing
numbers."""

from __future__ import annotations

import re

from conftest import QUIZ, SPEC_SECTIONS, pdf_text
from generator.spec import load_spec


def test_sheet_header_shows_total_and_per_exercise_points(class_md, bank):
    _, out, data = class_md
    spec = load_spec(QUIZ, bank)
    points = {ex_id: slot.points for slot in spec.slots for ex_id in slot.pool}
    for student in data["students"]:
        sid, lang = student["id"], student["lang"]
        assert student["total_points"] == 10
        for folder in ("sheets", "keys"):
            text = (out / folder / f"{sid}.md").read_text(encoding="utf-8")
            total = "**Общо точки:** 10" if lang == "bg" else "**Total points:** 10"
            assert total in text.split("---")[0], (sid, folder)
            unit = "т." if lang == "bg" else "pts"
            headings = [line for line in text.splitlines() if line.startswith("## ")
                        and re.match(r"## (Задача|Exercise) \d", line)]
            assert len(headings) == 4
            for heading, item in zip(headings, student["exercises"]):
                title = bank.exercise(item["exercise"]).title(lang)
                assert heading.endswith(f"{title} ({points[item['exercise']]} {unit})"), \
                    heading
                assert item["points"] == points[item["exercise"]]


def test_half_points_are_written_the_way_each_language_writes_numbers(run, tmp_path):
    """Half points on a Bulgarian sheet take the decimal comma, `(1,5 т.)` and `Общо
    точки: 3,5`, as README promises and as the grading report writes them; `show --spec`
    likewise (once printed with a decimal point)."""
    spec = tmp_path / "half.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["ffn_dims"]\npoints = 1.5\n\n'
                    '[[slot]]\npool = ["residual"]\npoints = 2\n', encoding="utf-8")
    roster = tmp_path / "r.csv"
    roster.write_text("id,name,lang\n01,A,en\n02,B,bg\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run("exams", "--seed", 1, "--roster", roster, "--spec", spec, "--format", "md",
               "--out", out).code == 0
    en = (out / "sheets" / "01.md").read_text(encoding="utf-8")
    assert "**Total points:** 3.5" in en and "(1.5 pts)" in en and "(2 pts)" in en
    bg = (out / "sheets" / "02.md").read_text(encoding="utf-8")
    assert "(2 т.)" in bg
    assert "(1,5 т.)" in bg and "**Общо точки:** 3,5" in bg, bg.split("---")[0]
    shown = run("show", "ffn_dims", "--spec", spec, "--lang", "bg", "--no-solution")
    assert shown.out.splitlines()[0].endswith("(1,5 т.)")


def test_sheet_pdf_header_shows_the_points(class_pdf):
    out, data = class_pdf
    for student in data["students"]:
        text = pdf_text(out / "sheets" / f"{student['id']}.pdf")
        if student["lang"] == "bg":
            assert "Общо точки: 10" in text and "(3 т.)" in text and "(2 т.)" in text
        else:
            assert "Total points: 10" in text and "(3 pts)" in text and "(2 pts)" in text
