"""Typesetting rules for pdfLaTeX, in any language a bank has: which characters text
and math may hold and how each is written for TeX.

A language is data: its `Typesetting` (from the `[typesetting]` table of
`templates/<lang>/strings.toml`) names its babel language, its font encoding and its
quotation marks. The document is set in Computer Modern (cm-super Type 1 fonts);
babel's bulgarian (or russian) makes ``"`` an active shorthand and switches to the T2A
encoding, english stays in T1, where Cyrillic letters do not exist, so Cyrillic runs in
such a language are set in the bank's Cyrillic language. Everything here guards against
those pitfalls, and any character pdfTeX cannot set raises ValueError before TeX ever
runs. Math reaches TeX only through a whitelist of control sequences (banks are
untrusted). The converter from Markdown (latex.py) applies these rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# Font encodings that have Cyrillic letters (babel's Cyrillic languages switch to them).
CYRILLIC_ENCODINGS = frozenset({"T2A", "T2B", "T2C", "X2"})


@dataclass(frozen=True)
class Typesetting:
    """How pdfLaTeX sets a language: babel's name for it, its font encoding, its
    opening and closing quotation marks (CLDR's), and — for a language whose encoding has
    no Cyrillic — the babel language that Cyrillic runs in its text are set in."""

    babel: str
    fontenc: str
    quotes: tuple[str, str]
    cyrillic: str | None = None

    @property
    def has_cyrillic(self) -> bool:
        return self.fontenc in CYRILLIC_ENCODINGS


def preamble_packages(languages: Sequence[Typesetting]) -> list[tuple[str, tuple[str, ...]]]:
    """The packages of a document in these languages: every encoding they need, T1 last
    (the Latin default; babel's Cyrillic languages switch to theirs by themselves), and
    babel with the languages whose encoding has no Cyrillic first, then the Cyrillic ones,
    each in the given order; the last is babel's main language (babel-bulgarian fails as
    the main language beside babel-russian, but not before it).
    array: wrapping table columns (>{\\raggedright}p{...}); fancyvrb: code blocks."""
    encodings = sorted({t.fontenc for t in languages}, key=lambda e: (e == "T1", e))
    ordered = sorted(languages, key=lambda t: t.has_cyrillic)       # a stable sort
    babel = tuple(dict.fromkeys(t.babel for t in ordered))
    return [("fontenc", tuple(encodings)), ("inputenc", ("utf8",)), ("babel", babel),
            *_PACKAGES]


_PACKAGES: list[tuple[str, tuple[str, ...]]] = [
    ("amsmath", ()),
    ("amssymb", ()),
    ("graphicx", ()),
    ("array", ()),
    ("longtable", ()),
    ("booktabs", ()),
    ("fancyvrb", ()),
]

_GREEK = dict(zip(
    "αβγδεζηθικλμνξπρσςτυφχψωϵϑϕΓΔΘΛΞΠΣΥΦΨΩ",
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma varsigma tau upsilon phi chi psi omega epsilon vartheta phi "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
))
# Characters that are math symbols: as-is in math, wrapped in $...$ in text.
_MATH_SYMBOLS = {ch: "\\" + name for ch, name in _GREEK.items()} | {
    "×": r"\times", "≈": r"\approx", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "·": r"\cdot", "⋅": r"\cdot", "−": "-", "→": r"\rightarrow", "←": r"\leftarrow",
    "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow",
    "±": r"\pm", "÷": r"\div", "∞": r"\infty", "∑": r"\sum", "∏": r"\prod",
    "∈": r"\in", "∉": r"\notin", "∂": r"\partial", "∇": r"\nabla", "∝": r"\propto",
    "≡": r"\equiv", "∼": r"\sim", "≪": r"\ll", "≫": r"\gg", "∘": r"\circ",
    "√": r"\surd", "∀": r"\forall", "∃": r"\exists", "✓": r"\checkmark", "′": "'",
    "…": r"\ldots",
}
# Text-only characters pdfTeX's inputenc does not set up, or sets up badly.
_TEXT_SYMBOLS = {
    "\u00a0": "~", "\u202f": r"\,", "\u2009": r"\,", "—": "---", "–": "--",
    "…": r"\ldots{}", "„": r"\quotedblbase{}", "“": r"\textquotedblleft{}",
    "”": r"\textquotedblright{}", "‘": r"\textquoteleft{}", "’": r"\textquoteright{}",
    "«": r"\guillemotleft{}", "»": r"\guillemotright{}", "°": r"\textdegree{}",
    "§": r"\S{}", "•": r"\textbullet{}", "€": r"\texteuro{}", "№": r"\textnumero{}",
    "′": r"\ensuremath{^{\prime}}",
}
# In Verbatim, ligatures are off and fancyvrb makes ' active (looping inside math).
_CODE_SYMBOLS = _TEXT_SYMBOLS | {"—": r"\textemdash{}", "–": r"\textendash{}"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
# ASCII characters that are special to TeX, babel-bulgarian or T1/T2A ligatures.
_TEXT_ESCAPES = {
    "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "`": r"\textasciigrave{}", '"': r"\textquotedbl{}",
}
_CODE_ESCAPES = _TEXT_ESCAPES | {"'": r"\textquotesingle{}", "-": "-{}"}
_VERBATIM_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}",
                     "'": r"\textquotesingle{}", "`": r"\textasciigrave{}"}
_LATIN1_MISSING_IN_T2A = "ÐÞðþ"
_CYRILLIC_RUN = re.compile(r"[\u0400-\u045f]+")
_CYRILLIC_TEXT_RUN = re.compile(r"[\u0400-\u045f]+(?:[ -][\u0400-\u045f]+)*")


def is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u045f"


def _is_plain(ch: str) -> bool:
    """True for characters inputenc sets in both T1 and T2A without help."""
    return (" " <= ch <= "~") or ("\u00c0" <= ch <= "\u00ff" and ch not in "×÷" + _LATIN1_MISSING_IN_T2A)


def _unsupported(text: str, i: int) -> ValueError:
    ch, context = text[i], text[max(0, i - 30):i + 30].strip()
    return ValueError(f"cannot typeset character {ch!r} (U+{ord(ch):04X}) in PDF output, near {context!r}")


def _foreign(latex: str, ts: Typesetting, pattern: re.Pattern[str] = _CYRILLIC_RUN) -> str:
    """A language in an encoding without Cyrillic (english: T1) sets Cyrillic runs in the
    bank's Cyrillic language."""
    if ts.has_cyrillic or not _CYRILLIC_RUN.search(latex):
        return latex
    if ts.cyrillic is None:
        found = _CYRILLIC_RUN.search(latex).group(0)
        raise ValueError(f"cannot typeset Cyrillic ({found!r}) in {ts.babel} ({ts.fontenc}): "
                         "the bank has no language with a Cyrillic font encoding")
    return pattern.sub(lambda m: rf"\foreignlanguage{{{ts.cyrillic}}}{{" + m.group(0) + "}",
                       latex)


# Text whose every character running_text prints as it is (no escape, quote or symbol).
_KEPT_AS_IS = re.compile("[" + "".join(
    re.escape(ch) for ch in map(chr, range(0x20, 0x100))
    if _is_plain(ch) and ch not in _TEXT_ESCAPES and ch != '"') + "\u0400-\u045f\n\t]*")


def running_text(text: str, ts: Typesetting, quotes: Iterator[str] | None = None) -> str:
    """Running text as LaTeX, every character printed as it is (also for titles and
    people's names); ``quotes`` yields "open"/"close"/"" for each ASCII ``"`` when the
    pairing spans more than this text (a paired one prints as the language's quotes)."""
    if ",," not in text and _KEPT_AS_IS.fullmatch(text):       # the common case, fast
        return _foreign(text, ts, _CYRILLIC_TEXT_RUN)
    quotes = quotes if quotes is not None else iter(pair_quotes(text))
    out = []
    for i, ch in enumerate(text):
        if ch == '"':
            role = next(quotes, "")
            mark = ts.quotes[role == "close"]
            out.append(_TEXT_SYMBOLS.get(mark, mark) if role else r"\textquotedbl{}")
        elif ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch == "," and text[i + 1:i + 2] == ",":
            out.append(",{}")
        elif _is_plain(ch) or is_cyrillic(ch) or ch in "\n\t":
            out.append(ch)
        elif ch in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[ch])
        elif ch in _MATH_SYMBOLS:
            out.append(f"${_MATH_SYMBOLS[ch]}$")
        elif (scripted := _scripted(ch)) is not None:
            out.append(scripted)
        else:
            raise _unsupported(text, i)
    return _foreign("".join(out), ts, _CYRILLIC_TEXT_RUN)


