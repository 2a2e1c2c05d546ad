"""Grading a class: marks for answers as the key prints them and beyond their tolerance,
grades.csv, the report, the answers template and absent students."""

from __future__ import annotations

import csv
import io
import re

import pytest

from answering import answer_rows, asked, grade, key_text, perturbed
from conftest import ANSWERS, CLASS, PRINT_ORDER, QUIZ, ROOT, ROSTER_ROWS, needs_tex, \
    pdf_text, read_csv
from generator.collected import answer_columns
from generator.exam import plan
from generator.roster import numbered, read_roster
from generator.spec import load_spec


def test_answers_as_the_key_prints_them_score_full_marks(full_class, bank, run, tmp_path):
    roster, data = full_class
    rows = answer_rows(bank, data, key_text)
    bg = next(r for r, s in zip(rows, data["students"]) if s["lang"] == "bg")
    assert any(re.fullmatch(r"\d{1,3}( \d{3})+", v) for v in bg.values())      # 1 048 576
    assert any(re.fullmatch(r"-?\d+,\d+", v) for v in bg.values())              # 1,63
    assert any(v.startswith("[") and ";" in v for v in bg.values())              # [1,2; 2,6]
    assert any(v in ("a", "b", "c") for v in bg.values())                        # choices
    result, out = grade(run, tmp_path, roster, rows)
    assert result.code == 0, result.err
    grades = read_csv(out / "grades.csv")
    assert len(grades) == len(data["students"])
    for row in grades:
        assert row["total"] == row["max"] == "26", row
        assert row["grade"] == "6"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Празни и непрочетени отговори" not in report           # nothing blank or unreadable


def test_every_answer_beyond_its_tolerance_scores_zero(full_class, bank, run, tmp_path):
    roster, data = full_class
    result, out = grade(run, tmp_path, roster, answer_rows(bank, data, perturbed))
    assert result.code == 0, result.err
    for row in read_csv(out / "grades.csv"):
        exercises = [row[f"ex{i}"] for i in range(1, 13)]
        assert exercises == ["0"] * 12, row
        assert row["total"] == "0" and row["max"] == "26" and row["grade"] == "2"


def test_one_wrong_answer_costs_its_share_of_the_exercise(class_md, bank, run, tmp_path):
    roster, _, data = class_md
    rows = answer_rows(bank, data, key_text)
    student = data["students"][0]
    item = student["exercises"][0]                          # 3 points
    name = asked(item)[0]
    rows[0][f"{item['exercise']}.{name}"] = perturbed(
        bank.exercise(item["exercise"]).answers[name], item["answers"][name], student["lang"])
    result, out = grade(run, tmp_path, roster, rows, QUIZ, 11)
    assert result.code == 0, result.err
    grades = {r["id"]: r for r in read_csv(out / "grades.csv")}
    share = round(3 * (len(asked(item)) - 1) / len(asked(item)), 2)
    assert float(grades[student["id"]]["ex1"]) == pytest.approx(share)
    assert float(grades[student["id"]]["total"]) == pytest.approx(7 + share)
    assert all(g["total"] == "10" for sid, g in grades.items() if sid != student["id"])


def test_blank_and_unparseable_answers_are_wrong_and_reported(class_md, bank, run, tmp_path):
    roster, _, data = class_md
    rows = answer_rows(bank, data, key_text)
    student = data["students"][1]
    first, second = student["exercises"][0], student["exercises"][1]
    blank = f"{first['exercise']}.{asked(first)[0]}"
    garbled = f"{second['exercise']}.{asked(second)[0]}"
    rows[1][blank] = ""
    rows[1][garbled] = "четиридесет"
    result, out = grade(run, tmp_path, roster, rows, QUIZ, 11)
    assert result.code == 0, result.err
    grades = {r["id"]: r for r in read_csv(out / "grades.csv")}
    assert float(grades[student["id"]]["total"]) < 10
    assert float(grades[student["id"]]["ex1"]) < 3 and float(grades[student["id"]]["ex2"]) < 2
    report = (out / "report.md").read_text(encoding="utf-8")
    lines = [line for line in report.splitlines() if line.startswith(f"| {student['id']} |")]
    assert any(blank in line for line in lines), report
    assert any(garbled in line and "четиридесет" in line for line in lines), report
    assert len(lines) == 2


