"""Parameter spaces: the values each parameter may take, the constraints between them,
and uniform seeded sampling among the valid combinations.

Parameters linked by a constraint form a group; each group's valid combinations are
enumerated once, and the groups are independent, so the whole space is their product.
A variant is then one index into that product (plus one permutation per multiple-choice
answer), drawn uniformly: no retrying until something fits.
"""

from __future__ import annotations

import hashlib
import json
import itertools
import math
from dataclasses import dataclass, field
from typing import Iterator, Mapping


from .lazy import sympy

from .errors import ExgenError
from .formula import EXACT, FAST, Formula, FormulaError, fast_value, to_value
from .numbers import plain
from .schema import ANY, INTEGER, Key, fail, listing, table, whole

MAX_GROUP_COMBINATIONS = 2_000_000


# A parameter's candidates written as a table: an inclusive range …
RANGE = {"from": Key(INTEGER), "to": Key(INTEGER), "step": Key(whole(1), 1)}
# … or every vector of a length over some values.
VECTORS = {"length": Key(whole(1)), "values": Key(listing(ANY, "a list of values",
                                                          empty=False))}


def candidate_values(name: str, spec, where: str) -> tuple:
    """The candidates a variants file lists for one parameter.

    A list of values (numbers or vectors); `{from, to, step}` for an inclusive range;
    `{length, values}` for every vector of that length over those values.
    """
    try:
        if isinstance(spec, list):
            if not spec:
                fail(f"parameter `{name}` lists no values", where)
            return tuple(to_value(v) for v in spec)
        if isinstance(spec, dict) and "from" in spec:
            spec = table(spec, RANGE, lambda key: where, f"parameter `{name}`")
            return tuple(to_value(v) for v in range(spec["from"], spec["to"] + 1,
                                                    spec["step"]))
        if isinstance(spec, dict) and "length" in spec:
            spec = table(spec, VECTORS, lambda key: where, f"parameter `{name}`")
            items = [to_value(v) for v in spec["values"]]
            return tuple(itertools.product(items, repeat=spec["length"]))
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            return (to_value(spec),)
    except FormulaError as exc:
        fail(f"parameter `{name}`: {exc}", where)
    fail(f"parameter `{name}` must be a list of values, {{from, to, step}} or "
         f"{{length, values}}, not {spec!r}", where)


@dataclass(frozen=True)
class Group:
    """Parameters tied together by constraints, with their valid combinations."""

    names: tuple[str, ...]
    constraints: tuple[Formula, ...]
    combinations: tuple[tuple, ...]


@dataclass(frozen=True)
class Choice:
    """A multiple-choice answer: its options are shown in a drawn order."""

    answer: str
    options: tuple[str, ...]

    @property
    def param(self) -> str:
        return f"{self.answer}_order"

    @property
    def orders(self) -> int:
        return math.factorial(len(self.options))

    def order(self, index: int) -> tuple[str, ...]:
        """The index-th permutation (Lehmer code), so every order is equally likely."""
        pool = list(self.options)
        result = []
        for k in range(len(pool), 0, -1):
            pick, index = divmod(index, math.factorial(k - 1))
            result.append(pool.pop(pick))
        return tuple(result)


