"""Markdown with dollar math -> HTML for learning platforms, math as `\\( … \\)` and
`\\[ … \\]` (what MathJax reads in Moodle and in most QTI players).

The same Markdown the paper sheets are typeset from; raw HTML in a template is shown as
text, never passed through (banks are untrusted).
"""

from __future__ import annotations

from functools import lru_cache
import re
from html import escape, unescape

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin


def _inline_math(self, tokens, idx, options, env) -> str:
    return r"\(" + escape(tokens[idx].content, quote=False) + r"\)"


def _block_math(self, tokens, idx, options, env) -> str:
    return "<p>\\[" + escape(tokens[idx].content.strip(), quote=False) + "\\]</p>\n"


@lru_cache(maxsize=None)
def _parser() -> MarkdownIt:
    md = (MarkdownIt("commonmark", {"html": False, "xhtmlOut": True})
          .enable("table").use(dollarmath_plugin))
    for rule in ("math_inline", "math_inline_double"):
        md.add_render_rule(rule, _inline_math)
    for rule in ("math_block", "math_block_label"):
        md.add_render_rule(rule, _block_math)
    return md


@lru_cache(maxsize=4096)
def markdown_to_html(text: str) -> str:
    """Well-formed XHTML (a sequence of block elements), so that the QTI writer can also
    read it as XML."""
    return _parser().render(text).strip()


@lru_cache(maxsize=4096)
def inline_markdown_to_html(text: str) -> str:
    """A short piece of Markdown, such as an answer's label (`Параметри на $W_1$`),
    as inline HTML: no paragraph around it."""
    return _parser().renderInline(text).strip()


def inline_markdown_to_text(text: str) -> str:
    """The same as plain text with MathJax's math delimiters (`Параметри на \\(W_1\\)`),
    for an element that holds text only."""
    return unescape(re.sub(r"<[^>]+>", "", inline_markdown_to_html(text)))
