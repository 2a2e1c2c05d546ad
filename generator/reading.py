"""How a written answer is read and judged: the one set of rules behind `grade`, the
lecturer's overrides, the recognition of misconceptions and the practice site.

This module is the twin of `site_assets/reading.js`, function for function and in the
same order: both work on the same plain data — a `Key`, which is exactly the JSON the
site's page receives — so a typed answer gets the same verdict on paper and on the site
(tests/test_reading_twins.py proves it on thousands of generated answers, and fails when
one file changes without the other). Nothing here knows the bank: the caller turns an
answer of the bank into a `Key` (answers.reading_key, misconceptions.recognisable).

What is read:

- numbers in either convention (`1,63`, `1.63`, `1 048 576` with any Unicode space,
  `1,048,576`, `1.048.576`, `1'048'576`), with `−` or `-`, `≈` or `~` in front, a
  fraction `3/8`, any decimal digits Python knows;
- after a number: `%`, a speed-up's `×`, `x` or the Cyrillic `х`, the words "times" and
  "пъти", and the answer's own unit (`16 MB`, `0,5 МБ` where the key declares MB); another
  unit of the same kind (`16 GB` for MB) is *wrong*, with the unit said;
- vectors in brackets, parentheses or neither, entries separated by `;`, by a comma and
  a space, or by spaces alone (`0,46 -1,39 0,93`, `[−0,1 3,4 3,9]`);
- matrices row by row (JSON, `[1 0] [1 1]`, `[1 0; 1 1]`, a row per line);
- choices by their letter, Latin or the Cyrillic letter a Bulgarian keyboard gives (see
  CYRILLIC_CHOICES).

A wrong answer may show a misconception: it is compared with each mistake's value as the
key would print it (its own tolerance) and with each shorter rounding of it that keeps
two significant digits (`printed`), so √8 typed as 2,83 and 268,435456 typed as 268,4 or
268 are both recognised.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Written after any number: a percentage's sign, a speed-up's × (x, the Cyrillic х) and
# the words for "times" — exgen's two languages; a third adds its word here.
ALWAYS = ("times", "пъти", "%", "×", "x", "х")
# Units a key may declare (`unit = "MB"` in a variants file), each as students write it:
# the declared one is read after the number, another of the same kind is a wrong unit.
SIZES = {
    "B": ("bytes", "byte", "байта", "байт", "B", "Б"),
    "KB": ("KiB", "KB", "КБ"),
    "MB": ("MiB", "MB", "МБ"),
    "GB": ("GiB", "GB", "ГБ"),
    "TB": ("TiB", "TB", "ТБ"),
}
UNITS = (*SIZES, "%", "times")
# The words (strings.toml) that say why an answer was not read, by Verdict.reason, and
# that it is written in another unit.
UNREAD_WORDS = ("unread_number", "unread_vector", "unread_matrix", "unread_choice",
                "other_unit")
# Cyrillic letters that look like Latin ones, compared as those in a unit (МВ is MB).
LOOKALIKE = {"а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o",
             "р": "p", "с": "c", "т": "t", "х": "x", "у": "y", "і": "i"}
# A choice typed on a Bulgarian keyboard: the sheet prints a, b, c, d, and a student
# writes the letter of the same place in the Bulgarian alphabet (а б в г — how Bulgarian
# tests label options), the key of the Latin letter on the phonetic layout (ц is c, д is
# d), or the Cyrillic letter that looks alike (с is c, е is e). These never disagree
# within the first five options; в is c (the alphabet's third letter), not the B that
# its capital resembles, since only a student writing Bulgarian types it.
CYRILLIC_CHOICES = {"а": "a", "б": "b", "в": "c", "ц": "c", "с": "c", "г": "d",
                    "д": "d", "е": "e"}


@dataclass(frozen=True)
class Mistake:
    """A misconception as a wrong answer is compared with it: its name and its printed
    forms, each a value (the shape of the key) and the tolerance it is read with."""

    name: str
    printed: tuple[tuple[object, float], ...]

    def to_json(self) -> dict:
        return {"name": self.name, "printed": [[v, t] for v, t in self.printed]}


@dataclass(frozen=True)
class Key:
    """Everything a written answer is judged by, as plain data: the value (a number, a
    list, a list of rows, or a choice's letter), its tolerance, whether it is a whole
    number (then `1,024` groups thousands), further accepted values, the mistakes it is
    told from, what may follow a number, and the other units that make it wrong."""

    value: object
    tolerance: float = 0.0
    whole: bool = False
    alternatives: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    suffixes: tuple[str, ...] = ALWAYS
    other_units: tuple[tuple[str, str], ...] = ()   # (as written, the unit's name)

    @property
    def kind(self) -> str:
        if isinstance(self.value, str):
            return "choice"
        if isinstance(self.value, list):
            return "matrix" if self.value and isinstance(self.value[0], list) else "vector"
        return "number"

    def to_json(self) -> dict:
        return {"value": self.value, "tolerance": self.tolerance, "whole": self.whole,
                "alternatives": list(self.alternatives),
                "mistakes": [m.to_json() for m in self.mistakes],
                "suffixes": list(self.suffixes),
                "other_units": [list(pair) for pair in self.other_units]}

    @classmethod
    def from_json(cls, data: dict) -> "Key":
        return cls(data["value"], data["tolerance"], data["whole"],
                   tuple(data["alternatives"]),
                   tuple(Mistake(m["name"], tuple((v, t) for v, t in m["printed"]))
                         for m in data["mistakes"]),
                   tuple(data["suffixes"]), tuple((s, n) for s, n in data["other_units"]))


@dataclass(frozen=True)
class Verdict:
    """right, alternative (right with another rounding on the way), wrong, blank or
    unparseable; why an answer was not read (`number`, `vector`, `matrix`, `choice`: how
    such an answer is written) or is wrong for its unit (`unit`, with the unit)."""

    status: str
    reason: str = ""
    unit: str = ""

    def to_json(self) -> dict:
        return {"status": self.status, "reason": self.reason, "unit": self.unit}


def unit_key(unit: str | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """What may follow a number of an answer in `unit`, and the other units of its kind
    (each spelling with its unit's name); longest spellings first, so `MiB` is not read
    as `B`."""
    own = SIZES.get(unit or "", ())
    others = [(s, name) for name, spellings in SIZES.items() if own and name != unit
              for s in spellings]
    by_length = lambda s: -len(s)                                       # noqa: E731
    return (tuple(sorted((*ALWAYS, *own), key=by_length)),
            tuple(sorted(others, key=lambda pair: by_length(pair[0]))))


def printed(value, tolerance: float, places: int, key, key_tolerance: float) -> tuple:
    """A mistake's printed forms: its value with the tolerance the key would have were it
    that value, and each shorter rounding (places − 1 down to 0) that keeps two
    significant digits of every non-zero entry, read exactly — except where the key
    itself would read as one. Matrices (0/1) are compared as they are."""
    forms = [(value, tolerance)]
    if isinstance(value, list) and value and isinstance(value[0], list):
        return tuple(forms)
    entries = value if isinstance(value, list) else [value]
    for digits in range(places - 1, -1, -1):
        if not entries or any(e != 0 and abs(e) < 10 ** (1 - digits) for e in entries):
            break
        shorter = [float(Decimal(repr(float(e))).quantize(Decimal(1).scaleb(-digits),
                                                          ROUND_HALF_UP)) for e in entries]
        rounded = shorter if isinstance(value, list) else shorter[0]
        if any(accepted(rounded, v, t) for v, t in forms) or \
                accepted(rounded, key, key_tolerance):
            continue
        forms.append((rounded, 0.0))
    return tuple(forms)


# ---------------------------------------------------------------- Python's text rules


def _lower(text: str) -> str:
    return "".join(LOOKALIKE.get(c, c) for c in text.lower())


def _cut(text: str, spellings) -> tuple[str, str] | None:
    """The text before a trailing spelling (not glued to a letter), and the spelling."""
    for spelling in spellings:
        head, tail = text[:-len(spelling)], text[-len(spelling):]
        if len(text) >= len(spelling) and _lower(tail) == _lower(spelling) and \
                not (head and head[-1].isalpha()):
            return head.rstrip(), spelling
    return None


# ---------------------------------------------------------------- numbers

_NUMBER = re.compile(r"^[-+]?[\d\s.,']+$")


def number_readings(text: str, suffixes=ALWAYS) -> list[float]:
    """Every sensible reading of a written number: `1,63` and `1.63`, `1 048 576`,
    `1,048,576`, `87,5 %`, `93×`, `16 MB` where MB follows; `1,048` may be either, so
    both readings are kept (`read_number` chooses)."""
    text = text.strip().lstrip("≈~").strip().replace("−", "-")
    cut = _cut(text, suffixes)
    if cut is not None:
        text = cut[0]
    if not text:
        return []
    fraction = re.fullmatch(r"(-?\d+)\s*/\s*(\d+)", text)
    if fraction and int(fraction.group(2)) != 0:
        return [int(fraction.group(1)) / int(fraction.group(2))]
    if not _NUMBER.match(text):
        return []
    compact = re.sub(r"[\s']", "", text)
    readings = []
    for decimal, group in ((".", ","), (",", ".")):
        candidate = compact
        if group in candidate and decimal in candidate and \
                candidate.rfind(group) > candidate.rfind(decimal):
            continue
        if group in candidate and not re.fullmatch(
                rf"-?\d{{1,3}}(\{group}\d{{3}})+(\{decimal}\d+)?", candidate):
            if decimal in candidate or candidate.count(group) > 1:
                continue
            candidate = candidate.replace(group, decimal)   # a lone decimal sign
        else:
            candidate = candidate.replace(group, "")
        try:
            readings.append(float(candidate.replace(decimal, ".")))
        except ValueError:
            pass
    return sorted(set(readings))


def read_number(text: str, whole: bool, suffixes=ALWAYS) -> float | None:
    """One reading of a written number. A single separator followed by three digits
    (`1,024`, `1.024`) groups thousands where the key is a whole number, and is a
    decimal sign otherwise; of equals, the first."""
    readings = number_readings(text, suffixes)
    if not readings:
        return None
    return max(readings, key=abs) if whole else min(readings, key=abs)


def other_unit(text: str, key: Key) -> str:
    """The unit of another size (`16 GB` for an answer in MB) a readable number is
    written in, or ""."""
    text = text.strip().lstrip("≈~").strip()
    for spelling, name in key.other_units:
        cut = _cut(text, (spelling,))
        if cut is not None and number_readings(cut[0], ()):
            return name
    return ""


# ---------------------------------------------------------------- vectors and matrices


def bracketed(text: str) -> str:
    """A vector as `[…]`: written in parentheses or without brackets, or over lines."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = "[" + text[1:-1] + "]"
    if not (text.startswith("[") and text.endswith("]")):
        text = "[" + text + "]"
    lines = [line.strip().rstrip(";") for line in text.splitlines() if line.strip()]
    return "; ".join(lines) if len(lines) > 1 else text


def list_readings(text: str, suffixes=ALWAYS) -> list[list]:
    """A vector: JSON (`[1.1, 1.8, 3.3]`), with semicolons (`[1,1; 1,8; 3,3]`, the
    Bulgarian way), with commas and spaces (`1,1, 1,8, 3,3`), with spaces alone
    (`[1 2 3]`, `0,46 -1,39 0,93`); in brackets, in parentheses or in neither. An entry
    with two readings (`1,224`) makes the vector unreadable."""
    text = bracketed(text)
    inner = text[1:-1]
    decimal_commas = re.search(r",\S", inner) and re.search(r",\s", inner)  # [1,1, 1,8]
    if not decimal_commas:
        try:
            value = json.loads(text)
            return [value] if isinstance(value, list) else []
        except json.JSONDecodeError:
            pass
    if "[" in inner or "]" in inner:
        return []
    if ";" in inner:
        pieces = inner.split(";")
    elif re.search(r",\s", inner):
        pieces = re.split(r",\s+", inner)
    else:
        pieces = inner.split()                  # spaces alone, decimal commas or points
    parts = [number_readings(p, suffixes) for p in pieces if p.strip()]
    if parts and all(len(p) == 1 for p in parts):
        return [[p[0] for p in parts]]
    return []


def matrix_readings(text: str) -> list[list]:
    """A 0/1 matrix: JSON, rows in brackets as the key prints them (`[1; 0] [1; 1]`,
    `[1, 0] [1, 1]`, `[1 0] [1 1]`), rows separated by semicolons in one bracket
    (`[1 0; 1 1]`, `[1,0; 1,1]`), or rows on separate lines of the cell."""
    text = text.strip()
    try:
        value = json.loads(text)
        if isinstance(value, list) and all(isinstance(r, list) for r in value):
            return [value]
    except json.JSONDecodeError:
        pass
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        rows = [line.strip("[]();") for line in lines]
        if any(re.search(r"[\[\]()]", row) for row in rows):
            return []
    else:
        rows = re.findall(r"\[([^\[\]]*)\]", text)
        if len(rows) == 1:
            rows = rows[0].split(";")
        elif not rows or re.sub(r"\[[^\[\]]*\]|[\s,\[\]]", "", text):
            return []
    try:
        matrix = [[float(cell) for cell in re.split(r"[\s,;]+", row.strip()) if cell]
                  for row in rows]
    except ValueError:
        return []
    return [matrix] if matrix and all(matrix) else []


# ---------------------------------------------------------------- judging


def readings(given: str, key: Key) -> list | None:
    """Every sensible reading of a written numeric answer; None for a blank box, [] for
    one that cannot be read."""
    if not given.strip():
        return None
    if key.kind == "matrix":
        return matrix_readings(given)
    if key.kind == "vector":
        return list_readings(given, key.suffixes)
    number = read_number(given, key.whole, key.suffixes)
    return [] if number is None else [number]


def _flatten(value) -> list[float] | None:
    if isinstance(value, list):
        out = []
        for v in value:
            inner = _flatten(v)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return None


def accepted(given, expected, tolerance: float) -> bool:
    """A number, or a (nested) list of numbers, within the tolerance of the expected
    plain value entry by entry; a whole-number key (tolerance 0) must be exact."""
    got, want = _flatten(given), _flatten(expected)
    return got is not None and want is not None and len(got) == len(want) and all(
        abs(g - e) <= tolerance + 1e-9 for g, e in zip(got, want))


def choice_letter(given: str) -> str | None:
    """A choice as its letter: `b`, `B`, `(b)`, `b.`, the Cyrillic `б`; None when the
    text is not one letter."""
    letter = given.strip().strip("().").strip().lower()
    letter = CYRILLIC_CHOICES.get(letter, letter)
    return letter if len(letter) == 1 and letter.isalpha() else None


def judge(given: str, key: Key) -> Verdict:
    """The verdict on one written answer."""
    if not given.strip():
        return Verdict("blank")
    if key.kind == "choice":
        letter = choice_letter(given)
        if letter is None:
            return Verdict("unparseable", "choice")
        return Verdict("right" if letter == key.value else "wrong")
    found = readings(given, key)
    if not found:
        unit = other_unit(given, key) if key.kind == "number" else ""
        return Verdict("wrong", "unit", unit) if unit else Verdict("unparseable", key.kind)
    if any(accepted(r, key.value, key.tolerance) for r in found):
        return Verdict("right")
    if any(accepted(r, v, key.tolerance) for r in found for v in key.alternatives):
        return Verdict("alternative")
    return Verdict("wrong")


def mistake_of(reading, key: Key) -> str:
    """The name of the first misconception one reading shows (in one of the mistake's
    printed forms), or "" — also for a right reading."""
    if accepted(reading, key.value, key.tolerance):
        return ""
    for mistake in key.mistakes:
        if any(accepted(reading, v, t) for v, t in mistake.printed):
            return mistake.name
    return ""


def mistake_in(given: str, key: Key) -> str:
    """The misconception the first reading of a wrong answer that shows one shows, or
    ""."""
    if key.kind == "choice" or not key.mistakes:
        return ""
    for reading in readings(given, key) or []:
        found = mistake_of(reading, key)
        if found:
            return found
    return ""


# ---------------------------------------------------------------- grade only (no twin)


def first_reading(text: str, key: Key):
    """The one value a lecturer's accepted answer stands for, or None if it cannot be
    read as an answer of this key."""
    if key.kind == "choice":
        return choice_letter(text)
    found = readings(text, key)
    return found[0] if found else None


def same_value(given: str, value: str, key: Key) -> bool:
    """Whether a student's answer reads as a lecturer's accepted value, within the key's
    tolerance (the site has no overrides, so this has no JavaScript twin)."""
    if not given.strip():
        return False
    mine, theirs = first_reading(given, key), first_reading(value, key)
    if mine is None or theirs is None:
        return False
    if key.kind == "choice":
        return mine == theirs
    return accepted(mine, theirs, key.tolerance)

