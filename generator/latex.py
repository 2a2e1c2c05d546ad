"""Markdown with dollar math -> LaTeX body text for pdfLaTeX, in any language a bank has.

A language is data: its `Typesetting` (from the `[typesetting]` table of
`templates/<lang>/strings.toml`) names its babel language, its font encoding and its
quotation marks. The document is set in Computer Modern (cm-super Type 1 fonts);
babel's bulgarian (or russian) makes ``"`` an active shorthand and switches to the T2A
encoding, english stays in T1, where Cyrillic letters do not exist, so Cyrillic runs in
such a language are set in the bank's Cyrillic language. Everything here guards against
those pitfalls, and any character pdfTeX cannot set raises ValueError before TeX ever
runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:    # the parser is imported when a text is converted (see _parser)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

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
_HEADINGS = {1: "section*", 2: "subsection*", 3: "subsubsection*"}
_ALIGN = {"text-align:left": "l", "text-align:center": "c", "text-align:right": "r"}
# Table type, largest first: (most columns, font size command, its size in the PDFs'
# 11pt documents, and \tabcolsep in pt).
_TABLE_SIZES = ((4, "", 10.95, 6), (8, "\\small", 10, 6),
                (10**6, "\\footnotesize\\setlength{\\tabcolsep}{3pt}", 9, 3),
                (10**6, "\\scriptsize\\setlength{\\tabcolsep}{2pt}", 8, 2))
PAGE_MARGIN_CM = 2   # every PDF: A4 (21 cm wide) with these margins (pdf.py's geometry)
# The text width in TeX points (72.27 to the inch); column widths are written as
# fractions of \linewidth.
_LINE_PT = (21 - 2 * PAGE_MARGIN_CM) / 2.54 * 72.27
_TABLE_BUDGET = 0.97  # the widths are estimates: keep a margin
_WRAP = {"l": "\\raggedright", "c": "\\centering", "r": "\\raggedleft"}
_ENUM_COUNTERS = ("enumi", "enumii", "enumiii", "enumiv")
_DISPLAY_ENVS = re.compile(r"\\begin\{(align|gather|equation|multline|flalign)\*?\}")


# A minipage does not break across pages; the paragraph spacing is set again inside it.
KEEP_TOGETHER = {
    "<!-- keep-together -->": "\\par\\noindent\\begin{minipage}{\\linewidth}"
                              "\\setlength{\\parskip}{0.6em plus 0.2em}\n",
    "<!-- /keep-together -->": "\\end{minipage}\\par\n\n",
    # Before a heading with a table under it (a longtable lets a page break come right
    # after a heading): a new page when less than eight lines are left (needspace's rule).
    "<!-- keep-with-next -->": "\\par\\penalty-100\\begingroup\\dimen0=8\\baselineskip"
                               "\\dimen2=\\pagegoal\\advance\\dimen2 by -\\pagetotal"
                               "\\ifdim\\dimen0>\\dimen2 \\ifdim\\dimen2>0pt \\vfil\\fi"
                               "\\break\\fi\\endgroup\n",
}


def _is_cyrillic(ch: str) -> bool:
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
    quotes = quotes if quotes is not None else iter(_pair_quotes(text))
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
        elif _is_plain(ch) or _is_cyrillic(ch) or ch in "\n\t":
            out.append(ch)
        elif ch in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[ch])
        elif ch in _MATH_SYMBOLS:
            out.append(f"${_MATH_SYMBOLS[ch]}$")
        elif ch in _SUPERSCRIPTS:
            out.append(r"\textsuperscript{" + _SUPERSCRIPTS[ch] + "}")
        elif ch in _SUBSCRIPTS:
            out.append(r"\textsubscript{" + _SUBSCRIPTS[ch] + "}")
        else:
            raise _unsupported(text, i)
    return _foreign("".join(out), ts, _CYRILLIC_TEXT_RUN)


def _escape_code(code: str, ts: Typesetting, verbatim: bool) -> str:
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
        elif _is_plain(ch) or _is_cyrillic(ch) or ch == "\n":
            out.append(ch)
        elif ch in "\u00a0\u202f\u2009":
            out.append(space)
        elif ch in _CODE_SYMBOLS:
            out.append(_CODE_SYMBOLS[ch])
        elif ch in _MATH_SYMBOLS:
            out.append(r"\ensuremath{" + _MATH_SYMBOLS[ch] + "}")
        elif ch in _SUPERSCRIPTS:
            out.append(r"\textsuperscript{" + _SUPERSCRIPTS[ch] + "}")
        elif ch in _SUBSCRIPTS:
            out.append(r"\textsubscript{" + _SUBSCRIPTS[ch] + "}")
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
        if not (_is_plain(ch) or _is_cyrillic(ch) or ch.isspace() or ch in _MATH_SYMBOLS
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


def _pair_quotes(flat: str) -> list[str]:
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


def _em(ch: str) -> float:
    """Width of a character in Computer Modern, in em (measured on cm-super T1/T2A)."""
    if ch.isspace():
        return 0.33
    if _is_cyrillic(ch):
        return 0.8 if ch.isupper() else 0.57
    return 0.72 if ch.isupper() else 0.5 if ch.isalnum() else 0.4


def _cell_extent(children: list[Token]) -> tuple[float, float]:
    """Printed width of a table cell on one line and of its widest unbreakable piece, in em."""
    pieces: list[float] = []
    for t in children:
        if t.type == "text":
            # No-break spaces (`3 136 000 000`) hold a piece together: split at others.
            pieces += [sum(map(_em, word)) + 0.33 for word in re.split(r"[ \t\n]+", t.content)
                       if word]
        elif t.type == "code_inline":
            pieces.append(0.525 * len(t.content) + 0.33)
        elif t.type == "math_inline":
            pieces.append(0.35 * len(t.content) + 0.33)
    return sum(pieces), max(pieces, default=0.0)


def _column_specs(aligns: list[str], extents: list[tuple[float, float]], font_pt: float,
                  sep_pt: float, force: bool) -> list[str] | None:
    """Columns as wide as their content; when that would stick out of the page, the
    widest ones become wrapping p columns, no narrower than their widest word, sharing
    the width the others leave, the more of it the more they lack.  When that leaves the
    widest column less than half of what it needs (a column of long answers beside a
    column of titles), every long column wraps too.  None if even that does not fit
    (unless ``force``)."""
    least = [word * font_pt + 2 * sep_pt for _, word in extents]
    need = [max(total * font_pt + 2 * sep_pt, low) for (total, _), low in zip(extents, least)]
    line = _LINE_PT * _TABLE_BUDGET
    if sum(least) > line and not force:
        return None
    wrapped: set[int] = set()
    for col in sorted(range(len(need)), key=lambda i: -need[i]):
        if sum(least[i] if i in wrapped else need[i] for i in range(len(need))) <= line:
            break
        wrapped.add(col)
    widths = _shared(least, need, wrapped, line)
    widest = max(range(len(need)), key=lambda i: need[i])
    if widest in wrapped and widths[widest] < need[widest] / 2:
        wrapped |= {i for i in range(len(need)) if need[i] > line / 6 and need[i] > least[i]}
        widths = _shared(least, need, wrapped, line)
    return [
        f">{{{_WRAP[a]}\\arraybackslash}}p{{\\dimexpr "
        f"{widths[i] / _LINE_PT:.3f}\\linewidth-2\\tabcolsep\\relax}}"
        if i in wrapped else a
        for i, a in enumerate(aligns)
    ]


def _shared(least: list[float], need: list[float], wrapped: set[int],
            line: float) -> list[float]:
    """Each column's width: its need, or for a wrapping one its least and a share of
    what the line has left, by the square of what it lacks (the longest take most)."""
    spare = line - sum(least[i] if i in wrapped else need[i] for i in range(len(need)))
    lack = {i: (need[i] - least[i]) ** 2 for i in wrapped}
    total = sum(lack.values()) or 1
    return [least[i] + spare * lack[i] / total if i in wrapped else need[i]
            for i in range(len(need))]


def _guard(latex: str) -> str:
    """Stop a leading ``[`` or ``*`` from being read as an optional argument of \\item or \\\\."""
    return "{}" + latex if latex[:1] in "[*" else latex


class _TokenWriter:
    """Walks markdown-it's block token stream and writes LaTeX."""

    def __init__(self, ts: Typesetting):
        self.ts = ts
        self.out: list[str] = []
        self.lists: list[str] = []

    def render(self, tokens: list[Token]) -> str:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "table_open":
                end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
                self.table(tokens[i:end])
                i = end
            else:
                handler = getattr(self, token.type, None)
                if handler is None:
                    raise ValueError(f"unsupported Markdown element {token.type!r} in PDF output")
                handler(token)
            i += 1
        return "".join(self.out).strip() + "\n"

    def heading_open(self, token: Token) -> None:
        self.out.append("\\" + _HEADINGS.get(int(token.tag[1]), "paragraph*") + "{")

    def heading_close(self, token: Token) -> None:
        self.out.append("}\n\n")

    def paragraph_open(self, token: Token) -> None:
        pass

    def paragraph_close(self, token: Token) -> None:
        self.out.append("\n" if token.hidden else "\n\n")

    def inline(self, token: Token) -> None:
        self.out.append(_guard(self.inline_text(token.children or [])))

    def bullet_list_open(self, token: Token) -> None:
        self.open_list("itemize")

    def ordered_list_open(self, token: Token) -> None:
        self.open_list("enumerate")
        start = int(token.attrs.get("start", 1))
        if start != 1:
            counter = _ENUM_COUNTERS[self.lists.count("enumerate") - 1]
            self.out.append(f"\\setcounter{{{counter}}}{{{start - 1}}}\n")

    def open_list(self, env: str) -> None:
        self.lists.append(env)
        if self.lists.count(env) > 4 or len(self.lists) > 6:
            raise ValueError("lists are nested too deeply for PDF output (LaTeX allows 4 levels)")
        self.out.append(f"\\begin{{{env}}}\n")

    def bullet_list_close(self, token: Token) -> None:
        self.out.append(f"\\end{{{self.lists.pop()}}}\n\n")

    ordered_list_close = bullet_list_close

    def list_item_open(self, token: Token) -> None:
        self.out.append("\\item ")

    def list_item_close(self, token: Token) -> None:
        self.out.append("\n")

    def blockquote_open(self, token: Token) -> None:
        self.out.append("\\begin{quote}\n")

    def blockquote_close(self, token: Token) -> None:
        self.out.append("\\end{quote}\n\n")

    def hr(self, token: Token) -> None:
        self.out.append("\\par\\medskip\\hrule\\medskip\n\n")

    def code_block(self, token: Token) -> None:
        """Verbatim keeps the alignment of attention-mask matrices; commandchars lets
        characters the font lacks be mapped without breaking it; samepage keeps a mask's
        grid on one page."""
        code = _escape_code(token.content.expandtabs(4).rstrip("\n"), self.ts, verbatim=True)
        self.out.append("\\begin{Verbatim}[commandchars=\\\\\\{\\},samepage=true]\n" + code
                        + "\n\\end{Verbatim}\n\n")

    fence = code_block

    def math_block(self, token: Token) -> None:
        math = re.sub(r"\n\s*\n", "\n", escape_math(token.content, self.ts).strip())
        if _DISPLAY_ENVS.match(math):
            self.out.append(math + "\n\n")
            return
        tag = f"\\tag{{{running_text(token.info, self.ts)}}}" if token.type == "math_block_label" else ""
        self.out.append(f"\\[\n{math}{tag}\n\\]\n\n")

    math_block_label = math_block

    def html_block(self, token: Token) -> None:
        """`<!-- keep-together -->` … `<!-- /keep-together -->` (invisible in Markdown)
        keeps what is between on one page; other comments are dropped."""
        content = token.content.strip()
        if content in KEEP_TOGETHER:
            self.out.append(KEEP_TOGETHER[content])
        elif not content.startswith("<!--"):
            self.out.append(running_text(content, self.ts) + "\n\n")

    def table(self, tokens: list[Token]) -> None:
        """A longtable breaks across pages; wide tables get smaller type, less padding,
        headers one word a line and wrapping columns."""
        aligns = [_ALIGN.get(str(t.attrs.get("style", "")), "l") for t in tokens if t.type == "th_open"]
        rows: list[list[list[Token]]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline":
                rows[-1].append(token.children or [])
        head, body = rows[0], rows[1:]
        extents, header = [], []
        for col, cell in enumerate(head):
            total = max((_cell_extent(row[col])[0] for row in body), default=0.0)
            word = max((_cell_extent(row[col])[1] for row in body), default=0.0)
            head_total, head_word = (1.15 * x for x in _cell_extent(cell))  # bold
            words = "".join(t.content for t in cell).split()
            if head_total > total and len(words) > 1 and all(t.type == "text" for t in cell):
                stacked = "\\\\".join(running_text(w, self.ts) for w in words)
                header.append(f"\\textbf{{\\begin{{tabular}}[b]{{@{{}}{aligns[col]}@{{}}}}"
                              f"{stacked}\\end{{tabular}}}}")
            else:
                total = max(total, head_total)
                header.append(f"\\textbf{{{_guard(self.inline_text(cell, in_cell=True))}}}" if cell else "")
            extents.append((total, max(word, head_word)))
        sizes = [s for s in _TABLE_SIZES if len(aligns) <= s[0]]
        for n, (_, size, font_pt, sep_pt) in enumerate(sizes):
            specs = _column_specs(aligns, extents, font_pt, sep_pt, force=n == len(sizes) - 1)
            if specs:
                break
        columns = "".join(specs)
        lines = "".join(
            " & ".join(_guard(self.inline_text(cell, in_cell=True)) for cell in row) + " \\\\\n"
            for row in body
        )
        self.out.append(
            f"\\begingroup{size}\n\\begin{{longtable}}{{@{{}}{columns}@{{}}}}\n"
            f"\\toprule\n{' & '.join(header)} \\\\\n\\midrule\n\\endhead\n{lines}"
            "\\bottomrule\n\\end{longtable}\n\\endgroup\n\n"
        )

    def inline_text(self, children: list[Token], in_cell: bool = False) -> str:
        quotes = iter(_pair_quotes("".join(
            t.content if t.type == "text"
            else " " if t.type in ("softbreak", "hardbreak")
            else "x" if t.type in ("code_inline", "math_inline")
            else ""
            for t in children
        )))
        out = []
        for token in children:
            kind = token.type
            if kind == "text":
                out.append(running_text(token.content, self.ts, quotes))
            elif kind == "softbreak":
                out.append("\n")
            elif kind == "hardbreak":
                out.append(" " if in_cell else "\\\\\\relax\n")
            elif kind in ("strong_open", "em_open"):
                out.append("\\textbf{" if kind == "strong_open" else "\\emph{")
            elif kind in ("strong_close", "em_close"):
                out.append("}")
            elif kind == "code_inline":
                out.append("\\texttt{" + _escape_code(token.content, self.ts, verbatim=False) + "}")
            elif kind == "math_inline":
                out.append("$" + escape_math(token.content, self.ts) + "$")
            elif kind in ("link_open", "link_close"):
                pass
            elif kind == "html_inline":
                if re.fullmatch(r"<br\s*/?>", token.content, re.IGNORECASE):
                    out.append(" " if in_cell else "\\newline{}")
                elif not token.content.startswith("<!--"):
                    out.append(running_text(token.content, self.ts))
            elif kind == "image":
                source = token.attrs.get("src", "")
                if not re.fullmatch(r"(?!/)(?!.*\.\.)[\w./-]+\.(png|jpg|jpeg|pdf)", str(source)):
                    raise ValueError(f"an image must be a PNG, JPEG or PDF file with a plain "
                                     f"name, not {source!r}")
                out.append("\\includegraphics[width=0.85\\linewidth]{" + str(source) + "}")
            else:
                raise ValueError(f"unsupported Markdown element {kind!r} in PDF output")
        return "".join(out)


@lru_cache(maxsize=None)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    return MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)


def markdown_to_latex(text: str, ts: Typesetting) -> str:
    """Convert exgen's Markdown (with ``$``/``$$`` math) to LaTeX body text for pdfLaTeX."""
    return _TokenWriter(ts).render(_parser().parse(text))
