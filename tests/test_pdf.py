"""PDF output: each student's own numbers, real Bulgarian text, vector fonts, and the
same bytes every time. Under CI=true these run; elsewhere they skip only without TeX."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import needs_tex, pdf_text

STUDENTS = 3


def squeeze(text: str) -> str:
    """Digits grouped by thin spaces come back from pdftotext in several ways."""
    return re.sub(r"[\s\u00a0\u2009\u202f,]", "", text)


@pytest.fixture(scope="module")
def class_build(tmp_path_factory):
    needs_tex()
    from generator.cli import main

    out = tmp_path_factory.mktemp("pdf") / "seed-9"
    with pytest.raises(SystemExit) as exc:
        main(["exams", "--seed", "9", "--students", str(STUDENTS), "--format", "md,pdf",
              "--out", str(out)])
    assert exc.value.code == 0
    return out


def _big_integers(values: dict) -> list[int]:
    return [v for v in values.values() if isinstance(v, int) and v >= 100_000]


def test_every_student_gets_a_sheet_and_a_key(class_build):
    for sid in ("01", "02", "03"):
        assert (class_build / "sheets" / f"{sid}.pdf").is_file()
        assert (class_build / "keys" / f"{sid}.pdf").is_file()
    for name in ("print-all.pdf", "instructor-key.pdf", "manifest.json"):
        assert (class_build / name).is_file()


def test_sheet_holds_own_parameters_and_none_of_the_answers(class_build):
    manifest = json.loads((class_build / "manifest.json").read_text())
    for student in manifest["students"]:
        sheet = squeeze(pdf_text(class_build / "sheets" / f"{student['id']}.pdf"))
        key = squeeze(pdf_text(class_build / "keys" / f"{student['id']}.pdf"))
        assert student["variant_code"] in sheet
        exercises = {e["exercise"]: e for e in student["exercises"]}
        gqa = exercises["gqa_kv_cache"]["params"]
        assert f"{gqa['n_heads']}queryheads" in sheet
        for entry in student["exercises"]:
            for value in _big_integers(entry["answers"]):
                assert str(value) not in sheet, (entry["exercise"], value)
                assert str(value) in key, (entry["exercise"], value)


def test_key_shows_the_answers_of_the_manifest(class_build):
    """σ of each student's LayerNorm is irrational, so its two printed decimals (`1,41`,
    `2,16` …) come from the answer alone: they are in the key and not on the sheet."""
    manifest = json.loads((class_build / "manifest.json").read_text())
    for student in manifest["students"]:
        key = pdf_text(class_build / "keys" / f"{student['id']}.pdf")
        sheet = pdf_text(class_build / "sheets" / f"{student['id']}.pdf")
        layernorm = next(e for e in student["exercises"] if e["exercise"] == "layernorm")
        for value in (layernorm["answers"]["std"], max(layernorm["answers"]["normalized"])):
            printed = f"{value:.2f}".replace(".", ",")
            assert printed in key and printed not in sheet, (student["id"], printed)


def test_bulgarian_text_extracts_as_bulgarian(class_build):
    text = pdf_text(class_build / "keys" / "01.pdf")
    for word in ("Задача", "Решение", "Изчислете", "Факултетен номер"):
        assert word in text


def test_no_bitmap_type3_fonts(class_build):
    for pdf in (class_build / "print-all.pdf", class_build / "keys" / "01.pdf",
                class_build / "instructor-key.pdf"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        assert "Type 3" not in fonts
        assert "Type 1" in fonts


def test_pages_count_to_each_students_own_last_page(class_build):
    text = pdf_text(class_build / "sheets" / "02.pdf")
    pages = text.count("\f")
    assert f"Стр. 1 от {pages}" in text and f"Стр. {pages} от {pages}" in text


def test_print_all_starts_every_student_on_an_odd_page(class_build):
    import pikepdf

    pages = [pdf_text(class_build / "sheets" / f"0{i}.pdf").count("\f")
             for i in range(1, STUDENTS + 1)]
    with pikepdf.open(class_build / "print-all.pdf") as pdf:
        total = len(pdf.pages)
    assert total == sum(p + p % 2 for p in pages[:-1]) + pages[-1]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_pdfs(tmp_path, run):
    needs_tex()
    for name in ("a", "b"):
        assert run("exams", "--seed", 4, "--students", 2, "--format", "md,pdf",
                   "--out", tmp_path / name).code == 0
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert "sheets/01.pdf" in first and first == second


def test_latex_hostile_text_compiles(tmp_path, bank_copy, run):
    needs_tex()
    template = bank_copy / "templates" / "en" / "gqa_kv_cache.md"
    template.write_text(template.read_text().replace(
        "{% block question %}", "{% block question %}\n50% of d_model & #heads {$} ~^\\\n", 1))
    result = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 1, "--lang", "en",
                 "--format", "pdf", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert "50% of d_model & #heads {$} ~^\\" in pdf_text(tmp_path / "out" / "sheets" / "01.pdf")


def test_tex_error_names_student_and_exercise_and_keeps_old_output(tmp_path, bank_copy, run):
    needs_tex()
    out = tmp_path / "out"
    assert run("--bank", bank_copy, "exams", "--seed", 1, "--students", 2, "--format", "pdf",
               "--out", out).code == 0
    before = _tree(out)
    template = bank_copy / "templates" / "bg" / "residual.md"
    template.write_text(template.read_text().replace(
        "{% block question %}", "{% block question %}\n$\\begin{matrix} a \\end{pmatrix}$\n", 1))
    result = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 2, "--format",
                 "pdf", "--out", out)
    assert result.code == 2
    assert "student 01" in result.err and "residual" in result.err
    assert "pdflatex failed" in result.err and "Missing" in result.err
    assert _tree(out) == before


def test_handout_pdfs_in_both_languages(tmp_path, run):
    needs_tex()
    assert run("handout", "--reference", "--out", tmp_path).code == 0
    bg = pdf_text(tmp_path / "handout-bg.pdf")
    en = pdf_text(tmp_path / "handout-en.pdf")
    assert "Решения" in bg and "Solutions" in en
    assert "134217728" in squeeze(bg)


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_nothing_runs_into_the_margins(tmp_path, bank, lang):
    """No line of any sheet or key is wider than the text block (pdfTeX's overfull boxes)."""
    needs_tex()
    from generator import pdf, tex
    from generator.documents import TextsByLanguage, student_documents
    from generator.spec import default_heading
    from generator.exam import plan
    from generator.roster import numbered

    exam = plan(bank, 3, numbered(12), lang)
    headings = {code: default_heading(bank, code) for code in bank.languages}
    texts = TextsByLanguage(bank)
    entries = []
    for se in exam.students:
        for doc in student_documents(se, headings, texts):
            entries.append((se.student.id, pdf.in_language(pdf.sheet_latex(doc, bank), lang,
                                                           bank)))
    tex.compile_tex(pdf.class_document(bank, bank.language(lang), entries), tmp_path, "all")
    log = (tmp_path / "all.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+\.\d+)pt too wide\)", log)]
    assert [w for w in widths if w > 2.0] == []


def test_caches_change_no_byte(tmp_path, run, monkeypatch):
    """With the cached pdfTeX format and compiled templates, or without them (the cache
    is not writable), the same files."""
    needs_tex()
    from generator import layouts, render, tex

    def forget():
        for cached in (tex._preamble_format, render._environment, layouts._environment_of):
            cached.cache_clear()

    assert run("exams", "--seed", 6, "--students", 2, "--format", "md,pdf",
               "--out", tmp_path / "with").code == 0
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/exgen-cannot-write-here")
    forget()
    try:
        assert render.compiled_templates("md") is None
        assert run("exams", "--seed", 6, "--students", 2, "--format", "md,pdf",
                   "--out", tmp_path / "without").code == 0
    finally:
        forget()
    assert _tree(tmp_path / "with") == _tree(tmp_path / "without")
