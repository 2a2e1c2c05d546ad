"""A language is data: a folder templates/<lang>/ with its words, texts and the
[typesetting] table pdfLaTeX needs. A third language is one copied folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import needs_tex, pdf_text

RUSSIAN = '[typesetting]\nbabel = "russian"\nfontenc = "T2A"\nquotes = ["«", "»"]\n'


def with_third_language(bank: Path) -> Path:
    """The bank with templates/ru/: the Bulgarian folder copied, its [typesetting] set to
    Russian — and nothing else changed."""
    folder = bank / "templates" / "ru"
    shutil.copytree(bank / "templates" / "bg", folder)
    strings = folder / "strings.toml"
    text = strings.read_text(encoding="utf-8")
    text, count = re.subn(r"\[typesetting\]\n(?:[a-z]+ = .*\n)+", RUSSIAN, text)
    assert count == 1
    strings.write_text(text, encoding="utf-8")
    return bank


def test_a_copied_folder_is_a_third_language_in_markdown_and_pdf(bank_copy, run, tmp_path):
    needs_tex()
    bank = with_third_language(bank_copy)
    out = tmp_path / "ru"
    result = run("--bank", bank, "exams", "--seed", 3, "--students", 2, "--lang", "ru",
                 "--answer-sheet", "--format", "md,pdf", "--out", out)
    assert result.code == 0, result.err
    for folder in ("sheets", "keys", "answer-sheets"):
        for sid in ("01", "02"):
            assert (out / folder / f"{sid}.md").is_file()
            assert (out / folder / f"{sid}.pdf").is_file()
    sheet = (out / "sheets" / "01.md").read_text(encoding="utf-8")
    assert "## Задача 1: FFN размерности" in sheet
    text = pdf_text(out / "sheets" / "01.pdf")
    assert "Задача 1: FFN размерности" in text and "Стр. 1 от" in text
    key = pdf_text(out / "keys" / "01.pdf")
    assert "Решение" in key
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"lang": "ru"' in manifest


def test_a_third_language_takes_its_quotes_and_babel_from_its_table(bank_copy, run):
    bank = with_third_language(bank_copy)
    tex = run("--bank", bank, "show", "pre_post_norm", "--lang", "ru", "--reference",
              "--format", "tex")
    assert tex.code == 0, tex.err
    from generator.bank import load_bank

    ts = load_bank(bank).language("ru").typesetting
    assert (ts.babel, ts.fontenc, ts.quotes) == ("russian", "T2A", ("«", "»"))
    assert load_bank(bank).language("en").typesetting.cyrillic == "bulgarian"


def test_list_speaks_the_chosen_language(bank_copy, run):
    bg = run("list", "--lang", "bg").out
    en = run("list", "--lang", "en").out
    assert "FFN размерности" in bg and "Параметри:" in bg and "Варианти:" in bg
    assert "FFN dimensions" in en and "Parameters:" in en and "Variants:" in en
    assert "110\u202f592" in bg and "110,592" in en           # each language's number style
    ru = run("--bank", with_third_language(bank_copy), "list", "--lang", "ru").out
    assert "FFN размерности" in ru
    unknown = run("list", "--lang", "de")
    assert unknown.code == 2 and "unknown language `de`" in unknown.err


@pytest.mark.parametrize("table, message", [
    ("", "missing `typesetting` (a table)"),
    ('[typesetting]\nbabel = "english"\nfontenc = "T1"\n', "missing `quotes` in [typesetting]"),
    ('[typesetting]\nbabel = "eng lish"\nfontenc = "T1"\nquotes = ["“", "”"]\n',
     "`babel` in [typesetting] must be babel's name"),
    ('[typesetting]\nbabel = "english"\nfontenc = "T1"\nquotes = ["“", "”"]\nsize = 1\n',
     "unknown key `size` in [typesetting]"),
])
def test_a_bad_typesetting_table_names_the_file(bank_copy, run, table, message):
    strings = bank_copy / "templates" / "en" / "strings.toml"
    text = re.sub(r"\[typesetting\]\n(?:[a-z]+ = .*\n)+", table,
                  strings.read_text(encoding="utf-8"))
    strings.write_text(text, encoding="utf-8")
    result = run("--bank", bank_copy, "list")
    assert result.code == 2
    assert message in result.err and "templates/en/strings.toml" in result.err
    assert "Traceback" not in result.err


def test_an_exercise_heading_is_defined_once_per_format(bank_copy, run, tmp_path):
    """The sheet, the key and `show` take an exercise's heading from one macro per
    format: a bank that changes macros.md and macros.tex changes all of them."""
    needs_tex()
    layouts = bank_copy / "templates" / "layouts"
    for name, old, new in (("macros.md", "## {{ word }}", "## ❖ {{ word }}"),
                           ("macros.tex", r"\section*{\VAR{word}", r"\section*{HEAD \VAR{word}")):
        text = (layouts / name).read_text(encoding="utf-8")
        assert old in text
        (layouts / name).write_text(text.replace(old, new), encoding="utf-8")
    out = tmp_path / "out"
    result = run("--bank", bank_copy, "exams", "--seed", 2, "--students", 1,
                 "--format", "md,pdf", "--out", out)
    assert result.code == 0, result.err
    assert "## ❖ Задача 1:" in (out / "sheets" / "01.md").read_text(encoding="utf-8")
    assert "## ❖ Задача 1:" in (out / "keys" / "01.md").read_text(encoding="utf-8")
    assert "HEAD Задача 1:" in pdf_text(out / "sheets" / "01.pdf")
    assert "HEAD Задача 1:" in pdf_text(out / "keys" / "01.pdf")
    shown = run("--bank", bank_copy, "show", "residual", "--reference")
    assert shown.out.startswith("## ❖ Упражнение 2: Residual")


def test_a_broken_layout_is_a_message_naming_it(bank_copy, run, tmp_path):
    layouts = bank_copy / "templates" / "layouts"
    (layouts / "exam.md").write_text("# {{ heading.course }\n", encoding="utf-8")
    result = run("--bank", bank_copy, "exams", "--seed", 2, "--students", 1,
                 "--format", "md", "--out", tmp_path / "out")
    assert result.code == 2 and "layout error" in result.err
    assert "exam.md, line 1" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_a_bank_may_bring_some_layouts_and_take_the_rest_from_exgen(bank_copy, run,
                                                                     tmp_path):
    layouts = bank_copy / "templates" / "layouts"
    (layouts / "macros.md").unlink()                   # exam.md imports it: from exgen's
    (layouts / "answer-sheet.md").unlink()
    result = run("--bank", bank_copy, "exams", "--seed", 2, "--students", 1,
                 "--answer-sheet", "--format", "md", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert "## Задача 1:" in (tmp_path / "out" / "sheets" / "01.md").read_text(
        encoding="utf-8")


def test_check_renders_the_layouts_of_every_language_and_format(bank_copy, run):
    """A bank's broken LaTeX layout is found by `check`, before any exam needs TeX."""
    assert run("--bank", bank_copy, "check").code == 0
    layout = bank_copy / "templates" / "layouts" / "answer-sheet.tex"
    text = layout.read_text(encoding="utf-8")
    layout.write_text(text.replace(r"\VAR{box.label}", r"\VAR{box.lable}"), encoding="utf-8")
    result = run("--bank", bank_copy, "check")
    assert result.code == 2
    assert "layout error" in result.err and "answer-sheet.tex" in result.err
    assert "lable" in result.err and "(the bg layouts, tex)" in result.err
