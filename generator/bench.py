"""`make bench`: how fast exgen builds a class, in figures and ratios.

Every figure is measured here, in this run, end to end through the `exgen` command:
- Markdown for 1,000 students and every exercise of the bank (goal: at most 10 s);
- one pdflatex pass over a two-page exam, the unit the PDF figures are counted in;
- a Bulgarian class of 30 with PDFs and Markdown (goal: at most 10 such passes), and the
  cost per student for 30, 100 and 300 students.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from .bank import load_bank
from .documents import Renderers, default_heading, student_documents
from .exam import Slot, plan
from .pdf import PASSES, class_document, student_part, tex_available
from .roster import numbered

MD_STUDENTS = 1000
MD_GOAL_SECONDS = 10.0
PDF_GOAL_PASSES = 10
RUNS = 3
R_EXAMS_SECONDS_30 = 51.0   # R/exams, 30 Bulgarian exams + solutions (the measurement)


def exgen(*args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: exgen {' '.join(args)} failed:\n{proc.stderr}")
    return elapsed


def best_of(runs: int, *args: str) -> float:
    return min(exgen(*args) for _ in range(runs))


def single_pass_seconds(work: Path) -> tuple[float, int]:
    """One pdflatex pass over one student's two-page sheet (the first exercises that fill
    two pages), best of several runs."""
    bank = load_bank()
    ids = list(bank.exercises)
    for count in range(1, len(ids) + 1):
        slots = [Slot((i,)) for i in ids[:count]]
        exam = plan(bank, 1, numbered(1), "bg", slots)
        sheet, _ = student_documents(exam.students[0], {"bg": default_heading(bank, "bg")},
                                     Renderers(bank))
        source = class_document(bank, "bg", [("bench", student_part(sheet, bank))], False)
        tex = work / "single.tex"
        tex.write_text(source, encoding="utf-8")
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(["pdflatex", "-interaction=batchmode", "single.tex"], cwd=work,
                           capture_output=True, check=True)
            timings.append(time.perf_counter() - start)
        pages = len(PdfReader(work / "single.pdf").pages)
        if pages >= 2:
            return min(timings), pages
    return min(timings), pages


def main() -> None:
    os.chdir(Path(__file__).resolve().parent.parent)
    bank = load_bank()
    n_ex = len(bank.exercises)
    print(f"exgen bench — {os.cpu_count()} cores, {n_ex} exercises, best of {RUNS} runs\n")
    with tempfile.TemporaryDirectory(prefix="exgen-bench-") as tmp:
        work = Path(tmp)
        md = best_of(RUNS, "exams", "--seed", "1", "--students", str(MD_STUDENTS),
                     "--format", "md", "--lang", "bg", "--out", str(work / "md"))
        print(f"Markdown, {MD_STUDENTS:,} students × {n_ex} exercises (bg): {md:6.2f} s  "
              f"{MD_STUDENTS / md:8.0f} students/s   goal ≤ {MD_GOAL_SECONDS:.0f} s: "
              f"{md / MD_GOAL_SECONDS:.2f} of the budget "
              f"({'met' if md <= MD_GOAL_SECONDS else 'MISSED'})")
        if not tex_available():
            print("\nPDF figures skipped: pdflatex is not installed (make bench installs it).")
            return
        one_pass, pages = single_pass_seconds(work)
        print(f"\nOne pdflatex pass over a {pages}-page exam sheet: {one_pass:.3f} s "
              f"(the unit below; exgen needs {PASSES} passes per document for 'page X of Y')")
        for students in (30, 100, 300):
            seconds = best_of(RUNS if students <= 100 else 1, "exams", "--seed", "1",
                              "--students", str(students), "--format", "md,pdf",
                              "--lang", "bg", "--out", str(work / f"pdf{students}"))
            sheets = work / f"pdf{students}" / "print-all.pdf"
            total_pages = len(PdfReader(sheets).pages)
            line = (f"PDF + Markdown, {students:>3} students (bg, {n_ex} exercises, "
                    f"{total_pages} sheet pages): {seconds:6.2f} s  "
                    f"{seconds / students * 1000:6.1f} ms/student  "
                    f"= {seconds / one_pass:5.1f} single passes")
            if students == 30:
                line += (f"   goal ≤ {PDF_GOAL_PASSES} passes: "
                         f"{'met' if seconds / one_pass <= PDF_GOAL_PASSES else 'MISSED'}; "
                         f"{R_EXAMS_SECONDS_30 / seconds:.1f}× faster than R/exams' "
                         f"{R_EXAMS_SECONDS_30:.0f} s (reported, not measured here)")
            print(line)


if __name__ == "__main__":
    main()
