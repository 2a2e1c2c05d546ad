"""Answer formulas and constraints: parsed once and evaluated, exactly with sympy or fast
with plain Python numbers.

A formula is Python-shaped arithmetic (`2 * n_heads * seq_len * d_k * bytes_per_value`),
parsed with `ast` and checked against a whitelist of nodes and functions, never evaluated
with `eval`. Values are sympy numbers (exact integers and rationals), tuples of them
(vectors) or immutable sympy matrices. Every operator and function is one row of one
table that says how it is computed exactly and how fast (see OPERATORS, FUNCTIONS). The
worked steps of a key are printed from the same tree (see formula_latex), so a key's
explanation and its answer cannot disagree.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping

from .lazy import sympy

from .numbers import rounded


class FormulaError(ValueError):
    """A formula that is not allowed or cannot be evaluated."""


# ---------------------------------------------------------------- values


def is_vector(value) -> bool:
    return isinstance(value, tuple)


def is_matrix(value) -> bool:
    return isinstance(value, sympy.MatrixBase)


def is_irrational(value) -> bool:
    """A real number that no decimal or fraction writes exactly (√2)."""
    return isinstance(value, sympy.Expr) and value.is_number and not value.is_Rational


def to_value(raw):
    """A parameter value from TOML/JSON into the exact form formulas work on."""
    if isinstance(raw, bool):
        raise FormulaError("true/false is not a number")
    if isinstance(raw, int):
        return sympy.Integer(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise FormulaError(f"{raw} is not a finite number")
        return sympy.Rational(repr(raw))
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (list, tuple)):
        if raw and all(isinstance(r, (list, tuple)) for r in raw):
            return sympy.ImmutableMatrix([[to_value(x) for x in row] for row in raw])
        return tuple(to_value(x) for x in raw)
    if isinstance(raw, sympy.Basic):
        return raw
    raise FormulaError(f"unsupported value {raw!r}")


def fast_value(value):
    """A parameter value as plain Python numbers (int, Fraction), for FAST."""
    if is_vector(value):
        return tuple(fast_value(v) for v in value)
    if isinstance(value, sympy.Integer):
        return int(value)
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    raise FormulaError(f"{value} is not a plain number")


def _fast_constant(value):
    return Fraction(repr(value)) if isinstance(value, float) else value


def elementwise(op: Callable, a, b):
    """`op` of two numbers, of a vector and a number, or of two vectors element by element."""
    if is_vector(a) and is_vector(b):
        if len(a) != len(b):
            raise FormulaError(f"vectors of lengths {len(a)} and {len(b)}")
        return tuple(op(x, y) for x, y in zip(a, b))
    if is_vector(a):
        return tuple(op(x, b) for x in a)
    if is_vector(b):
        return tuple(op(a, y) for y in b)
    return op(a, b)


def _map(fn):
    return lambda v: tuple(fn(x) for x in v) if is_vector(v) else fn(v)


# ---------------------------------------------------------------- arithmetic
#
# Answers are computed exactly, with sympy. Constraints are checked for every combination
# of a parameter space, thousands of times: with plain Python numbers (exact too: int and
# Fraction) that is ~50x faster. So each operator and function below is one row saying
# how it is computed exactly and, where constraints may use it, fast; a formula using
# anything without a fast way (sqrt, matrices) is evaluated with sympy.


@dataclass(frozen=True)
class Operation:
    """One row of the arithmetic: computed exactly (sympy) and fast (int, Fraction);
    `fast` is None where only exact arithmetic can compute it."""

    exact: Callable
    fast: Callable | None


def _refusing_zero(op: Callable, message: str) -> Callable:
    def divide(a, b):
        if b == 0:
            raise FormulaError(message)
        return op(a, b)
    return divide


def _operator(exact: Callable, fast: Callable | None = None, *,
              by_zero: str | None = None) -> Operation:
    """An operator, fast the same way as exact unless `fast` is given; with `by_zero`,
    a zero right operand is refused with that message."""
    fast = fast or exact
    if by_zero:
        exact, fast = _refusing_zero(exact, by_zero), _refusing_zero(fast, by_zero)
    return Operation(exact, fast)


MAX_EXPONENT = 1000


def _pow(a, b):
    """Powers with a bounded exponent: `2**20` is fine, `d ** 10**9` is a typo."""
    if (isinstance(b, int) or isinstance(b, sympy.Basic) and b.is_number) \
            and abs(b) > MAX_EXPONENT:
        raise FormulaError(f"the exponent {b} is larger than {MAX_EXPONENT}")
    return a**b


OPERATORS: dict[type, Operation] = {
    ast.Add: _operator(operator.add),
    ast.Sub: _operator(operator.sub),
    ast.Mult: _operator(operator.mul),
    ast.Div: _operator(operator.truediv, lambda a, b: Fraction(a) / b,
                       by_zero="division by zero"),
    ast.FloorDiv: _operator(lambda a, b: sympy.floor(a / b), operator.floordiv,
                            by_zero="division by zero"),
    ast.Mod: _operator(lambda a, b: sympy.Mod(a, b), operator.mod, by_zero="modulo by zero"),
    ast.Pow: _operator(_pow),
}


def _each(exact: Callable, fast: Callable | None = None) -> Operation:
    """A function of a number, applied to each element of a vector."""
    return Operation(_map(exact), fast and _map(fast))


def _of_vector(name: str, exact: Callable, fast: Callable) -> Operation:
    """A function of a whole vector (sum, len)."""
    def of_vector(fn):
        def call(v):
            if is_vector(v):
                return fn(v)
            raise FormulaError(f"{name}() needs a vector")
        return call
    return Operation(of_vector(exact), of_vector(fast))


def _of_items(exact: Callable, fast: Callable) -> Operation:
    """A function of several numbers, or of the elements of one vector: min(a, b), min(v)."""
    def of_items(fn):
        return lambda *a: fn(a[0] if len(a) == 1 and is_vector(a[0]) else a)
    return Operation(of_items(exact), of_items(fast))


def _exact_only(exact: Callable) -> Operation:
    return Operation(exact, None)


def _isqrt(v):
    """The largest integer whose square is at most v (exact: `math.isqrt` on integers)."""
    if v.is_Integer:
        return sympy.Integer(math.isqrt(int(v)))
    return sympy.floor(sympy.sqrt(v))


def _round(value, places=0):
    """Half away from zero, to `places` decimals, exactly: the rounding a key prints."""
    if not (isinstance(places, sympy.Basic) and places.is_Integer) or not 0 <= places <= 10:
        raise FormulaError("round(v, places) takes a whole number of places from 0 to 10")
    return _map(lambda x: rounded(x, int(places)))(value)


def _ones(rows, cols=None):
    cols = rows if cols is None else cols
    return sympy.ImmutableMatrix(sympy.ones(int(rows), int(cols)))


def _tril(m):
    return sympy.ImmutableMatrix(m.rows, m.cols, lambda i, j: m[i, j] if j <= i else 0)


def _transpose(m):
    if not is_matrix(m):
        raise FormulaError("transpose() needs a matrix")
    return sympy.ImmutableMatrix(m.T)


FUNCTIONS: dict[str, Operation] = {
    "sqrt": _each(lambda x: sympy.sqrt(x)),
    "floor": _each(lambda x: sympy.floor(x), math.floor),
    "ceil": _each(lambda x: sympy.ceiling(x), math.ceil),
    "isqrt": _each(_isqrt),
    "abs": _each(lambda x: sympy.Abs(x), abs),
    "sum": _of_vector("sum", lambda v: sympy.Add(*v), sum),
    "len": _of_vector("len", lambda v: sympy.Integer(len(v)), len),
    "min": _of_items(lambda v: sympy.Min(*v), min),
    "max": _of_items(lambda v: sympy.Max(*v), max),
    "ones": _exact_only(_ones),
    "tril": _exact_only(_tril),
    "round": _exact_only(_round),
    "transpose": _exact_only(_transpose),
}

_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
}


@dataclass(frozen=True)
class Arithmetic:
    """One way of computing: how constants are read, and each operator and function."""

    constant: Callable
    binary: Mapping[type, Callable]
    functions: Mapping[str, Callable]

    @classmethod
    def of(cls, constant: Callable, way: str) -> "Arithmetic":
        """The EXACT or FAST column of OPERATORS and FUNCTIONS."""
        def column(rows):
            return {key: getattr(row, way) for key, row in rows.items()
                    if getattr(row, way) is not None}
        return cls(constant, column(OPERATORS), column(FUNCTIONS))


EXACT = Arithmetic.of(to_value, "exact")
FAST = Arithmetic.of(_fast_constant, "fast")


# ---------------------------------------------------------------- parsing

_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Name, ast.Load,
    ast.Constant, ast.Call, ast.List, ast.Tuple, ast.Subscript, ast.USub, ast.UAdd, ast.Not,
    ast.And, ast.Or, *OPERATORS, *_COMPARE,
)


@dataclass(frozen=True)
class Formula:
    """One parsed formula; `names` are the parameters and answers it reads."""

    source: str
    tree: ast.expr
    names: frozenset[str]
    functions: frozenset[str] = frozenset()

    @property
    def fast(self) -> bool:
        """Whether plain Python numbers can evaluate it (see FAST)."""
        return self.functions <= set(FAST.functions)

    def evaluate(self, env: Mapping[str, object], arithmetic: Arithmetic = None):
        try:
            return evaluate_node(self.tree, env, arithmetic or EXACT)
        except FormulaError:
            raise
        except (TypeError, ValueError, ZeroDivisionError, AttributeError, IndexError) as exc:
            raise FormulaError(f"cannot evaluate `{self.source}`: {exc}") from None

    def holds(self, env: Mapping[str, object], arithmetic: Arithmetic = None) -> bool:
        result = self.evaluate(env, arithmetic)
        if isinstance(result, (bool, sympy.logic.boolalg.BooleanAtom)):
            return bool(result)
        raise FormulaError(f"constraint `{self.source}` is not a comparison")


def parse(source: str) -> Formula:
    """Parse and whitelist a formula; raise FormulaError naming what is not allowed."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"`{source}` is not a valid formula ({exc.msg})") from None
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise FormulaError(f"`{source}`: {type(node).__name__} is not allowed in a formula")
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, (int, float))
        ):
            raise FormulaError(f"`{source}`: only numbers may be written as constants")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = getattr(node.func, "id", ast.unparse(node.func))
                allowed = ", ".join(sorted(FUNCTIONS))
                raise FormulaError(f"`{source}`: unknown function {name}() (allowed: {allowed})")
            if node.keywords:
                raise FormulaError(f"`{source}`: keyword arguments are not allowed")
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            raise FormulaError(f"`{source}`: an index must be a whole number")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not _is_function_name(tree, node):
            names.add(node.id)
    functions = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call)}
    if any(isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
            isinstance(node.right, ast.Constant) and isinstance(node.right.value, int))
           for node in ast.walk(tree)):
        functions.add("**")          # a power that may not be whole: exact arithmetic only
    return Formula(source.strip(), tree.body, frozenset(names), frozenset(functions))


