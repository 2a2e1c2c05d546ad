"""How many digit columns a number's grid on a scan form gets: the places the key
prints and the largest magnitude over the exercise's whole variant space, never the
student's own answer, so that the grid tells nobody anything."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

from .bank import Exercise
from .formula import EXACT, FAST

@dataclass(frozen=True)
class NumberShape:
    """The digit columns of one answer's components, the same for every variant."""
    high: int              # the highest place (0: units)
    places: int            # decimal places
    mask: bool = False     # a 0/1 matrix: a bubble per cell


_SHAPES: dict[tuple[str, str, str], NumberShape] = {}


def number_shape(exercise: Exercise, name: str) -> NumberShape:
    """Columns for answer `name` of `exercise` over its whole variant space: the places
    the key prints (none when every value is whole) and the digits of the largest
    magnitude, rounded as printed. A space of 100,000 variants takes seconds: the result
    is kept in exgen's cache, keyed by the variants file's text."""
    key = (str(exercise.path), exercise.id, name)
    if key not in _SHAPES:
        _SHAPES[key] = _cached_shape(exercise, name)
    return _SHAPES[key]


SHAPE_VERSION = "1"        # the rule of _shape_over_space: a new one, a new cache key


def _cached_shape(exercise: Exercise, name: str) -> NumberShape:
    from .files import cache_folder

    try:
        text = exercise.path.read_bytes()
    except OSError:
        return _shape_over_space(exercise, name)
    digest = hashlib.sha256(SHAPE_VERSION.encode() + b"|" + name.encode() + b"|"
                            + text).hexdigest()[:24]
    path = cache_folder("scan-shapes") / f"{exercise.id}-{digest}.json"
    try:
        return NumberShape(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    shape = _shape_over_space(exercise, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_suffix(f".{os.getpid()}.tmp")
        staged.write_text(json.dumps(shape.__dict__), encoding="utf-8")
        os.replace(staged, path)
    except OSError:
        pass                   # no cache to write to: computed again next time
    return shape


def _floats(value) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _floats(v)]
    if hasattr(value, "tolist"):
        return _floats(value.tolist())
    return [float(value)]


def _as_float(value):
    if isinstance(value, (list, tuple)):
        return tuple(_as_float(v) for v in value)
    if isinstance(value, str):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _shape_over_space(exercise: Exercise, name: str) -> NumberShape:
    answer = exercise.answers[name]
    needed = _needed(exercise, name)
    fast = all(exercise.answers[n].formula.fast for n in needed)
    largest, whole, mask, matrix = 0.0, True, True, False
    for index in range(exercise.space.size):
        params = exercise.space.variant(index)
        env = {k: _as_float(v) for k, v in params.items()} if fast else dict(params)
        for n in needed:
            env[n] = exercise.answers[n].formula.evaluate(env, FAST if fast else EXACT)
        value = env[name]
        matrix = matrix or (hasattr(value, "shape") and len(value.shape) == 2) or (
            isinstance(value, (list, tuple)) and bool(value)
            and isinstance(value[0], (list, tuple)))
        for x in _floats(value):
            largest = max(largest, abs(x))
            whole = whole and abs(x - round(x)) < 1e-9
            mask = mask and x in (0.0, 1.0)
    places = 0 if whole else answer.places
    shown = round(largest, places)
    high = max(0, len(str(int(shown))) - 1)
    return NumberShape(high, places, mask and matrix)


def _needed(exercise: Exercise, name: str) -> list[str]:
    """The answers `name` is computed from, in computing order, and `name`."""
    wanted, order = {name}, list(exercise.answers)
    for n in reversed(order):
        if n in wanted:
            wanted |= {m for m in exercise.answers[n].formula.names if m in exercise.answers}
    return [n for n in order if n in wanted]
