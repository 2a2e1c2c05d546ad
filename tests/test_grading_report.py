"""Written answers and the lecturer's judgement, and the report's statistics (issue 7,
parts 3 and 4): written sub-questions with points, `--accept` overrides, frequent wrong
values, rates per group, item analysis, the histogram in the document's font."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest

from answering import answer_rows, key_text, perturbed, write_answers
from conftest import SPEC_SECTIONS, exgen, needs_tex, read_csv

WRITTEN_SPEC = SPEC_SECTIONS + """\
[[slot]]
pool = ["ffn_dims"]
points = 4

[[slot]]
pool = ["flash_attention"]
points = 3
written = 1
"""
# Six students in two groups, both languages.
ROSTER = [(f"50{i}", f"Student {i}", "bg" if i % 2 else "en", "AB"[i > 3])
          for i in range(1, 7)]


@pytest.fixture(scope="module")
def written_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("written")
    spec = base / "written.toml"
    spec.write_text(WRITTEN_SPEC, encoding="utf-8")
    roster = base / "class.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "name", "lang", "group"])
        writer.writerows(ROSTER)
    out = base / "out"
    assert exgen("exams", "--seed", 6, "--spec", spec, "--roster", roster, "--format", "md",
                 "--out", out) == 0
    return spec, out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def grade(run, spec, out, rows, tmp_path, *extra):
    answers = write_answers(tmp_path / "answers.csv", rows)
    return run("grade", "--seed", 6, "--spec", spec, "--answers", answers, "--format", "md",
               "--lang", "en", "--out", out, *extra)


def full_rows(bank, data, written="1"):
    rows = answer_rows(bank, data, key_text)
    for row in rows:
        row["flash_attention.4.points"] = written
    return rows


# ---------------------------------------------------------------- written sub-questions


def test_a_written_sub_question_has_a_box_and_a_points_column(written_class, run):
    spec, out, data = written_class
    en = next(s for s in data["students"] if s["lang"] == "en")
    form = (out / "answer-sheets" / f"{en['id']}.md").read_text(encoding="utf-8")
    assert "| In words: question 4 (1 pts) |" in form
    bg = next(s for s in data["students"] if s["lang"] == "bg")
    form = (out / "answer-sheets" / f"{bg['id']}.md").read_text(encoding="utf-8")
    assert "| С думи: въпрос 4 (1 т.) |" in form
    assert data["students"][0]["exercises"][1]["written"] == {"4": 1}
    template = run("grade", "--seed", 6, "--spec", spec, "--out", out, "--template").out
    columns = template.splitlines()[0].split(",")
    assert columns[-4:] == ["flash_attention.elements", "flash_attention.megabytes",
                            "flash_attention.max_seq_len", "flash_attention.4.points"]
    from openpyxl import load_workbook

    sheet = load_workbook(out / "answers-template.xlsx").active
    assert [c.value for c in sheet[1]][-1] == "flash_attention.4.points"


def test_written_points_count_in_totals_and_grades(written_class, bank, run, tmp_path):
    spec, out, data = written_class
    rows = full_rows(bank, data)
    rows[0]["flash_attention.4.points"] = "0,5"
    rows[1]["flash_attention.4.points"] = ""
    wrong = next(c for c in rows[2] if c.startswith("flash_attention.") and
                 not c.endswith(".points"))
    student = data["students"][2]
    item = student["exercises"][1]
    rows[2][wrong] = perturbed(bank.exercise("flash_attention").answers[wrong.split(".")[1]],
                               item["answers"][wrong.split(".")[1]], student["lang"])
    result = grade(run, spec, out, rows, tmp_path)
    assert result.code == 0, result.err
    grades = {r["id"]: r for r in read_csv(out / "grades" / "grades.csv")}
    ids = [s["id"] for s in data["students"]]
    assert grades[ids[0]]["ex2"] == "2.5" and grades[ids[0]]["total"] == "6.5"
    assert grades[ids[1]]["ex2"] == "2" and grades[ids[1]]["total"] == "6"
    # three computed answers share the 2 points left: one wrong costs 2/3
    assert float(grades[ids[2]]["ex2"]) == pytest.approx(3 - 2 / 3, abs=0.01)
    assert all(grades[i]["total"] == "7" for i in ids[3:])


@pytest.mark.parametrize("points", ["1.5", "-1", "good"])
def test_written_points_beyond_their_bound_are_refused(written_class, bank, run, tmp_path,
                                                       points):
    spec, out, data = written_class
    rows = full_rows(bank, data)
    rows[1]["flash_attention.4.points"] = points
    result = grade(run, spec, out, rows, tmp_path)
    assert result.code == 2
    assert "answers.csv, line 3" in result.err and "flash_attention.4.points" in result.err


def test_written_points_must_leave_points_for_the_computed_answers(run, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(WRITTEN_SPEC.replace("written = 1", "written = 3"), encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--spec", spec, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "written" in result.err and "line 13 (slot 2)" in result.err


# ---------------------------------------------------------------- overrides


def test_accepted_answers_and_points_override_the_key_and_are_listed(written_class, bank,
                                                                     run, tmp_path):
    spec, out, data = written_class
    rows = full_rows(bank, data)
    first, second = data["students"][0], data["students"][1]
    d_ff = "ffn_dims.d_ff"
    rows[0][d_ff] = "12345"                          # the lecturer accepts it for everyone
    rows[1][d_ff] = "12345"
    rows[1]["ffn_dims.w1_params"] = "7"              # half the points for this one
    accept = tmp_path / "accept.csv"
    accept.write_text(f"student;column;value;points\r\n*;{d_ff};12 345;\r\n"
                      f"{second['id']};ffn_dims.w1_params;;0,5\r\n", encoding="utf-8")
    result = grade(run, spec, out, rows, tmp_path, "--accept", accept)
    assert result.code == 0, result.err
    grades = {r["id"]: r for r in read_csv(out / "grades" / "grades.csv")}
    assert grades[first["id"]]["total"] == "7"
    assert grades[second["id"]]["total"] == "6.5"
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    section = report.split("## Overrides")[1]
    lines = [line for line in section.splitlines() if line.startswith("| 50")]
    assert len(lines) == 3, section
    assert any(first["id"] in line and "12345" in line for line in lines)
    assert any(second["id"] in line and "ffn_dims.w1_params" in line and "0.5" in line
               for line in lines)


@pytest.mark.parametrize("line,message", [
    ("*,ffn_dims.nothing,1,", "ffn_dims.nothing"),
    ("999,ffn_dims.d_ff,1,", "999"),
    ("*,ffn_dims.d_ff,1,1", "one of the two"),
    ("*,ffn_dims.d_ff,,9", "from 0 to"),
    ("*,ffn_dims.d_ff,abc,", "`abc` cannot be read as an answer of ffn_dims.d_ff"),
    ("*,ffn_dims.d_ff,[1; 2],", "not a number"),
])
def test_a_bad_override_is_refused_naming_its_line(written_class, bank, run, tmp_path,
                                                   line, message):
    spec, out, data = written_class
    accept = tmp_path / "accept.csv"
    accept.write_text(f"student,column,value,points\n{line}\n", encoding="utf-8")
    result = grade(run, spec, out, full_rows(bank, data), tmp_path, "--accept", accept)
    assert result.code == 2
    assert f"{accept}, line 2" in result.err and message in result.err


def test_feedback_and_report_say_why_an_answer_was_not_read_or_its_unit(written_class, bank,
                                                                       run, tmp_path):
    """Not „нечетимо“: how such an answer is written; a megabyte answer in GB is wrong
    with its unit said; the answer's own unit (`MB`, `МБ`) is read."""
    spec, out, data = written_class
    rows = full_rows(bank, data)
    bg, en = ROSTER[0][0], ROSTER[1][0]                       # 501 is bg, 502 en
    megabytes = {s["id"]: s["exercises"][1]["answers"]["megabytes"] for s in data["students"]}
    for row in rows:
        if row["id"] in (bg, en):
            row["ffn_dims.d_ff"] = "four thousand"
            row["flash_attention.megabytes"] = f"{megabytes[row['id']]} GB"
        else:
            row["flash_attention.megabytes"] = f"{megabytes[row['id']]} МБ"
    result = grade(run, spec, out, rows, tmp_path)
    assert result.code == 0, result.err
    feedback_bg = (out / "grades" / "feedback" / f"{bg}.md").read_text(encoding="utf-8")
    assert "не е прочетено: число се пише 1,63" in feedback_bg
    assert "грешно: в GB, а въпросът пита за друга мерна единица" in feedback_bg
    assert "нечетимо" not in feedback_bg
    feedback_en = (out / "grades" / "feedback" / f"{en}.md").read_text(encoding="utf-8")
    assert "not read: a number is written 1.63" in feedback_en
    assert "wrong: in GB, another unit than the question asks for" in feedback_en
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    problems = report.split("## Blank answers and answers not read")[1]
    assert "four thousand — not read: a number is written" in problems
    grades = {r["id"]: r for r in read_csv(out / "grades" / "grades.csv")}
    assert all(grades[s[0]]["ex2"] == "3" for s in ROSTER[2:])     # `… МБ` is right


