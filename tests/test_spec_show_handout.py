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


def test_handout_with_a_spec_has_only_its_exercises_by_their_places_on_the_sheets(
        bank, run, tmp_path):
    """An exam is the context: „Задача N“ as on the sheets (one number for a pool's
    alternatives, N/M where a slot that picks two may put an exercise at either place),
    the slot's points, and an introduction of its own."""
    spec = tmp_path / "mini.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["rope", "residual"]\npoints = 2\n\n'
                    '[[slot]]\npool = ["flash_attention", "layernorm", "sliding_window"]\n'
                    'pick = 2\npoints = 1\n', encoding="utf-8")
    out = tmp_path / "handout"
    result = run("handout", "--spec", spec, "--format", "md", "--out", out)
    assert result.code == 0, result.err
    places = {"rope": "1", "residual": "1", "flash_attention": "2", "layernorm": "2/3",
              "sliding_window": "3"}
    for lang, word, solution, points in (("en", "Exercise", "Solution", "pts"),
                                         ("bg", "Задача", "Решение", "т.")):
        language = bank.language(lang)
        text = (out / f"handout-{lang}.md").read_text(encoding="utf-8")
        headings = re.findall(rf"^## {word} (\S+): (.*) \((\d) {re.escape(points)}\)$", text,
                              flags=re.M)
        assert headings == [(places[ex], bank.exercise(ex).title(lang), "2" if n < 2 else "1")
                            for n, ex in enumerate(places)], headings
        assert re.findall(rf"^## {solution} (\S+): ", text, flags=re.M) == list(places.values())
        assert language.word("exam_handout_intro") in text
        assert language.word("handout_intro") not in text
        for ex_id, exercise in bank.exercises.items():
            present = exercise.title(lang) in text
            assert present == (ex_id in places), ex_id


def test_the_banks_handout_numbers_exercises_as_the_bank_does(bank, run, tmp_path):
    out = tmp_path / "handout"
    assert run("handout", "--reference", "--lang", "en", "--format", "md",
               "--out", out).code == 0
    text = (out / "handout-en.md").read_text(encoding="utf-8")
    assert re.findall(r"^## Exercise (\d+): ", text, flags=re.M) == \
        [str(ex.number) for ex in bank.exercises.values()]
    assert bank.language("en").word("handout_intro") in text


def test_an_exam_handout_asks_the_specs_parts_and_lists_their_mistakes_only(bank, run,
                                                                            tmp_path):
    spec = tmp_path / "parts.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["layernorm"]\nparts = [1, 2]\n',
                    encoding="utf-8")
    out = tmp_path / "handout"
    assert run("handout", "--spec", spec, "--lang", "en", "--format", "md",
               "--with-misconceptions", "--out", out).code == 0
    text = (out / "handout-en.md").read_text(encoding="utf-8")
    explain = bank.language("en").explanation
    assert explain("layernorm", "sample_variance") in text        # σ² is asked
    assert explain("layernorm", "divided_by_variance") not in text  # x̂ is not
    assert "normalized output" not in text.split("# Solutions")[1]
