"""A class's build depends on its command alone, and a roster grows without changing
anybody's exam.

The grading tests write grades/ into the shared class_md build; the comparison here
leaves grades/ out, so it holds in any test order."""

from __future__ import annotations

import json

from conftest import QUIZ, ROSTER_ROWS, exams_of, run_process, write_roster


def test_same_command_twice_gives_identical_files(class_md, tmp_path):
    """The second run is a separate process (another hash seed): nothing may depend on
    set order or on anything but the command's arguments."""
    roster, first, _ = class_md
    again = tmp_path / "again"
    proc = run_process("exams", "--seed", 11, "--spec", QUIZ, "--roster", roster,
                       "--format", "md", "--answer-sheet", "--out", again)
    assert proc.returncode == 0, proc.stderr
    def built(folder):          # what `exams` wrote (grading adds grades/ later)
        return sorted(p.relative_to(folder) for p in folder.rglob("*")
                      if p.is_file() and p.relative_to(folder).parts[0] != "grades")

    files = built(first)
    assert files and files == built(again)
    for name in files:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_appending_a_student_changes_nobody_elses_exam(class_md, run, tmp_path):
    _, _, before = class_md
    roster = write_roster(tmp_path / "more.csv",
                          ROSTER_ROWS + [("3000", "New Student", "en", "A"),
                                         ("3999", "Another One", "bg", "B")])
    out = tmp_path / "out"
    assert run("exams", "--seed", 11, "--spec", QUIZ, "--roster", roster, "--format", "md",
               "--out", out).code == 0
    after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    old, new = exams_of(before), exams_of(after)
    assert set(new) == set(old) | {"3000", "3999"}
    for sid, exam in old.items():
        assert new[sid] == exam, sid
    codes = {s["id"]: s["variant_code"] for s in after["students"]}
    assert all(codes[s["id"]] == s["variant_code"] for s in before["students"])