def test_an_override_that_changes_no_mark_is_named(written_class, bank, run, tmp_path):
    spec, out, data = written_class
    first = data["students"][0]
    accept = tmp_path / "accept.csv"
    accept.write_text(f"student,column,value,points\n{first['id']},ffn_dims.d_ff,7,\n",
                      encoding="utf-8")
    result = grade(run, spec, out, full_rows(bank, data), tmp_path, "--accept", accept)
    assert result.code == 0, result.err
    assert f"{accept}, line 2: the override of ffn_dims.d_ff for {first['id']} changed no " \
           "mark" in result.err


def test_an_override_of_the_key_itself_is_refused(written_class, bank, run, tmp_path):
    spec, out, data = written_class
    first = data["students"][0]
    key = first["exercises"][0]["answers"]["d_ff"]
    accept = tmp_path / "accept.csv"
    accept.write_text(f"student,column,value,points\n{first['id']},ffn_dims.d_ff,{key},\n",
                      encoding="utf-8")
    result = grade(run, spec, out, full_rows(bank, data), tmp_path, "--accept", accept)
    assert result.code == 2 and f"{accept}, line 2" in result.err
    assert "changes nothing" in result.err


# ---------------------------------------------------------------- the report's statistics


def test_report_counts_shared_wrong_values_groups_and_item_analysis(written_class, bank,
                                                                    run, tmp_path):
    spec, out, data = written_class
    rows = full_rows(bank, data)
    for row in rows[:3]:
        row["ffn_dims.d_ff"] = "4 096 "                  # three write the same wrong value
    rows[3]["ffn_dims.d_ff"] = "4096"
    rows[4]["flash_attention.4.points"] = "0"
    result = grade(run, spec, out, rows, tmp_path)
    assert result.code == 0, result.err
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    keys = {s["id"]: s["exercises"][0]["answers"]["d_ff"] for s in data["students"]}
    wrong_count = sum(1 for s in data["students"][:4] if keys[s["id"]] != 4096)
    row = next(line for line in report.splitlines()
               if line.startswith("| 1. FFN dimensions | Hidden size |"))   # numbered as on the sheet
    assert f"4 096 ×{wrong_count}" in row             # as the first of them wrote it
    # per group: A has students 501-503, B 504-506
    grades = {r["id"]: float(r["total"]) for r in read_csv(out / "grades" / "grades.csv")}
    for group, ids in (("A", ["501", "502", "503"]), ("B", ["504", "505", "506"])):
        share = round(100 * sum(grades[i] for i in ids) / (7 * len(ids)))
        assert any(line.startswith(f"| {group} | 3 |") and f"{share} %" in line
                   for line in report.splitlines()), (group, share)
    # item analysis: difficulty and point-biserial discrimination, computed with numpy
    points = {r["id"]: (float(r["ex1"]), float(r["ex2"]), float(r["total"]))
              for r in read_csv(out / "grades" / "grades.csv")}
    ex1 = np.array([p[0] for p in points.values()])
    rest = np.array([p[2] - p[0] for p in points.values()])
    difficulty = ex1.sum() / (4 * len(ex1))
    discrimination = np.corrcoef(ex1, rest)[0, 1]
    line = next(line for line in report.split("## Item analysis")[1].splitlines()
                if line.startswith("| 1. FFN dimensions |"))
    all_right = round(100 * (ex1 == 4).sum() / len(ex1))
    # two decimals each, a minus sign for a negative index
    assert f"| 6 | {all_right} % | {difficulty:.2f} | {discrimination:.2f} |".replace(
        "-", "−") in line, line