def _scripted(ch: str) -> str | None:
    """A superscript or subscript digit (`²`, `₁`) as text; None for any other."""
    if ch in _SUPERSCRIPTS:
        return r"\textsuperscript{" + _SUPERSCRIPTS[ch] + "}"
    if ch in _SUBSCRIPTS:
        return r"\textsubscript{" + _SUBSCRIPTS[ch] + "}"
    return None


def escape_code(code: str, ts: Typesetting, verbatim: bool) -> str:
    """Escape code for \\texttt, or for a fancyvrb Verbatim with commandchars ``\\{}``
    (which already turns off ligatures and keeps spaces)."""
    escapes = _VERBATIM_ESCAPES if verbatim else _CODE_ESCAPES
    space = " " if verbatim else "~"
    out = []
    for i, ch in enumerate(code):
        if ch in escapes:
            out.append(escapes[ch])
        elif ch == "," and not verbatim and code[i + 1:i + 2] == ",":
            out.append(",{}")
        elif _is_plain(ch) or is_cyrillic(ch) or ch == "\n":
            out.append(ch)
        elif ch in "\u00a0\u202f\u2009":
            out.append(space)
        elif ch in _CODE_SYMBOLS:
            out.append(_CODE_SYMBOLS[ch])
        elif ch in _MATH_SYMBOLS:
            out.append(r"\ensuremath{" + _MATH_SYMBOLS[ch] + "}")
        elif (scripted := _scripted(ch)) is not None:
            out.append(scripted)
        else:
            raise _unsupported(code, i)
    return _foreign("".join(out), ts)


