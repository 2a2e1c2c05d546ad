"""A written number as an XML Schema regular expression — QTI 2.1's `patternMatch` — so
that an LMS which compares what a student typed as text gives a number written with its
unit (`16 MB`, `0,5 МБ`, `5,86 пъти`, `5.86 times`, `87,5 %`) the verdict reading.judge
gives it, and another unit of the same kind (`16 GB` for MB) no match.

`pattern(value, tolerance, key)` matches exactly the texts, in the part of reading's
language below, that reading.py reads as a number within `tolerance` of `value`:

- digits 0–9 with `.` or `,` as the decimal sign, and spaces (any of SPACES) or `'`
  anywhere between them, which reading drops (`1 048 576`, `1 234,5`);
- `+`, `-` or `−` in front (after `+`, reading takes no digit groups); `≈` or `~`
  before that; spaces around;
- after the number, one of the key's suffixes (Key.suffixes: `%`, `×`, "times",
  „пъти“, the key's own unit), its letters compared as reading compares them (case and
  the Cyrillic letters that look alike: `МБ`, `mb` and a Cyrillic `МВ` are all MB);
- for a whole-number key, `16,000` and `16.000` read as sixteen thousand and `1,048,576`
  as a million, as reading reads them (Key.whole: of two readings, the larger).

Not in it (a QTI box refuses them, though reading takes them): fractions (`3/8`), digits
other than 0–9, leading zeros (`016`), digit groups split by `,` or `.` around a key
that is not a whole number given exactly.

A pattern uses only what XML Schema, Python's `re` and PCRE read alike: classes of ASCII
characters (any other character stands alone, in a group, so an engine matching bytes
reads it whole), groups, `|`, `?`, `*` after a class, `{m,n}`; never `^`, `$`, `\\d`,
`\\s`, `(…)*` or a `.` outside a class. An XML Schema pattern matches the whole text.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .reading import LOOKALIKE, Key
from .reading import _lower as compared   # reading's own comparison of a unit's letters

# Spaces reading.py strips around an answer (a tab as XML Schema's escape `\\t`).
SPACES = (" ", "\\t", "\u00a0", "\u2007", "\u2009", "\u202f")
_CLASS_ESCAPES = "\\[]-^"


def _one_of(*chars: str) -> str:
    """One of the characters: the ASCII ones in a class, each other one as itself in a
    group. A class holds no other character, so that an engine that matches bytes —
    TAO's qti-sdk hands the pattern to PCRE without the /u flag — reads it as one that
    matches characters does."""
    ascii_ = [c for c in chars if c.isascii()]
    others = [c for c in chars if not c.isascii()]
    klass = "[" + "".join(c if len(c) > 1 or c not in _CLASS_ESCAPES else "\\" + c
                          for c in ascii_) + "]" if ascii_ else ""
    if not others:
        return klass
    return "(" + "|".join(([klass] if klass else []) + others) + ")"


def _any(unit: str) -> str:
    """`unit` any number of times (see _repeat for why not `*` after a group)."""
    return unit + "*" if unit.startswith("[") and unit.endswith("]") else unit + "{0,}"


_AROUND = _any(_one_of(*SPACES))
_GAP = _any(_one_of(*SPACES, "'"))          # between digits: reading drops spaces and `'`
_DIGIT = "[0-9]"
_DECIMAL_SIGN = "[.,]"
_PLUS, _MINUS = "[+]", _one_of("-", "−")


def _group(alternatives: list[str]) -> str:
    """One of the alternatives, as one piece to concatenate ("" among them makes it
    optional)."""
    unique = list(dict.fromkeys(a for a in alternatives if a))
    optional = "" in alternatives
    if not unique:
        return ""
    if len(unique) == 1 and not optional:
        return unique[0]
    return "(" + "|".join(unique) + ")" + ("?" if optional else "")


def _digits(low: int, high: int) -> str:
    """A digit from `low` to `high`."""
    return str(low) if low == high else _DIGIT if (low, high) == (0, 9) else \
        f"[{low}-{high}]"


def _repeat(unit: str, fewest: int, most: int | None) -> str:
    """`unit` fewest…most times (most None: no limit). Never `(…)*`: libxml2's XML
    Schema engine (2.14) lets a branch `(4([0-9])*|5)` match `52`; `{0,}` it reads
    right, and it means the same."""
    if most == 0:
        return ""
    if most is None:
        return f"({unit}){{{fewest},}}"
    return f"({unit}){{{fewest},{most}}}"


# ---------------------------------------------------------------- whole parts


def _same_length(low: str, high: str) -> list[list[str]]:
    """The integers low…high of one length, each alternative a list of digit classes."""
    if not low:
        return [[]]
    rest = len(low) - 1
    first, last = int(low[0]), int(high[0])
    if first == last:
        return [[low[0], *tail] for tail in _same_length(low[1:], high[1:])]
    alternatives = []
    lowest = low[1:] == "0" * rest          # the low digit's run starts at its bottom
    highest = high[1:] == "9" * rest        # the high digit's run ends at its top
    if not lowest:
        alternatives += [[low[0], *tail] for tail in _same_length(low[1:], "9" * rest)]
    middle = (first if lowest else first + 1, last if highest else last - 1)
    if middle[0] <= middle[1]:
        alternatives.append([_digits(*middle)] + [_DIGIT] * rest)
    if not highest:
        alternatives += [[high[0], *tail] for tail in _same_length("0" * rest, high[1:])]
    return alternatives


def _integers(low: int, high: int) -> str:
    """The whole parts low…high (no leading zero), digits possibly apart."""
    alternatives = []
    while low <= high:
        top = min(high, 10 ** len(str(low)) - 1)
        alternatives += [_GAP.join(classes)
                         for classes in _same_length(str(low), str(top))]
        low = top + 1
    return _group(alternatives)


# ---------------------------------------------------------------- decimal parts


def _fractions(low: str | None, high: str | None, shortest: int = 0,
               longest: int | None = None) -> str | None:
    """The digits F after a decimal sign with low ≤ 0.F ≤ high (digit strings; None:
    no bound) and shortest ≤ len(F) ≤ longest, each digit possibly after a gap; None
    when there are none."""
    low, high = low or "", high

    def tail(position: int, digit: str) -> str | None:
        fewest = max(0, shortest - position)
        most = None if longest is None else longest - position
        if most is not None and most < fewest:
            return None
        return _repeat(_GAP + digit, fewest, most)

    def after(position: int, at_low: bool, at_high: bool) -> str | None:
        if at_low and not low[position:].strip("0"):
            at_low = False                      # only zeros left: anything is ≥ low
        if at_high and not high[position:].strip("0"):
            return tail(position, "0")          # only zeros left: only zeros are ≤ high
        if not at_low and not at_high:
            return tail(position, _DIGIT)
        ends = not at_low and position >= shortest
        if longest is not None and position >= longest:
            return "" if ends else None
        bottom = int(low[position]) if at_low else 0
        top = int(high[position]) if at_high else 9
        if at_low and at_high and bottom == top:
            branches = [(bottom, bottom, True, True)]
        else:                       # the low digit, those between, the high digit
            branches = [(bottom, bottom, True, False)] if at_low else []
            branches.append((bottom + at_low, top - at_high, False, False))
            branches += [(top, top, False, True)] if at_high else []
        alternatives = [""] if ends else []
        for first, last, still_low, still_high in branches:
            rest = after(position + 1, still_low, still_high) if first <= last else None
            if rest is not None:
                alternatives.append(_GAP + _digits(first, last) + rest)
        return _group(alternatives) if alternatives else None

    return after(0, True, high is not None)


def _parts(number: Decimal) -> tuple[int, str]:
    """A non-negative number's whole part and its decimal digits (no trailing zero)."""
    whole, _, decimals = format(number, "f").partition(".")
    return int(whole), decimals.rstrip("0")


