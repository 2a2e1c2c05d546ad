"""The output formats, one module each: the commands loop over the writers a `--format`
asks for instead of branching on names. Adding a format is adding its module and one
line here.

A documents writer's module has `write_exam(ClassDocuments, folder)` and
`write_handout(bank, lang, heading, exercises, folder, exam=False) -> [file names]` (`exam`:
an exam's handout, see markdown.handout_markdown); a background one
also `start_exam(ClassDocuments, folder) -> wait`, which starts writing beside the
other writers (in a process of its own, see background.py) until `wait()`. An export writer's module has
`write(Export, bank, folder) -> [file names]`; the site's `write(Site, bank, folder)`."""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Writer:
    name: str              # as --format spells it
    label: str             # as a progress line says it
    kind: str              # "documents" (exams, handouts, reports) or "export" (LMS)
    module: str            # generator.<module>, imported only when used
    needs_tex: bool = False
    background: bool = False   # has start_exam: writes beside the other writers

    def load(self) -> ModuleType:
        return importlib.import_module(f"generator.{self.module}")


WRITERS = {w.name: w for w in (
    Writer("md", "Markdown", "documents", "markdown"),
    Writer("pdf", "PDF", "documents", "pdf", needs_tex=True, background=True),
    Writer("moodle", "Moodle XML", "export", "moodle"),
    Writer("qti", "QTI 2.1", "export", "qti"),
    Writer("site", "practice site", "site", "site"),
)}


def tex_available() -> bool:
    """pdflatex is installed (the PDF writer needs it; asked without importing it)."""
    return shutil.which("pdflatex") is not None


def names(kind: str) -> tuple[str, ...]:
    return tuple(name for name, w in WRITERS.items() if w.kind == kind)


def chosen(kind: str, text: str) -> tuple[str, ...]:
    """The formats of a `--format a,b` of this kind, in the registry's order; None for a
    name that is not one of them (the caller says so, with the option's own words)."""
    asked = [f.strip() for f in text.split(",") if f.strip()]
    known = names(kind)
    if not asked or any(f not in known for f in asked):
        return ()
    return tuple(f for f in known if f in asked)
