"""Markdown with dollar math -> LaTeX body text for pdfLaTeX, in any language a bank has:
a real Markdown parser (markdown-it) walked token by token, tables sized to the page,
text and math written by typesetting.py's rules for the language.

A conversion is a pure function of the text, the language's typesetting and exgen: a
build keeps those it made in exgen's cache (cache.py), and a build that finds them
there imports no Markdown parser.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from . import cache
from .typesetting import (Typesetting, escape_code, escape_math, is_cyrillic,
                          pair_quotes, running_text)

if TYPE_CHECKING:    # the parser is imported when a text is converted (see _parser)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

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



def _em(ch: str) -> float:
    """Width of a character in Computer Modern, in em (measured on cm-super T1/T2A)."""
    if ch.isspace():
        return 0.33
    if is_cyrillic(ch):
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
        code = escape_code(token.content.expandtabs(4).rstrip("\n"), self.ts, verbatim=True)
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
        quotes = iter(pair_quotes("".join(
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
                out.append("\\texttt{" + escape_code(token.content, self.ts, verbatim=False) + "}")
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
    """Convert exgen's Markdown (with ``$``/``$$`` math) to LaTeX body text for pdfLaTeX;
    a conversion an earlier build kept is taken from the cache."""
    kept = _kept(ts)
    found = kept.get(text) if kept is not None else None
    if isinstance(found, str):
        return found
    latex = _TokenWriter(ts).render(_parser().parse(text))
    if kept is not None:
        kept.put(text, latex)
    return latex


_KEPT: dict[str, cache.Store] = {}     # this process's stores of conversions, by identity


def _kept(ts: Typesetting) -> cache.Store | None:
    """The cache of conversions for this typesetting; None when the cache is off."""
    if not cache.enabled():
        return None
    identity = _identity(ts, cache.exgen_identity())
    kept = _KEPT[identity] = cache.store("latex", identity)
    return kept


@lru_cache(maxsize=None)
def _identity(ts: Typesetting, exgen: str) -> str:
    return hashlib.sha256(f"latex\n{ts!r}\n{exgen}".encode()).hexdigest()


def save_conversions() -> None:
    """Write the conversions this process added, and no other store: a writer in a
    process of its own (background.py) keeps what it converted, and leaves the build's
    other stores to the build's own process, which saves them (cache.save)."""
    if cache.enabled():
        for kept in _KEPT.values():
            kept.save()
