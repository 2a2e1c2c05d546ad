"""The cache of earlier builds (generator/cache.py, issue 23): a warm build makes the
same bytes as a cold one, reads what the cold one kept instead of rendering it again, a
changed bank file or a damaged cache file is never trusted, and only the exgen command
keeps a cache. Each build is a real process with a cache folder of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy

from conftest import EXGEN, QUIZ, ROOT, needs_tex
from generator import cache
from generator.bank import load_bank
from generator.documents import TextsByLanguage
from generator.solve import reference, solve

COMMANDS = {
    "exams": ("exams", "--seed", "2", "--students", "3", "--format", "md", "--spec", QUIZ,
              "--with-misconceptions"),
    "export": ("export", "--seed", "2", "--variants", "3"),
    "site": ("site", "--seed", "2", "--variants", "2"),
}
# Each as a warm build runs it; exams as PDF too.
WARM = {**COMMANDS, "exams": ("exams", "--seed", "2", "--students", "2", "--spec", QUIZ,
                              "--with-misconceptions", "--format", "md,pdf", "--form", "scan")}


def build(cache_home: Path, out: Path, *args, bank: Path | None = None) -> None:
    where = ("--bank", bank) if bank is not None else ()
    proc = subprocess.run([*EXGEN, *map(str, where), *map(str, args), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})
    assert proc.returncode == 0, proc.stderr


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def kept(cache_home: Path, kind: str) -> list[Path]:
    return sorted((cache_home / "exgen" / "work").glob(f"{kind}-*.json"))


@pytest.mark.parametrize("command", sorted(WARM))
def test_a_warm_build_is_the_cold_build_byte_for_byte_and_never_imports_sympy(tmp_path,
                                                                              command):
    """Issue 23: what the bank's formulas gave is kept, so a warm exams, export or site
    starts like a small script (the cold build imports sympy), and both give the same
    bytes."""
    if "pdf" in WARM[command]:
        needs_tex()
    home = tmp_path / "cache"
    cold = imported(home, tmp_path / "cold", *WARM[command])
    stored = {p: p.read_bytes() for p in (home / "exgen" / "work").glob("*.json")}
    assert kept(home, "texts")
    warm = imported(home, tmp_path / "warm", *WARM[command])
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold")
    # Nothing was missing: the warm build added nothing, so it rewrote no file.
    assert {p: p.read_bytes() for p in (home / "exgen" / "work").glob("*.json")} == stored
    assert "sympy" in cold and "sympy.core" in cold       # the check can fail
    assert not {m for m in warm if m == "sympy" or m.startswith("sympy.")}, command
    assert "jinja2" in warm                # the warm build did import what it uses


def test_a_warm_grade_never_imports_sympy(tmp_path, run, monkeypatch):
    home, out = tmp_path / "cache", tmp_path / "build"
    grading = ("grade", "--seed", "2026", "--roster", ROOT / "examples" / "class.csv",
               "--spec", QUIZ, "--answers", ROOT / "examples" / "answers.csv",
               "--format", "md")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))      # the build, in this process
    assert run("exams", "--seed", "2026", "--roster", ROOT / "examples" / "class.csv",
               "--spec", QUIZ, "--format", "md", "--out", out).code == 0
    cold = imported(home, out, *grading)
    first = (out / "grades" / "grades.csv").read_bytes()
    warm = imported(home, out, *grading)
    assert "sympy.core" in cold and not {m for m in warm if m.startswith("sympy")}
    assert (out / "grades" / "grades.csv").read_bytes() == first


def imported(cache_home: Path, out: Path, *args) -> set[str]:
    """The modules one exgen command imports (`python -X importtime`)."""
    proc = subprocess.run([EXGEN[0], "-X", "importtime", *EXGEN[1:], *map(str, args),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_a_warm_build_prints_what_the_cold_one_kept_instead_of_rendering_it(tmp_path):
    home = tmp_path / "cache"
    build(home, tmp_path / "cold", *COMMANDS["exams"])
    for path in kept(home, "texts"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["entries"].values():
            entry[0] += " (kept)"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    build(home, tmp_path / "warm", *COMMANDS["exams"])
    sheet = next((tmp_path / "warm").rglob("sheets/*.md")).read_text(encoding="utf-8")
    assert "(kept)" in sheet
    assert "(kept)" not in next((tmp_path / "cold").rglob("sheets/*.md")).read_text(
        encoding="utf-8")


def test_a_changed_bank_file_is_never_answered_from_the_cache(tmp_path, bank_copy):
    home = tmp_path / "cache"
    args = ("exams", "--seed", "2", "--students", "2", "--format", "md", "--lang", "bg")
    build(home, tmp_path / "before", *args, bank=bank_copy)
    names = {p.name for p in kept(home, "texts")}
    for template in (bank_copy / "templates" / "bg").glob("*.md"):
        text = template.read_text(encoding="utf-8")
        template.write_text(text.replace("{% block question %}",
                                         "{% block question %}Нов текст. ", 1),
                            encoding="utf-8")
    build(home, tmp_path / "after", *args, bank=bank_copy)
    sheets = [p.read_text(encoding="utf-8") for p in (tmp_path / "after").rglob("sheets/*.md")]
    assert sheets and all("Нов текст." in sheet for sheet in sheets)
    assert {p.name for p in kept(home, "texts")} - names       # kept under a new identity
    # A variants file is a bank file too: a changed comment is a new identity.
    rope = bank_copy / "variants" / "rope.toml"
    rope.write_text(rope.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    before = {p.name for p in kept(home, "texts")}
    build(home, tmp_path / "again", *args, bank=bank_copy)
    assert {p.name for p in kept(home, "texts")} - before
    assert tree(tmp_path / "again") == tree(tmp_path / "after")


@pytest.fixture(scope="module")
def cold_export(tmp_path_factory) -> tuple[Path, Path]:
    """An export and the cache it left: (the cache folder, the export)."""
    folder = tmp_path_factory.mktemp("cold")
    build(folder / "cache", folder / "cold", *COMMANDS["export"])
    return folder / "cache", folder / "cold"


@pytest.mark.parametrize("damage", ["garbage", "foreign", "wrong shape"])
def test_a_damaged_cache_file_is_ignored_and_rewritten(tmp_path, damage, cold_export):
    home = tmp_path / "cache"
    shutil.copytree(cold_export[0], home)
    files = [*kept(home, "texts"), *kept(home, "mistakes"), *kept(home, "html"),
             *kept(home, "solutions"), *kept(home, "avoided"), *kept(home, "spaces"),
             *kept(home, "printed")]
    assert len(files) == 7
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        if damage == "garbage":
            path.write_bytes(b"\x80\x03}q\x00(X\x01\x00\x00\x00a")      # a pickle, say
        elif damage == "foreign":
            data["identity"] = "0" * 64
            for key in data["entries"]:
                data["entries"][key] = ["", "", []] if path.name.startswith("texts") \
                    else [] if path.name.startswith("mistakes") else \
                    True if path.name.startswith("avoided") else \
                    [[], [], []] if path.name.startswith(("solutions", "spaces")) else \
                    [] if path.name.startswith("printed") else ""
            path.write_text(json.dumps(data), encoding="utf-8")
        else:
            data["entries"] = {key: {"not": "an entry"} for key in data["entries"]}
            path.write_text(json.dumps(data), encoding="utf-8")
    build(home, tmp_path / "after", *COMMANDS["export"])
    assert tree(tmp_path / "after") == tree(cold_export[1])
    for path in files:                    # rewritten whole, with the right identity
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["identity"] != "0" * 64 and data["entries"]
        assert not any(value == {"not": "an entry"} for value in data["entries"].values())


def test_a_drawing_draws_the_variants_of_its_exact_space(bank):
    """The plain drawing a warm build samples from gives each index the parameters the
    exact space gives it (the same key, the same manifest), and survives JSON."""
    from generator.params import Drawing
    from generator.solve import drawn

    for exercise in bank.exercises.values():
        drawing = Drawing.of(exercise.space)
        again = Drawing.from_json(json.loads(json.dumps(drawing.to_json())))
        assert again == drawing and drawing.size == exercise.space.size
        step = max(1, drawing.size // 13)
        for index in [*range(0, drawing.size, step), drawing.size - 1]:
            variant = exercise_variant(exercise, index)
            assert drawing.plain(index) == variant.plain_params, (exercise.id, index)
            assert drawn(exercise, index).key == variant.key
            params = drawn(exercise, index).params
            assert dict(params) == dict(variant.params)    # made exact when asked
    with pytest.raises(ValueError):
        Drawing.from_json([[[["a"], [[1, 2]]]], [], ["a"]])      # a combination too long


def test_only_the_exgen_command_keeps_a_cache_and_only_while_it_runs(tmp_path, monkeypatch,
                                                                    run, bank):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    texts = TextsByLanguage(bank).get("en")
    texts.render(solve(reference(bank.exercise("rope"))))
    assert not cache.enabled() and not (tmp_path / "cache" / "exgen" / "work").exists()
    assert run("export", "--seed", "2", "--variants", "1", "--out", tmp_path / "out").code == 0
    assert not cache.enabled()
    assert kept(tmp_path / "cache", "texts")


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    build(blocked, tmp_path / "out", *COMMANDS["export"])
    build(blocked, tmp_path / "again", *COMMANDS["export"])
    assert tree(tmp_path / "out") == tree(tmp_path / "again")


def test_an_entry_of_the_wrong_shape_is_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    exercise = load_bank().exercise("rope")
    cache.enable()
    try:
        assert cache.bank_work("test", exercise, ["k"], lambda: 3, lambda v: v, _whole) == 3
        kept_store = cache.bank_store("test", exercise.path.parent.parent)
        kept_store.put(json.dumps(["k"]), "three")
        assert cache.bank_work("test", exercise, ["k"], lambda: 4, lambda v: v, _whole) == 4
        assert kept_store.get(json.dumps(["k"])) == 4
        assert cache.bank_work("test", exercise, ["k"], lambda: 5, lambda v: v, _whole) == 4
    finally:
        cache.disable()


def test_kept_solutions_are_the_solved_ones_square_roots_included(bank):
    from generator.solve import _NotKept, _solution_from, _solution_json, _value_json

    roots = 0
    for exercise in bank.exercises.values():
        for index in range(0, exercise.space.size, max(1, exercise.space.size // 7)):
            variant = exercise_variant(exercise, index)
            solved = solve(variant)
            kept = _solution_json(solved)
            assert kept is not None, (exercise.id, solved.answers)
            roots += '"root"' in json.dumps(kept)
            again = _solution_from(variant, json.loads(json.dumps(kept)))
            assert again.answers == solved.answers and list(again.answers) == list(
                solved.answers)
            assert {n: sympy.srepr(v) if not isinstance(v, (str, tuple)) else str(v)
                    for n, v in again.answers.items()} == \
                {n: sympy.srepr(v) if not isinstance(v, (str, tuple)) else str(v)
                 for n, v in solved.answers.items()}
            assert {n: [type(v) for v in vs] for n, vs in again.alternatives.items()} == \
                {n: [type(v) for v in vs] for n, vs in solved.alternatives.items()}
            assert {n: type(v) for n, v in again.answers.items()} == \
                {n: type(v) for n, v in solved.answers.items()}
    assert roots                            # LayerNorm's σ and what it divides
    for value in (sympy.pi, sympy.sqrt(2) + 1, sympy.Float(0.5)):
        with pytest.raises(_NotKept):
            _value_json(value)


def exercise_variant(exercise, index):
    from generator.solve import Variant

    return Variant(exercise, exercise.space.variant(index))


def _whole(value) -> int:
    if not isinstance(value, int):
        raise ValueError(value)
    return value
