"""A careless user and a hostile bank author: exgen never deletes a folder it did not
write, never lets a bank read files through TeX, never hangs on a TeX loop, and refuses
values and specs it cannot honour, each with a clear message and exit status 2."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import EXGEN, ROOT, SPEC_SECTIONS, needs_tex
from generator import render, tex, typesetting
from generator.build import MARKER
from generator.cli import cli
from generator.errors import ExgenError



def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _users_folder(path: Path, *names: str) -> Path:
    """A folder of the user's that happens to hold files named like exgen's."""
    path.mkdir(parents=True)
    for name in names:
        (path / name).write_text("the user's own\n", encoding="utf-8")
    (path / "index.html").write_text("<p>my course page</p>\n", encoding="utf-8")
    return path


# ------------------------------------------------------------- 1. ownership


# Every command that writes a folder of its own choosing, with arguments that make it
# write one. (`grade` writes into its build's grades/: tested below.)
WRITERS = {
    "exams": lambda tmp: ["exams", "--seed", 1, "--students", 2, "--format", "md"],
    "handout": lambda tmp: ["handout", "--format", "md"],
    "export": lambda tmp: ["export", "--seed", 1, "--variants", 2, "--format", "moodle"],
    "site": lambda tmp: ["site", "--variants", 2],
}


def test_every_command_that_writes_a_folder_is_covered_here():
    """A command added later with --out must join WRITERS, and so these tests."""
    with_out = {name for name, command in cli.commands.items()
                if any("--out" in getattr(p, "opts", ()) for p in command.params)}
    assert with_out == set(WRITERS) | {"grade"}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_folder_exgen_did_not_write_is_refused_and_kept(command, tmp_path, run):
    folder = _users_folder(tmp_path / "w", "manifest.json", "handout-bg.md", "grades.csv")
    before = _tree(folder)
    result = run(*WRITERS[command](tmp_path), "--out", folder)
    assert result.code == 2, result.err
    assert "exgen did not write it" in result.err and MARKER in result.err
    assert _tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_grading_keeps_a_grades_folder_exgen_did_not_write(tmp_path, run):
    build = tmp_path / "build"
    assert run("exams", "--seed", 1, "--students", 2, "--format", "md",
               "--out", build).code == 0
    answers = tmp_path / "answers.csv"
    answers.write_text("id,ffn_dims.d_ff\n01,1\n02,2\n", encoding="utf-8")
    grades = _users_folder(build / "grades", "grades.csv", "report.md")
    before = _tree(grades)
    result = run("grade", "--seed", 1, "--answers", answers, "--format", "md",
                 "--out", build)
    assert result.code == 2 and "exgen did not write it" in result.err
    assert _tree(grades) == before
    for path in grades.iterdir():
        path.unlink()
    assert run("grade", "--seed", 1, "--answers", answers, "--format", "md",
               "--out", build).code == 0
    assert (grades / MARKER).is_file() and (grades / "grades.csv").is_file()


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_folder_exgen_wrote_is_replaced_and_an_empty_one_filled(command, tmp_path, run):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert run(*WRITERS[command](tmp_path), "--out", folder).code == 0
    assert (folder / MARKER).is_file()
    (folder / "stale.txt").write_text("from an older build\n", encoding="utf-8")
    assert run(*WRITERS[command](tmp_path), "--out", folder).code == 0
    assert not (folder / "stale.txt").exists()


def test_a_marker_file_that_exgen_did_not_write_proves_nothing(tmp_path, run):
    folder = _users_folder(tmp_path / "w")
    (folder / MARKER).write_text("{}\n", encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--format", "md", "--out", folder)
    assert result.code == 2 and (folder / "index.html").is_file()


def test_a_file_given_as_output_folder_is_refused(tmp_path, run):
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--format", "md", "--out", target)
    assert result.code == 2 and target.read_text(encoding="utf-8") == "keep me\n"


def test_the_marker_says_what_built_the_folder_and_keeps_builds_identical(tmp_path, run):
    for name in ("a", "b"):
        assert run("exams", "--seed", 4, "--students", 2, "--format", "md",
                   "--out", tmp_path / name).code == 0
    marker = (tmp_path / "a" / MARKER).read_text(encoding="utf-8")
    assert '"command": "exams"' in marker and '"seed": 4' in marker
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


# ---------------------------------------------------------- 8. killed builds


def test_debris_of_a_killed_build_is_removed_by_the_next_build(tmp_path):
    """A build killed mid-way leaves its staging folder; the next build of the same
    target removes it (and only it), and the previous output stays intact."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run([*EXGEN, "exams", "--seed", "1", "--students", "3", "--format",
                            "md", "--out", out], cwd=tmp_path, env=env, capture_output=True)
    assert first.returncode == 0, first.stderr
    before = _tree(out)
    neighbour = tmp_path / ".out.mine"          # a user's hidden folder beside it
    neighbour.mkdir()
    proc = subprocess.Popen([*EXGEN, "exams", "--seed", "2", "--students", "600", "--format",
                             "md", "--out", out], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    staging = []
    while time.monotonic() < deadline and not staging:
        staging = [p for p in tmp_path.glob(".out.staging-*") if (p / "sheets").is_dir()]
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert staging, "the build never started writing"
    assert all(p.exists() for p in staging)
    assert _tree(out) == before
    again = subprocess.run([*EXGEN, "exams", "--seed", "1", "--students", "3", "--format",
                            "md", "--out", out], cwd=tmp_path, env=env, capture_output=True)
    assert again.returncode == 0, again.stderr
    assert not any(p.exists() for p in staging)
    assert neighbour.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.mine", "out"]


# -------------------------------------------------- 2. TeX reads no file


ATTACKS = {
    "catcode and input": "$\\text{\\catcode`\\_=12 \\input{/etc/passwd}}$",
    "new escape character": "$\\catcode`\\Z=0 Zinput{/etc/passwd}$",
    "character codes": "$^^5cinput{/etc/passwd}$",
    "csname": "$\\csname input\\endcsname{/etc/passwd}$",
    "write": "$\\immediate\\write18{ls}$",
}


def _poison(bank_copy: Path, lang: str, text: str, exercise: str = "residual") -> Path:
    template = bank_copy / "templates" / lang / f"{exercise}.md"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block question %}", "{% block question %}\n" + text + "\n", 1), encoding="utf-8")
    return template


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_math_that_reaches_for_files_is_refused_by_build_and_check(attack, bank_copy, run,
                                                                   tmp_path):
    _poison(bank_copy, "en", ATTACKS[attack])
    out = tmp_path / "out"
    built = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 1, "--lang", "en",
                "--format", "md", "--out", out)
    assert built.code == 2 and "residual.md, line 2" in built.err, built.err
    assert "not allowed" in built.err and not out.exists()
    checked = run("--bank", bank_copy, "check", "residual")
    assert checked.code == 2 and "residual.md, line 2" in checked.err


