"""The instructor's documents go by group, then by student id."""

from __future__ import annotations

import re

from conftest import PRINT_ORDER, ROSTER_ROWS, pdf_text


def test_instructor_key_rows_go_by_group_then_id(class_md):
    _, out, _ = class_md
    text = (out / "instructor-key.md").read_text(encoding="utf-8")
    # each student's heading (id · name · variant), then a row per exercise, in sheet order
    blocks = re.findall(r"^### (\d{4}) · .*\n\n\|[^\n]*\n\|[-|]*\|\n((?:\|.*\n)+)", text,
                        flags=re.M)
    assert [sid for sid, _ in blocks] == PRINT_ORDER
    for sid, rows in blocks:
        assert [row.split("|")[1].strip() for row in rows.splitlines()] == \
            ["1", "2", "3", "4"], sid


def test_print_all_and_instructor_pdf_go_by_group_then_id(class_pdf):
    out, data = class_pdf
    codes = {s["id"]: s["variant_code"] for s in data["students"]}
    names = {r[0]: r[1] for r in ROSTER_ROWS}
    for name in ("print-all.pdf", "keys-all.pdf"):          # page headers: `id · code`
        text = pdf_text(out / name)
        first = sorted(PRINT_ORDER, key=lambda sid: text.index(f"{sid} · {codes[sid]}"))
        assert first == PRINT_ORDER, name
    text = pdf_text(out / "instructor-key.pdf")
    assert sorted(PRINT_ORDER, key=lambda sid: text.index(names[sid])) == PRINT_ORDER