@dataclass(frozen=True)
class ParamSpace:
    candidates: Mapping[str, tuple]
    constraints: tuple[Formula, ...]
    choices: tuple[Choice, ...] = ()
    where: str = ""
    groups: tuple[Group, ...] = field(default=(), compare=False)

    @classmethod
    def build(cls, candidates: Mapping[str, tuple], constraints: tuple[Formula, ...],
              choices: tuple[Choice, ...] = (), where: str = "") -> "ParamSpace":
        groups = tuple(_enumerate_group(names, cons, candidates, where)
                       for names, cons in _group(candidates, constraints))
        return cls(dict(candidates), tuple(constraints), tuple(choices), where, groups)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.candidates) + tuple(c.param for c in self.choices)

    @property
    def size(self) -> int:
        """How many different variants the space holds."""
        return math.prod(len(g.combinations) for g in self.groups) * math.prod(
            c.orders for c in self.choices)

    def variant(self, index: int) -> dict:
        """The parameters of the index-th variant (mixed-radix over groups and choices)."""
        params: dict = {}
        for group in self.groups:
            index, pick = divmod(index, len(group.combinations))
            params.update(zip(group.names, group.combinations[pick]))
        for choice in self.choices:
            index, pick = divmod(index, choice.orders)
            params[choice.param] = choice.order(pick)
        return {name: params[name] for name in self.names}

    def fix(self, fixed: Mapping[str, object]) -> "ParamSpace":
        """The subspace where the given parameters take the given values.

        A value outside the listed candidates is allowed as long as the constraints hold;
        one that no combination can satisfy is refused, naming the constraint it breaks.
        """
        fixed = self.coerce(fixed)
        candidates = dict(self.candidates)
        choices = []
        for name, value in fixed.items():
            if name in candidates:
                candidates[name] = (value,)
        for choice in self.choices:
            if choice.param in fixed:
                order = tuple(fixed[choice.param])
                if sorted(order) != sorted(choice.options):
                    raise ExgenError(f"{choice.param} must order exactly the options "
                                     f"{', '.join(choice.options)}")
                choices.append(_FixedChoice(choice.answer, choice.options, order))
            else:
                choices.append(choice)
        return ParamSpace.build(candidates, self.constraints, tuple(choices), self.where)

    def coerce(self, fixed: Mapping[str, object]) -> dict:
        """Values given on the command line or in JSON, in the form formulas work on."""
        unknown = set(fixed) - set(self.names)
        if unknown:
            raise ExgenError(f"no parameter named {', '.join(sorted(unknown))} "
                             f"(parameters: {', '.join(self.names) or 'none'})")
        result = {}
        for name, value in fixed.items():
            if name.endswith("_order"):
                result[name] = tuple(value) if isinstance(value, (list, tuple)) else (value,)
                continue
            try:
                result[name] = to_value(value)
            except FormulaError as exc:
                raise ExgenError(f"parameter {name}: {exc}") from None
            if isinstance(result[name], str):
                raise ExgenError(f"parameter {name} takes a number or a list of numbers, "
                                 f"not `{value}`")
            kind = type(self.candidates[name][0]) if self.candidates.get(name) else None
            if kind is tuple and not isinstance(result[name], tuple):
                raise ExgenError(f"parameter {name} is a vector: write it as [a, b, c]")
            if kind is not None and kind is not tuple and isinstance(result[name], tuple):
                raise ExgenError(f"parameter {name} is a single number, not a vector")
            if name in self.candidates:
                _same_kind(name, result[name], self.candidates[name], value)
        return result

    def check(self, params: Mapping[str, object]) -> None:
        """Raise naming the first constraint these parameter values break."""
        for constraint in self.constraints:
            try:
                ok = constraint.holds(params)
            except FormulaError as exc:
                raise ExgenError(str(exc), where=self.where) from None
            if not ok:
                shown = ", ".join(f"{n}={_show(params[n])}" for n in sorted(constraint.names))
                raise ExgenError(f"the values {shown} break the constraint "
                                 f"`{constraint.source}`", where=self.where)


# A value given on the command line must stay hand-computable and printable: at most
# this many digits before the decimal point, and this many after it.
MAX_WHOLE_DIGITS = 12
MAX_DECIMAL_PLACES = 6