def _unsigned(low: Decimal, high: Decimal, whole_key: bool) -> str:
    """Numbers low…high (0 ≤ low ≤ high) as written without a sign."""
    (first, first_digits), (last, last_digits) = _parts(low), _parts(high)
    # (whole parts, lower and upper bound of the decimals)
    runs = [(first, first, first_digits, last_digits)] if first == last else [
        (first, first, first_digits, None), (first + 1, last - 1, None, None),
        (last, last, None, last_digits)]
    alternatives = []
    for start, end, below, above in runs:
        # A whole-number key reads `16,000` as 16000 (reading.read_number): a whole
        # part under 1000 is never followed by exactly three decimals.
        for start, end in ((start, min(end, 999)), (max(start, 1000), end)) \
                if whole_key else ((start, end),):
            if start > end:
                continue
            lengths = ((0, 2), (4, None)) if whole_key and end < 1000 else ((0, None),)

            def decimals(fewest: int) -> str | None:
                found = [_fractions(below, above, max(fewest, shortest), longest)
                         for shortest, longest in lengths]
                found = [d for d in found if d is not None]
                return _group(found) if found else None

            after_whole = decimals(0)
            if after_whole is None:
                continue
            fraction = _GAP + _DECIMAL_SIGN + after_whole
            bare = not (below or "").strip("0")     # the whole part alone is in range
            alternatives.append(_integers(start, end) + (f"({fraction})?" if bare
                                                         else fraction))
            alone = decimals(1) if start == 0 else None
            if alone is not None:                   # `.5`: no whole part before the sign
                alternatives.append(_DECIMAL_SIGN + alone)
    return _group(alternatives)


