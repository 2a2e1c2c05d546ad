"""Hardening 2, ownership: a graded class is never overwritten. A command replaces only
a folder the same command wrote; a build holding grades or scans survives every other
command pointed at it; nothing writes inside another build; a marker that is a link
proves nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.build import MARKER

from test_hardening import WRITERS, _tree, _users_folder


def _graded_build(tmp_path: Path, run) -> Path:
    build = tmp_path / "B"
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", build).code == 0
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,1\n02,2\n", encoding="utf-8")
    result = run("grade", "--seed", 1, "--answers", answers, "--format", "md",
                 "--build", build)
    assert result.code == 0, result.err
    assert (build / "grades" / "grades.csv").is_file()
    return build


def test_a_graded_class_survives_every_other_command_pointed_at_it(tmp_path, run):
    """The whole cycle: exams, grade, then each other command at the same folder."""
    build = _graded_build(tmp_path, run)
    before = _tree(build)
    for command in sorted(set(WRITERS) - {"exams"}):
        result = run(*WRITERS[command](tmp_path), "--out", build)
        assert result.code == 2, (command, result.err)
        assert "written by `exgen exams`" in result.err and "grades/" in result.err
        assert "--replace" in result.err and "Traceback" not in result.err
        assert _tree(build) == before, command
    # Another exam into the same folder would leave grades beside sheets they do not fit.
    result = run("exams", "--seed", 2, "--students", 2, "--format", "md", "--out", build)
    assert result.code == 2 and "grades/" in result.err and "--replace" in result.err
    assert _tree(build) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".B.")]


def test_rebuilding_the_same_exam_keeps_its_grades(tmp_path, run):
    build = _graded_build(tmp_path, run)
    grades = _tree(build / "grades")
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", build).code == 0
    assert _tree(build / "grades") == grades


def test_replace_says_so_explicitly_and_then_replaces(tmp_path, run):
    build = _graded_build(tmp_path, run)
    result = run(*WRITERS["site"](tmp_path), "--out", build, "--replace")
    assert result.code == 0, result.err
    assert not (build / "grades").exists() and (build / "index.html").is_file()
    build2 = _graded_build(tmp_path / "again", run)
    assert run("exams", "--seed", 2, "--students", 2, "--format", "md", "--out", build2,
               "--replace").code == 0
    assert not (build2 / "grades").exists()


@pytest.mark.parametrize("inside", ["grades", "sheets/new", "keys"])
def test_nothing_is_written_into_or_over_a_folder_inside_another_build(tmp_path, run,
                                                                      inside):
    build = _graded_build(tmp_path, run)
    before = _tree(build)
    for command in sorted(WRITERS):
        result = run(*WRITERS[command](tmp_path), "--out", build / inside)
        assert result.code == 2, (command, inside, result.err)
        assert f"inside {build}" in result.err, result.err
        assert _tree(build) == before


def test_a_marker_that_is_a_link_proves_nothing(tmp_path, run):
    real_marker = tmp_path / "elsewhere" / MARKER
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", real_marker.parent).code == 0
    folder = _users_folder(tmp_path / "mine", "notes.md")
    os.symlink(real_marker, folder / MARKER)
    before = _tree(folder)
    result = run("exams", "--seed", 1, "--students", 2, "--format", "md", "--out", folder)
    assert result.code == 2 and "exgen did not write it" in result.err
    assert _tree(folder) == before and (folder / MARKER).is_symlink()


def test_a_command_replaces_only_what_the_same_command_wrote(tmp_path, run):
    folder = tmp_path / "out"
    assert run(*WRITERS["export"](tmp_path), "--out", folder).code == 0
    before = _tree(folder)
    result = run(*WRITERS["handout"](tmp_path), "--out", folder)
    assert result.code == 2 and "written by `exgen export`" in result.err
    assert _tree(folder) == before
