"""Formulas printed as LaTeX math: the worked steps of a key.

The same tree that computes an answer (see formula) prints it, symbolically and with a
student's numbers substituted, so a key's explanation and its answer cannot disagree.
"""

from __future__ import annotations

import ast
from typing import Mapping

from .lazy import sympy

from .formula import Formula, evaluate_node, is_irrational, is_vector, to_value
from .numbers import NumberStyle, show_value

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


# The index a symbolic sum runs over: its vectors print as x_i.
SUMMED = "i"


class Printer:
    """Prints a formula as LaTeX math, either with symbols or with numbers substituted.

    With `env` given, names print as their values; a vector minus a number prints
    element by element (`[2 - 4, 4 - 4, 6 - 4]`) and `sum(...)` of a vector expands into
    its terms, the way one computes them by hand.
    """

    def __init__(self, symbols: Mapping[str, str], style: NumberStyle, places: int = 2,
                 env: Mapping[str, object] | None = None,
                 exact_forms: Mapping[str, Formula] | None = None,
                 vectors: frozenset = frozenset()):
        self.symbols = symbols
        # Vectors' names: inside a symbolic sum they are indexed (∑ x_i, not ∑ x).
        self.vectors = vectors
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
        value = evaluate_node(node, self.env)
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
            symbol = self.symbols.get(node.id) or default_symbol(node.id)
            if index == SUMMED and node.id in self.vectors and "_" not in symbol:
                symbol += "_i"
            return symbol, _ATOM
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
        inner = [self._print(a, SUMMED if name == "sum" and self.env is None else index)[0]
                 for a in args]
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
