"""pdflatex started before its document is written (tex.started, pdf.starting): the
process loads its format while Python writes the entries, then typesets the document it
is given as a pass started afterwards would, to the byte; a broken or looping document
is reported by its origin, and no started pdflatex outlives a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import QUIZ, needs_proc, needs_tex, pdf_text
from generator.errors import ExgenError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _document(bank, lang: str, bodies: dict[str, str]) -> str:
    from generator import pdf

    return pdf.class_document(bank, bank.language(lang),
                              [(origin, pdf.in_language(body, lang, bank))
                               for origin, body in bodies.items()], {lang})


def _preamble(source: str) -> str:
    return source.partition("\\begin{document}")[0]


def test_an_early_pass_is_used_and_makes_the_bytes_a_late_one_makes(tmp_path, bank):
    needs_tex()
    from generator import pdf, tex

    source = _document(bank, "bg", {"student 01": "Първа страница.\\newpage Втора.",
                                    "student 02": "Трета."})
    assert _preamble(source) == pdf.class_preamble(bank, bank.language("bg"), {"bg"})
    late = tex.compile_tex(source, tmp_path / "late", "doc")
    with tex.started(_preamble(source), tmp_path / "early", "doc") as early:
        assert early is not None and _alive(early.proc.pid)
        pid = early.proc.pid
        compiled = tex.compile_tex(source, tmp_path / "early", "doc", early)
        assert early.proc is None and not _alive(pid)
    log = (tmp_path / "early" / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert "\\scrollmode" in log                 # typeset by the process started early
    assert compiled.entry_pages == late.entry_pages == [2, 1]
    assert compiled.pdf.read_bytes() == late.pdf.read_bytes()


@pytest.mark.parametrize("text, floor, said", [
    ("Broken \\exgennosuch.", None,
     ["pdflatex failed on student 08, exercise rope", "Undefined control sequence"]),
    ("\\def\\x{\\x}\\x", 3.0, ["did not finish", "student 08, exercise rope"]),
], ids=["broken", "a loop"])
def test_a_broken_or_looping_document_given_to_an_early_pass_names_its_origin(
        tmp_path, bank, monkeypatch, text, floor, said):
    needs_tex()
    from generator import tex

    if floor is not None:                  # a loop stops at the time limit
        monkeypatch.setattr(tex, "TEX_TIME_FLOOR", floor)
    source = _document(bank, "en", {"student 07": "Fine.",
                                    "student 08, exercise rope": text})
    with tex.started(_preamble(source), tmp_path, "doc") as early:
        pid = early.proc.pid
        with pytest.raises(ExgenError) as failure:
            tex.compile_tex(source, tmp_path, "doc", early)
        assert not _alive(pid)
    for words in said:
        assert words in str(failure.value)


def test_a_failure_while_the_entries_are_written_stops_the_started_passes(tmp_path, bank):
    needs_tex()
    from generator import pdf

    with pytest.raises(RuntimeError, match="a template broke"):
        with pdf.starting(bank, "bg", {"bg", "en"}, tmp_path, 2) as early:
            assert len(early) == 2
            pids = [started.proc.pid for started in early]
            assert all(_alive(pid) for pid in pids)
            raise RuntimeError("a template broke")
    assert not any(_alive(pid) for pid in pids)
    assert all(started.proc is None for started in early)


def test_a_pass_started_for_another_document_is_not_used(tmp_path, bank):
    """Started for a document of another name: the pass is stopped and the document
    typeset as always; and a document that asks for a second pass gets it after the
    early one."""
    needs_tex()
    from generator import tex

    source = _document(bank, "en", {"the entry": "Only English."})
    with tex.started(_preamble(source), tmp_path, "other") as early:
        pid = early.proc.pid
        compiled = tex.compile_tex(source, tmp_path, "doc", early)
        assert not _alive(pid)
    assert "\\scrollmode" not in (tmp_path / "doc.log").read_text(errors="replace")
    assert "Only English." in pdf_text(compiled.pdf)

    ahead = _document(bank, "en", {"the entry": "See page \\pageref{later}.\\newpage "
                                                "Here\\label{later}."})
    with tex.started(_preamble(ahead), tmp_path / "ahead", "doc") as early:
        compiled = tex.compile_tex(ahead, tmp_path / "ahead", "doc", early)
    assert compiled.passes == 2 and "See page 2." in pdf_text(compiled.pdf)


def test_without_a_format_nothing_is_started_and_the_document_is_typeset(tmp_path, bank,
                                                                        monkeypatch):
    needs_tex()
    from generator import tex

    monkeypatch.setattr(tex, "preamble_format", lambda preamble: None)
    source = _document(bank, "en", {"the entry": "Typeset with its preamble."})
    with tex.started(_preamble(source), tmp_path, "doc") as early:
        assert early is None
        compiled = tex.compile_tex(source, tmp_path, "doc", early)
    assert "Typeset with its preamble." in pdf_text(compiled.pdf)


def test_a_class_is_typeset_as_as_many_documents_as_were_started(bank, tmp_path):
    """The writer starts its passes before it has the entries: as many as `typeset`
    then makes of them, one for a small class."""
    from generator import pdf
    from generator.documents import (ClassDocuments, TextsByLanguage, instructor_rows,
                                     student_documents)
    from generator.exam import plan
    from generator.roster import numbered
    from generator.spec import load_spec

    spec = load_spec(QUIZ, bank)
    for students, forms in ((1, True), (3, True), (4, False), (5, True)):
        exam = plan(bank, 1, numbered(students), "bg", spec.slots)
        texts = TextsByLanguage(bank)
        documents = tuple(student_documents(se, spec.headings, texts) for se in exam.students)
        build = ClassDocuments(exam, documents, spec.headings, "bg",
                               tuple(instructor_rows(exam, "bg")), forms, (), "write")
        sheets, keys, _ = pdf._exam_entries(build, documents, tmp_path)
        entries = len(sheets) + len(keys) + 1
        assert pdf.entry_count(build) == entries
    assert pdf.document_count(pdf.ONE_DOCUMENT) == 1
    assert pdf.document_count(pdf.ONE_DOCUMENT + 1) == pdf.DOCUMENTS


def _tex_processes_under(folder: Path) -> list[int]:
    """pdflatex processes working in a folder under `folder`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip().startswith("pdf") and \
                    Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(int(proc.name))
        except OSError:
            pass
    return found


@pytest.mark.parametrize("broken, said", [
    ("$\\begin{matrix} a \\end{pmatrix}$", "pdflatex failed on student 0"),   # TeX's
    ("![a picture](../secret.png)", "an image must be"),   # Python's, while TeX waits
])
def test_a_class_whose_text_breaks_leaves_no_pdflatex_and_no_output(broken, said, bank_copy,
                                                                     run, tmp_path,
                                                                     monkeypatch):
    """Both documents of a class are started early; a text breaks TeX, or the writing
    of the entries: the error names the student and exercise, no pdflatex of the build is
    left, and nothing is written."""
    needs_proc()
    needs_tex()
    import tempfile

    work = tmp_path / "tex"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))   # the TeX work folders
    template = bank_copy / "templates" / "bg" / "residual.md"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block question %}", "{% block question %}\n" + broken + "\n", 1),
        encoding="utf-8")
    out = tmp_path / "out"
    result = run("--bank", bank_copy, "exams", "--seed", 1, "--students", 5, "--spec", QUIZ,
                 "--lang", "bg", "--format", "pdf", "--out", out)
    assert result.code == 2, result.err
    assert said in result.err and "residual" in result.err, result.err
    assert _tex_processes_under(work) == []
    assert not out.exists() and list(work.iterdir()) == []