# Banks are shared between lecturers, so a template is untrusted: math reaches TeX only
# through these control sequences, which a formula needs and which cannot read or write
# files, define macros or change how TeX reads its input (\input, \def, \catcode,
# \csname, \write, \openin, \special … are not here).
MATH_COMMANDS = frozenset("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu
    nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell hbar imath jmath
    times cdot div pm mp ast star circ bullet oplus ominus otimes oslash odot cap cup
    setminus wedge vee land lor neg lnot
    leq le geq ge neq ne approx equiv sim simeq cong propto ll gg lll ggg prec succ
    in notin ni subset supset subseteq supseteq mid nmid parallel perp
    to gets rightarrow leftarrow leftrightarrow Rightarrow Leftarrow Leftrightarrow
    longrightarrow longleftarrow mapsto implies iff uparrow downarrow
    infty partial nabla forall exists emptyset varnothing top bot angle prime
    surd checkmark
    sum prod int oint lim limsup liminf max min sup inf log ln exp sin cos tan arg det
    dim gcd deg
    frac dfrac tfrac sqrt binom dbinom tbinom
    left right big Big bigg Bigg bigl bigr Bigl Bigr middle
    lfloor rfloor lceil rceil langle rangle lvert rvert lVert rVert vert Vert
    ldots cdots vdots ddots dots dotsc dotsb dotsm
    text textbf textit textrm textsf texttt textup emph mathrm mathbf mathit mathsf
    mathtt mathcal mathbb mathfrak boldsymbol operatorname
    hat widehat bar overline underline tilde widetilde vec dot ddot check breve acute
    grave overbrace underbrace overset underset stackrel overrightarrow
    boxed quad qquad enspace displaystyle textstyle scriptstyle limits nolimits
    bmod pmod mod intercal
    begin end
""".split())
# Environments \begin may open inside math.
MATH_ENVIRONMENTS = frozenset("""
    matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases aligned gathered
    split array subarray align align* gather gather* equation equation* multline
    multline* flalign flalign*
""".split())
MATH_SYMBOLS_ALLOWED = frozenset(",;:! {}|\\%#&_$>")
_CONTROL = re.compile(r"\\([A-Za-z@]+|.)", re.S)


def unsafe_math(math: str) -> str | None:
    """Why this math may not reach TeX, or None if it may."""
    if "^^" in math:
        return "`^^` (TeX's character-code notation) is not allowed in math"
    for match in _CONTROL.finditer(math):
        name = match.group(1)
        if name.isalpha() or "@" in name:
            if name not in MATH_COMMANDS:
                return (f"the TeX command \\{name} is not allowed in math (a bank may use "
                        "only the commands a formula needs)")
            if name in ("begin", "end"):
                env = re.match(r"\s*\{([^{}]*)\}", math[match.end():])
                if env is None or env.group(1) not in MATH_ENVIRONMENTS:
                    shown = env.group(1) if env else "…"
                    return (f"\\{name}{{{shown}}} is not allowed in math (environments: "
                            f"{', '.join(sorted(MATH_ENVIRONMENTS))})")
        elif name not in MATH_SYMBOLS_ALLOWED:
            return f"the TeX control symbol \\{name} is not allowed in math"
    return None


def escape_math(math: str, ts: Typesetting) -> str:
    """Pass TeX math through, fixing what pdfLaTeX would misread or misspace."""
    problem = unsafe_math(math)
    if problem:
        raise ValueError(f"{problem}, in ${math.strip()[:60]}$")
    for i, ch in enumerate(math):
        if not (_is_plain(ch) or is_cyrillic(ch) or ch.isspace() or ch in _MATH_SYMBOLS
                or ch in _SUPERSCRIPTS or ch in _SUBSCRIPTS):
            raise _unsupported(math, i)
    math = re.sub(r"(?<=\d),(?=\d)", "{,}", math)
    math = re.sub(r"(?<!\\)([%#])", r"\\\1", math)
    math = re.sub("[\u00a0\u202f\u2009]", r"\\,", math)
    for mark, digits in (("^", _SUPERSCRIPTS), ("_", _SUBSCRIPTS)):
        math = re.sub(f"[{''.join(digits)}]+",
                      lambda m, mark=mark, digits=digits: mark + "{" + "".join(map(digits.get, m.group(0))) + "}",
                      math)

    def symbol(m: re.Match[str]) -> str:
        command, after = _MATH_SYMBOLS[m.group(0)], m.string[m.end():m.end() + 1]
        return command + (" " if command[-1].isalpha() and after.isascii() and after.isalpha() else "")

    math = re.sub("[" + re.escape("".join(_MATH_SYMBOLS)) + "]", symbol, math)
    return _CYRILLIC_RUN.sub(lambda m: r"\text{" + _foreign(m.group(0), ts) + "}", math)


def pair_quotes(flat: str) -> list[str]:
    """Roles of the ASCII double quotes in ``flat``: "open", "close" or "" (unpaired).
    babel-bulgarian makes ``"`` a shorthand, so none may reach TeX as is."""
    positions = [i for i, ch in enumerate(flat) if ch == '"']
    roles = {}
    pending = None
    for pos in positions:
        before = flat[pos - 1] if pos else " "
        after = flat[pos + 1] if pos + 1 < len(flat) else " "
        if pending is not None and not before.isspace() and not after.isalnum():
            roles[pending], roles[pos], pending = "open", "close", None
        elif not after.isspace() and not before.isalnum():
            pending = pos
    return [roles.get(pos, "") for pos in positions]
