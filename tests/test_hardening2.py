"""Hardening 2, ownership: a graded class is never overwritten. A command replaces only
a folder the same command wrote; a build holding grades or scans survives every other
command pointed at it; nothing writes inside another build; a marker that is a link
proves nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import children, needs_proc, running
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


def test_a_scanned_class_is_kept_like_a_graded_one(tmp_path, run):
    """scans/ is written into its build by `exgen scan` alone (as grades/ by grade), kept
    by a rebuild of the same exam, and refused to every other command."""
    from generator.build import replacing

    build = tmp_path / "B"
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", build).code == 0
    with replacing(build / "scans", "scan", arguments={}) as staging:
        (staging / "scan.json").write_text("{}\n", encoding="utf-8")
    before = _tree(build)
    result = run(*WRITERS["site"](tmp_path), "--out", build)
    assert result.code == 2 and "scans/" in result.err and _tree(build) == before
    result = run("exams", "--seed", 2, "--students", 2, "--format", "md", "--out", build)
    assert result.code == 2 and "scans/" in result.err and _tree(build) == before
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", build).code == 0
    assert (build / "scans" / "scan.json").is_file()


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


# ------------------------------------------------- control characters in bank files

BANK_MUTATIONS = [
    ("templates/bg/layernorm.md", "{% block question %}", "{% block question %}\x01"),
    ("templates/bg/misconceptions.toml", '= "', '= "\\u0001'),
    ("templates/en/strings.toml", 'exercise = "', 'exercise = "\\u007f'),
    ("templates/bg/exercises.toml", '= "', '= "\\u001b'),
]


@pytest.mark.parametrize("target, old, new", BANK_MUTATIONS)
def test_control_characters_in_a_bank_file_are_refused_naming_file_and_line(
        bank_copy, run, tmp_path, target, old, new):
    path = bank_copy / target
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    for command in (["show", "layernorm"], ["check"],
                    ["export", "--seed", 1, "--variants", 2, "--out", tmp_path / "e"]):
        result = run("--bank", bank_copy, *command)
        assert result.code == 2, (target, command, result.err)
        assert f"{path.name}, line " in result.err and "control character" in result.err
    assert not (tmp_path / "e").exists()


# ------------------------------------------------------ full disks, killed builds

def test_a_killed_builds_workers_die_with_it_and_the_next_build_cleans_up(tmp_path):
    needs_proc()
    import signal
    import subprocess
    import time

    from conftest import EXGEN, ROOT, needs_tex

    needs_tex()
    out = tmp_path / "out"
    proc = subprocess.Popen([*EXGEN, "exams", "--seed", "5", "--students", "60", "--format",
                             "md,pdf", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    typesetting: set[int] = set()              # pdflatex, started by the PDF writer
    while time.monotonic() < deadline and not typesetting:
        workers = children(proc.pid)
        typesetting = {g for w in workers for g in children(w)}
        time.sleep(0.02)
    assert typesetting, "the build started no worker typesetting"
    workers |= typesetting
    os.kill(proc.pid, signal.SIGKILL)          # the parent alone, as the OOM killer does
    proc.wait()
    deadline = time.monotonic() + 2          # at once, not when their work is done
    while time.monotonic() < deadline and any(running(w) for w in workers):
        time.sleep(0.05)
    assert not any(running(w) for w in workers), "a worker outlived its build"
    again = subprocess.run([*EXGEN, "exams", "--seed", "5", "--students", "2", "--format",
                            "md", "--out", str(out)], cwd=ROOT, capture_output=True)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system of its own (tmpfs), for a build that fills it."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", str(mount)],
                          capture_output=True)
    if made.returncode != 0:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, and a tmpfs cannot be mounted: {made.stderr!r}")
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    yield mount
    subprocess.run(["umount", str(mount)], capture_output=True)


def test_a_full_disk_is_exit_2_naming_it_and_the_previous_build_stays(small_disk, run):
    from conftest import needs_tex

    needs_tex()
    out = small_disk / "B"
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", out).code == 0
    before = _tree(out)
    result = run("exams", "--seed", 1, "--students", 40, "--format", "md,pdf",
                 "--out", out)
    assert result.code == 2, result.err
    assert f"the disk holding {small_disk} is full" in result.err
    assert "internal error" not in result.err and "terminate" not in result.err
    assert _tree(out) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["B"]