def test_grades_csv_has_the_documented_columns_sorted_by_group(class_md, bank, run, tmp_path):
    roster, _, data = class_md
    result, out = grade(run, tmp_path, roster, answer_rows(bank, data, key_text), QUIZ, 11)
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == [".exgen-build", "feedback", "grades.csv",
                                                     "grades.xlsx", "histogram.png",
                                                     "report.md"]
    lines = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,name,group,ex1,ex2,ex3,ex4,total,max,grade,misconceptions"
    rows = read_csv(out / "grades.csv")
    assert [r["id"] for r in rows] == PRINT_ORDER
    names = {r[0]: (r[1], r[3]) for r in ROSTER_ROWS}
    for r in rows:
        assert (r["name"], r["group"]) == names[r["id"]]
        assert [r["ex1"], r["ex2"], r["ex3"], r["ex4"]] == ["3", "2", "3", "2"]


def test_example_answers_grade_with_every_output(run, tmp_path):
    needs_tex()
    build = tmp_path / "build"
    assert run("exams", "--seed", 2026, "--spec", QUIZ, "--roster", CLASS, "--format", "md",
               "--out", build).code == 0
    out = build / "grades"
    result = run("grade", "--seed", 2026, "--spec", QUIZ, "--answers", ANSWERS,
                 "--accept", ROOT / "examples" / "accept.csv", "--format", "md,pdf",
                 "--out", build)
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == [".exgen-build", "feedback", "feedback-all.pdf",
                                                     "grades.csv", "grades.xlsx",
                                                     "histogram.png", "report.md",
                                                     "report.pdf"]
    assert (out / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = read_csv(out / "grades.csv")
    ids = [s.id for s in read_roster(CLASS, ("bg", "en"))]
    assert sorted(r["id"] for r in rows) == sorted(ids)
    for r in rows:
        assert r["max"] == "10" and 0 <= float(r["total"]) <= 10
        assert 2 <= int(r["grade"]) <= 6
    # The sample answers match today's keys (examples/make_answers.py remakes them):
    # mostly right, so the class average is well above half.
    assert sum(float(r["total"]) for r in rows) / len(rows) > 5
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Лекция 5: контролно" in report and "histogram.png" in report
    # examples/accept.csv; the given text as the report escapes it for Markdown
    assert "| 2401012 | $\\hat{x}$ (нормализиран изход) (`layernorm.normalized`) | 10\\.46 " \
           "| 0 | 0,25 |" in report
    text = pdf_text(out / "report.pdf")
    assert "Лекция 5: контролно" in text and "2401012" in text


def test_a_student_without_a_row_is_absent_not_failed(class_md, bank, run, tmp_path):
    roster, _, data = class_md
    rows = answer_rows(bank, data, key_text)
    result, out = grade(run, tmp_path, roster, [r for r in rows if r["id"] != "3002"],
                        QUIZ, 11)
    assert result.code == 0, result.err
    grades = {r["id"]: r for r in read_csv(out / "grades.csv")}
    assert grades["3002"]["grade"] == "absent" and grades["3002"]["total"] == ""
    assert all(g["grade"] == "6" for sid, g in grades.items() if sid != "3002")
    assert "3002" in result.err and "absent" in result.err


# ---------------------------------------------------------------- the answers template


def test_template_lists_every_answer_column_and_every_student(class_md, bank, run):
    roster, _, data = class_md
    result = run("grade", "--seed", 11, "--spec", QUIZ, "--roster", roster, "--template")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    header = rows[0]
    assert header[:2] == ["id", "name"]            # the name helps whoever types it in
    assert len(header) == len(set(header))
    needed = {f"{e['exercise']}.{name}" for s in data["students"] for e in s["exercises"]
              for name in asked(e)} | {   # and the points of the answers in words
        f"{e['exercise']}.{part}.points" for s in data["students"]
        for e in s["exercises"] for part in e.get("written") or {}}
    assert set(header[2:]) == needed
    pooled = {ex_id for slot in load_spec(QUIZ, bank).slots for ex_id in slot.pool}
    assert {c.split(".")[0] for c in header[2:]} <= pooled
    assert sorted(r[0] for r in rows[1:]) == sorted(r[0] for r in ROSTER_ROWS)
    assert all(len(r) == len(header) and not any(r[2:]) for r in rows[1:])


def test_template_without_roster_numbers_the_students(bank, run):
    result = run("grade", "--seed", 3, "--students", 4, "--template")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert [r[0] for r in rows[1:]] == ["01", "02", "03", "04"]
    every = {f"{ex_id}.{name}" for ex_id, ex in bank.exercises.items()
             for name, answer in ex.answers.items() if not answer.intermediate}
    assert rows[0][:2] == ["id", "name"] and set(rows[0][2:]) == every  # all 12 exercises
    order = [c.split(".")[0] for c in rows[0][2:]]
    assert list(dict.fromkeys(order)) == list(bank.exercises)
    assert rows[0][2:] == answer_columns(plan(bank, 3, numbered(4), "bg"))
