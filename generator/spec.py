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

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .bank import Bank, line_of, read_toml
from .errors import ExgenError
from .exam import Slot, all_exercises, conceptual_parts

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


def load_spec(path: Path, bank: Bank) -> Spec:
    if not path.is_file():
        raise ExgenError("exam spec not found", where=str(path))
    data = read_toml(path)
    headings = {}
    for lang in bank.languages:
        base = default_heading(bank, lang)
        given = data.get(lang, {})
        if not isinstance(given, dict):
            raise ExgenError(f"`{lang}` must be a table of {', '.join(sorted(HEADING_KEYS))}",
                             where=line_of(path, lang))
        unknown = set(given) - HEADING_KEYS
        if unknown:
            raise ExgenError(f"unknown key {', '.join(sorted(unknown))} in [{lang}] "
                             f"(allowed: {', '.join(sorted(HEADING_KEYS))})",
                             where=line_of(path, lang))
        headings[lang] = Heading(**{**base.__dict__, **{k: str(v) for k, v in given.items()}})
    unknown_tables = set(data) - set(bank.languages) - {"slot", "grading"}
    if unknown_tables:
        raise ExgenError(f"unknown key {', '.join(sorted(unknown_tables))} (a spec has a "
                         f"table per language: {', '.join(bank.languages)}, and [[slot]]s)",
                         where=line_of(path, sorted(unknown_tables)[0]))
    raw_slots = data.get("slot")
    if not isinstance(raw_slots, list) or not raw_slots:
        raise ExgenError("a spec needs at least one [[slot]] with a pool of exercises",
                         where=str(path))
    slots = tuple(_slot(raw, number, path, bank) for number, raw in
                  enumerate(raw_slots, start=1))
    with_points = [slot.points is not None for slot in slots]
    if any(with_points) and not all(with_points):
        number = with_points.index(False) + 1
        raise ExgenError("give every slot its points, or none (then each exercise counts 1)",
                         where=_slot_where(path, number))
    used: dict[str, int] = {}
    for number, slot in enumerate(slots, start=1):
        for ex_id in slot.pool:
            if ex_id in used:
                raise ExgenError(f"exercise `{ex_id}` is in the pools of slots {used[ex_id]} "
                                 f"and {number}: a student could get it twice",
                                 where=_slot_where(path, number))
            used[ex_id] = number
    return Spec(path, headings, slots, _scale(data.get("grading", {}), path),
                tuple(lang for lang in bank.languages if lang in data))


def _scale(raw, path: Path) -> tuple[tuple[float, int], ...]:
    """`[grading] scale = [[0.87, 6], [0.75, 5], …]`: the share of points for each grade."""
    if not raw:
        return DEFAULT_SCALE
    where = line_of(path, "grading")
    if isinstance(raw, dict) and set(raw) - {"scale"}:
        raise ExgenError(f"unknown key {', '.join(sorted(set(raw) - {'scale'}))} in "
                         "[grading] (allowed: scale)", where=where)
    scale = raw.get("scale") if isinstance(raw, dict) else None
    try:
        pairs = tuple((float(share), int(grade)) for share, grade in scale)
    except (TypeError, ValueError):
        raise ExgenError("[grading] needs scale = [[share, grade], …], e.g. "
                         "[[0.87, 6], [0.75, 5], [0.62, 4], [0.5, 3], [0, 2]]",
                         where=where) from None
    pairs = tuple(sorted(pairs, reverse=True))
    if not pairs or pairs[-1][0] > 0 or any(not 0 <= s <= 1 for s, _ in pairs):
        raise ExgenError("the grading scale's shares must lie between 0 and 1 and end "
                         "with 0 (the grade for everything below)", where=where)
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
    where = _slot_where(path, number)
    if not isinstance(raw, dict):
        raise ExgenError("a slot must be a table", where=where)
    unknown = set(raw) - {"pool", "points", "pick", "parts", "written"}
    if unknown:
        raise ExgenError(f"unknown key {', '.join(sorted(unknown))} in a slot "
                         "(allowed: pool, pick, points, parts, written)", where=where)
    pool = raw.get("pool")
    if isinstance(pool, str):
        pool = [pool]
    if not isinstance(pool, list) or not pool:
        raise ExgenError("the slot's pool is empty: list at least one exercise id",
                         where=where)
    if not all(isinstance(ex_id, str) for ex_id in pool):
        raise ExgenError("a pool lists exercise ids as strings: pool = [\"ffn_dims\", "
                         "\"block_params\"]", where=where)
    for ex_id in pool:
        if ex_id not in bank.exercises:
            raise ExgenError(f"unknown exercise `{ex_id}` (known: "
                             f"{', '.join(bank.exercises)})", where=where)
    if len(set(pool)) != len(pool):
        raise ExgenError("the slot's pool lists an exercise twice", where=where)
    pick = raw.get("pick", 1)
    if not isinstance(pick, int) or isinstance(pick, bool) or pick < 1:
        raise ExgenError(f"pick must be a whole number from 1, not {pick!r}", where=where)
    if pick > len(pool):
        raise ExgenError(f"pick = {pick} is larger than the pool ({len(pool)} exercises)",
                         where=where)
    points = raw.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float))
                               or not math.isfinite(points) or not 0 < points <= 1000):
        raise ExgenError(f"points must be a number above 0 and at most 1000, not {points!r} "
                         "(leave an exercise that counts nothing out of the spec)", where=where)
    parts = raw.get("parts")
    if parts is not None:
        if not isinstance(parts, list) or not parts or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise ExgenError("parts must be a list of sub-question numbers, e.g. [1, 3]",
                             where=where)
        for ex_id in pool:
            exercise = bank.exercise(ex_id)
            outside = [p for p in parts if not 1 <= p <= exercise.parts]
            if outside:
                raise ExgenError(f"exercise `{ex_id}` has {exercise.parts or 'no numbered'} "
                                 f"sub-question(s); parts {outside} do not exist",
                                 where=where)
            if not any(a.part in parts or a.part is None for a in exercise.answers.values()
                       if not a.intermediate):
                raise ExgenError(f"parts {parts} of `{ex_id}` ask for no answer to write or "
                                 "grade (only conceptual questions): add a part with an "
                                 "answer", where=where)
        parts = tuple(sorted(set(parts)))
    written = _written(raw.get("written"), points, pool, parts, bank, where)
    return Slot(tuple(pool), points, pick, parts, written)


def _written(written, points, pool, parts, bank: Bank, where: str) -> float | None:
    """`written = 1`: each conceptual sub-question ("why …?") asked carries 1 of the
    exercise's points, graded by hand; the computed answers share the rest."""
    if written is None:
        return None
    if isinstance(written, bool) or not isinstance(written, (int, float)) or \
            not math.isfinite(written) or written <= 0:
        raise ExgenError(f"written must be a positive number of points, not {written!r}",
                         where=where)
    if points is None:
        raise ExgenError("written points need the slot's points (written is a share of "
                         "them)", where=where)
    for ex_id in pool:
        exercise = bank.exercise(ex_id)
        asked = [p for p in conceptual_parts(exercise) if parts is None or p in parts]
        if asked and written * len(asked) >= points:
            raise ExgenError(f"`{ex_id}` asks {len(asked)} written sub-question(s) of "
                             f"{written:g} point(s) each: that leaves nothing of the slot's "
                             f"{points:g} points for its computed answers", where=where)
    if not any(conceptual_parts(bank.exercise(ex_id)) for ex_id in pool):
        raise ExgenError("written points, but no exercise of the pool has a conceptual "
                         "sub-question (one without an answer to compute)", where=where)
    return written
