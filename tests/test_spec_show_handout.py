"""`show` and `handout` with a spec: its points, and only its exercises."""

from __future__ import annotations

import re

from conftest import QUIZ, SPEC_SECTIONS


def test_show_with_a_spec_gives_the_points(run):
    en = run("show", "layernorm", "--spec", QUIZ, "--lang", "en", "--no-solution")
    assert en.code == 0, en.err
    assert en.out.splitlines()[0].endswith("Layer normalization by hand (2 pts)")
    bg = run("show", "gqa_kv_cache", "--spec", QUIZ, "--lang", "bg", "--reference")
    assert bg.code == 0 and "(3 т.)" in bg.out.splitlines()[0]
    plain_show = run("show", "layernorm", "--lang", "en", "--no-solution")
    assert "pts" not in plain_show.out.splitlines()[0]


def test_show_refuses_an_exercise_outside_the_spec(run):
    result = run("show", "rope", "--spec", QUIZ)
    assert result.code == 2
    assert "rope" in result.err and "lecture5-quiz.toml" in result.err


def test_handout_with_a_spec_has_only_its_exercises(bank, run, tmp_path):
    spec = tmp_path / "mini.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["rope", "residual"]\npoints = 2\n\n'
                    '[[slot]]\npool = ["flash_attention"]\npoints = 1\n', encoding="utf-8")
    out = tmp_path / "handout"
    result = run("handout", "--spec", spec, "--format", "md", "--out", out)
    assert result.code == 0, result.err
    for lang, word in (("en", "Exercise"), ("bg", "Упражнение")):
        text = (out / f"handout-{lang}.md").read_text(encoding="utf-8")
        numbers = re.findall(rf"^## {word} (\d+):", text, flags=re.M)
        assert sorted(map(int, numbers)) == sorted(
            bank.exercise(e).number for e in ("rope", "residual", "flash_attention"))
        for ex_id, exercise in bank.exercises.items():
            present = exercise.title(lang) in text
            assert present == (ex_id in ("rope", "residual", "flash_attention")), ex_id
