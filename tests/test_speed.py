"""Speed that comes from the structure (issue 8, item 5): a class's shared variants are
solved, rendered and converted once per build, JSON is encoded once per distinct entry,
and a command imports only what it uses. Each test checks the work done or the modules
loaded, never the time taken; the outputs themselves are compared elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter

import sympy

import generator.exam
import generator.solve
from conftest import QUIZ, ROOT, needs_tex
from generator import numbers
from generator.bank import load_bank
from generator.exam import manifest, manifest_json, plan
from generator.roster import Student, numbered
from generator.spec import default_spec, load_spec

# What the Markdown commands never need: the PDF (and Markdown → LaTeX), spreadsheet,
# chart and browser stacks, and the modules of other commands.
HEAVY = ("pikepdf", "pylatex", "markdown_it", "openpyxl", "matplotlib", "playwright", "tqdm",
         "generator.pdf", "generator.workbook", "generator.report", "generator.grade",
         "generator.export", "generator.moodle", "generator.qti", "generator.site",
         # the scan forms' QR codes and the scan reader
         "segno", "cv2", "pypdfium2", "generator.scan", "generator.scan_page",
         "generator.scan_form", "generator.scan_shape", "generator.scan_tex")

LOADED = """
import sys
from generator.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    assert exc.code == 0, exc.code
print(" ".join(sorted(sys.modules)))
"""


def loaded_by(*args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", LOADED, *args], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return set(proc.stdout.split())


def test_list_show_and_markdown_exams_import_no_pdf_or_spreadsheet_stack(tmp_path):
    for args in (("list",), ("show", "gqa_kv_cache", "--reference"),
                 ("show", "gqa_kv_cache", "--reference", "--format", "json"),
                 ("exams", "--seed", "1", "--students", "3", "--format", "md",
                  "--out", str(tmp_path / "md"))):
        loaded = loaded_by(*args)
        assert "generator.cli" in loaded
        assert not loaded & set(HEAVY), (args, sorted(loaded & set(HEAVY)))


# What the LMS export and the practice site never need: the PDF, spreadsheet, chart and
# browser stacks (numpy comes only with matplotlib), nor the modules of other commands.
NOT_FOR_EXPORT = ("pikepdf", "pylatex", "openpyxl", "matplotlib", "numpy", "PIL",
                  "playwright", "tqdm", "generator.pdf", "generator.workbook",
                  "generator.report", "generator.grade", "generator.markdown")


def test_export_and_site_import_no_pdf_spreadsheet_or_chart_stack(tmp_path):
    for args in (("export", "--seed", "1", "--variants", "2", "--out", str(tmp_path / "e")),
                 ("site", "--variants", "1", "--out", str(tmp_path / "s"))):
        loaded = loaded_by(*args)
        assert "generator.cli" in loaded and ("generator.site" in loaded) == (
            args[0] == "site")
        assert not loaded & set(NOT_FOR_EXPORT), (args, sorted(loaded & set(NOT_FOR_EXPORT)))


def test_a_pdf_build_imports_its_stacks_only_in_the_processes_that_use_them(tmp_path):
    """The build's own process (which plans, writes the Markdown and starts the writers)
    imports neither the PDF stack nor openpyxl: the PDF writer's and the workbook's
    processes do, each for itself (the workbook's while the exam is drawn). No process imports a chart or browser stack."""
    needs_tex()                   # under CI=true a missing TeX fails, never skips
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", LOADED, "exams",
                           "--seed", "1", "--students", "1", "--spec", str(QUIZ),
                           "--format", "md,pdf", "--out", str(tmp_path / "pdf")],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    build = set(proc.stdout.split())
    anywhere = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert (tmp_path / "pdf" / "print-all.pdf").is_file()
    assert (tmp_path / "pdf" / "answers-template.xlsx").is_file()
    writers = {"pikepdf", "pylatex", "openpyxl"}
    assert writers <= anywhere, sorted(writers - anywhere)
    # markdown-it too, where the PDF writer converts a text the cache does not hold
    stacks = writers | {"markdown_it"}
    assert "generator.pdf" in build and not build & stacks, sorted(build & stacks)
    unused = {"matplotlib", "playwright", "tqdm", "generator.report", "generator.grade",
              "generator.site", "generator.export"}
    assert not (build | anywhere) & unused, sorted((build | anywhere) & unused)
    assert "numpy" not in build


WORKBOOK = """
import sys
from pathlib import Path
from generator.bank import load_bank
from generator.exam import plan
from generator.roster import numbered
from generator.spec import default_spec
from generator.tables import read_table
from generator.workbook import write_answers_template
bank = load_bank()
exam = plan(bank, 1, numbered(2), "bg", default_spec(bank).slots)
write_answers_template(exam, "bg", Path(sys.argv[1]))
assert len(read_table(Path(sys.argv[1]), "answers").rows) >= 2
print(" ".join(sorted(sys.modules)))
"""


