"""Numbers as a reader of each language expects them, from exact sympy values.

Babel supplies the locale's symbols and grouping; the one CLDR rule Babel does not apply,
minimumGroupingDigits (Bulgarian groups only from five digits up: 2048, 32 000), comes
from the language's data file, and so may the sign between digit groups (Bulgarian: a
thin no-break space, the same in running text and in math).
"""

from __future__ import annotations

from dataclasses import dataclass
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from .lazy import sympy
from babel.numbers import format_decimal, get_group_symbol


@dataclass(frozen=True)
class NumberStyle:
    locale: str
    min_grouping_digits: int = 1
    list_separator: str = ", "
    group_separator: str | None = None   # instead of the locale's (bg: a thin no-break space)

    def _grouped(self, text: str) -> str:
        if self.group_separator is None:
            return text
        return text.replace(_group_symbol(self.locale), self.group_separator)

    def integer(self, value: int) -> str:
        return _integer(self, value)

    def points(self, value) -> str:
        """Points as written on a sheet: `3`, `1,5` (bg) or `1.5` (en)."""
        return _points(self, value)

    def decimal(self, value: Decimal, places: int) -> str:
        integer_digits = len(str(abs(int(value))))
        grouped = integer_digits >= 3 + self.min_grouping_digits
        pattern = "#,##0" + ("." + "#" * places if places else "")
        with _room_for(integer_digits + places):
            return self._grouped(format_decimal(value, format=pattern, locale=self.locale,
                                                group_separator=grouped))


# A class's sheets print the same few integers and points hundreds of times, and Babel
# looks the locale up on every call: each is formatted once per style.
@lru_cache(maxsize=65536)
def _integer(style: NumberStyle, value: int) -> str:
    digits = len(str(abs(value)))
    with _room_for(digits):
        return style._grouped(format_decimal(
            value, format="#,##0", locale=style.locale,
            group_separator=digits >= 3 + style.min_grouping_digits))


@lru_cache(maxsize=4096)
def _points(style: NumberStyle, value) -> str:
    return show_fraction(Fraction(str(value)), style, 2).text


@lru_cache(maxsize=None)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


@contextmanager
def _room_for(digits: int):
    """A decimal context with room for every digit (babel rounds in the current context,
    whose default 28 digits fail on a huge answer with InvalidOperation)."""
    with localcontext() as context:
        context.prec = max(context.prec, digits + 45)
        yield


@dataclass(frozen=True)
class Shown:
    """A value as printed: the text and whether it is rounded (printed after ≈)."""

    text: str
    approximate: bool


def _whole_digits(value: sympy.Expr) -> int:
    """How many digits the whole part of |value| has (1 below ten), exactly. An irrational
    value is told by a 30-digit approximation (sympy's int() of it costs a hundredfold),
    unless it lies so near a power of ten that the approximation could not tell."""
    if not value.is_Rational:
        approx = value.evalf(30)          # not a Float when complex: int() says so
        if approx.is_Float and approx.is_finite:
            near = Decimal(str(approx)).copy_abs()
            digits = len(str(int(near)))
            if (digits == 1 or near > Decimal(10) ** (digits - 1) * _ABOVE) \
                    and near < Decimal(10) ** digits * _BELOW:
                return digits
    return len(str(abs(int(value))))


_ABOVE, _BELOW = Decimal("1.000000000000000000001"), Decimal("0.999999999999999999999")


def _to_decimal(value: sympy.Expr) -> Decimal:
    """The value with 40 significant digits after its whole part, however large it is
    (a fixed precision would fail on the digits of a huge answer)."""
    digits = _whole_digits(value) + 40
    if value.is_Rational:
        with localcontext() as ctx:
            ctx.prec = digits
            return Decimal(int(value.p)) / Decimal(int(value.q))
    return Decimal(str(sympy.N(value, digits)))


def terminates_within(value: sympy.Rational, places: int) -> bool:
    return (value * 10**places).is_Integer


