"""A class document in one pdflatex pass (generator/one_pass.tex), a PDF writer beside the
rest of the build (generator/background.py), and compiled templates kept between builds:
each faster, none changing a byte."""

import os
import shutil
import subprocess

import pytest

from conftest import EXGEN, ROOT, needs_tex, pdf_text


def _long_entry(rows: int) -> str:
    """Markdown with pages of text and a longtable of two chunks (longtable sets 200 rows
    at a time) whose widest cells come late: the header and the first chunk are only as
    wide as they should be if the whole table was measured first."""
    lines = ["| N | Word |", "|---|---|"]
    lines += [f"| {i} | {'w' * (30 if i == rows - 5 else 3)} |" for i in range(rows)]
    text = "\n\n".join(f"Paragraph {i}: " + "the same words again " * 30 for i in range(12))
    return text + "\n\n" + "\n".join(lines) + "\n"


def _entries(bank):
    from generator import pdf

    language = bank.language("en")
    texts = ["A short entry.\n", _long_entry(230), "Another short entry.\n"]
    return [(f"entry {i}", pdf.in_language(pdf.to_latex(text, language, f"entry {i}"),
                                           "en", bank))
            for i, text in enumerate(texts)]


def test_one_pass_makes_the_pdf_a_second_pass_would(tmp_path, bank):
    """The footers count to each entry's own last page, and the table is as wide as its
    widest cell, in one pass; a second pass that reads both back from the .aux file the
    first one wrote (as exgen used to need) changes no byte."""
    needs_tex()
    from generator import pdf, tex

    source = pdf.class_document(bank, bank.language("en"), _entries(bank))
    once = tex.compile_tex(source, tmp_path, "doc")
    assert once.passes == 1
    pages = once.entry_pages
    assert pages[0] == 1 and pages[1] >= 6 and pages[2] == 1
    first = once.pdf.read_bytes()
    text = pdf_text(once.pdf)
    assert f"Page 1 of {pages[1]}" in text and f"Page {pages[1]} of {pages[1]}" in text
    assert "??" not in text

    again = tex.compile_tex(source, tmp_path, "doc")     # reads doc.aux of the first
    assert again.entry_pages == pages
    assert again.pdf.read_bytes() == first


def test_a_document_too_long_to_hold_is_typeset_in_two_passes(tmp_path, bank,
                                                               monkeypatch):
    """An entry longer than ONE_PASS_LIMIT is typeset as LaTeX does by itself (a draft
    pass, then the real one), and the PDF is the same."""
    needs_tex()
    from generator import pdf, tex

    once = tex.compile_tex(pdf.class_document(bank, bank.language("en"), _entries(bank)),
                           tmp_path / "one", "doc")
    monkeypatch.setattr(pdf, "ONE_PASS_LIMIT", 1000)
    twice = tex.compile_tex(pdf.class_document(bank, bank.language("en"), _entries(bank)),
                            tmp_path / "two", "doc")
    assert (once.passes, twice.passes) == (1, 2)
    assert twice.entry_pages == once.entry_pages
    assert twice.pdf.read_bytes() == once.pdf.read_bytes()


def test_an_entry_of_over_a_hundred_pages_in_one_pass(tmp_path, bank):
    """TeX stops a document whose output routine runs a hundred times without shipping a
    page; holding a page counts as shipping it."""
    needs_tex()
    from generator import pdf, tex

    entry = [("the long entry", pdf.in_language(pdf.to_latex(
        _long_entry(5600), bank.language("en"), "the long entry"), "en", bank))]
    compiled = tex.compile_tex(pdf.class_document(bank, bank.language("en"), entry),
                               tmp_path, "doc")
    (last,) = compiled.entry_pages
    assert compiled.passes == 1 and last > 100
    assert f"Page {last} of {last}" in pdf_text(compiled.pdf)


def test_a_document_that_runs_out_of_memory_in_one_pass_gets_two(tmp_path, bank,
                                                                  monkeypatch):
    """Held pages live in TeX's memory; a document that exhausts it in one pass is
    typeset again in two, instead of failing."""
    needs_tex()
    from generator import pdf, tex

    monkeypatch.setattr(pdf, "ONE_PASS_LIMIT", 10**9)
    lines = ["| " + " | ".join(f"H{c}" for c in range(6)) + " |", "|" + "---|" * 6]
    lines += ["| " + " | ".join(f"cell {i} {c} $x_{c}$" for c in range(6)) + " |"
              for i in range(3600)]                    # over a hundred pages of table
    entry = [("the long entry", pdf.in_language(pdf.to_latex(
        "\n".join(lines) + "\n", bank.language("en"), "the long entry"), "en", bank))]
    compiled = tex.compile_tex(pdf.class_document(bank, bank.language("en"), entry),
                               tmp_path, "doc")
    assert compiled.passes == 2
    (last,) = compiled.entry_pages
    assert last > 100
    assert f"Page {last} of {last}" in pdf_text(compiled.pdf)