def test_the_answers_workbook_is_written_and_read_without_numpy(tmp_path):
    # openpyxl imports numpy when it can (0.3–0.8 s); exgen writes no numpy values.
    proc = subprocess.run([sys.executable, "-c", WORKBOOK, str(tmp_path / "a.xlsx")],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(proc.stdout.split())
    assert "openpyxl" in loaded and "numpy" not in loaded
    import numpy                           # and numpy is still there for who needs it

    assert numpy.zeros(2).sum() == 0


def test_each_distinct_variant_of_a_class_is_solved_once(monkeypatch):
    # residual's sampler solves a variant to see whether to avoid it; the sheet uses
    # the same solution. A bank of its own: the shared one caches what the sampler avoids.
    bank = load_bank()
    solved = Counter()
    real = generator.solve.solve

    def counting(variant):
        solved[(variant.exercise.id, variant.key)] += 1
        return real(variant)

    monkeypatch.setattr(generator.solve, "solve", counting)
    exam = plan(bank, 7, numbered(150), "bg", default_spec(bank).slots)
    assert solved and max(solved.values()) == 1, solved.most_common(3)
    shared = {(i.exercise.id, i.solution.variant.key): i.solution
              for se in exam.students for i in se.items}
    for se in exam.students:               # one Solution object per distinct variant
        for item in se.items:
            assert shared[(item.exercise.id, item.solution.variant.key)] is item.solution


def test_each_distinct_variant_is_rendered_once_per_language_and_parts_asked(bank,
                                                                           monkeypatch):
    import generator.render
    from generator.documents import TextsByLanguage, instructor_rows, student_documents

    rendered = Counter()
    real = generator.render.ExerciseTexts.context

    def counting(self, solution, parts=None, instructed=None, ungraded=False):
        rendered[(self.lang, solution.variant.exercise.id, solution.variant.key, parts,
                  ungraded)] += 1
        return real(self, solution, parts, instructed, ungraded)

    monkeypatch.setattr(generator.render.ExerciseTexts, "context", counting)
    spec = load_spec(ROOT / "exams" / "lecture5-full.toml", bank)
    people = [Student(f"s{n}", "", "en" if n % 3 else None) for n in range(120)]
    exam = plan(bank, 5, people, "bg", spec.slots)
    texts = TextsByLanguage(bank)
    documents = [student_documents(se, spec.headings, texts) for se in exam.students]
    instructor_rows(exam, "bg")
    assert len(documents) == 120 and rendered and max(rendered.values()) == 1
    assert {lang for lang, *_ in rendered} == {"bg", "en"}
    assert sum(rendered.values()) < sum(len(se.items) for se in exam.students)


def test_manifest_text_is_the_manifest_encoded_as_before(bank):
    people = [*numbered(25), Student("\x00exercises-1", 'a "name"\n\x00exercises-0', "en",
                                     "g\\1")]
    for spec in (default_spec(bank), load_spec(ROOT / "exams" / "lecture5-quiz.toml", bank),
                 load_spec(ROOT / "exams" / "lecture5-full.toml", bank)):
        exam = plan(bank, 4, people, "bg", spec.slots)
        assert manifest_json(exam) == json.dumps(manifest(exam), ensure_ascii=False, indent=2)
        empty = plan(bank, 4, [], "bg", spec.slots)
        assert manifest_json(empty) == json.dumps(manifest(empty), ensure_ascii=False,
                                                  indent=2)


def test_each_distinct_text_is_converted_to_latex_once(monkeypatch, bank):
    import generator.latex
    from generator.pdf import to_latex

    converted = Counter()
    real = generator.latex.markdown_to_latex

    def counting(text, ts):
        converted[text] += 1
        return real(text, ts)

    monkeypatch.setattr(generator.latex, "markdown_to_latex", counting)
    text = f"Text {uuid.uuid4().hex} with $x^2$ math."
    first = to_latex(text, bank.language("bg"), "a test")
    assert to_latex(text, bank.language("bg"), "a test") == first
    assert converted[text] == 1


def test_whole_digits_of_an_irrational_are_exact_even_next_to_a_power_of_ten():
    near = [10 - sympy.exp(-100), 10 + sympy.exp(-100), 1000 - sympy.exp(-60),
            sympy.sqrt(10**80) - sympy.exp(-200), sympy.sqrt(10**80 + 1), sympy.pi * 10**50,
            -sympy.pi * 10**50, sympy.sqrt(2), -sympy.sqrt(99), sympy.exp(-500),
            sympy.Rational(-7, 3), sympy.Integer(10**30)]
    for value in near:
        assert numbers._whole_digits(value) == len(str(abs(int(value)))), value
