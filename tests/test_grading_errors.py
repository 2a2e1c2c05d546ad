"""A returned answers table that names an unknown student or answer, or a student twice,
is an error naming its line, and nothing is written."""

from __future__ import annotations

import pytest

from answering import answer_rows, build_of, grade, key_text
from conftest import QUIZ


def test_unknown_student_id_is_an_error_naming_the_line(class_md, bank, run, tmp_path):
    roster, _, data = class_md
    rows = answer_rows(bank, data, key_text)[:2]
    rows.append({"id": "9999"})
    before = sorted(build_of(roster).rglob("*"))
    result, out = grade(run, tmp_path, roster, rows, QUIZ, 11)
    assert result.code == 2
    assert "9999" in result.err and "answers.csv" in result.err and "line 4" in result.err
    assert "Traceback" not in result.err and sorted(build_of(roster).rglob("*")) == before


def test_a_second_row_for_a_student_is_an_error_naming_the_line(class_md, run, tmp_path):
    roster, _, _ = class_md
    path = tmp_path / "answers.csv"
    path.write_text("id\n3001\n3002\n3001\n", encoding="utf-8")
    result = run("grade", "--seed", 11, "--spec", QUIZ, "--roster", roster,
                 "--answers", path, "--format", "md", "--out", build_of(roster))
    assert result.code == 2
    assert "3001" in result.err and str(path) in result.err and "line 4" in result.err


@pytest.mark.parametrize("column", ["ffn_dims.no_such_answer", "rope.choice"])
def test_unknown_answer_column_is_an_error(class_md, run, tmp_path, column):
    roster, _, _ = class_md
    path = tmp_path / "answers.csv"
    path.write_text(f"id,{column}\n3001,1\n", encoding="utf-8")
    result = run("grade", "--seed", 11, "--spec", QUIZ, "--roster", roster,
                 "--answers", path, "--format", "md", "--out", build_of(roster))
    assert result.code == 2
    assert column in result.err and str(path) in result.err and "line 1" in result.err
