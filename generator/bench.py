"""`make bench`: how fast exgen builds a class, in figures and ratios.

Every figure is measured here, in this run, end to end through the `exgen` command:
- Markdown for 1,000 students and every exercise of the bank (goal: at most 5 s);
- one pdflatex pass over one student's quiz sheet (two pages), the unit the PDF figures
  are counted in;
- a Bulgarian class of 30 taking that quiz, sheets, keys and answer forms as PDF (93
  PDFs) and Markdown, with the manifest (goal: at most 10 such passes), the cost per
  student for 30, 100 and 300 students, and the whole 12-exercise bank for 30;
- one student's quiz (sheet, key, answer form as PDF and Markdown): how long a lecturer
  waits to re-issue one exam;
- `exgen export` of every exercise with K = 50 variants, Moodle XML and QTI 2.1, and
  `exgen site` with its defaults, each with the cache of earlier builds (warm: the way a
  lecturer runs them again) and with an empty one (cold);
- `exgen scan` of a class's scan forms rendered at 200 dpi, in seconds per page counted
  in such passes (goal: at most 1).

The goals are issue 23's, in single passes: the quiz for 30 at most 7, one student at
most 3, the Markdown for 1,000 at most 10, the export at most 6, the site at most 5.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pikepdf

from .bank import load_bank
from .documents import TextsByLanguage, student_documents
from .exam import plan
from .pdf import class_document, in_language, sheet_latex
from .roster import numbered
from .spec import load_spec
from .writers import tex_available

SCAN_STUDENTS = 20
SCAN_DPI = 200
SCAN_GOAL_PASSES = 1.0
MD_STUDENTS = 1000
MD_GOAL_SECONDS = 5.0
# Issue 23's goals, in single pdflatex passes.
GOALS = {"quiz": 7, "one": 3, "md": 10, "export": 6, "site": 5}
RUNS = 3
QUIZ = Path("exams/lecture5-quiz.toml")
EXPORT_VARIANTS = 50
# R/exams is not installed here: its figures are quoted, never measured by make bench,
# and are printed with where and when they were taken.
R_EXAMS_QUIZ = ("R/exams: about 51 s for 30 Bulgarian exam and solution sheets (60 PDFs), "
                "quoted in issue 3 (late November 2026; the machine is not stated)")
R_EXAMS_MOODLE = ("R/exams' exams2moodle: 11 s for 120 questions, quoted in issue 13 (filed "
                  "by 2026-11-30, on this project's 2-core machine)")


def exgen(*args: str, cache: Path | None = None) -> float:
    """Seconds of one exgen command; with `cache`, a fresh empty cache folder in it."""
    env = None
    if cache is not None:
        env = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(dir=cache)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True,
                          text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: exgen {' '.join(args)} failed:\n{proc.stderr}")
    return elapsed


def best_of(runs: int, *args: str, cache: Path | None = None) -> float:
    return min(exgen(*args, cache=cache) for _ in range(runs))


def against(seconds: float, one_pass: float, goal: str) -> str:
    passes = seconds / one_pass
    return (f"= {passes:5.1f} single passes   goal ≤ {GOALS[goal]}: "
            f"{'met' if passes <= GOALS[goal] else 'MISSED'}")


def single_pass_seconds(work: Path) -> tuple[float, int]:
    """One pdflatex pass over one student's quiz sheet (the unit of the PDF figures),
    best of several runs, and its page count."""
    bank = load_bank()
    spec = load_spec(QUIZ, bank)
    exam = plan(bank, 1, numbered(1), "bg", spec.slots)
    sheet, _ = student_documents(exam.students[0], spec.headings, TextsByLanguage(bank))
    source = class_document(bank, bank.language("bg"),
                            [("bench", in_language(sheet_latex(sheet, bank), "bg", bank))])
    (work / "single.tex").write_text(source, encoding="utf-8")
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(["pdflatex", "-interaction=batchmode", "single.tex"], cwd=work,
                       capture_output=True, check=True)
        timings.append(time.perf_counter() - start)
    return min(timings), page_count(work / "single.pdf")


def class_build(work: Path, students: int, runs: int, *spec: str) -> tuple[float, int, int]:
    """Seconds, sheet pages (print-all.pdf) and PDF files of one class build."""
    out = work / f"pdf{students}{'-'.join(spec)[-8:]}"
    seconds = best_of(runs, "exams", "--seed", "1", "--students", str(students),
                      "--format", "md,pdf", "--lang", "bg", "--out", str(out), *spec)
    return seconds, page_count(out / "print-all.pdf"), len(list(out.rglob("*.pdf")))


def scan_seconds(work: Path) -> tuple[float, int]:
    """`exgen scan` of the quiz's scan forms of a class, every form page rendered at
    200 dpi into one multi-page TIFF (as a copier's document feeder gives them)."""
    import cv2
    import numpy as np
    import pypdfium2

    out = work / "scan-forms"
    exgen("exams", "--seed", "1", "--students", str(SCAN_STUDENTS), "--spec", str(QUIZ),
          "--form", "scan", "--out", str(out))
    images = []
    for form in sorted((out / "answer-sheets").glob("*.pdf")):
        document = pypdfium2.PdfDocument(str(form))
        images += [np.array(page.render(scale=SCAN_DPI / 72, grayscale=True).to_numpy())
                   for page in document]
        document.close()
    cv2.imwritemulti(str(work / "scans.tiff"), images)
    return exgen("scan", "--build", str(out), str(work / "scans.tiff")), len(images)


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def main() -> None:
    os.chdir(Path(__file__).resolve().parent.parent)
    bank = load_bank()
    n_ex = len(bank.exercises)
    print(f"exgen bench — {os.cpu_count()} cores, {n_ex} exercises, best of {RUNS} runs; "
          f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows every "
          "figure)\n")
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
        print(f"\nOne pdflatex pass over one student's {pages}-page quiz sheet "
              f"({QUIZ}): {one_pass:.3f} s — the unit below")
        print(f"Markdown, {MD_STUDENTS:,} students (above): {against(md, one_pass, 'md')}")
        quiz = ("--spec", str(QUIZ))           # with the answer forms a spec asks for
        seconds, _, pdfs = class_build(work, 1, RUNS, *quiz)
        print(f"Quiz, one student: sheet, key, answer form ({pdfs} PDFs; Markdown): "
              f"{seconds:6.2f} s  {against(seconds, one_pass, 'one')}")
        for students in (30, 100, 300):
            seconds, total_pages, pdfs = class_build(work, students,
                                                     RUNS if students <= 100 else 1, *quiz)
            line = (f"Quiz, {students:>3} students: sheets, keys, answer forms ({pdfs} PDFs; "
                    f"Markdown), manifest: {seconds:6.2f} s  "
                    f"{seconds / students * 1000:6.1f} ms/student  "
                    f"= {seconds / one_pass:5.1f} single passes")
            if students == 30:
                line += (f"   goal ≤ {GOALS['quiz']}: "
                         f"{'met' if seconds / one_pass <= GOALS['quiz'] else 'MISSED'}"
                         f"\n    (not measured here: {R_EXAMS_QUIZ})")
            print(line)
        seconds, total_pages, _ = class_build(work, 30, 1)
        print(f"All {n_ex} exercises, 30 students ({total_pages} sheet pages): {seconds:6.2f} s  "
              f"= {seconds / one_pass:5.1f} single passes")
        out = work / "export"
        export = ("export", "--seed", "1", "--variants", str(EXPORT_VARIANTS),
                  "--format", "moodle,qti", "--out", str(out))
        cold = best_of(RUNS, *export, cache=work)
        seconds = best_of(RUNS, *export)
        questions = len(json.loads((out / "export.json").read_text(encoding="utf-8"))
                        ["questions"])
        print(f"Export, all {n_ex} exercises, K = {EXPORT_VARIANTS} ({questions} questions), "
              f"Moodle XML + QTI 2.1: {seconds:6.2f} s  {against(seconds, one_pass, 'export')}"
              f"\n    (an empty cache: {cold:.2f} s = {cold / one_pass:.1f} passes; "
              f"not measured here: {R_EXAMS_MOODLE})")
        site = ("site", "--out", str(work / "site"))
        cold = best_of(RUNS, *site, cache=work)
        seconds = best_of(RUNS, *site)
        print(f"Site, its defaults: {seconds:6.2f} s  {against(seconds, one_pass, 'site')}"
              f"\n    (an empty cache: {cold:.2f} s = {cold / one_pass:.1f} passes)")
        seconds, pages = scan_seconds(work)
        print(f"Scan, {pages} form pages of {SCAN_STUDENTS} students at {SCAN_DPI} dpi: "
              f"{seconds:6.2f} s  {seconds / pages:.3f} s/page = "
              f"{seconds / pages / one_pass:4.2f} single passes per page   goal ≤ "
              f"{SCAN_GOAL_PASSES:g}: "
              f"{'met' if seconds / pages / one_pass <= SCAN_GOAL_PASSES else 'MISSED'}")
        print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