def _grouped(value: int) -> str:
    """A whole number with its thousands split by `,` or by `.` (`1,048,576`; `0,016`
    for 16), which reading reads as that number for a whole-number key: of a text's
    readings it takes the larger."""
    digits = str(abs(value)).zfill(4)
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return _group([f"{_GAP}{sign}{_GAP}".join(_GAP.join(g) for g in groups)
                   for sign in ("[,]", "[.]")])


# ---------------------------------------------------------------- the pattern


@lru_cache(maxsize=None)
def _suffix(spellings: tuple[str, ...]) -> str:
    """Any of a key's suffixes (the same few for every box: made once)."""
    return _group([_spelled(s) for s in spellings])


def _spelled(spelling: str) -> str:
    """A suffix, each letter as any character reading compares equal to it."""
    pool = set(LOOKALIKE) | {c.upper() for c in LOOKALIKE}
    out = []
    for ch in spelling:
        same = {c for c in pool | {ch, ch.lower(), ch.upper()} if len(c) == 1 and
                compared(c) == compared(ch)}
        out.append(_one_of(*sorted(same)))
    return "".join(out)


def pattern(value, tolerance: float, key: Key) -> str:
    """The texts reading reads as a number within `tolerance` of `value` (an entry of
    `key`'s kind), with what may follow a number of `key`."""
    centre, spread = Decimal(repr(value)), Decimal(repr(float(tolerance)))
    low, high = centre - spread, centre + spread
    numbers = []
    if high >= 0:
        positive = max(low, Decimal(0)), high
        numbers.append(_GAP + _unsigned(*positive, key.whole))
        # reading's digit groups take no `+`: after one, `1,000` is one (and 1000 is
        # `+1000`), whatever the key
        numbers.append(_PLUS + _GAP + _unsigned(*positive, False))
    if low <= 0:                                # `-0` is zero too
        numbers.append(_MINUS + _GAP + _unsigned(max(-high, Decimal(0)), -low, key.whole))
    if key.whole and tolerance == 0:
        numbers.append(("" if centre >= 0 else _MINUS) + _GAP + _grouped(int(centre)))
    suffix = _suffix(tuple(key.suffixes))
    return (_AROUND + _any(_one_of("~", "≈")) + _AROUND + _group(numbers) + _GAP
            + (f"({suffix}{_AROUND})?" if suffix else ""))
