"""Property tests: random and mutated bank files, templates, specs, rosters and answer
files, fed to the loaders through the command line. Whatever comes in, exgen ends in
success or in exit status 2 with a message naming a file: never another status, never
a traceback, never a file written outside the output folder."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import zipfile
from xml.etree import ElementTree
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import QUIZ, ROOT
from generator.cli import main

# Derandomized (the same examples every run: a pass/fail test must not flicker), few
# examples (each is a whole build), and no shrinking (a failure prints its input).
FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def exgen(*args, cwd: Path) -> tuple[int, str]:
    """Run the command line in this process, in `cwd`; exit status and what it said."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stderr(err), \
            contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    return stop.value.code, err.getvalue()


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def assert_clean_ending(code: int, err: str, *names: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert "exgen: error:" in err or err.startswith("Error:"), err
        assert any(name in err for name in names), (names, err)


@contextlib.contextmanager
def workspace():
    """A fresh folder with a copy of the bank (a new path every time: templates are
    cached by path)."""
    root = Path(tempfile.mkdtemp(prefix="exgen-fuzz-"))
    try:
        shutil.copytree(ROOT / "variants", root / "bank" / "variants")
        shutil.copytree(ROOT / "templates", root / "bank" / "templates")
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@st.composite
def mutated(draw, text: str) -> str:
    """The text with a few random edits: lines dropped, doubled or swapped, characters
    replaced, random text inserted, the end cut off."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["drop", "double", "swap", "char", "insert", "cut"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "drop":
            del lines[i]
        elif kind == "double":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "char" and lines[i]:
            k = draw(st.integers(0, len(lines[i]) - 1))
            ch = draw(st.sampled_from(list("[]{}=\"'#$%\\,0-9aZ\n ") + ["{{", "}}", "{%"]
                                      + ["\x01", "\x7f", "\x1b", "\\u0001"]))
            lines[i] = lines[i][:k] + ch + lines[i][k + 1:]
        elif kind == "insert":
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + draw(st.text(max_size=12)) + lines[i][k:]
        elif kind == "cut":
            lines = lines[:i]
    return "".join(lines)


def _build_md(root: Path, *extra) -> tuple[int, str, set[Path], set[Path]]:
    before = files_under(root)
    who = () if "--roster" in extra else ("--students", 2)
    code, err = exgen("--bank", root / "bank", "exams", "--seed", 3, *who,
                      "--format", "md", "--out", root / "out", *extra, cwd=root)
    after = files_under(root)
    return code, err, before, after


def assert_wrote_only_into(root: Path, out: Path, before: set[Path], after: set[Path]):
    stray = {p for p in after - before if out not in p.parents}
    assert not stray, stray
    leftovers = [p for p in root.iterdir() if p.name.startswith(".")]
    assert not leftovers, leftovers


VARIANTS = sorted((ROOT / "variants").glob("*.toml"))
TEMPLATES = sorted(p for p in (ROOT / "templates").glob("*/*.md")
                   if p.parent.name != "layouts")
LAYOUTS = sorted((ROOT / "templates" / "layouts").glob("*.md"))
LANGUAGE_FILES = sorted((ROOT / "templates").glob("*/*.toml"))   # words, titles, labels


@FUZZ
@given(data=st.data(), path=st.sampled_from(VARIANTS))
def test_mutated_variants_files_end_cleanly(data, path):
    text = data.draw(mutated(path.read_text(encoding="utf-8")))
    with workspace() as root:
        target = root / "bank" / "variants" / path.name
        target.write_text(text, encoding="utf-8")
        code, err, before, after = _build_md(root)
        assert_clean_ending(code, err, path.name, ".md", ".toml")
        assert_wrote_only_into(root, root / "out", before, after)
        code, err = exgen("--bank", root / "bank", "check", path.stem, cwd=root)
        assert_clean_ending(code, err, path.name, ".md", ".toml")


@FUZZ
@given(data=st.data(), path=st.sampled_from(TEMPLATES + LANGUAGE_FILES))
def test_mutated_files_of_a_language_end_cleanly(data, path):
    """A language folder's files: exercise templates, strings, titles and labels,
    misconceptions."""
    text = data.draw(mutated(path.read_text(encoding="utf-8")))
    with workspace() as root:
        target = root / "bank" / "templates" / path.parent.name / path.name
        target.write_text(text, encoding="utf-8")
        code, err, before, after = _build_md(root, "--lang", path.parent.name)
        assert_clean_ending(code, err, path.name)
        assert_wrote_only_into(root, root / "out", before, after)
        # One exercise is checked (every file of the language is loaded all the same):
        # the one whose template this is, else a short one.
        exercise = path.stem if path.suffix == ".md" else "residual"
        code, err = exgen("--bank", root / "bank", "check", exercise, cwd=root)
        assert_clean_ending(code, err, path.name)
        # The LMS files too: whatever a language file holds, moodle.xml and every file
        # of the QTI package are well-formed XML, or the export says what is wrong.
        before = files_under(root)
        code, err = exgen("--bank", root / "bank", "export", "--seed", 1, "--variants", 1,
                          "--lang", path.parent.name, "--out", root / "lms", cwd=root)
        assert_clean_ending(code, err, path.name)
        assert_wrote_only_into(root, root / "lms", before, files_under(root))
        if code == 0:
            ElementTree.parse(root / "lms" / "moodle.xml")
            with zipfile.ZipFile(root / "lms" / "qti21.zip") as package:
                for name in package.namelist():
                    ElementTree.fromstring(package.read(name))


@FUZZ
@given(data=st.data(), path=st.sampled_from(LAYOUTS))
def test_mutated_layouts_end_cleanly(data, path):
    text = data.draw(mutated(path.read_text(encoding="utf-8")))
    with workspace() as root:
        target = root / "bank" / "templates" / "layouts" / path.name
        target.write_text(text, encoding="utf-8")
        code, err, before, after = _build_md(root, "--spec", QUIZ)
        assert_clean_ending(code, err, path.name)
        assert_wrote_only_into(root, root / "out", before, after)


@FUZZ
@given(data=st.data())
def test_mutated_specs_end_cleanly(data):
    text = data.draw(mutated(QUIZ.read_text(encoding="utf-8")))
    with workspace() as root:
        spec = root / "quiz.toml"
        spec.write_text(text, encoding="utf-8")
        code, err, before, after = _build_md(root, "--spec", spec)
        assert_clean_ending(code, err, "quiz.toml")
        assert_wrote_only_into(root, root / "out", before, after)


ROSTER_CELLS = st.one_of(st.text(max_size=8), st.sampled_from(
    ["01", "02", "..", ".", "a/b", "", "bg", "en", "xx", '"', '"x', "A;B", "\t"]))


@st.composite
def rosters(draw) -> str:
    header = draw(st.sampled_from(["id,name,lang,group", "id,name", "name", "id;name",
                                   "", "id,id"]))
    rows = draw(st.lists(st.lists(ROSTER_CELLS, max_size=5), max_size=6))
    text = header + "\n" + "".join(",".join(row) + "\n" for row in rows)
    return draw(st.one_of(st.just(text), mutated(text)))


@FUZZ
@given(text=rosters(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]))
def test_random_rosters_end_cleanly(text, encoding):
    with workspace() as root:
        roster = root / "class.csv"
        roster.write_bytes(text.encode(encoding, errors="replace"))
        code, err, before, after = _build_md(root, "--roster", roster)
        assert_clean_ending(code, err, "class.csv")
        assert_wrote_only_into(root, root / "out", before, after)


@pytest.fixture(scope="module")
def graded_class():
    """A built class of three students and a filled answers file to mutate."""
    root = Path(tempfile.mkdtemp(prefix="exgen-fuzz-class-"))
    code, err = exgen("exams", "--seed", 5, "--students", 3, "--spec", QUIZ, "--format",
                      "md", "--out", root / "build", cwd=root)
    assert code == 0, err
    code, err = exgen("grade", "--seed", 5, "--students", 3, "--spec", QUIZ, "--template",
                      cwd=root)
    template = io.StringIO()
    with contextlib.chdir(root), contextlib.redirect_stdout(template), \
            pytest.raises(SystemExit):
        main(["grade", "--seed", "5", "--students", "3", "--spec", str(QUIZ), "--template"])
    lines = template.getvalue().splitlines()
    filled = [lines[0]] + [row + "1" * 3 for row in lines[1:]]
    yield root, "\n".join(filled) + "\n"
    shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(data=st.data())
def test_mutated_answer_files_end_cleanly(graded_class, data):
    root, answers_text = graded_class
    text = data.draw(mutated(answers_text))
    answers = root / "answers.csv"
    answers.write_text(text, encoding="utf-8")
    out = root / "build" / "grades"        # grading writes into its build's grades/
    before = files_under(root)
    code, err = exgen("grade", "--seed", 5, "--spec", QUIZ, "--answers", answers,
                      "--build", root / "build", "--format", "md", cwd=root)
    assert_clean_ending(code, err, "answers.csv")
    after = files_under(root)
    assert_wrote_only_into(root, out, before, after)
