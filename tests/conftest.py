"""Shared fixtures: the project's bank, a throw-away copy of it, a CLI runner, and the
small classes built once per session (class_md, class_pdf, full_class).

The tests read what a lecturer reads — manifest.json, the Markdown sheets, keys and
answer forms, the PDFs through pdftotext, grades.csv and report.md — and write answers
the way a student writes them (see answering.py)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.bank import load_bank
from generator.cli import main, parse_setting
from generator.solve import reference, solve

ROOT = Path(__file__).resolve().parent.parent
EXGEN = [sys.executable, "-m", "generator"]
# A spec's header sections in both languages: a spec is refused in a language it has no
# section for.
SPEC_SECTIONS = ('[bg]\ncourse = "Курс"\ntitle = "Контролно"\n\n'
                 '[en]\ncourse = "Course"\ntitle = "Quiz"\n\n')


def tex_required() -> bool:
    """Under CI the PDF tests must run; elsewhere they may skip without TeX."""
    return os.environ.get("CI", "").lower() == "true"


def needs_tex():
    """Skip a PDF test only when TeX is missing outside CI; under CI=true, fail instead."""
    if shutil.which("pdflatex") and shutil.which("pdftotext"):
        return
    if tex_required():
        pytest.fail("CI=true but pdflatex/pdftotext are not installed: run `make test`, "
                    "which installs them")
    pytest.skip("pdflatex is not installed (make test installs it; under CI=true this fails)")


def needs_proc():
    """Tests that watch processes read Linux's /proc: skip without it outside CI; under
    CI=true, fail instead."""
    if Path("/proc/self/task").is_dir():
        return
    if tex_required():
        pytest.fail("CI=true but /proc is not mounted: these tests need Linux's /proc")
    pytest.skip("needs Linux's /proc (under CI=true this fails)")


def children(pid: int) -> set[int]:
    """The child processes of `pid` (every thread's)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def running(pid: int) -> bool:
    """Alive, and not a zombie waiting to be waited for."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def bank():
    return load_bank()


@pytest.fixture
def bank_copy(tmp_path) -> Path:
    """A private copy of the project's bank, free to break."""
    target = tmp_path / "bank"
    shutil.copytree(ROOT / "variants", target / "variants")
    shutil.copytree(ROOT / "templates", target / "templates")
    return target


def add_words(bank_dir: Path, exercise_id: str, titles: dict[str, str],
              labels: dict[str, dict[str, str]] | None = None) -> None:
    """Give an exercise added to a bank its title and answer labels, per language, in
    each templates/<lang>/exercises.toml (where a bank keeps a language's words)."""
    for lang, title in titles.items():
        lines = [f"\n[{exercise_id}]", f"title = {json.dumps(title, ensure_ascii=False)}",
                 f"\n[{exercise_id}.labels]"]
        lines += [f"{name} = {json.dumps(label[lang], ensure_ascii=False)}"
                  for name, label in (labels or {}).items()]
        path = bank_dir / "templates" / lang / "exercises.toml"
        with path.open("a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys):
    """Run the exgen command line in this process; returns exit code and output."""

    def _run(*args: str) -> Result:
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(exc.value.code, captured.out, captured.err)

    return _run


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run exgen as a real process (to see exactly what a user sees)."""
    return subprocess.run([*EXGEN, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT)


# ---------------------------------------------------------------- the shared classes

QUIZ = ROOT / "exams" / "lecture5-quiz.toml"
FULL = ROOT / "exams" / "lecture5-full.toml"
CLASS = ROOT / "examples" / "class.csv"
ANSWERS = ROOT / "examples" / "answers.csv"


# A small class, deliberately out of order: groups B and A mixed, ids not ascending, and
# both languages in both groups.
ROSTER_ROWS = [
    ("3007", "Ivan Todorov", "en", "B"),
    ("3002", "Мария Иванова", "bg", "A"),
    ("3011", "Sofia Hristova", "en", "A"),
    ("3001", "Петър Николов", "bg", "B"),
    ("3005", "Елена Стоянова", "bg", "A"),
    ("3003", "Georgi Dimitrov", "en", "B"),
]
PRINT_ORDER = [r[0] for r in sorted(ROSTER_ROWS, key=lambda r: (r[3], r[0]))]


def write_roster(path: Path, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "name", "lang", "group"])
        writer.writerows(rows)
    return path


def exgen(*args) -> int:
    """The command line in this process, for fixtures that build a class once (no
    capsys there)."""
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    return exc.value.code


def pdf_text(path: Path, layout: bool = True) -> str:
    """pdftotext; without layout, text comes in reading order (one column, then the
    next), which keeps a label that wraps in its box in one piece."""
    return subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    """Text as pdftotext and Markdown can both be compared: NFKC (µ → μ, ² → 2), minus
    signs as hyphens, without blanks."""
    text = unicodedata.normalize("NFKC", text).replace("−", "-")
    return re.sub(r"\s+", "", text)


def in_pdf_text(label: str, text: str) -> bool:
    """pdftotext may set a superscript inline (σ2) or on a line of its own."""
    return squeeze(label) in text or squeeze(label.replace("²", "")) in text


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def exams_of(manifest_data: dict) -> dict[str, list]:
    return {s["id"]: [(e["exercise"], e["params"], e["answers"], e["points"])
                      for e in s["exercises"]] for s in manifest_data["students"]}


def solved(bank, exercise_id: str, *settings: str):
    exercise = bank.exercise(exercise_id)
    return exercise, solve(reference(exercise, dict(parse_setting(s) for s in settings)))


@pytest.fixture(scope="session")
def class_md(tmp_path_factory):
    """The quiz for the small mixed class, Markdown, with answer sheets."""
    base = tmp_path_factory.mktemp("class-md")
    roster = write_roster(base / "class.csv", ROSTER_ROWS)
    out = base / "out"
    assert exgen("exams", "--seed", 11, "--spec", QUIZ, "--roster", roster, "--format", "md",
                 "--answer-sheet", "--out", out) == 0
    return roster, out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def class_pdf(tmp_path_factory):
    """The same quiz as PDF (one TeX build for all PDF tests of the session)."""
    needs_tex()
    base = tmp_path_factory.mktemp("class-pdf")
    roster = write_roster(base / "class.csv", ROSTER_ROWS)
    out = base / "out"
    assert exgen("exams", "--seed", 11, "--spec", QUIZ, "--roster", roster,
                 "--format", "md,pdf", "--answer-sheet", "--out", out) == 0
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def full_class(tmp_path_factory):
    """All twelve exercises (choices, vectors, matrices) for a mixed class, Markdown."""
    base = tmp_path_factory.mktemp("full-class")
    rows = [(f"40{i:02d}", f"Student {i}", "bg" if i % 2 else "en", "AB"[i % 3 == 0])
            for i in range(1, 11)]
    roster = write_roster(base / "class.csv", rows)
    out = base / "out"
    assert exgen("exams", "--seed", 5, "--spec", FULL, "--roster", roster, "--format", "md",
                 "--out", out) == 0
    return roster, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (no browser is ever downloaded);
    under CI=true a missing one fails, elsewhere it skips."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is not installed: run `make test`, which "
                        "installs it with apt-get")
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it; under CI=true "
                    "this fails)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()