def test_math_made_by_jinja_is_checked_where_it_reaches_tex(bank_copy, run, tmp_path):
    """A command assembled at render time passes the template scan; the converter
    stops it before TeX sees it, naming the student and exercise."""
    _poison(bank_copy, "en", "${{ '\\\\' ~ 'in' ~ 'put' }}{/etc/passwd}$")
    result = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 1, "--lang", "en",
                 "--format", "md", "--out", tmp_path / "out")
    # Markdown output is not TeX, so only the PDF build and check must refuse it.
    assert result.code == 0
    checked = run("--bank", bank_copy, "check", "residual")
    assert checked.code == 2 and "\\input" in checked.err and "residual" in checked.err


@pytest.mark.parametrize("math, allowed", [
    ("\\frac{d_{model}}{n_{heads}} \\times 2", True),
    ("\\sqrt{\\frac{8}{3}} \\approx 1{,}63", True),
    ("\\begin{pmatrix} 1 & 0 \\\\ 1 & 1 \\end{pmatrix}", True),
    ("\\left\\lceil \\frac{a}{b} \\right\\rceil", True),
    ("\\text{seq\\_len}\\,\\%", True),
    ("\\input{x}", False), ("\\def\\x{\\x}\\x", False), ("\\catcode`\\Z=0", False),
    ("\\begin{filecontents}{x}", False), ("\\openin1=x", False), ("\\special{x}", False),
    ("\\read16 to \\x", False), ("\\expandafter\\x", False), ("x^^5c", False),
    ("\\@input{x}", False), ("\\string\\input", False),
])
def test_only_the_commands_a_formula_needs_pass(math, allowed):
    assert (typesetting.unsafe_math(math) is None) is allowed