def test_the_histogram_is_set_in_the_documents_font(written_class):
    needs_tex()
    import subprocess

    from matplotlib import font_manager, pyplot as plt

    from generator.collected import Answers
    from generator.exam import read_build
    from generator.exam import plan
    from generator.grade import grade_exam
    from generator.report import histogram_figure
    from generator.bank import load_bank
    from generator.spec import load_spec

    spec, out, _ = written_class
    bank = load_bank()
    built = read_build(out, 6)
    exam = plan(bank, 6, built.students, "bg", load_spec(spec, bank).slots)
    grading = grade_exam(exam, Answers({s.student.id: {} for s in exam.students}, (), (),
                                       ()))
    fig = histogram_figure(grading, "Разпределение", "Точки", "Студенти")
    cm_super = subprocess.run(["kpsewhich", "sfrm1000.pfb"], capture_output=True,
                              text=True).stdout.strip()
    texts = [fig.axes[0].title, fig.axes[0].xaxis.label, fig.axes[0].yaxis.label,
             *fig.axes[0].get_xticklabels(), fig.axes[0].get_legend().get_texts()[0]]
    for text in texts:
        assert font_manager.findfont(text.get_fontproperties()) == cm_super, text
    plt.close(fig)


# ---------------------------------------------------------------- feedback per student