def test_a_reference_ahead_gets_a_second_pass(tmp_path, bank):
    """A layout of a bank's own may refer to a label further on: pdflatex says so in its
    log, and exgen runs it again."""
    needs_tex()
    from generator import pdf, tex

    body = (pdf.in_language(r"See page \pageref{later}.\newpage Here\label{later}.", "en",
                            bank))
    compiled = tex.compile_tex(pdf.class_document(bank, bank.language("en"),
                                                  [("the entry", body)]), tmp_path, "doc")
    assert compiled.passes == 2
    assert "See page 2." in pdf_text(compiled.pdf)


def test_a_page_style_of_the_moment_is_kept_while_its_page_is_held(tmp_path, bank):
    """A layout may style a page of its own (\\thispagestyle, \\pagestyle): a held page
    is shipped with the head and foot it had when it was made."""
    needs_tex()
    from generator import pdf, tex

    body = pdf.in_language(r"\thispagestyle{empty}One.\newpage Two.\newpage"
                           r"\pagestyle{empty}Three.", "en", bank)
    source = pdf.class_document(bank, bank.language("en"), [("the entry", body)])
    once = tex.compile_tex(source, tmp_path, "doc")
    pages = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(once.pdf), "-"],
                            capture_output=True, text=True, check=True).stdout
             for n in (1, 2, 3)]
    assert "Page" not in pages[0] and "Page 2 of 3" in pages[1] and "Page" not in pages[2]
    first = once.pdf.read_bytes()
    assert tex.compile_tex(source, tmp_path, "doc").pdf.read_bytes() == first


def test_background_work_reports_a_users_error_as_one(tmp_path):
    from generator import background
    from generator.errors import ExgenError

    def fails():
        (tmp_path / "begun").write_text("yes")
        raise ExgenError("no such thing", where="bank/x.toml, line 3")

    wait = background.start(fails)
    with pytest.raises(ExgenError, match=r"^bank/x\.toml, line 3: no such thing$"):
        wait()
    assert (tmp_path / "begun").read_text() == "yes"


def test_background_work_writes_where_the_build_sees_it(tmp_path):
    from generator import background

    wait = background.start(lambda: (tmp_path / "done").write_text("written"))
    wait()
    wait()                                   # waiting twice is harmless
    assert (tmp_path / "done").read_text() == "written"


def test_a_bug_in_background_work_is_not_hidden():
    from generator import background

    wait = background.start(lambda: 1 / 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        wait()


def _exgen(*args, cache) -> str:
    proc = subprocess.run([*EXGEN, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_changed_template_is_not_served_from_the_cache(tmp_path, bank_copy):
    """Compiled templates are kept between builds, checked against their source: a
    template edited after it was cached is compiled again."""
    cache = tmp_path / "cache"
    show = ("--bank", bank_copy, "show", "ffn_dims", "--lang", "en", "--reference")
    before = _exgen(*show, cache=cache)
    assert any((cache / "exgen").glob("templates-*/*"))
    assert _exgen(*show, cache=cache) == before
    template = bank_copy / "templates" / "en" / "ffn_dims.md"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "The feed-forward network", "The position-wise feed-forward network"),
        encoding="utf-8")
    after = _exgen(*show, cache=cache)
    assert "The position-wise feed-forward network" in after
    assert after == before.replace("The feed-forward network",
                                   "The position-wise feed-forward network")
    shutil.rmtree(cache)
    assert _exgen(*show, cache=cache) == after


def _tree(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_large_class_written_by_two_processes_is_the_same(tmp_path, run, monkeypatch):
    """From markdown.SPLIT_FROM students on, two processes render half a class each; the
    files are those one process writes."""
    from generator import markdown

    args = ("exams", "--seed", 3, "--students", 7, "--format", "md", "--spec",
            "exams/lecture5-quiz.toml")
    assert run(*args, "--out", tmp_path / "one").code == 0
    monkeypatch.setattr(markdown, "SPLIT_FROM", 2)
    assert run(*args, "--out", tmp_path / "two").code == 0
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert len(one) == 7 * 3 + 4            # sheets, keys, answer forms; key, manifest, …
    assert one == two
