"""Shared fixtures: the project's bank, a throw-away copy of it, and a CLI runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.bank import load_bank
from generator.cli import main

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