def test_each_student_gets_feedback_in_their_language(written_class, bank, run, tmp_path):
    spec, out, data = written_class
    rows = full_rows(bank, data)
    rows[0]["ffn_dims.d_ff"] = "77"
    absent = data["students"][-1]["id"]
    rows = [r for r in rows if r["id"] != absent]
    result = grade(run, spec, out, rows, tmp_path)
    assert result.code == 0, result.err
    folder = out / "grades" / "feedback"
    present = [s for s in data["students"] if s["id"] != absent]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s['id']}.md"
                                                             for s in present)
    grades = {r["id"]: r for r in read_csv(out / "grades" / "grades.csv")}
    for student in present:
        text = (folder / f"{student['id']}.md").read_text(encoding="utf-8")
        bg = student["lang"] == "bg"
        assert ("Вашите резултати" if bg else "Your results") in text
        body = [line for line in text.splitlines() if line.startswith("| ") and
                not line.startswith("| Задача") and not line.startswith("| Exercise")]
        boxes = sum(len(e["asked"]) + len(e["written"]) for e in student["exercises"])
        assert len(body) == boxes, text
        total = grades[student["id"]]["total"]
        assert (f"{total.replace('.', ',')} / 7" if bg else f"{total} / 7") in text
        assert f"{grades[student['id']]['grade']}" in text.splitlines()[-1]
    first = (folder / f"{data['students'][0]['id']}.md").read_text(encoding="utf-8")
    d_ff = data["students"][0]["exercises"][0]["answers"]["d_ff"]
    wrong_word = "грешно" if data["students"][0]["lang"] == "bg" else "wrong"
    line = next(line for line in first.splitlines() if "| 77 |" in line)
    assert wrong_word in line and str(d_ff) in re.sub(r"[\s,]", "", line)      # the key


def test_feedback_pdfs_one_per_student_and_one_to_print(written_class, bank, run, tmp_path):
    needs_tex()
    import subprocess

    spec, out, data = written_class
    answers = write_answers(tmp_path / "answers.csv", full_rows(bank, data))
    result = run("grade", "--seed", 6, "--spec", spec, "--answers", answers,
                 "--format", "md,pdf", "--out", out)
    assert result.code == 0, result.err
    folder = out / "grades" / "feedback"
    pages, counts = 0, {}
    for student in data["students"]:
        pdf = folder / f"{student['id']}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert ("Вашите резултати" if student["lang"] == "bg" else "Your results") in text
        assert student["id"] in text and "7" in text
        count = int(next(line.split()[-1] for line in subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Pages:")))
        pages += count + count % 2                              # each starts on an odd page
        counts[student["id"]] = count
    info = subprocess.run(["pdfinfo", str(out / "grades" / "feedback-all.pdf")],
                          capture_output=True, text=True).stdout
    total = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    from generator.roster import Student, print_order

    last = max(data["students"], key=lambda s: print_order(
        Student(s["id"], group=s.get("group") or "")))["id"]
    assert total == pages - counts[last] % 2                   # no blank page at the end


def test_variants_several_students_had_are_compared(bank, run, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["pre_post_norm"]\npoints = 2\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    assert run("exams", "--seed", 2, "--students", 8, "--spec", spec, "--format", "md",
               "--out", out).code == 0
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = answer_rows(bank, data, key_text)
    loser = data["students"][0]
    rows[0]["pre_post_norm.cleaner_residual"] = "z"             # one of two answers wrong
    result = run("grade", "--seed", 2, "--spec", spec, "--lang", "en", "--format", "md",
                 "--answers", write_answers(tmp_path / "answers.csv", rows), "--out", out)
    assert result.code == 0, result.err
    order = loser["exercises"][0]["params"]
    same = [s for s in data["students"] if s["exercises"][0]["params"] == order]
    assert 2 <= len(same) < 8                         # two variants, both given out
    section = (out / "grades" / "report.md").read_text(encoding="utf-8") \
        .split("## By exercise and variant")[1]
    lines = [line for line in section.splitlines() if line.startswith("| 1. Pre-Norm")]
    assert len(lines) == 2, section
    share = round(100 * (2 * len(same) - 1) / (2 * len(same)))
    right = round(100 * (len(same) - 1) / len(same))
    assert any(f"| {len(same)} | {right} % | {share} % |" in line for line in lines), lines
    assert any("| 100 % | 100 % |" in line for line in lines), lines
