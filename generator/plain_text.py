"""A label or an explanation as plain Unicode text, for the places that show no math:
spreadsheet cells and the terminal. `$\\sigma^2$ (variance)` becomes `σ² (variance)`,
`$W_1$` becomes `W₁`, `$\\hat{x}$` becomes `x̂`. A command it does not know keeps its
name without the backslash, so nothing is lost, only less pretty.
"""

from __future__ import annotations

import re

GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4),
    ("epsilon", 0x3F5), ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7),
    ("theta", 0x3B8), ("vartheta", 0x3D1), ("iota", 0x3B9), ("kappa", 0x3BA),
    ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0),
    ("rho", 0x3C1), ("sigma", 0x3C3), ("varsigma", 0x3C2), ("tau", 0x3C4),
    ("upsilon", 0x3C5), ("phi", 0x3D5), ("varphi", 0x3C6), ("chi", 0x3C7),
    ("psi", 0x3C8), ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394),
    ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3),
    ("Upsilon", 0x3A5), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9))}
SYMBOLS = {"times": "×", "cdot": "·", "approx": "≈", "le": "≤", "leq": "≤", "ge": "≥",
           "geq": "≥", "ne": "≠", "neq": "≠", "to": "→", "rightarrow": "→", "infty": "∞",
           "ldots": "…", "dots": "…", "cdots": "⋯", "pm": "±", "in": "∈", "sum": "∑",
           "prod": "∏", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
           "sqrt": "√", "log": "log", "exp": "exp", "max": "max", "min": "min",
           "sin": "sin", "cos": "cos", "quad": " ", "qquad": "  ", ",": "\u2009",
           ";": " ", ":": " ", "!": "", " ": " ", "%": "%", "_": "_", "{": "{", "}": "}",
           "#": "#", "&": "&", "$": "$", "left": "", "right": "", "big": "", "Big": ""}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7",
           "dot": "\u0307"}
SUPERSCRIPTS = dict(zip("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ"))
SUBSCRIPTS = dict(zip("0123456789+-−=()aehijklmnoprstuvx",
                      "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_MATH = re.compile(r"\$([^$]*)\$")


def plain_text(markdown: str) -> str:
    """Markdown with `$…$` math as plain text: math in Unicode, emphasis and escapes
    dropped."""
    text = _MATH.sub(lambda m: math_text(m.group(1)), markdown)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!$])", r"\1", text)


def math_text(tex: str) -> str:
    """A formula (TeX math) as Unicode text."""
    out, i = [], 0
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            name = re.match(r"[A-Za-z]+|.", tex[i + 1:])
            command = name.group(0) if name else ""
            i += 1 + len(command)
            if command in ("text", "mathrm", "mathbf", "mathit", "operatorname", "textbf"):
                group, i = _group(tex, i)
                out.append(group)
            elif command in ACCENTS:
                group, i = _group(tex, i)
                out.append(math_text(group) + ACCENTS[command])
            elif command == "frac":
                top, i = _group(tex, i)
                bottom, i = _group(tex, i)
                out.append(f"{_wrapped(math_text(top))}/{_wrapped(math_text(bottom))}")
            elif command == "sqrt":
                group, i = _group(tex, i)
                out.append("√" + _wrapped(math_text(group)))
            else:
                out.append(GREEK.get(command) or SYMBOLS.get(command, command))
        elif char in "^_":
            group, i = _group(tex, i + 1)
            inner = math_text(group)
            table = SUPERSCRIPTS if char == "^" else SUBSCRIPTS
            # Small digits and letters where Unicode has them all (σ², W₁, xᵢ, 1024³);
            # a word stays a word (d_model, L_train), an expression is bracketed.
            if inner and (inner.isdigit() or len(inner) == 1 or char == "^") \
                    and all(c in table for c in inner):
                out.append("".join(table[c] for c in inner))
            elif re.fullmatch(r"\w+", inner):
                out.append(char + inner)
            else:
                out.append(f"{char}({inner})")
        elif char in "{}":
            i += 1
        elif char == "-":
            out.append("−")
            i += 1
        elif char == "~":
            out.append("\u00a0")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _group(tex: str, i: int) -> tuple[str, int]:
    """The argument at `i`: a braced group, a command, or one character."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth, j = 1, i + 1
        while j < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            j += 1
        return tex[i + 1:j - 1], j
    if tex[i] == "\\":
        name = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        end = i + len(name.group(0))
        if end < len(tex) and tex[end] == "{":       # a command with its argument
            _, end = _group(tex, end)
        return tex[i:end], end
    return tex[i], i + 1


def _wrapped(text: str) -> str:
    return text if re.fullmatch(r"[\w.]+", text) else f"({text})"
