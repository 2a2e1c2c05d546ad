"""Answer formulas and constraints: parsed once, evaluated exactly with sympy, and
printed as the worked steps of a key.

A formula is Python-shaped arithmetic (`2 * n_heads * seq_len * d_k * bytes_per_value`),
parsed with `ast` and checked against a whitelist of nodes and functions, never evaluated
with `eval`. Values are sympy numbers (exact integers and rationals), tuples of them
(vectors) or immutable sympy matrices. The same tree that computes an answer also prints
it as LaTeX, symbolically and with a student's numbers substituted, so a key's
explanation and its answer cannot disagree.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping

import sympy

from .numbers import NumberStyle, rounded, show_value


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


def _elementwise(op: Callable, a, b):
    if is_vector(a) and is_vector(b):
        if len(a) != len(b):
            raise FormulaError(f"vectors of lengths {len(a)} and {len(b)}")
        return tuple(op(x, y) for x, y in zip(a, b))
    if is_vector(a):
        return tuple(op(x, b) for x in a)
    if is_vector(b):
        return tuple(op(a, y) for y in b)
    return op(a, b)


def _div(a, b):
    if b == 0:
        raise FormulaError("division by zero")
    return a / b


MAX_EXPONENT = 1000


def _pow(a, b):
    """Powers with a bounded exponent: `2**20` is fine, `d ** 10**9` is a typo."""
    if isinstance(b, sympy.Basic) and b.is_number and abs(b) > MAX_EXPONENT:
        raise FormulaError(f"the exponent {b} is larger than {MAX_EXPONENT}")
    return a**b


def _floordiv(a, b):
    if b == 0:
        raise FormulaError("division by zero")
    return sympy.floor(a / b)


def _mod(a, b):
    if b == 0:
        raise FormulaError("modulo by zero")
    return sympy.Mod(a, b)


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: _div,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: lambda a, b: _pow(a, b),
}

_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
}


def _map(fn):
    return lambda v: tuple(fn(x) for x in v) if is_vector(v) else fn(v)


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


def _len(v):
    if is_vector(v):
        return sympy.Integer(len(v))
    raise FormulaError("len() needs a vector")


def _sum(v):
    if is_vector(v):
        return sympy.Add(*v)
    raise FormulaError("sum() needs a vector")


FUNCTIONS: dict[str, Callable] = {
    "sqrt": _map(sympy.sqrt),
    "floor": _map(sympy.floor),
    "ceil": _map(sympy.ceiling),
    "isqrt": _map(_isqrt),
    "abs": _map(sympy.Abs),
    "sum": _sum,
    "len": _len,
    "min": lambda *a: sympy.Min(*(a[0] if len(a) == 1 and is_vector(a[0]) else a)),
    "max": lambda *a: sympy.Max(*(a[0] if len(a) == 1 and is_vector(a[0]) else a)),
    "ones": _ones,
    "tril": _tril,
    "round": _round,
    "transpose": _transpose,
}

# Constraints are checked for every combination of a parameter space, thousands of
# times: with plain Python numbers (exact too: int and Fraction) that is ~50x faster than
# with sympy. Only what a constraint needs is offered; a formula using anything else
# (sqrt, matrices) is evaluated with sympy.
def _fast_constant(value):
    return Fraction(repr(value)) if isinstance(value, float) else value


def _fast_floordiv(a, b):
    if b == 0:
        raise FormulaError("division by zero")
    return a // b


def _fast_div(a, b):
    if b == 0:
        raise FormulaError("division by zero")
    return Fraction(a) / b


def _fast_mod(a, b):
    if b == 0:
        raise FormulaError("modulo by zero")
    return a % b


def _fast_pow(a, b):
    if abs(b) > MAX_EXPONENT:
        raise FormulaError(f"the exponent {b} is larger than {MAX_EXPONENT}")
    return a**b


def _fast_len(v):
    if is_vector(v):
        return len(v)
    raise FormulaError("len() needs a vector")


def _fast_sum(v):
    if is_vector(v):
        return sum(v)
    raise FormulaError("sum() needs a vector")


_FAST_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: _fast_div,
    ast.FloorDiv: _fast_floordiv,
    ast.Mod: _fast_mod,
    ast.Pow: _fast_pow,
}

_FAST_FUNCTIONS: dict[str, Callable] = {
    "abs": _map(abs),
    "floor": _map(math.floor),
    "ceil": _map(math.ceil),
    "sum": _fast_sum,
    "len": _fast_len,
    "min": lambda *a: min(a[0] if len(a) == 1 and is_vector(a[0]) else a),
    "max": lambda *a: max(a[0] if len(a) == 1 and is_vector(a[0]) else a),
}


@dataclass(frozen=True)
class _Arithmetic:
    constant: Callable
    binary: Mapping
    functions: Mapping


EXACT = _Arithmetic(to_value, _BINARY, FUNCTIONS)
FAST = _Arithmetic(_fast_constant, _FAST_BINARY, _FAST_FUNCTIONS)


def fast_value(value):
    """A parameter value as plain Python numbers (int, Fraction), for FAST."""
    if is_vector(value):
        return tuple(fast_value(v) for v in value)
    if isinstance(value, sympy.Integer):
        return int(value)
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    raise FormulaError(f"{value} is not a plain number")


_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Name, ast.Load,
    ast.Constant, ast.Call, ast.List, ast.Tuple, ast.Subscript, ast.USub, ast.UAdd, ast.Not,
    ast.And, ast.Or, *_BINARY, *_COMPARE,
)


# ---------------------------------------------------------------- parsing


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
        return self.functions <= set(_FAST_FUNCTIONS)

    def evaluate(self, env: Mapping[str, object], arithmetic: "_Arithmetic" = None):
        try:
            return _evaluate(self.tree, env, arithmetic or EXACT)
        except FormulaError:
            raise
        except (TypeError, ValueError, ZeroDivisionError, AttributeError, IndexError) as exc:
            raise FormulaError(f"cannot evaluate `{self.source}`: {exc}") from None

    def holds(self, env: Mapping[str, object], arithmetic: "_Arithmetic" = None) -> bool:
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


def _evaluate(node, env, arithmetic: _Arithmetic = EXACT):
    if isinstance(node, ast.Constant):
        return arithmetic.constant(node.value)
    if isinstance(node, ast.Name):
        try:
            return env[node.id]
        except KeyError:
            raise FormulaError(f"unknown name `{node.id}`") from None
    if isinstance(node, ast.BinOp):
        op = arithmetic.binary[type(node.op)]
        left, right = (_evaluate(node.left, env, arithmetic),
                       _evaluate(node.right, env, arithmetic))
        if is_matrix(left) or is_matrix(right):
            return op(left, right)
        return _elementwise(op, left, right)
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env, arithmetic)
        if isinstance(node.op, ast.Not):
            return not value
        return _map(lambda x: -x)(value) if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, env, arithmetic)
        for op, right_node in zip(node.ops, node.comparators):
            right = _evaluate(right_node, env, arithmetic)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = (bool(_evaluate(v, env, arithmetic)) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Call):
        function = arithmetic.functions[node.func.id]
        return function(*(_evaluate(a, env, arithmetic) for a in node.args))
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(_evaluate(e, env, arithmetic) for e in node.elts)
    if isinstance(node, ast.Subscript):
        return _evaluate(node.value, env, arithmetic)[node.slice.value]
    raise FormulaError(f"{type(node).__name__} is not allowed")


# ---------------------------------------------------------------- printing

_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2,
               ast.Pow: 4}
_ATOM = 5


def fraction_latex(value, style: NumberStyle) -> str | None:
    """`\\frac{p}{q}` for a rational that is not whole and has a small denominator (so
    that a third is shown exactly, not as 0.33); None otherwise."""
    value = sympy.sympify(value)
    if not value.is_Rational or value.is_Integer or value.q > 100:
        return None
    sign = "-" if value < 0 else ""
    return (rf"{sign}\frac{{{style.integer(abs(int(value.p)))}}}"
            rf"{{{style.integer(int(value.q))}}}")


def default_symbol(name: str) -> str:
    """`d_k` → `d_k`, `d_model` → `d_{\\text{model}}` (a word as a subscript is set
    upright), `seq_len` → `\\text{seq\\_len}`."""
    head, _, tail = name.partition("_")
    if not tail:
        return name if len(name) == 1 else rf"\text{{{name}}}"
    if len(head) == 1 and "_" not in tail:
        return rf"{head}_{{\text{{{tail}}}}}" if len(tail) > 1 else f"{head}_{tail}"
    return r"\text{" + name.replace("_", r"\_") + "}"


def _parens(text: str) -> str:
    """Parentheses, grown to the height of a fraction inside them."""
    return rf"\left({text}\right)" if r"\frac" in text else f"({text})"


class Printer:
    """Prints a formula as LaTeX math, either with symbols or with numbers substituted.

    With `env` given, names print as their values; a vector minus a number prints
    element by element (`[2 - 4, 4 - 4, 6 - 4]`) and `sum(...)` of a vector expands into
    its terms, the way one computes them by hand.
    """

    def __init__(self, symbols: Mapping[str, str], style: NumberStyle, places: int = 2,
                 env: Mapping[str, object] | None = None,
                 exact_forms: Mapping[str, "Formula"] | None = None):
        self.symbols = symbols
        self.style = style
        self.places = places
        self.env = env
        # Names whose irrational values are substituted as their own formulas (σ as
        # √(8/3), not 1.63), so that the arithmetic a key prints stays exact.
        self.exact_forms = exact_forms or {}
        self.approximate = False

    def print(self, formula: Formula) -> str:
        return self._print(formula.tree, None)[0]

    # Each _print returns (latex, precedence).
    def _number(self, value) -> tuple[str, int]:
        fraction = None if is_vector(value) else fraction_latex(value, self.style)
        if fraction and not show_value(value, self.style, self.places).approximate:
            fraction = None      # a short decimal such as 0.25 prints as itself
        if fraction:
            return fraction, (3 if value < 0 else _ATOM)
        shown = show_value(value, self.style, self.places)
        self.approximate |= shown.approximate
        negative = not is_vector(value) and sympy.sympify(value).is_negative
        return shown.text, (3 if negative else _ATOM)

    def _value(self, node, index):
        value = _evaluate(node, self.env)
        if index is not None and is_vector(value):
            value = value[index]
        return value

    def _print(self, node, index) -> tuple[str, int]:
        numeric = self.env is not None
        if isinstance(node, ast.Constant):
            return self._number(to_value(node.value))
        if isinstance(node, ast.Name):
            if numeric:
                value = self._value(node, index)
                if node.id in self.exact_forms and is_irrational(value):
                    return self._print(self.exact_forms[node.id].tree, index)
                return self._number(value)
            return self.symbols.get(node.id) or default_symbol(node.id), _ATOM
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            text, prec = self._print(node.operand, index)
            return "-" + (text if prec >= 3 else f"({text})"), 3
        if isinstance(node, ast.BinOp):
            return self._binop(node, index)
        if isinstance(node, ast.Call):
            return self._call(node, index)
        if isinstance(node, ast.Subscript):
            if numeric:
                return self._number(self._value(node, index))
            base, _ = self._print(node.value, None)
            return f"{base}_{{{node.slice.value}}}", _ATOM
        if isinstance(node, (ast.List, ast.Tuple)):
            inner = self.style.list_separator.join(self._print(e, index)[0] for e in node.elts)
            return f"[{inner}]", _ATOM
        return ast.unparse(node), _ATOM

    def _binop(self, node, index) -> tuple[str, int]:
        op = type(node.op)
        if self.env is not None and index is None and op in (ast.Add, ast.Sub):
            left, right = self._value(node.left, None), self._value(node.right, None)
            if is_vector(left) != is_vector(right):
                n = len(left) if is_vector(left) else len(right)
                items = [self._binop(node, i)[0] for i in range(n)]
                return "[" + self.style.list_separator.join(items) + "]", _ATOM
        prec = _PRECEDENCE[op]
        if op is ast.Pow and isinstance(node.left, ast.Constant):
            # A power's base is a short literal (1024², 2^20): no digit grouping.
            left, lprec = str(node.left.value), _ATOM
        else:
            left, lprec = self._print(node.left, index)
        right, rprec = self._print(node.right, index)
        if op is ast.Div:
            return rf"\frac{{{left}}}{{{right}}}", _ATOM
        if op is ast.FloorDiv:
            return rf"\left\lfloor \frac{{{left}}}{{{right}}} \right\rfloor", _ATOM
        if op is ast.Pow:
            base = left if lprec >= _ATOM else _parens(left)
            return f"{base}^{{{right}}}", prec
        if lprec < prec:
            left = _parens(left)
        if rprec < prec or (rprec == prec and op in (ast.Sub, ast.Mod)) or rprec == 3:
            right = _parens(right)
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: r"\times", ast.Mod: r"\bmod"}[op]
        return f"{left} {symbol} {right}", prec

    def _call(self, node, index) -> tuple[str, int]:
        name = node.func.id
        args = node.args
        if name == "sum" and self.env is not None and index is None:
            n = len(self._value(args[0], None))
            terms = [self._print(args[0], i)[0] for i in range(n)]
            return " + ".join(terms), 1
        if name == "len":
            if self.env is not None:
                return self._number(self._value(node, None))
            return "n", _ATOM
        inner = [self._print(a, index)[0] for a in args]
        if name == "sqrt":
            return rf"\sqrt{{{inner[0]}}}", _ATOM
        if name in ("floor", "isqrt"):
            body = inner[0] if name == "floor" else rf"\sqrt{{{inner[0]}}}"
            return rf"\left\lfloor {body} \right\rfloor", _ATOM
        if name == "ceil":
            return rf"\left\lceil {inner[0]} \right\rceil", _ATOM
        if name == "abs":
            return rf"\left|{inner[0]}\right|", _ATOM
        if name == "sum":
            return rf"\sum {inner[0]}", 2
        if name == "ones":
            size = r" \times ".join(inner if len(inner) == 2 else inner * 2)
            return rf"\mathbf{{1}}_{{{size}}}", _ATOM
        return rf"\operatorname{{{name}}}\left({', '.join(inner)}\right)", _ATOM
