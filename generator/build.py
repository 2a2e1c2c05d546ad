"""Writing a build to disk: everything goes into a fresh folder beside the target, which
replaces the target only when the whole build has succeeded. A failed build leaves the
previous output untouched."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from .bank import Bank
from .errors import ExgenError
from .documents import (Renderers, answer_boxes, handout_parts, instructor_rows,
                        student_documents)
from .spec import Heading
from .exam import Exam, manifest
from .markdown import (answer_sheet_markdown, handout_markdown, instructor_markdown,
                       student_markdown)
from .roster import print_order
from .solve import Solution


@contextlib.contextmanager
def replacing(target: Path, marker: str, keep: Sequence[str] = ()) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `target`, on failure it vanishes.

    Only a folder exgen wrote (one holding `marker`, a glob) is ever replaced: any other
    non-empty folder is refused rather than wiped. Subfolders named in `keep` (a
    build's grades) are carried over into the new build."""
    target = target.resolve()
    if target.exists() and (not target.is_dir() or (
            any(target.iterdir()) and not any(target.glob(marker)))):
        raise ExgenError(f"{target} is not an exgen output folder ({marker} is missing) and "
                         "exgen replaces its whole output folder: choose a new or empty "
                         "folder with --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        for name in keep:
            if (target / name).is_dir() and not (staging / name).exists():
                shutil.copytree(target / name, staging / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        target.rename(old)
    staging.rename(target)
    os.chmod(target, 0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


@dataclass
class ExamBuild:
    """What `exgen exams` wrote, for the summary it prints."""

    out: Path
    files: list[str] = field(default_factory=list)


def sorted_for_print(exam: Exam):
    """The instructor's key and the print-ready PDF go by group, then id."""
    return sorted(exam.students, key=lambda se: print_order(se.student))


def write_exams(exam: Exam, headings: Mapping[str, Heading], out: Path,
                formats: Sequence[str], lang: str, progress=None,
                answer_sheets: bool = False) -> ExamBuild:
    """Everything of a class build. The PDFs are typeset in the background (pdflatex
    runs in other processes) while the Markdown and the manifest are written."""
    bank = exam.bank
    renderers = Renderers(bank)
    result = ExamBuild(out)
    with replacing(out, "manifest.json", keep=("grades",)) as staging, \
            ThreadPoolExecutor(max_workers=1) as background:
        documents = []
        for se in exam.students:
            documents.append(student_documents(se, headings, renderers))
            if progress is not None:
                progress(0.5)
        ordered = sorted_for_print(exam)
        rows = instructor_rows(Exam(exam.seed, bank, tuple(ordered), exam.notes), lang)
        pdfs = None
        if "pdf" in formats:
            from .pdf import write_exam_pdfs

            pdfs = background.submit(write_exam_pdfs, bank, exam, documents, headings[lang],
                                     rows, lang, staging, answer_sheets=answer_sheets)
        for se, (sheet, key) in zip(exam.students, documents):
            if "md" in formats:
                write_text(staging / "sheets" / f"{se.student.id}.md",
                           student_markdown(bank, sheet))
                write_text(staging / "keys" / f"{se.student.id}.md",
                           student_markdown(bank, key))
                if answer_sheets:
                    write_text(staging / "answer-sheets" / f"{se.student.id}.md",
                               answer_sheet_markdown(bank, sheet, answer_boxes(se)))
            if progress is not None:
                progress(0.5)
        if "md" in formats:
            write_text(staging / "instructor-key.md",
                       instructor_markdown(bank, lang, headings[lang], exam.seed, rows))
        write_text(staging / "manifest.json",
                   json.dumps(manifest(exam), ensure_ascii=False, indent=2) + "\n")
        if pdfs is not None:
            pdfs.result()
        result.files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*")
                              if p.is_file())
    return result


def write_handouts(bank: Bank, solutions: Sequence[Solution], langs: Sequence[str],
                   headings: Mapping[str, Heading], out: Path,
                   formats: Sequence[str]) -> list[str]:
    renderers = Renderers(bank)
    written = []
    with replacing(out, "handout-*") as staging:
        for lang in langs:
            parts = handout_parts(bank, lang, solutions, renderers)
            text = handout_markdown(bank, lang, headings[lang], parts)
            if "md" in formats:
                write_text(staging / f"handout-{lang}.md", text)
                written.append(f"handout-{lang}.md")
            if "pdf" in formats:
                from .pdf import write_handout_pdf

                write_handout_pdf(bank, lang, headings[lang], parts,
                                  staging / f"handout-{lang}.pdf")
                written.append(f"handout-{lang}.pdf")
    return written


def write_grades(grading, heading: Heading, lang: str, out: Path,
                 formats: Sequence[str]) -> list[str]:
    """grades.csv, report.md with histogram.png, and report.pdf."""
    from .grade import answer_stats, grades_csv, histogram_png, summary
    from .markdown import report_markdown

    bank = grading.exam.bank
    words = bank.language(lang).words
    with replacing(out, "grades.csv") as staging:
        write_text(staging / "grades.csv", grades_csv(grading))
        histogram_png(grading, staging / "histogram.png", words["histogram"],
                      words["total"], words["students"])
        problems = [m for m in grading.marks if m.status in ("blank", "unparseable")]
        alternatives = [m for m in grading.marks if m.status == "alternative"]
        text = report_markdown(bank, lang, heading, grading.exam.seed, summary(grading),
                               answer_stats(grading, lang), problems, grading.missing,
                               alternatives)
        write_text(staging / "report.md", text)
        if "pdf" in formats:
            from .pdf import write_report_pdf

            write_report_pdf(bank, lang, heading, text, staging / "histogram.png",
                             staging / "report.pdf")
        return sorted(p.name for p in staging.iterdir())


@contextlib.contextmanager
def progress_bar(total: int, label: str) -> Iterator:
    """A tqdm bar on a terminal (nothing otherwise); yields its update function."""
    from tqdm import tqdm

    with tqdm(total=total, desc=label, unit=" students", leave=False,
              disable=not sys.stderr.isatty()) as bar:
        yield bar.update
