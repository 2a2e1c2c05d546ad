"""The shape of a bank's TOML files, declared once per file and checked by one helper.

A schema maps each key a table may hold to its `Key`: the kind of value expected (with
the words a message says when it is not), and a default, or none when the key is
required. `table()` checks one table against its schema and returns it with the
defaults filled in; every message names the file and line (`line_of`), the key and what
was expected. What ties several keys together (formulas naming parameters, the order of
answers, the pools of a spec …) the loaders check after the shape, reporting with `fail`.
The schemas live beside their loaders: `bank.VARIANTS`, `bank.ANSWER`, `bank.STRINGS`,
`bank.EXERCISE_WORDS`, `params.RANGE`, `spec.SLOT`, `spec.GRADING` …
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, NoReturn

from .errors import ExgenError, read_user_file

REQUIRED = object()


@dataclass(frozen=True)
class Kind:
    """A kind of value: what a message says is expected, and the test for it."""

    expected: str
    accepts: Callable[[object], bool]


@dataclass(frozen=True)
class Key:
    kind: Kind
    default: object = REQUIRED
    # A key that no longer belongs in this file: where it went (formatted with the
    # `names` given to `table`, such as {exercise}).
    moved: str | None = None


Schema = Mapping[str, Key]
# Where a key is (`file, line N (key)`); called with None for the table itself.
Locate = Callable[["str | None"], str]


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def whole(least: int = 0, most: int | None = None) -> Kind:
    expected = (f"a whole number from {least} to {most}" if most is not None
                else f"a whole number from {least}")
    return Kind(expected, lambda v: _whole(v) and v >= least and (most is None or v <= most))


def number(least: float = 0, *, above: bool = False, most: float | None = None,
           expected: str | None = None) -> Kind:
    if expected is None:
        expected = f"a number {'above' if above else 'from'} {least:g}"
        if most is not None:
            expected += f" and at most {most:g}"
    return Kind(expected, lambda v: _number(v) and (v > least if above else v >= least)
                and (most is None or v <= most))


def listing(of: Kind, expected: str, *, empty: bool = True) -> Kind:
    return Kind(expected, lambda v: isinstance(v, list) and (empty or bool(v))
                and all(of.accepts(item) for item in v))


def mapping(of: Kind, expected: str) -> Kind:
    return Kind(expected, lambda v: isinstance(v, dict) and all(of.accepts(item)
                                                                for item in v.values()))


TEXT = Kind("a string", lambda v: isinstance(v, str))
INTEGER = Kind("a whole number", _whole)
NUMBER = Kind("a number", _number)
BOOL = Kind("true or false", lambda v: isinstance(v, bool))
TABLE = Kind("a table", lambda v: isinstance(v, dict))
ANY = Kind("a value", lambda v: True)
TEXTS = listing(TEXT, "a list of strings")
TEXT_TABLE = mapping(TEXT, "a table of name = \"text\"")


def read_toml(path: Path) -> dict:
    text = read_user_file(path, "file")
    refuse_control_characters(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExgenError(f"not valid TOML: {exc}", where=str(path)) from None
    for key, value in _strings(data, ""):
        if _controls(value):
            raise ExgenError(f"control character(s) {_controls(value)} in the text "
                             "(written as an escape such as \\u0001): no document can show "
                             "them; delete them",
                             where=line_of(path, key))
    return data


def _controls(text: str) -> str:
    """The control characters (but tab and line breaks) and lone surrogates in a text,
    as `U+0001, U+007F`; "" when it has none."""
    return ", ".join(sorted({f"U+{ord(c):04X}" for c in text if c not in "\t\n\r"
                             and unicodedata.category(c) in ("Cc", "Cs")}))


def _strings(value, key: str):
    """Every text in parsed TOML, with its dotted key."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, inner in value.items():
            yield from _strings(inner, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner, key)


def refuse_control_characters(path: Path, text: str) -> None:
    """A bank file (a template, a TOML file) may hold no control character but tab and
    line breaks, nor a lone surrogate: they break XML, TeX and the terminal."""
    for number, line in enumerate(text.split("\n"), start=1):
        found = _controls(line)
        if found:
            raise ExgenError(f"control character(s) {found}: no document can show them; "
                             "delete them", where=f"{path}, line {number}")


def line_of(path: Path, key: str) -> str:
    """`file, line N` for the line that defines a dotted key such as
    `answers.w2_params.formula`: its table header, then the key within it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    parts = key.split(".")
    found, start = None, 0
    for depth in range(len(parts), 0, -1):      # the longest table header that exists
        header = re.compile(rf"^\s*\[\[?{re.escape('.'.join(parts[:depth]))}\]\]?\s*(#.*)?$")
        hit = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if hit is not None:
            found, start, parts = hit, hit + 1, parts[depth:]
            break
    for leaf in parts:
        assignment = re.compile(rf"^\s*{re.escape(leaf)}\s*=|[{{,]\s*{re.escape(leaf)}\s*=")
        hit = next((i for i in range(start, len(lines))
                    if assignment.search(lines[i]) or (i > start and lines[i].lstrip()
                                                       .startswith("["))), None)
        if hit is None or lines[hit].lstrip().startswith("[") and not assignment.search(
                lines[hit]):
            break
        found, start = hit, hit
    if found is None:
        return f"{path} ({key})"
    return f"{path}, line {found + 1} ({key})"


def locator(path: Path, table_key: str = "") -> Locate:
    """Where the keys of one table of `path` are: `table_key` is the table's own dotted
    key (empty for the file's top level)."""
    def locate(key: str | None) -> str:
        dotted = ".".join(k for k in (table_key, key) if k)
        return line_of(path, dotted) if dotted else str(path)
    return locate


def fail(message: str, where: str | None = None) -> NoReturn:
    """The one way a loader reports bad input: exit status 2, file and line named."""
    raise ExgenError(message, where=where)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def check(value, kind: Kind, what: str, where: "str | Callable[[], str] | None"):
    """One value of its kind, or a message saying what was expected (`where` may be a
    function, so that the line is looked up only for a message)."""
    if not kind.accepts(value):
        fail(f"{what} must be {kind.expected}, not {_short(value)}",
             where() if callable(where) else where)
    return value


def table(value, schema: Schema, locate: Locate, what: str = "", **names: str) -> dict:
    """Check one table against its schema: no unknown key, every required key, each
    value of its kind. Returns the table with the defaults of absent keys filled in.
    `what` names the table in messages (answer `d_ff`, [grading]); empty for a file's
    top level. `names` fill in the message of a key that has moved."""
    inside = f" in {what}" if what else ""
    if not isinstance(value, dict):
        fail(f"{what or 'the file'} must be a table", locate(None))
    for key in value:
        if key not in schema:
            allowed = ", ".join(sorted(k for k, spec in schema.items() if not spec.moved))
            fail(f"unknown key `{key}`{inside} (allowed: {allowed})", locate(key))
        if schema[key].moved:
            fail(f"`{key}`{inside} has moved {schema[key].moved.format(**names)}",
                 locate(key))
    result = {}
    for key, spec in schema.items():
        if spec.moved:
            continue
        if key not in value:
            if spec.default is REQUIRED:
                fail(f"missing `{key}`{inside} ({spec.kind.expected})", locate(None))
            result[key] = spec.default
            continue
        result[key] = check(value[key], spec.kind, f"`{key}`{inside}",
                            lambda key=key: locate(key))
    return result