def show_scalar(value, style: NumberStyle, places: int = 2) -> Shown:
    """Exact integers and short decimals as they are; anything else rounded to `places`."""
    return _show_scalar(sympy.sympify(value), style, places)


@lru_cache(maxsize=65536)
def _show_scalar(value: sympy.Expr, style: NumberStyle, places: int) -> Shown:
    if not value.is_real:
        raise ValueError(f"not a real number: {value}")
    with _room_for(_whole_digits(value) + places):
        return _show_real(value, style, places)


def _show_real(value: sympy.Expr, style: NumberStyle, places: int) -> Shown:
    if value.is_Rational:
        return show_fraction(Fraction(int(value.p), int(value.q)), style, places)
    if not value.is_real:
        raise ValueError(f"not a real number: {value}")
    return _show_decimal(_to_decimal(value), style, places)


def show_fraction(value: Fraction, style: NumberStyle, places: int = 2) -> Shown:
    """An exact rational as show_scalar prints it (no sympy: points, a warm build)."""
    if value.denominator == 1:
        return Shown(style.integer(value.numerator), False)
    whole = len(str(abs(int(value))))
    with _room_for(whole + places), localcontext() as ctx:
        ctx.prec = whole + 40
        decimal = Decimal(value.numerator) / Decimal(value.denominator)
        if (value * 10**places).denominator == 1:
            exact = decimal.normalize()
            return Shown(style.decimal(exact, max(0, -exact.as_tuple().exponent)), False)
    with _room_for(whole + places):
        return _show_decimal(decimal, style, places)


def _show_decimal(value: Decimal, style: NumberStyle, places: int) -> Shown:
    """A number not exactly printable in `places` decimals, rounded half away from zero."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    rounded = rounded.normalize() if rounded != rounded.to_integral() else rounded.to_integral()
    digits = max(0, -rounded.as_tuple().exponent)
    return Shown(style.decimal(rounded, digits), True)


def rounded(value, places: int) -> sympy.Rational:
    """The exact number a value denotes once printed rounded to `places` decimals (the
    same rounding as show_scalar: half away from zero)."""
    value = sympy.sympify(value)
    if value.is_Integer or (value.is_Rational and terminates_within(value, places)):
        return value
    decimal = _to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return sympy.Rational(str(decimal))


def is_whole(value) -> bool:
    """A whole number, or a vector or matrix of them."""
    if isinstance(value, sympy.MatrixBase):
        return all(is_whole(v) for v in value)
    if isinstance(value, (tuple, list)):
        return all(is_whole(v) for v in value)
    return bool(sympy.sympify(value).is_Integer)


def show_value(value, style: NumberStyle, places: int = 2) -> Shown:
    """A scalar, or a vector as `[a, b, c]` (`[a; b; c]` where the comma is decimal)."""
    if isinstance(value, sympy.MatrixBase):
        rows = [show_value(tuple(value.row(i)), style, places) for i in range(value.rows)]
        return Shown(" ".join(r.text for r in rows), any(r.approximate for r in rows))
    if isinstance(value, (tuple, list)):
        parts = [show_scalar(v, style, places) for v in value]
        text = "[" + style.list_separator.join(p.text for p in parts) + "]"
        return Shown(text, any(p.approximate for p in parts))
    return show_scalar(value, style, places)


def plain(value):
    """The JSON form: exact integers stay integers, other numbers become floats."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, (int, Fraction)):
        return value if isinstance(value, int) else float(value)
    if getattr(value, "is_Integer", False):      # a sympy Integer, without sympify
        return int(value)
    if getattr(value, "is_Rational", False):
        return float(value)
    if isinstance(value, sympy.MatrixBase):
        return [[plain(v) for v in value.row(i)] for i in range(value.rows)]
    value = sympy.sympify(value)
    if value.is_Integer:
        return int(value)
    return float(value)


def machine_text(value) -> str:
    """A plain number as machines read it: `-?digits[.digits]`, no digit grouping and no
    exponent (a Moodle gap, a QTI value); a float exactly as it round-trips."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
