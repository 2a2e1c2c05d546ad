"""A spec's pools, pick and points: which exercises each student gets, evenly."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import QUIZ
from generator.exam import plan
from generator.roster import numbered
from generator.spec import load_spec


def slot_counts(exam, spec):
    """Per slot: how many students got each exercise of its pool."""
    counts = [Counter({ex_id: 0 for ex_id in slot.pool}) for slot in spec.slots]
    for se in exam.students:
        got = {item.exercise.id for item in se.items}
        for index, slot in enumerate(spec.slots):
            for ex_id in slot.pool:
                counts[index][ex_id] += ex_id in got
    return counts


@pytest.mark.parametrize("seed", [1, 2026])
def test_quiz_pools_are_used_evenly_across_60_students(bank, seed):
    spec = load_spec(QUIZ, bank)
    exam = plan(bank, seed, numbered(60), "bg", spec.slots)
    for se in exam.students:
        ids = [item.exercise.id for item in se.items]
        assert len(ids) == len(spec.slots)
        for slot in spec.slots:
            assert sum(ex_id in slot.pool for ex_id in ids) == 1
    for slot, counts in zip(spec.slots, slot_counts(exam, spec)):
        assert sum(counts.values()) == 60
        assert max(counts.values()) - min(counts.values()) <= 1, (slot.pool, counts)


def test_pools_stay_even_at_every_class_size(bank):
    """A class of k students is the first k of a longer roster (appending changes
    nobody), so balance must hold for every prefix of the roster."""
    spec = load_spec(QUIZ, bank)
    exam = plan(bank, 3, numbered(60), "bg", spec.slots)
    counts = [Counter({ex_id: 0 for ex_id in slot.pool}) for slot in spec.slots]
    for k, se in enumerate(exam.students, start=1):
        got = {item.exercise.id for item in se.items}
        for index, slot in enumerate(spec.slots):
            for ex_id in slot.pool:
                counts[index][ex_id] += ex_id in got
            spread = max(counts[index].values()) - min(counts[index].values())
            assert spread <= 1, f"after {k} students, slot {index + 1}: {counts[index]}"


def test_pool_choice_still_depends_on_the_seed(bank):
    spec = load_spec(QUIZ, bank)
    students = numbered(20)
    picks = {seed: [tuple(i.exercise.id for i in se.items)
                    for se in plan(bank, seed, students, "bg", spec.slots).students]
             for seed in (1, 2, 3)}
    assert len({tuple(p) for p in picks.values()}) > 1
    assert len(set(picks[1])) > 1        # not one and the same exam for everybody


PICK_SPEC = """\
[en]
title = "Pick two"

[[slot]]
pool = ["ffn_dims"]
points = 4

[[slot]]
pool = ["rope", "position_interpolation", "sliding_window", "kv_cache_generation",
        "flash_attention"]
pick = 2
points = 3
"""


def test_pick_two_gives_two_different_exercises_balanced(bank, tmp_path):
    path = tmp_path / "pick.toml"
    path.write_text(PICK_SPEC, encoding="utf-8")
    spec = load_spec(path, bank)
    exam = plan(bank, 9, numbered(60), "en", spec.slots)
    pool = spec.slots[1].pool
    counts = Counter({ex_id: 0 for ex_id in pool})
    for se in exam.students:
        ids = [item.exercise.id for item in se.items]
        assert ids[0] == "ffn_dims"
        drawn = ids[1:]
        assert len(drawn) == 2 and len(set(drawn)) == 2 and set(drawn) <= set(pool)
        assert [item.points for item in se.items] == [4, 3, 3]
        assert se.total_points == 10
        counts.update(drawn)
    assert sum(counts.values()) == 120
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_pick_two_sheet_and_grades_have_one_column_per_exercise(tmp_path, run):
    path = tmp_path / "pick.toml"
    path.write_text(PICK_SPEC, encoding="utf-8")
    out = tmp_path / "out"
    assert run("exams", "--seed", 9, "--students", 3, "--spec", path, "--lang", "en",
               "--format", "md", "--out", out).code == 0
    sheet = (out / "sheets" / "01.md").read_text(encoding="utf-8")
    assert "**Total points:** 10" in sheet
    assert sheet.count("(3 pts)") == 2 and sheet.count("(4 pts)") == 1
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,1\n", encoding="utf-8")
    graded = run("grade", "--seed", 9, "--spec", path, "--answers", answers,
                 "--lang", "en", "--format", "md", "--out", out)
    assert graded.code == 0, graded.err
    header = (out / "grades" / "grades.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "id,name,group,ex1,ex2,ex3,total,max,grade,misconceptions"


def test_without_a_spec_every_exercise_is_on_the_sheet(bank, run, tmp_path):
    out = tmp_path / "out"
    assert run("exams", "--seed", 4, "--students", 2, "--format", "md", "--out", out).code == 0
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for student in data["students"]:
        assert [e["exercise"] for e in student["exercises"]] == list(bank.exercises)
