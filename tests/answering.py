"""Answers written the way a student writes them — as the key prints them in the
student's language — and graded against a shared class build.

Independent of generator.numbers, so that a test reads what a lecturer reads rather than
what the code under test says it wrote."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import FULL


def written_number(value, lang: str, places: int) -> str:
    """A number as the key prints it: English `1,048,576` and `1.63`, Bulgarian
    `1 048 576` (from five digits up) and `1,63`. Independent of generator.numbers."""
    if isinstance(value, int):
        if lang == "en":
            return f"{value:,}"
        digits = str(abs(value))
        text = f"{abs(value):,}".replace(",", " ") if len(digits) >= 5 else digits
        return ("-" if value < 0 else "") + text
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    whole, _, fraction = text.lstrip("-").partition(".")
    sign = "-" if text.startswith("-") else ""
    if lang == "en":
        whole = f"{int(whole):,}"
        return sign + whole + ("." + fraction if fraction else "")
    if len(whole) >= 5:
        whole = f"{int(whole):,}".replace(",", " ")
    return sign + whole + ("," + fraction if fraction else "")


def written(value, lang: str, places: int) -> str:
    """Any answer as a student writes it in the answers CSV: numbers as the key prints
    them, vectors as JSON (English) or with semicolons (Bulgarian), matrices as JSON
    lists of rows, choices as their letter."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return json.dumps(value)
        if lang == "bg":
            return "[" + "; ".join(written_number(v, lang, places) for v in value) + "]"
        return "[" + ", ".join(written_number(v, "en", places) for v in value) + "]"
    return written_number(value, lang, places)


def asked(item: dict) -> list[str]:
    """The answers a student must give for one exercise of the manifest."""
    return item["asked"] if "asked" in item else list(item["answers"])


def answer_rows(bank, manifest_data: dict, fill) -> list[dict[str, str]]:
    """One CSV row per student: fill(answer, value, lang) → the text written; the
    sub-questions answered in words (`written` in the spec) get the lecturer's points:
    all of them where the answers are the key's, none otherwise."""
    rows = []
    for student in manifest_data["students"]:
        row = {"id": student["id"]}
        for item in student["exercises"]:
            exercise = bank.exercise(item["exercise"])
            for name in asked(item):
                row[f"{item['exercise']}.{name}"] = fill(exercise.answers[name],
                                                         item["answers"][name],
                                                         student["lang"])
            for part, points in (item.get("written") or {}).items():
                row[f"{item['exercise']}.{part}.points"] = \
                    f"{points:g}" if fill is key_text else "0"
        rows.append(row)
    return rows


def write_answers(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = ["id"] + sorted({k for r in rows for k in r} - {"id"})
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def key_text(answer, value, lang):
    return written(value, lang, answer.places)


def perturbed(answer, value, lang):
    """Each answer beyond its tolerance: integers +1, decimals +10× their tolerance,
    the first element of a vector or matrix likewise, choices another letter."""
    if isinstance(value, str):
        return "abcdefgh"[("abcdefgh".index(value) + 1) % len(answer.options)]

    def bump(v):
        if isinstance(v, list):
            return [bump(v[0]), *v[1:]]
        if isinstance(v, int) and answer.tolerance is None:
            # +1 on integers from 10⁹ up is test_integer_answers_are_exact_even_when_large
            return v + (1 if abs(v) < 10**9 else 1000)
        tolerance = answer.tolerance if answer.tolerance is not None \
            else 0.5 * 10**-answer.places
        return v + 10 * tolerance

    return written(bump(value), lang, max(answer.places, 3))


def build_of(roster: Path) -> Path:
    """The shared builds are made beside their roster (see the fixtures)."""
    return roster.parent / "out"


def grade(run, tmp_path, roster, rows, spec=FULL, seed=5, *extra):
    answers = write_answers(tmp_path / "answers.csv", rows)
    result = run("grade", "--seed", seed, "--spec", spec, "--roster", roster,
                 "--answers", answers, "--format", "md", "--out", build_of(roster), *extra)
    return result, build_of(roster) / "grades"
