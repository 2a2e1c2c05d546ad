"""A bad spec is a clear error naming its file and line, in every command and in `exgen
check`."""

from __future__ import annotations

import shutil

import pytest

from conftest import FULL, QUIZ, ROOT, run_process
from generator.spec import load_spec


SLOT = '[[slot]]\npool = ["ffn_dims"]\npoints = 2\n'


BAD_SPECS = {
    # name: (spec text, words the message must hold, the line it must name or None)
    "unknown exercise": (SLOT + '\n[[slot]]\npool = ["residual", "no_such"]\npoints = 1\n',
                         ["no_such"], 5),
    "empty pool": (SLOT + "\n[[slot]]\npool = []\n", ["pool", "empty"], 5),
    "pick larger than pool": (SLOT + '\n[[slot]]\npool = ["rope", "residual"]\npick = 3\n',
                              ["pick", "3"], 5),
    "unknown slot key": (SLOT + '\n[[slot]]\npool = ["rope"]\nweight = 3\n', ["weight"], 5),
    "unknown table": ('[bg]\ntitle = "x"\n\n[extras]\nx = 1\n\n' + SLOT, ["extras"], 4),
    "unknown heading key": ('[en]\ntitel = "x"\n\n' + SLOT, ["titel"], 1),
    "exercise in two slots": (SLOT + '\n[[slot]]\npool = ["rope", "ffn_dims"]\npoints = 1\n',
                              ["ffn_dims", "twice"], 5),
    "no slot": ('[en]\ntitle = "x"\n', ["slot"], None),
    "pick zero": ('[[slot]]\npool = ["rope", "residual"]\npick = 0\n', ["pick"], 1),
    "negative points": ('[[slot]]\npool = ["rope"]\npoints = -1\n', ["points"], 1),
    "points as text": ('[[slot]]\npool = ["rope"]\npoints = "3"\n', ["points"], 1),
    "not TOML": ('[[slot]]\npool = ["rope"\n', ["TOML"], None),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_is_a_clear_error_naming_file_and_line(case, run, tmp_path):
    text, words, line = BAD_SPECS[case]
    path = tmp_path / "bad-spec.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--students", 2, "--spec", path, "--format", "md",
                 "--out", out)
    assert result.code == 2, result
    assert str(path) in result.err and "Traceback" not in result.err
    for word in words:
        assert word in result.err, (word, result.err)
    if line is not None:
        assert f"line {line}" in result.err, result.err
    assert not out.exists()


def test_missing_spec_file_is_a_clear_error(run, tmp_path):
    path = tmp_path / "nowhere.toml"
    out = tmp_path / "out"
    for args in (["exams", "--seed", 1, "--students", 2, "--format", "md", "--out", out],
                 ["grade", "--seed", 1, "--template"],
                 ["show", "rope"],
                 ["handout", "--format", "md", "--out", out]):
        result = run(*args, "--spec", path)
        assert result.code == 2, (args, result)
        assert str(path) in result.err and "not found" in result.err
        assert not out.exists()


def test_bad_spec_reaches_a_real_user_without_a_traceback(tmp_path):
    path = tmp_path / "quiz.toml"
    path.write_text(SLOT + '\n[[slot]]\npool = ["residual", "layer_norm"]\npoints = 1\n',
                    encoding="utf-8")
    proc = run_process("exams", "--seed", 1, "--students", 2, "--spec", path,
                       "--format", "md", "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and "line 5" in proc.stderr
    assert "layer_norm" in proc.stderr
    assert proc.stderr.count("\n") <= 2        # one message, not a stack


def test_malformed_pool_entry_is_a_clear_error(run, tmp_path):
    """A pool holding a list (a stray pair of brackets) is refused with exit 2 (it once
    crashed with `TypeError: unhashable type: 'list'`)."""
    path = tmp_path / "bad-spec.toml"
    path.write_text('[[slot]]\npool = [["ffn_dims", "residual"]]\npoints = 2\n',
                    encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--spec", path, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and str(path) in result.err


def test_unknown_key_in_grading_table_is_refused(run, tmp_path):
    """`[grading]` refuses an unknown key (a typo like `scale2` beside `scale`), like
    every other table of a spec."""
    path = tmp_path / "bad-spec.toml"
    path.write_text(SLOT + "\n[grading]\nscale = [[0.5, 3], [0, 2]]\npass_mark = 0.6\n",
                    encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--spec", path, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "pass_mark" in result.err and str(path) in result.err


# ---------------------------------------------------------------- exgen check


def test_check_validates_the_shipped_specs(run, bank):
    assert QUIZ.is_file() and FULL.is_file()
    for path in (ROOT / "exams").glob("*.toml"):
        load_spec(path, bank)
    result = run("check")
    assert result.code == 0, result.err


def test_check_fails_on_a_broken_spec_in_the_banks_exams_folder(bank_copy, run):
    shutil.copytree(ROOT / "exams", bank_copy / "exams")
    assert run("--bank", bank_copy, "check").code == 0
    broken = bank_copy / "exams" / "midterm.toml"
    broken.write_text(SLOT + '\n[[slot]]\npool = ["rope", "no_such_exercise"]\n',
                      encoding="utf-8")
    result = run("--bank", bank_copy, "check")
    assert result.code == 2
    assert "midterm.toml" in result.err and "no_such_exercise" in result.err
    assert "line 5" in result.err and "Traceback" not in result.err