def _is_function_name(tree, name_node) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name_node for n in ast.walk(tree))


# ---------------------------------------------------------------- evaluating


def evaluate_node(node: ast.expr, env: Mapping[str, object],
                  arithmetic: Arithmetic = EXACT):
    """The value of a formula's tree (or of a node of it) with `env`'s values."""
    if isinstance(node, ast.Constant):
        return arithmetic.constant(node.value)
    if isinstance(node, ast.Name):
        try:
            return env[node.id]
        except KeyError:
            raise FormulaError(f"unknown name `{node.id}`") from None
    if isinstance(node, ast.BinOp):
        op = arithmetic.binary[type(node.op)]
        left, right = (evaluate_node(node.left, env, arithmetic),
                       evaluate_node(node.right, env, arithmetic))
        if is_matrix(left) or is_matrix(right):
            return op(left, right)
        return elementwise(op, left, right)
    if isinstance(node, ast.UnaryOp):
        value = evaluate_node(node.operand, env, arithmetic)
        if isinstance(node.op, ast.Not):
            return not value
        return _map(lambda x: -x)(value) if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Compare):
        left = evaluate_node(node.left, env, arithmetic)
        for op, right_node in zip(node.ops, node.comparators):
            right = evaluate_node(right_node, env, arithmetic)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = (bool(evaluate_node(v, env, arithmetic)) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Call):
        function = arithmetic.functions[node.func.id]
        return function(*(evaluate_node(a, env, arithmetic) for a in node.args))
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(evaluate_node(e, env, arithmetic) for e in node.elts)
    if isinstance(node, ast.Subscript):
        return evaluate_node(node.value, env, arithmetic)[node.slice.value]
    raise FormulaError(f"{type(node).__name__} is not allowed")
