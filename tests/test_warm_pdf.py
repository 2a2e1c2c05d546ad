"""A warm PDF build (the same command again, exgen's cache filled by the first) takes the
Markdown it converted to LaTeX from the cache (latex.markdown_to_latex): no process of
the build imports markdown-it, and the files are the cold build's bytes. A cache entry
of the wrong shape is converted again, never used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import EXGEN, QUIZ, ROOT, needs_tex


def _build(out, cache_home) -> set[str]:
    """The files of a one-student quiz build, and the modules any of its processes
    imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *EXGEN[1:], "exams", "--seed",
                           "3", "--students", "1", "--spec", str(QUIZ), "--format", "md,pdf",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}


def _files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_warm_pdf_build_converts_no_markdown_and_gives_the_same_bytes(tmp_path):
    needs_tex()                   # under CI=true a missing TeX fails, never skips
    cache_home = tmp_path / "cache"
    cold = _build(tmp_path / "cold", cache_home)
    assert "markdown_it" in cold
    kept = list((cache_home / "exgen" / "work").glob("latex-*.json"))
    assert len(kept) == 1
    warm = _build(tmp_path / "warm", cache_home)
    assert "markdown_it" not in warm and "pikepdf" in warm
    assert _files(tmp_path / "warm") == _files(tmp_path / "cold")

    # An entry of the wrong shape (not a text) is converted again, and the file rewritten.
    data = json.loads(kept[0].read_text(encoding="utf-8"))
    data["entries"] = {text: 0 for text in data["entries"]}
    kept[0].write_text(json.dumps(data), encoding="utf-8")
    again = _build(tmp_path / "again", cache_home)
    assert "markdown_it" in again
    assert _files(tmp_path / "again") == _files(tmp_path / "cold")
    entries = json.loads(kept[0].read_text(encoding="utf-8"))["entries"]
    assert entries and all(isinstance(latex, str) for latex in entries.values())
