"""The class cycle as it really happens (issue 7): rosters and answers saved by Excel in
a Bulgarian office, students who missed the exam, values typed in the wrong column,
answers written as people write them, and grading that finds its own build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from answering import answer_rows, key_text
from conftest import FULL, QUIZ, SPEC_SECTIONS, exgen, read_csv, solved
from generator.grade import judge

ROSTER = [("3001", "Петър Николов", "bg", "A"), ("3002", "Мария Иванова", "bg", "B"),
          ("3003", "Georgi Dimitrov", "en", "A"), ("3004", "Елена Стоянова", "bg", "B")]


def excel_csv(rows, delimiter=";", encoding="utf-8-sig") -> bytes:
    """What Excel writes: `;` in a Bulgarian locale, CRLF, a byte-order mark (or the
    ANSI code page, Windows-1251)."""
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            cell = str(cell)
            if any(c in cell for c in (delimiter, '"', "\n")):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        lines.append(delimiter.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding, errors="replace")  # μ → ?


@pytest.fixture(scope="module")
def excel_class(tmp_path_factory):
    """The quiz built from a roster Excel saved as `;`-separated UTF-8 with BOM, CRLF."""
    base = tmp_path_factory.mktemp("excel")
    roster = base / "class.csv"
    roster.write_bytes(excel_csv([("id", "name", "lang", "group"), *ROSTER]))
    out = base / "out"
    assert exgen("exams", "--seed", 8, "--spec", QUIZ, "--roster", roster, "--format", "md",
                 "--out", out) == 0
    return roster, out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def answers_table(bank, data, fill=key_text) -> list[list[str]]:
    rows = answer_rows(bank, data, fill)
    columns = ["id"] + sorted({k for r in rows for k in r} - {"id"})
    return [columns, *[[r.get(c, "") for c in columns] for r in rows]]


def grade(run, out, answers: Path, *extra):
    return run("grade", "--seed", 8, "--spec", QUIZ, "--answers", answers,
               "--format", "md", "--out", out, *extra)


# ---------------------------------------------------------------- spreadsheets in


def test_an_excel_roster_with_semicolons_bom_and_crlf_is_read(excel_class):
    _, _, data = excel_class
    assert [(s["id"], s["name"], s["lang"], s["group"]) for s in data["students"]] == ROSTER


@pytest.mark.parametrize("delimiter,encoding,said", [
    (";", "cp1251", "Windows-1251"),
    ("\t", "utf-8", "tab"),
    (",", "utf-8-sig", "byte-order mark"),
    (";", "utf-8", "`;`"),
])
def test_rosters_in_every_office_dialect_give_the_same_class(run, tmp_path, delimiter,
                                                            encoding, said):
    roster = tmp_path / "class.csv"
    roster.write_bytes(excel_csv([("id", "name", "lang", "group"), *ROSTER], delimiter,
                                 encoding))
    out = tmp_path / "out"
    result = run("exams", "--seed", 8, "--spec", QUIZ, "--roster", roster, "--format", "md",
                 "--out", out)
    assert result.code == 0, result.err
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(s["id"], s["name"], s["group"]) for s in data["students"]] == \
        [(r[0], r[1], r[3]) for r in ROSTER]
    assert said in result.err and str(roster) in result.err      # how it was read


def test_a_plain_utf8_roster_says_nothing_about_how_it_was_read(run, tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_bytes(excel_csv([("id", "name"), *[r[:2] for r in ROSTER]], ",", "utf-8"))
    result = run("exams", "--seed", 8, "--roster", roster, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 0 and "read as" not in result.err


@pytest.mark.parametrize("delimiter,encoding", [(";", "cp1251"), (";", "utf-8-sig"),
                                                ("\t", "utf-16")])
def test_answers_from_excel_grade_full_marks(excel_class, bank, run, tmp_path, delimiter,
                                             encoding):
    _, out, data = excel_class
    answers = tmp_path / "answers.csv"
    answers.write_bytes(excel_csv(answers_table(bank, data), delimiter, encoding))
    result = grade(run, out, answers)
    assert result.code == 0, result.err
    assert all(r["grade"] == "6" for r in read_csv(out / "grades" / "grades.csv"))


# ---------------------------------------------------------------- nothing silently lost


def test_a_value_in_a_column_not_on_the_sheet_is_reported(excel_class, bank, run, tmp_path):
    _, out, data = excel_class
    table = answers_table(bank, data)
    student = data["students"][0]
    own = {f"{e['exercise']}.{n}" for e in student["exercises"] for n in e["asked"]}
    other = next(c for c in table[0][1:] if c not in own)
    table[1][table[0].index(other)] = "4096"
    answers = tmp_path / "answers.csv"
    answers.write_bytes(excel_csv(table, ","))
    result = grade(run, out, answers)
    assert result.code == 0, result.err
    assert f"{answers}, line 2" in result.err and other in result.err and "4096" in result.err
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    assert other in report and "4096" in report and student["id"] in report


@pytest.mark.parametrize("mark", ["", "absent", "отсъства", "Отсъства"])
def test_an_absent_student_gets_no_grade_and_stays_out_of_the_statistics(
        excel_class, bank, run, tmp_path, mark):
    _, out, data = excel_class
    table = answers_table(bank, data)
    absent = table[2][0]
    table[2] = [absent] + [""] * (len(table[0]) - 1)
    if mark:
        table[2][-1] = mark
    answers = tmp_path / "answers.csv"
    answers.write_bytes(excel_csv(table, ","))
    result = grade(run, out, answers)
    assert result.code == 0, result.err
    rows = {r["id"]: r for r in read_csv(out / "grades" / "grades.csv")}
    assert rows[absent]["grade"] == "absent" and rows[absent]["total"] == ""
    assert all(r["grade"] == "6" for sid, r in rows.items() if sid != absent)
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    assert "Студенти: 3" in report and "Средно: 10,00 / 10" in report  # mean of the 3
    assert f"Отсъстващи: {absent}" in report
    assert "Празни и непрочетени" not in report                # no blanks from the absent


def percent_and_speedup(bank):
    gqa, gqa_solution = solved(bank, "gqa_kv_cache", "n_heads=64", "kv_heads=8")
    kv, kv_solution = solved(bank, "kv_cache_generation")
    return ((gqa.answers["gqa_savings_percent"], gqa_solution.answers["gqa_savings_percent"]),
            (kv.answers["speedup"], kv_solution.answers["speedup"]))


def test_units_people_write_after_a_number_are_read(bank):
    (percent, percent_value), (speedup, speedup_value) = percent_and_speedup(bank)
    assert float(percent_value) == 87.5
    for text in ("87,5 %", "87.5%", "87,5%"):
        assert judge(text, percent, percent_value) == "right", text
    assert judge("88 %", percent, percent_value) == "wrong"
    shown = f"{float(speedup_value):g}".replace(".", ",")
    for text in (f"{shown}x", f"{shown}×", f"{shown} ×", f"{shown}х"):     # х: Cyrillic
        assert judge(text, speedup, speedup_value) == "right", text


@pytest.mark.parametrize("text", ["-1.22, 0, 1.22", "(-1.22, 0, 1.22)", "(-1,22; 0; 1,22)",
                                  "-1,22; 0; 1,22", "-1,22, 0, 1,22", "-1.22 0 1.22",
                                  "-1,22\n0\n1,22"])
def test_vectors_without_brackets_or_in_parentheses_are_read(bank, text):
    exercise, solution = solved(bank, "layernorm")
    assert judge(text, exercise.answers["normalized"], solution.answers["normalized"]) == \
        "right"


@pytest.mark.parametrize("text", ["1 0 0\n1 1 0\n1 1 1", "1,0,0\r\n1,1,0\r\n1,1,1",
                                  "[1 0 0]\n[1 1 0]\n[1 1 1]", "1; 0; 0\n1; 1; 0\n1; 1; 1"])
def test_matrix_rows_on_separate_lines_of_one_cell_are_read(bank, text):
    masks, solution = solved(bank, "attention_masks", "seq_len=3")
    assert judge(text, masks.answers["causal"], solution.answers["causal"]) == "right"
    assert judge(text, masks.answers["bidirectional"],
                 solution.answers["bidirectional"]) == "wrong"


def test_a_single_comma_groups_thousands_only_where_the_key_is_whole(bank):
    ffn, ffn_solution = solved(bank, "ffn_dims", "d_model=256", "expansion=4")
    assert ffn_solution.answers["d_ff"] == 1024
    assert judge("1,024", ffn.answers["d_ff"], ffn_solution.answers["d_ff"]) == "right"
    pi, pi_solution = solved(bank, "position_interpolation", "train_len=2048",
                             "target_len=16384", "pos=9000")
    assert float(pi_solution.answers["scale"]) == 0.125
    assert judge("0,125", pi.answers["scale"], pi_solution.answers["scale"]) == "right"
    assert judge("125", pi.answers["scale"], pi_solution.answers["scale"]) == "wrong"
    # A whole key of 2 is not met by `2,000`: that is two thousand, by the same rule.
    rope, rope_solution = solved(bank, "rope")
    assert rope_solution.answers["relative_position"] == 2
    assert judge("2,000", rope.answers["relative_position"],
                 rope_solution.answers["relative_position"]) == "wrong"
    # Where the key is not whole, `1,633` is one and 633 thousandths, never 1633.
    std, std_solution = solved(bank, "layernorm")
    assert judge("1,633", std.answers["std"], std_solution.answers["std"]) == "right"


def test_an_answers_cell_may_hold_a_matrix_over_several_lines(excel_class, bank, run,
                                                             tmp_path):
    _, out, data = excel_class
    table = answers_table(bank, data)
    answers = tmp_path / "answers.csv"
    answers.write_bytes(excel_csv(table, ";"))
    assert grade(run, out, answers).code == 0


# ---------------------------------------------------------------- finding the build


def test_grade_finds_the_build_by_its_out_and_takes_the_class_from_it(excel_class, bank,
                                                                      run, tmp_path):
    _, out, data = excel_class
    answers = tmp_path / "answers.csv"
    answers.write_bytes(excel_csv(answers_table(bank, data), ","))
    by_out = grade(run, out, answers)                   # no --roster: the build's class
    assert by_out.code == 0, by_out.err
    first = (out / "grades" / "grades.csv").read_bytes()
    by_build = run("grade", "--seed", 8, "--spec", QUIZ, "--answers", answers,
                   "--format", "md", "--build", out)
    assert by_build.code == 0, by_build.err
    assert (out / "grades" / "grades.csv").read_bytes() == first
    names = {r["id"]: r["name"] for r in read_csv(out / "grades" / "grades.csv")}
    assert names == {r[0]: r[1] for r in ROSTER}


def test_grade_without_a_build_says_how_to_name_it(run, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,1\n", encoding="utf-8")
    nowhere = tmp_path / "nowhere"
    result = run("grade", "--seed", 8, "--spec", QUIZ, "--answers", answers,
                 "--format", "md", "--out", nowhere)
    assert result.code == 2
    assert str(nowhere) in result.err and "--build" in result.err
    assert not nowhere.exists()


def test_grade_refuses_a_build_of_another_seed(excel_class, run, tmp_path):
    _, out, _ = excel_class
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n3001,1\n", encoding="utf-8")
    result = run("grade", "--seed", 9, "--spec", QUIZ, "--answers", answers,
                 "--format", "md", "--out", out)
    assert result.code == 2 and "seed 8" in result.err


# ---------------------------------------------------------------- the Excel round trip



@pytest.fixture(scope="module")
def workbook_class(tmp_path_factory):
    """All twelve exercises (choices, vectors, matrices) with answer forms, Markdown."""
    base = tmp_path_factory.mktemp("workbook")
    roster = base / "class.csv"
    roster.write_bytes(excel_csv([("id", "name", "lang", "group"), *ROSTER], ","))
    out = base / "out"
    assert exgen("exams", "--seed", 8, "--spec", FULL, "--roster", roster, "--format", "md",
                 "--answer-sheet", "--out", out) == 0
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_the_answers_template_has_names_labels_and_a_row_per_student(workbook_class, bank):
    from openpyxl import load_workbook

    out, data = workbook_class
    sheet = load_workbook(out / "answers-template.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "name", "group")
    assert rows[1][:3] == ("Факултетен номер", "Име", "Група")          # --lang bg
    columns = rows[0][3:]
    assert set(columns) == {f"{e['exercise']}.{n}" for s in data["students"]
                            for e in s["exercises"] for n in e["asked"]}
    label = rows[1][3 + columns.index("ffn_dims.d_ff")]
    position = next(e["position"] for e in data["students"][0]["exercises"]
                    if e["exercise"] == "ffn_dims") if "position" in \
        data["students"][0]["exercises"][0] else None
    assert label.startswith("Задача ") and (position is None or
                                             label.startswith(f"Задача {position}:"))
    assert bank.exercise("ffn_dims").answers["d_ff"].labels["bg"] in label
    # Labels are plain Unicode, as the paper prints them: no TeX, no bank number.
    assert not any("$" in text or "\\" in text or text.startswith("Упражнение")
                   for text in rows[1][3:]), rows[1]
    by_group = sorted(ROSTER, key=lambda r: (r[3], r[0]))
    assert [r[:3] for r in rows[2:]] == [(r[0], r[1], r[3]) for r in by_group]


def test_cells_not_on_a_students_sheet_are_shaded_and_locked(tmp_path, run, bank):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    spec = tmp_path / "pools.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["ffn_dims", "block_params"]\npoints = 3\n\n'
                    '[[slot]]\npool = ["rope"]\npoints = 1\n', encoding="utf-8")
    out = tmp_path / "out"
    assert run("exams", "--seed", 3, "--students", 4, "--spec", spec, "--format", "md",
               "--out", out).code == 0
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sheet = load_workbook(out / "answers-template.xlsx").active
    assert sheet.protection.sheet
    names = [c.value for c in sheet[1]]
    own = {s["id"]: {f"{e['exercise']}.{n}" for e in s["exercises"] for n in e["asked"]}
           for s in data["students"]}
    seen_locked = seen_open = 0
    for row in sheet.iter_rows(min_row=3):
        sid = row[0].value
        assert row[0].protection.locked                        # ids cannot be retyped
        for cell, column in zip(row[3:], names[3:]):
            applies = column in own[sid]
            assert cell.protection.locked != applies, (sid, column)
            assert (cell.fill.fgColor.rgb[-6:] == "D9D9D9") != applies, (sid, column)
            seen_locked += not applies
            seen_open += applies
    assert seen_locked and seen_open
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"a,b,c"'
    letter = get_column_letter(names.index("rope.choice") + 1)
    assert all(f"{letter}{r}" in lists[0].sqref for r in range(3, 7))


def test_the_same_build_writes_the_same_workbook_bytes(tmp_path, run):
    files = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert run("exams", "--seed", 3, "--students", 3, "--spec", QUIZ, "--format", "md",
                   "--out", out).code == 0
        files.append((out / "answers-template.xlsx").read_bytes())
    assert files[0] == files[1]


def test_a_workbook_filled_by_a_teaching_assistant_grades_back(workbook_class, bank, run,
                                                               tmp_path):
    """exgen writes the template, the assistant types each student's key into it (whole
    numbers as numbers, as Excel stores them; the rest as text), exgen reads it back."""
    from openpyxl import load_workbook

    out, data = workbook_class
    book = load_workbook(out / "answers-template.xlsx")
    sheet = book.active
    names = [c.value for c in sheet[1]]
    by_id = {s["id"]: s for s in data["students"]}
    rows = {r["id"]: r for r in answer_rows(bank, data, key_text)}
    absent = ROSTER[-1][0]
    for row in sheet.iter_rows(min_row=3):
        sid = row[0].value
        if sid == absent:
            row[names.index("ffn_dims.d_ff")].value = "отсъства"
            continue
        for column, text in rows[sid].items():
            if column == "id":
                continue
            exercise, _, name = column.partition(".")
            value = next(e for e in by_id[sid]["exercises"]
                         if e["exercise"] == exercise)["answers"][name]
            cell = row[names.index(column)]
            cell.value = value if isinstance(value, int) else text
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    result = run("grade", "--seed", 8, "--spec", FULL, "--answers", filled,
                 "--format", "md", "--out", out)
    assert result.code == 0, result.err
    grades = {r["id"]: r for r in read_csv(out / "grades" / "grades.csv")}
    assert grades.pop(absent)["grade"] == "absent"
    assert all(r["grade"] == "6" and r["total"] == r["max"] for r in grades.values()), grades
    workbook = load_workbook(out / "grades" / "grades.xlsx").active
    table = list(workbook.iter_rows(values_only=True))
    assert list(table[0]) == list(read_csv(out / "grades" / "grades.csv")[0])
    column = list(table[0]).index("grade")
    assert table[1][:3] == ("Факултетен номер", "Име", "Група")        # the labels row
    assert table[1][column] == "Оценка" and table[1][3] == "Задача 1"
    assert {r[0]: r[column] for r in table[2:]} == {**{sid: 6 for sid in grades},
                                                absent: "absent"}


def test_grading_twice_gives_identical_files(excel_class, bank, run, tmp_path):
    _, out, data = excel_class
    answers = tmp_path / "answers.csv"
    answers.write_bytes(excel_csv(answers_table(bank, data), ","))
    runs = []
    for _ in range(2):
        assert grade(run, out, answers).code == 0
        runs.append({p.relative_to(out): p.read_bytes()
                     for p in sorted((out / "grades").rglob("*")) if p.is_file()})
    assert runs[0] == runs[1]
    assert {str(p) for p in runs[0]} >= {"grades/grades.xlsx", "grades/histogram.png",
                                         "grades/feedback/3001.md"}


def test_no_answers_workbook_without_answer_forms(run, tmp_path):
    out = tmp_path / "out"
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md", "--out", out).code == 0
    assert not (out / "answers-template.xlsx").exists()


def test_the_workbook_saved_as_csv_by_excel_is_read_too(workbook_class, bank, run, tmp_path):
    """An assistant who fills the template and saves it as CSV (`;`, Windows-1251) keeps
    the labels' row: it is skipped as in the workbook."""
    from openpyxl import load_workbook

    out, data = workbook_class
    sheet = load_workbook(out / "answers-template.xlsx").active
    table = [["" if v is None else str(v) for v in row]
             for row in sheet.iter_rows(values_only=True)]
    keyed = {r["id"]: r for r in answer_rows(bank, data, key_text)}
    for row in table[2:]:
        for index, column in enumerate(table[0]):
            if column in keyed[row[0]] and column != "id":
                row[index] = keyed[row[0]][column]
    answers = tmp_path / "filled.csv"
    answers.write_bytes(excel_csv(table, ";", "cp1251"))
    result = run("grade", "--seed", 8, "--spec", FULL, "--answers", answers,
                 "--format", "md", "--out", out)
    assert result.code == 0, result.err
    assert all(r["grade"] == "6" for r in read_csv(out / "grades" / "grades.csv"))