def test_tex_itself_can_read_no_file_outside_its_folder(tmp_path):
    """Defence in depth: even a document that asks pdflatex for /etc/passwd gets nothing
    (kpathsea's paranoid openin_any), and cannot write outside its folder."""
    needs_tex()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE\n", encoding="utf-8")
    source = ("\\documentclass{article}\\begin{document}\n"
              f"\\input{{{secret}}}\n\\end{{document}}\n")
    with pytest.raises(ExgenError) as failure:
        tex.compile_tex(source, tmp_path / "work", "leak")
    assert "TOP-SECRET-LINE" not in str(failure.value)
    writer = ("\\documentclass{article}\\begin{document}\n"
              f"\\newwrite\\f\\immediate\\openout\\f={tmp_path}/written.txt\n"
              "\\immediate\\write\\f{x}\\immediate\\closeout\\f x\n\\end{document}\n")
    try:
        tex.compile_tex(writer, tmp_path / "work2", "write")
    except ExgenError:
        pass
    assert not (tmp_path / "written.txt").exists()


# ------------------------------------------------------------- 3. TeX loops


def test_a_tex_loop_stops_in_time_naming_student_and_exercise(bank_copy, run, tmp_path,
                                                              monkeypatch):
    needs_tex()
    out = tmp_path / "out"
    assert run("--bank", bank_copy, "exams", "--seed", 1, "--students", 2, "--format",
               "pdf", "--out", out).code == 0
    before = _tree(out)
    # Past the whitelist (which would refuse \def), TeX's own time limit must hold.
    monkeypatch.setattr(render, "template_problems", lambda env, path: [])
    monkeypatch.setattr(typesetting, "unsafe_math", lambda math: None)
    monkeypatch.setattr(tex, "TEX_TIME_FLOOR", 2.0)
    monkeypatch.setattr(tex, "TEX_SECONDS_PER_MB", 20.0)
    _poison(bank_copy, "bg", "$\\def\\x{\\x}\\x$", exercise="rope")
    started = time.monotonic()
    result = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 2, "--format",
                 "pdf", "--out", out)
    assert time.monotonic() - started < 60
    assert result.code == 2, result.err
    assert "did not finish" in result.err and "exercise rope" in result.err
    assert "student 0" in result.err
    assert _tree(out) == before


def test_the_time_limit_grows_with_the_document():
    assert tex.tex_time_limit("x" * 10_000_000) > tex.tex_time_limit("x") >= 60


# -------------------------------------------- 5, 6. --set keeps its kind


@pytest.mark.parametrize("value, words", [
    ("-512", ["positive whole number", "-512"]),
    ("512.5", ["whole number", "512.5"]),
    ("0", ["positive"]),
    ("1" * 100, ["100 digits", "at most 12"]),
    ("1e300", ["digits", "at most 12"]),
    ("[512, 1024]", ["single number"]),
    ("abc", ["number"]),
])
def test_set_values_keep_the_parameters_kind_and_size(value, words, run):
    result = run("show", "ffn_dims", "--set", f"d_model={value}", "--format", "json")
    assert result.code == 2, result.out
    assert "d_model" in result.err and all(w in result.err for w in words), result.err
    assert "Traceback" not in result.err and "InvalidOperation" not in result.err