def _same_kind(name: str, value, candidates: tuple, raw) -> None:
    """A value from outside the listed ones (`--set d_model=5120`) must still be of the
    parameter's kind: whole where all its values are whole, positive where all are
    positive (non-negative where none is negative), a vector of a listed length; and of
    a size exgen can print."""
    items = [x for v in candidates for x in (v if isinstance(v, tuple) else (v,))]
    given = value if isinstance(value, tuple) else (value,)
    shown = json.dumps(raw) if isinstance(raw, (int, float, list)) else _show(value)
    if not all(isinstance(x, sympy.Rational) for x in items + list(given)):
        return                       # symbolic candidates: nothing to compare with
    if isinstance(value, tuple):
        lengths = sorted({len(v) for v in candidates if isinstance(v, tuple)})
        if lengths and len(value) not in lengths:
            raise ExgenError(f"parameter {name} is a vector of {' or '.join(map(str, lengths))} "
                             f"numbers, not {len(value)}: {shown}")
    whole = all(x.is_integer for x in items)
    if all(x > 0 for x in items):
        sign, ok = "positive ", all(x > 0 for x in given)
    elif all(x >= 0 for x in items):
        sign, ok = "non-negative ", all(x >= 0 for x in given)
    else:
        sign, ok = "", True
    kind = f"{sign}{'whole number' if whole else 'number'}"
    examples = ", ".join(_show(v) for v in candidates[:4]) + (", …" if len(candidates) > 4
                                                              else "")
    if not ok or (whole and not all(x.is_integer for x in given)):
        what = "vector of " + kind + "s" if isinstance(value, tuple) else kind
        raise ExgenError(f"parameter {name} takes a {what} (like its values {examples}), "
                         f"not {shown}")
    for x in given:
        whole_digits = len(str(abs(int(x))))
        if whole_digits > MAX_WHOLE_DIGITS:
            raise ExgenError(f"parameter {name}: {str(x)[:20]}… has {whole_digits} digits; "
                             f"at most {MAX_WHOLE_DIGITS} before the decimal point")
        if not x.is_integer and not _places_at_most(x, MAX_DECIMAL_PLACES):
            raise ExgenError(f"parameter {name}: {shown[:40]} has more than "
                             f"{MAX_DECIMAL_PLACES} decimal places")


def _places_at_most(x: "sympy.Rational", places: int) -> bool:
    return (x * 10 ** places).is_integer


@dataclass(frozen=True)
class _FixedChoice(Choice):
    fixed: tuple[str, ...] = ()

    @property
    def orders(self) -> int:
        return 1

    def order(self, index: int) -> tuple[str, ...]:
        return self.fixed


@dataclass(frozen=True)
class Drawing:
    """What drawing a variant needs of a parameter space, in plain values (numbers.plain:
    what manifest.json and a variant's key say): each group's names and valid
    combinations, and the multiple-choice answers' options. A warm build draws from the
    one the cache kept (bank.py) and never computes the exact space."""

    groups: tuple[tuple[tuple[str, ...], tuple[tuple, ...]], ...]
    choices: tuple[Choice, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, space: ParamSpace) -> "Drawing":
        return cls(tuple((g.names, tuple(tuple(plain(v) for v in combination)
                                         for combination in g.combinations))
                         for g in space.groups), space.choices, space.names)

    @property
    def size(self) -> int:
        return math.prod(len(combinations) for _, combinations in self.groups) * \
            math.prod(c.orders for c in self.choices)

    def plain(self, index: int) -> dict:
        """The index-th variant's parameters as `ParamSpace.variant(index)` gives them,
        in plain values (an option order as a list)."""
        params: dict = {}
        for names, combinations in self.groups:
            index, pick = divmod(index, len(combinations))
            params.update(zip(names, combinations[pick]))
        for choice in self.choices:
            index, pick = divmod(index, choice.orders)
            params[choice.param] = list(choice.order(pick))
        return {name: params[name] for name in self.names}

    def to_json(self) -> list:
        return [[[list(names), [list(c) for c in combinations]]
                 for names, combinations in self.groups],
                [[c.answer, list(c.options)] for c in self.choices], list(self.names)]

    @classmethod
    def from_json(cls, data) -> "Drawing":
        """Raises ValueError (TypeError, KeyError…) for data not of this shape."""
        groups, choices, names = data
        drawing = cls(tuple((tuple(_texts(group_names)),
                             tuple(tuple(_plain_value(v) for v in c) for c in combinations))
                            for group_names, combinations in groups),
                      tuple(Choice(answer, tuple(_texts(options))) for answer, options in choices),
                      tuple(_texts(names)))
        covered = [n for group_names, _ in drawing.groups for n in group_names] + \
            [c.param for c in drawing.choices]
        if sorted(covered) != sorted(drawing.names) or any(
                not combinations or any(len(c) != len(group_names) for c in combinations)
                for group_names, combinations in drawing.groups):
            raise ValueError("not a drawing")
        return drawing


