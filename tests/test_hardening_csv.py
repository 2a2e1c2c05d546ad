"""Hardening of the roster and answers readers (issue 10, items 4, 9 and 11): each case
goes through the command line as a careless user would send it, and must end in exit
status 2 with the file and line named, or in success — never an internal error, never
two students merged into one, never a grade for a sheet the build never printed. The
readers are fuzzed with random and mutated files as well."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import QUIZ
from generator.errors import ExgenError



def build(run, tmp_path: Path, roster_text: str) -> tuple[Path, Path]:
    roster = tmp_path / "class.csv"
    roster.write_text(roster_text, encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 4, "--spec", QUIZ, "--roster", roster, "--format", "md",
                 "--out", out)
    assert result.code == 0, result.err
    return roster, out


# ---------------------------------------------------------------- item 4: huge cells


def test_a_roster_name_over_the_csv_field_limit_is_refused_naming_the_line(run, tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\n01,Ivan\n02," + "M" * 200_000 + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md", "--out", out)
    assert result.code == 2, result.err
    assert "internal error" not in result.err
    assert f"{roster}, line 3" in result.err
    assert not out.exists()


def test_an_answer_over_the_csv_field_limit_is_refused_naming_the_line(run, tmp_path):
    roster, out = build(run, tmp_path, "id,name\n01,Ivan\n02,Maria\n")
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,2048\n02," + "9" * 140_000 + "\n",
                       encoding="utf-8")
    result = run("grade", "--seed", 4, "--spec", QUIZ, "--roster", roster,
                 "--answers", answers, "--format", "md", "--out", out)
    assert result.code == 2, result.err
    assert "internal error" not in result.err
    assert f"{answers}, line 3" in result.err
    assert not (out / "grades").exists()


# ---------------------------------------------------------------- item 9: rosters


def test_an_unbalanced_quote_does_not_merge_two_students(run, tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text('id,name\n01,"Ivan\n02,Maria\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md", "--out", out)
    assert result.code == 2, result.out
    assert f"{roster}, line 2" in result.err and "quote" in result.err
    assert not out.exists()


def test_a_quote_closed_lines_later_does_not_merge_students_either(run, tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text('id,name\n01,"Ivan\n02,Maria"\n03,Petar\n', encoding="utf-8")
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2, result.out
    assert f"{roster}, line 2" in result.err


@pytest.mark.parametrize("sid", [".", "..", ".hidden", "a/b", "NUL", "con", "x.", "a b",
                                 "x" * 65])
def test_ids_that_are_not_safe_file_names_are_refused_naming_the_line(run, tmp_path, sid):
    roster = tmp_path / "class.csv"
    roster.write_text(f'id,name\n01,Ivan\n"{sid}",Maria\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md", "--out", out)
    assert result.code == 2, (sid, result.out)
    assert f"{roster}, line 3" in result.err and "file name" in result.err
    assert not out.exists()


@pytest.mark.parametrize("sid", ["2401001", "ivan.petrov", "A-12_b", "студент7"])
def test_ordinary_ids_are_still_accepted(run, tmp_path, sid):
    roster = tmp_path / "class.csv"
    roster.write_text(f"id,name\n{sid},Ivan\n", encoding="utf-8")
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "sheets" / f"{sid}.md").is_file()


# ---------------------------------------------------------------- item 11: grade's roster


def test_grading_a_student_the_build_never_had_is_refused(run, tmp_path):
    roster, out = build(run, tmp_path, "id,name\n01,Ivan\n02,Maria\n")
    longer = tmp_path / "longer.csv"
    longer.write_text("id,name\n01,Ivan\n02,Maria\n03,Petar\n", encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,1\n02,2\n03,3\n", encoding="utf-8")
    result = run("grade", "--seed", 4, "--spec", QUIZ, "--roster", longer,
                 "--answers", answers, "--format", "md", "--out", out)
    assert result.code == 2, result.out
    assert "03" in result.err and str(out) in result.err
    assert not (out / "grades").exists()


# ---------------------------------------------------------------- fuzzing the readers

CSV_ALPHABET = 'id,name;lang\tgroup"\r\n01234 .-_/абвАБВbgen\u00a0\ufeff'
HEADERS = st.sampled_from(["id,name,lang,group\n", "id;name\r\n", "\ufeffid\tname\n",
                           "name,id\n", ""])


def read_as_user(reader, data: bytes, suffix: str = ".csv"):
    """Whatever the bytes, the reader returns or raises ExgenError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"table{suffix}"
        path.write_bytes(data)
        try:
            return reader(path)
        except ExgenError as exc:
            assert str(path) in str(exc), exc
            return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300),
                 st.tuples(HEADERS, st.text(CSV_ALPHABET, max_size=200)).map(
                     lambda t: (t[0] + t[1]).encode("utf-8")),
                 st.tuples(HEADERS, st.text(CSV_ALPHABET, max_size=200)).map(
                     lambda t: (t[0] + t[1]).encode("cp1251", errors="replace"))))
def test_any_roster_is_read_or_refused_naming_the_file(data):
    from generator.roster import read_roster, safe_id

    students = read_as_user(lambda p: read_roster(p, ("bg", "en")), data)
    for student in students or ():
        assert safe_id(student.id) and "\n" not in student.name


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300),
                 st.text(CSV_ALPHABET + "ffn_dims.d_ff rope.choice[]()×%х", max_size=300)
                 .map(lambda t: ("id,ffn_dims.d_ff,rope.choice\n" + t).encode("utf-8"))))
def test_any_answers_file_is_read_or_refused_naming_the_file(bank, data):
    from generator.collected import read_answers
    from generator.exam import plan
    from generator.grade import grade_exam
    from generator.roster import numbered

    exam = plan(bank, 1, numbered(3), "bg")
    answers = read_as_user(lambda p: read_answers(p, exam), data)
    if answers is not None:
        grading = grade_exam(exam, answers)
        assert len(grading.students) == 3


def test_a_damaged_workbook_is_refused_naming_the_file(tmp_path, run):
    roster = tmp_path / "class.xlsx"
    roster.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and str(roster) in result.err and "xlsx" in result.err


def test_a_roster_workbook_is_read(tmp_path, run):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id", "name", "lang", "group"])
    book.active.append([2401001, "Мария Иванова", "bg", "A"])
    book.active.append(["x-2", "Ivan", "en", "B"])
    roster = tmp_path / "class.xlsx"
    book.save(roster)
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md", "--out", out)
    assert result.code == 0, result.err
    assert (out / "sheets" / "2401001.md").is_file() and (out / "sheets" / "x-2.md").is_file()
