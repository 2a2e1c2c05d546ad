"""Answer sheets: one per student, a row per answer asked, in Markdown and PDF."""

from __future__ import annotations

import re

from answering import asked
from conftest import PRINT_ORDER, QUIZ, in_pdf_text, pdf_text, squeeze


def test_every_student_gets_an_answer_sheet_with_each_answer(class_md, bank):
    _, out, data = class_md
    assert sorted(p.stem for p in (out / "answer-sheets").glob("*.md")) == sorted(PRINT_ORDER)
    for student in data["students"]:
        sid, lang = student["id"], student["lang"]
        text = (out / "answer-sheets" / f"{sid}.md").read_text(encoding="utf-8")
        assert sid in text and student["variant_code"] in text
        rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
        words = bank.language(lang).words
        expected = []
        for item in student["exercises"]:       # in the order of the sub-questions
            answers = bank.exercise(item["exercise"]).answers
            entries = [(answers[name].part or 0, answers[name].labels[lang])
                       for name in asked(item)] + [
                (int(part), f"{words['written_question']} {part} "
                            f"({str(points).replace('.', ',') if lang == 'bg' else points} "
                            f"{words['points']})")
                for part, points in (item.get("written") or {}).items()]
            expected += [(item["position"], label) for _, label in sorted(entries,
                                                                         key=lambda e: e[0])]
        assert len(rows) == len(expected)
        for row, (position, label) in zip(rows, expected):
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert cells[0] == str(position) and cells[1] == label, (row, label)


def test_answer_sheets_are_on_with_a_spec_and_can_be_turned_off(run, tmp_path):
    """README: with a spec, answer forms are on by default; --no-answer-sheet turns them
    off; without a spec they come only with --answer-sheet."""
    cases = [(["--spec", QUIZ], True), (["--spec", QUIZ, "--no-answer-sheet"], False),
             ([], False), (["--answer-sheet"], True)]
    for index, (extra, expected) in enumerate(cases):
        out = tmp_path / f"out{index}"
        assert run("exams", "--seed", 1, "--students", 2, "--format", "md", "--out", out,
                   *extra).code == 0
        forms = sorted(p.name for p in (out / "answer-sheets").glob("*.md"))
        assert forms == (["01.md", "02.md"] if expected else []), extra


def test_answer_sheet_pdfs_list_the_labels(class_pdf, bank):
    out, data = class_pdf
    for student in data["students"]:
        sid, lang = student["id"], student["lang"]
        path = out / "answer-sheets" / f"{sid}.pdf"
        assert path.is_file() and (out / "answer-sheets" / f"{sid}.md").is_file()
        text = squeeze(pdf_text(path, layout=False))
        assert squeeze(sid) in text
        assert squeeze("Лист за отговори" if lang == "bg" else "Answer sheet") in text
        for item in student["exercises"]:
            exercise = bank.exercise(item["exercise"])
            assert squeeze(f"{item['position']}. {exercise.title(lang)}") in text
            for name in asked(item):
                label = exercise.answers[name].labels[lang]
                words = re.sub(r"\$[^$]*\$", "", label)       # the words; math is typeset
                assert in_pdf_text(words, text), (sid, label)