def _texts(values) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError("not a list of names")
    return values


def _plain_value(value):
    """A plain parameter value as JSON gives it back: a number, a text, or lists of them."""
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    raise ValueError(f"not a plain value: {value!r}")


def _show(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _group(candidates, constraints) -> Iterator[tuple[tuple[str, ...], tuple[Formula, ...]]]:
    """Split parameters into groups that no constraint connects."""
    parent = {name: name for name in candidates}

    def root(n):
        while parent[n] != n:
            n = parent[n]
        return n

    for c in constraints:
        names = [n for n in sorted(c.names) if n in parent]
        for other in names[1:]:
            parent[root(other)] = root(names[0])
    order = list(candidates)
    for head in dict.fromkeys(root(n) for n in order):
        names = tuple(n for n in order if root(n) == head)
        yield names, tuple(c for c in constraints if c.names & set(names))


def _enumerate_group(names, constraints, candidates, where) -> Group:
    total = math.prod(len(candidates[n]) for n in names)
    if total > MAX_GROUP_COMBINATIONS:
        raise ExgenError(
            f"the parameters {', '.join(names)} together have {total:,} combinations to "
            f"check; list fewer values (at most {MAX_GROUP_COMBINATIONS:,})", where=where)
    valid = []
    fast = all(c.fast for c in constraints)
    try:
        plain = {n: tuple(fast_value(v) for v in candidates[n]) for n in names} if fast \
            else candidates
    except FormulaError:
        fast, plain = False, candidates
    arithmetic = FAST if fast else EXACT
    for values, plain_values in zip(itertools.product(*(candidates[n] for n in names)),
                                    itertools.product(*(plain[n] for n in names))):
        env = dict(zip(names, plain_values))
        try:
            if all(c.holds(env, arithmetic) for c in constraints):
                valid.append(values)
        except FormulaError as exc:
            raise ExgenError(str(exc), where=where) from None
    if not valid:
        raise ExgenError(_why_empty(names, constraints, candidates), where=where)
    return Group(names, constraints, tuple(valid))


def _why_empty(names, constraints, candidates) -> str:
    """Name the constraint that no combination satisfies (or all of them together)."""
    listing = "; ".join(f"{n} in {{{', '.join(_show(v) for v in candidates[n])}}}"
                        for n in names)
    for c in constraints:
        cnames = [n for n in names if n in c.names]
        if not any(c.holds(dict(zip(cnames, vals)))
                   for vals in itertools.product(*(candidates[n] for n in cnames))):
            return f"no values satisfy the constraint `{c.source}` ({listing})"
    together = ", ".join(f"`{c.source}`" for c in constraints)
    return f"no values satisfy the constraints {together} together ({listing})"


# ---------------------------------------------------------------- seeded draws


def draws(size: int, *parts: object) -> Iterator[int]:
    """Uniform integers in [0, size), an endless sequence that depends only on the given
    values: SHA-256 of the values and a counter, with rejection so that no index is
    favoured. (Far cheaper than a numpy generator per student and exercise.)"""
    if size < 1:
        raise ValueError("an empty space has nothing to draw")
    prefix = "\x1f".join(map(str, parts)).encode()
    blocks = (size.bit_length() + 255) // 256 + 1
    span = 2 ** (256 * blocks)
    limit = span - span % size
    counter = 0
    while True:
        value = 0
        for _ in range(blocks):
            digest = hashlib.sha256(prefix + b"\x1e" + str(counter).encode()).digest()
            value = (value << 256) | int.from_bytes(digest, "big")
            counter += 1
        if value < limit:
            yield value % size