def test_set_may_leave_the_listed_values_for_a_real_models_configuration(run):
    result = run("show", "ffn_dims", "--set", "d_model=5120", "--format", "json")
    assert result.code == 0 and '"d_model": 5120' in result.out


def test_a_vector_keeps_its_length_and_decimals_their_places(run):
    longer = run("show", "layernorm", "--set", "x=[2, 4, 6, 8]")
    assert longer.code == 2 and "vector of 3 numbers" in longer.err
    residual = run("show", "residual", "--set", "sublayer=[0.1234567, 0, 0]")
    assert residual.code == 2 and "decimal places" in residual.err


# ----------------------------------------------- 7. text outside the blocks


def test_text_after_the_last_block_is_an_error_in_build_and_check(bank_copy, run, tmp_path):
    template = bank_copy / "templates" / "en" / "rope.md"
    lines = template.read_text(encoding="utf-8").rstrip("\n").splitlines()
    template.write_text("\n".join(lines) + "\nA forgotten hint for students.\n",
                        encoding="utf-8")
    where = f"rope.md, line {len(lines) + 1}"
    built = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 1, "--lang", "en",
                "--format", "md", "--out", tmp_path / "out")
    assert built.code == 2 and where in built.err and "outside" in built.err
    checked = run("--bank", bank_copy, "check", "rope")
    assert checked.code == 2 and where in checked.err


# ------------------------------------------------------------- 10. specs


def test_a_slot_worth_zero_points_is_refused(tmp_path, run):
    spec = tmp_path / "zero.toml"
    spec.write_text(SPEC_SECTIONS + '[[slot]]\npool = ["rope"]\npoints = 0\n',
                    encoding="utf-8")
    result = run("exams", "--seed", 1, "--students", 2, "--spec", spec, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "zero.toml" in result.err and "points" in result.err


def test_a_spec_without_a_section_for_the_build_language_is_refused(tmp_path, run):
    spec = tmp_path / "bg-only.toml"
    spec.write_text('[bg]\ncourse = "Курс"\ntitle = "Контролно"\n\n'
                    '[[slot]]\npool = ["rope"]\npoints = 2\n', encoding="utf-8")
    assert run("exams", "--seed", 1, "--students", 2, "--spec", spec, "--format", "md",
               "--out", tmp_path / "bg").code == 0
    english = run("exams", "--seed", 1, "--students", 2, "--spec", spec, "--lang", "en",
                  "--format", "md", "--out", tmp_path / "en")
    assert english.code == 2 and "bg-only.toml" in english.err and "[en]" in english.err
    roster = tmp_path / "class.csv"
    roster.write_text("id,name,lang\n01,Ana,bg\n02,John,en\n", encoding="utf-8")
    mixed = run("exams", "--seed", 1, "--roster", roster, "--spec", spec, "--format", "md",
                "--out", tmp_path / "mixed")
    assert mixed.code == 2 and "[en]" in mixed.err
    assert not (tmp_path / "en").exists() and not (tmp_path / "mixed").exists()


def test_an_answer_of_a_thousand_digits_is_printed_not_crashed_on(bank_copy, run):
    """Decimal's default precision (28 digits) once made a huge rounded answer end in
    InvalidOperation; every digit of it is printed now."""
    variants = bank_copy / "variants" / "ffn_dims.toml"
    variants.write_text(variants.read_text(encoding="utf-8").replace(
        'formula = "d_model * expansion"', 'formula = "d_model ** 400 / 7"', 1),
        encoding="utf-8")
    result = run("--bank", bank_copy, "show", "ffn_dims", "--reference", "--lang", "en")
    assert result.code == 0, result.err
    digits = max(len(m) for m in __import__("re").findall(r"[\d,]+\.\d\d", result.out))
    assert digits > 1000
