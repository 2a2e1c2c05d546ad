"""Exam specs: a TOML file per exam saying, per language, what the header says, and
which exercises go on the sheet — slots, each a pool to draw from, with points.

```toml
[bg]
course = "Архитектура на Transformer и големи езикови модели"
title = "Лекция 5: контролно"
date = "3 декември 2026 г."
duration = "20 минути"
instructions = "Пишете само крайните отговори в кутийките."

[[slot]]
pool = ["ffn_dims", "block_params"]   # one of these per student …
points = 3

[[slot]]
pool = ["rope", "position_interpolation", "sliding_window"]
pick = 2                              # … or two different ones
points = 2                            # points for each
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .bank import Bank
from .errors import ExgenError
from .exam import Slot, all_exercises, conceptual_parts
from .schema import (ANY, INTEGER, NUMBER, TABLE, TEXT, TEXTS, Key, Kind, fail, line_of,
                     listing, locator, number, read_toml, table, whole)

HEADING_KEYS = {"course", "title", "date", "duration", "instructions"}
# Bulgarian six-point scale: the share of the points needed for each grade.
DEFAULT_SCALE = ((0.87, 6), (0.75, 5), (0.62, 4), (0.50, 3), (0.0, 2))


@dataclass(frozen=True)
class Heading:
    """What the top of a document says, in one language."""

    course: str
    title: str
    date: str = ""
    duration: str = ""
    instructions: str = ""


def default_heading(bank: Bank, lang: str) -> Heading:
    words = bank.language(lang).words
    return Heading(course=words.get("course", ""), title=words.get("exam_title", ""))


@dataclass(frozen=True)
class Spec:
    path: Path | None
    headings: Mapping[str, Heading]
    slots: tuple[Slot, ...]
    scale: tuple[tuple[float, int], ...] = DEFAULT_SCALE
    languages: tuple[str, ...] = ()        # the languages the spec has a section for
    form: str | None = None                # the answer form, `write` or `scan`, if it says

    def require(self, langs) -> None:
        """A spec's sheets say what its section for their language says: a build in a
        language the spec has no section for is refused, not set with empty headers."""
        if self.path is None:
            return
        missing = [lang for lang in dict.fromkeys(langs) if lang not in self.languages]
        if missing:
            raise ExgenError(
                f"the spec has no section for {', '.join(missing)}, the language of this "
                f"build: add [{missing[0]}] with {', '.join(sorted(HEADING_KEYS))}",
                where=str(self.path))


def default_spec(bank: Bank) -> Spec:
    """Without a spec: every exercise of the bank, no points."""
    return Spec(None, {lang: default_heading(bank, lang) for lang in bank.languages},
                all_exercises(bank))


ANSWER_FORMS = ("write", "scan")
# A spec's section per language: what the top of its documents says.
HEADING = {key: Key(ANY, "") for key in HEADING_KEYS}
# [[slot]]: a pool of exercises to draw from, with points.
SLOT = {
    "pool": Key(Kind("a list of exercise ids: pool = [\"ffn_dims\", \"block_params\"]",
                     lambda v: TEXT.accepts(v) or TEXTS.accepts(v))),
    "pick": Key(whole(1), 1),
    "points": Key(number(0, above=True, most=1000, expected=(
        "a number above 0 and at most 1000 (leave an exercise that counts nothing out of "
        "the spec)")), None),
    "parts": Key(listing(INTEGER, "a list of sub-question numbers, e.g. [1, 3]", empty=False),
                 None),
    "written": Key(number(0, above=True, expected="a positive number of points"), None),
}
# [grading]: the share of the points needed for each grade.
GRADING = {
    "scale": Key(listing(Kind("", lambda v: isinstance(v, list) and len(v) == 2 and all(
        NUMBER.accepts(x) for x in v)),
        "[[share, grade], …], e.g. [[0.87, 6], [0.75, 5], [0.62, 4], [0.5, 3], [0, 2]]"),
        None),
}


def load_spec(path: Path, bank: Bank) -> Spec:
    if not path.is_file():
        fail("exam spec not found", str(path))

    schema = {**{lang: Key(TABLE, {}) for lang in bank.languages},
            "slot": Key(Kind("at least one [[slot]] with a pool of exercises",
                             lambda v: isinstance(v, list) and bool(v))),
            "grading": Key(TABLE, {}),
            "form": Key(Kind('"write" (typed in) or "scan" (read by `exgen scan`)',
                             lambda v: v in ANSWER_FORMS), None)}
    data = read_toml(path)
    checked = table(data, schema, locator(path))
    headings = {}
    for lang in bank.languages:
        given = table(checked[lang], HEADING, lambda key, lang=lang: line_of(path, lang),
                      f"[{lang}]")
        base = default_heading(bank, lang)
        headings[lang] = Heading(**{**base.__dict__, **{k: str(v) for k, v in given.items()
                                                         if k in checked[lang]}})
    slots = tuple(_slot(raw, number, path, bank) for number, raw in
                  enumerate(checked["slot"], start=1))
    with_points = [slot.points is not None for slot in slots]
    if any(with_points) and not all(with_points):
        number = with_points.index(False) + 1
        fail("give every slot its points, or none (then each exercise counts 1)",
             _slot_where(path, number))
    used: dict[str, int] = {}
    for number, slot in enumerate(slots, start=1):
        for ex_id in slot.pool:
            if ex_id in used:
                fail(f"exercise `{ex_id}` is in the pools of slots {used[ex_id]} and "
                     f"{number}: a student could get it twice", _slot_where(path, number))
            used[ex_id] = number
    return Spec(path, headings, slots, _scale(checked["grading"], path),
                tuple(lang for lang in bank.languages if lang in data), checked["form"])


def _scale(raw: dict, path: Path) -> tuple[tuple[float, int], ...]:
    """`[grading] scale = [[0.87, 6], [0.75, 5], …]`: the share of points for each grade."""
    scale = table(raw, GRADING, locator(path, "grading"), "[grading]")["scale"]
    if scale is None:
        return DEFAULT_SCALE
    pairs = tuple(sorted(((float(share), int(grade)) for share, grade in scale),
                         reverse=True))
    if not pairs or pairs[-1][0] > 0 or any(not 0 <= s <= 1 for s, _ in pairs):
        fail("the grading scale's shares must lie between 0 and 1 and end with 0 (the "
             "grade for everything below)", line_of(path, "grading.scale"))
    return pairs


def _slot_where(path: Path, number: int) -> str:
    count = 0
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith("[[slot]]"):
            count += 1
            if count == number:
                return f"{path}, line {line_number} (slot {number})"
    return f"{path} (slot {number})"


def _slot(raw, number: int, path: Path, bank: Bank) -> Slot:
    def where(key=None):
        return _slot_where(path, number)

    raw = table(raw, SLOT, where, f"slot {number}")
    pool = [raw["pool"]] if isinstance(raw["pool"], str) else raw["pool"]
    if not pool:
        fail("the slot's pool is empty: list at least one exercise id", where())
    for ex_id in pool:
        if ex_id not in bank.exercises:
            fail(f"unknown exercise `{ex_id}` (known: {', '.join(bank.exercises)})", where())
    if len(set(pool)) != len(pool):
        fail("the slot's pool lists an exercise twice", where())
    pick, points, parts = raw["pick"], raw["points"], raw["parts"]
    if pick > len(pool):
        fail(f"pick = {pick} is larger than the pool ({len(pool)} exercises)", where())
    if parts is not None:
        for ex_id in pool:
            exercise = bank.exercise(ex_id)
            outside = [p for p in parts if not 1 <= p <= exercise.parts]
            if outside:
                fail(f"exercise `{ex_id}` has {exercise.parts or 'no numbered'} "
                     f"sub-question(s); parts {outside} do not exist", where())
            if not any(a.part in parts or a.part is None for a in exercise.answers.values()
                       if not a.intermediate):
                fail(f"parts {parts} of `{ex_id}` ask for no answer to write or grade (only "
                     "conceptual questions): add a part with an answer", where())
        parts = tuple(sorted(set(parts)))
    written = _written(raw["written"], points, pool, parts, bank, where())
    return Slot(tuple(pool), points, pick, parts, written)


def _written(written, points, pool, parts, bank: Bank, where: str) -> float | None:
    """`written = 1`: each conceptual sub-question ("why …?") asked carries 1 of the
    exercise's points, graded by hand; the computed answers share the rest."""
    if written is None:
        return None
    if points is None:
        fail("written points need the slot's points (written is a share of "
                         "them)", where)
    for ex_id in pool:
        exercise = bank.exercise(ex_id)
        asked = [p for p in conceptual_parts(exercise) if parts is None or p in parts]
        if asked and written * len(asked) >= points:
            fail(f"`{ex_id}` asks {len(asked)} written sub-question(s) of {written:g} "
                 f"point(s) each: that leaves nothing of the slot's {points:g} points for "
                 "its computed answers", where)
    if not any(conceptual_parts(bank.exercise(ex_id)) for ex_id in pool):
        fail("written points, but no exercise of the pool has a conceptual sub-question "
             "(one without an answer to compute)", where)
    return written
