"""Markdown -> LaTeX: the mapping itself, then real pdfLaTeX builds checked through pdftotext."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from pylatex import Package

from conftest import needs_tex
from generator import typesetting
from generator.bank import load_bank
from generator.latex import PAGE_MARGIN_CM, markdown_to_latex
from generator.typesetting import Typesetting, preamble_packages

LANGUAGES = load_bank().languages
TYPESETTING = {code: language.typesetting for code, language in LANGUAGES.items()}


def bg(text: str) -> str:
    return markdown_to_latex(text, TYPESETTING["bg"])


def en(text: str) -> str:
    return markdown_to_latex(text, TYPESETTING["en"])


# --- escaping -------------------------------------------------------------

@pytest.mark.parametrize("char, latex", [
    ("#", r"\#"), ("%", r"\%"), ("&", r"\&"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
    ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"),
    ("<", r"\textless{}"), (">", r"\textgreater{}"), ("|", r"\textbar{}"),
])
def test_special_characters_are_escaped(char, latex):
    assert en(f"a{char}b") == f"a{latex}b\n"


def test_dollar_and_backslash_are_literal():
    assert en(r"costs 5 \$ each") == "costs 5 \\$ each\n"
    assert en(r"path a\b") == "path a\\textbackslash{}b\n"


@pytest.mark.parametrize("char, latex", [
    ("\u00a0", "~"), ("²", r"\textsuperscript{2}"), ("³", r"\textsuperscript{3}"),
    ("≈", r"$\approx$"), ("→", r"$\rightarrow$"), ("←", r"$\leftarrow$"), ("×", r"$\times$"),
    ("≤", r"$\leq$"), ("≥", r"$\geq$"), ("—", "---"), ("–", "--"), ("…", r"\ldots{}"),
    ("σ", r"$\sigma$"), ("μ", r"$\mu$"), ("γ", r"$\gamma$"), ("β", r"$\beta$"),
    ("„", r"\quotedblbase{}"), ("“", r"\textquotedblleft{}"), ("”", r"\textquotedblright{}"),
    ("«", r"\guillemotleft{}"), ("»", r"\guillemotright{}"),
])
def test_unicode_in_text_is_mapped(char, latex):
    assert bg(f"x{char}y") == f"x{latex}y\n"


def test_cyrillic_passes_through_and_is_marked_in_english():
    assert bg("Изчислете размера") == "Изчислете размера\n"
    assert en("word Изчислете размера here") == (
        "word \\foreignlanguage{bulgarian}{Изчислете размера} here\n")


def test_double_quotes_follow_the_language():
    assert bg('път е "по-чист".') == "път е \\quotedblbase{}по-чист\\textquotedblleft{}.\n"
    assert en('the "clean" path') == "the \\textquotedblleft{}clean\\textquotedblright{} path\n"


def test_quotes_pair_across_formatting_and_unpaired_quote_is_literal():
    assert en('say "**bold**" now') == (
        "say \\textquotedblleft{}\\textbf{bold}\\textquotedblright{} now\n")
    assert en('a 5" screen') == "a 5\\textquotedbl{} screen\n"


def test_inline_code_is_escaped_without_ligatures():
    assert en("run `a_b --x {y} \"q\"`") == (
        "run \\texttt{a\\_b -{}-{}x \\{y\\} \\textquotedbl{}q\\textquotedbl{}}\n")


def test_running_text_pairs_quotes_on_its_own():
    assert typesetting.running_text('Тема "GQA" & 50%', TYPESETTING["bg"]) == \
        "Тема \\quotedblbase{}GQA\\textquotedblleft{} \\& 50\\%"
    assert typesetting.running_text('The "GQA" path', TYPESETTING["en"]) == \
        "The \\textquotedblleft{}GQA\\textquotedblright{} path"


def test_unmappable_character_names_itself_and_its_context():
    with pytest.raises(ValueError, match=r"'☃' \(U\+2603\).*snowman ☃ here"):
        bg("a snowman ☃ here")
    with pytest.raises(ValueError, match="U\\+2603"):
        bg("$x ☃ y$")
    with pytest.raises(ValueError, match="U\\+2603"):
        bg("```\n☃\n```")


def test_a_language_is_data_quotes_and_encoding_from_its_typesetting():
    russian = Typesetting("russian", "T2A", ("«", "»"))
    assert markdown_to_latex('Тема "GQA"', russian) == \
        "Тема \\guillemotleft{}GQA\\guillemotright{}\n"
    # A Latin language sets Cyrillic runs in the bank's Cyrillic language …
    assert "\\foreignlanguage{bulgarian}{Здравей}" in en("say Здравей")
    # … and without one it refuses them before TeX would lose them.
    latin_only = Typesetting("english", "T1", ("“", "”"))
    with pytest.raises(ValueError, match="Cyrillic"):
        markdown_to_latex("say Здравей", latin_only)


def test_the_preamble_loads_every_language_the_cyrillic_ones_last():
    packages = dict(preamble_packages(list(TYPESETTING.values())))
    assert packages["babel"] == ("english", "bulgarian")
    assert packages["fontenc"] == ("T2A", "T1")          # T1, the Latin default, last
    russian = Typesetting("russian", "T2A", ("«", "»"))
    packages = dict(preamble_packages([*TYPESETTING.values(), russian]))
    assert packages["babel"] == ("english", "bulgarian", "russian")
    assert packages["fontenc"] == ("T2A", "T1")


# --- math -----------------------------------------------------------------

def test_math_digit_commas_and_nbsp():
    assert en("$1,048,576$") == "$1{,}048{,}576$\n"
    assert bg("$\\sqrt{2,67} \\approx 1,63$") == "$\\sqrt{2{,}67} \\approx 1{,}63$\n"
    assert bg("$\\boxed{134\u00a0217\u00a0728}$") == "$\\boxed{134\\,217\\,728}$\n"
    assert en("$f(a, b)$") == "$f(a, b)$\n"


def test_math_passes_through_except_unicode():
    assert en(r"$\text{kv\_heads} \times d_k$") == "$\\text{kv\\_heads} \\times d_k$\n"
    assert en("$σx ×n ≈ 2 − 1 → y$") == "$\\sigma x \\times n \\approx 2 - 1 \\rightarrow y$\n"
    assert en("$2×3$") == "$2\\times3$\n"
    assert en("$x² + σ³$") == "$x^{2} + \\sigma^{3}$\n"
    assert en("$50%$") == "$50\\%$\n"


def test_display_math():
    assert en("$$\na = b\n$$") == "\\[\na = b\n\\]\n"
    assert en("$$a = b$$ (eq1)") == "\\[\na = b\\tag{eq1}\n\\]\n"


# --- blocks ---------------------------------------------------------------

def test_headings():
    out = en("# One\n\n## Two\n\n### Three\n\n#### Four")
    assert "\\section*{One}" in out and "\\subsection*{Two}" in out
    assert "\\subsubsection*{Three}" in out and "\\paragraph*{Four}" in out


def test_emphasis_breaks_links_quote_and_rule():
    out = en("**b** *e* [text](http://x.org)  \nnext\n\n> quoted\n\n---\n\nend")
    assert "\\textbf{b} \\emph{e} text\\\\\\relax\nnext" in out
    assert "\\begin{quote}\nquoted\n\n\\end{quote}" in out
    assert "\\hrule" in out and "http" not in out


def test_nested_lists_and_ordered_start():
    out = en("3. three\n4. four\n   1. inner\n   - bullet\n\n     7. deep\n")
    assert out.index("\\begin{enumerate}\n\\setcounter{enumi}{2}") < out.index("three")
    assert "\\begin{itemize}" in out
    assert "\\setcounter{enumii}{6}" in out
    assert out.count("\\begin{enumerate}") == out.count("\\end{enumerate}") == 3


def test_item_starting_with_bracket_is_not_an_optional_argument():
    assert "\\item {}[1, 2] ok" in en("- [1, 2] ok")


def test_code_blocks_keep_alignment_verbatim():
    mask = "     t0  t1  t2  t3\nt0 [  1   0   0   0  ]\nt1 [  1   1   ?   0  ]"
    for source in (f"```\n{mask}\n```", "\n".join("    " + line for line in mask.splitlines())):
        out = en(source)
        assert (f"\\begin{{Verbatim}}[commandchars=\\\\\\{{\\}},samepage=true]\n{mask}\n"
                "\\end{Verbatim}") in out          # a grid is never split across pages
    assert "\\foreignlanguage{bulgarian}{маска}" in en("```\nмаска {x}\n```")
    assert "маска \\{x\\}" in bg("```\nмаска {x}\n```")


def test_table_alignment_and_rules():
    out = en("| a | b | c |\n|:--|:-:|--:|\n| 1 | 50% | x_y |")
    assert "\\begin{longtable}{@{}lcr@{}}" in out
    assert "\\toprule\n\\textbf{a} & \\textbf{b} & \\textbf{c} \\\\\n\\midrule\n\\endhead\n" in out
    assert "1 & 50\\% & x\\_y \\\\\n\\bottomrule" in out


def test_long_column_wraps():
    out = bg("| № | Отговори |\n|---|--:|\n| 1 | " + "дълъг отговор; " * 20 + "|")
    assert re.search(r"\{@\{\}l>\{\\raggedleft\\arraybackslash\}p\{\\dimexpr 0\.\d+\\linewidth", out)


def test_wide_table_gets_smaller_type():
    header = "|" + "|".join(f" Q{i} " for i in range(12)) + "|"
    out = en(header + "\n|" + "---|" * 12 + "\n|" + " B |" * 12)
    assert "\\footnotesize" in out and "@{}llllllllllll@{}" in out


def test_html_line_break_and_comment():
    assert en("a<br>b <!-- note -->") == "a\\newline{}b\n"


def test_image_becomes_includegraphics_and_odd_sources_are_refused():
    assert "\\includegraphics[width=0.85\\linewidth]{histogram.png}" in en("![alt](histogram.png)")
    with pytest.raises(ValueError, match="image"):
        en("![alt](http://example.org/x.gif)")


# --- real builds ----------------------------------------------------------

SAMPLE_BG = """## Упражнение 6: GQA KV Cache спестявания

Модел има 32 query heads, $d_k = 128$, sequence length 8192.

Изчислете KV cache размер (в MB, float16 = 2 bytes) за:

1. **MHA (32 KV heads):**
   - $\\text{Size} = 2 \\times \\text{kv\\_heads} \\times \\text{seq\\_len} \\times d_k \\times 2 \\text{ bytes}$
2. **GQA (8 KV heads):**

**Въпрос:** Колко процента памет спестява GQA спрямо MHA?

1. MHA: $2 \\times 32 \\times 8192 \\times 128 \\times 2 = \\boxed{134\u00a0217\u00a0728}$ bytes $= 128$ MB
3. $\\sigma = \\sqrt{2,67} \\approx 1,63$ — residual path е "по-чист"
4. $\\hat{x} = \\frac{[2 - 4; 4 - 4; 6 - 4]}{1,63} \\approx [-1,22; 0; 1,22]$

Маската: 50% of d_model & #heads, σ ≈ 0,5 → 1 000 000, x² ~ {a} | b < c > d \\ e ^ f $ g „цитат“ «в» … — –

```
     t0  t1  t2  t3
t0 [  1   0   0   0  ]
t1 [  1   1   ?   0  ]   маска "x" `y` {z} \\ ×
```

| Въпрос | Q1 | Q2 | Q3 | Q4 | Q5 | Q6 | Q7 | Q8 | Q9 | Q10 | Q11 |
|:--|:-:|:-:|:-:|:-:|:-:|:-:|:-:|:-:|:-:|:-:|--:|
| Отговор | B | $\\sqrt{d_k}$ | 75% | 1,63 | `k_v` | 4096 | C | A | D | 128 MB | 12,5 |

| Факултетен номер | Име | Вариант | № | Упражнение | Крайни отговори |
|---|---|---|---|---|---|
| 01 | Иван Петров | FEEF8F | 3 | Layer Normalization на ръка | μ (средно) = 5; σ² (variance) ≈ 4,67; σ (std) ≈ 2,16; x − μ = [-1; 3; -2]; Нормализиран x ≈ [-0,46; 1,39; -0,93] |
| 01 | Иван Петров | FEEF8F | 5 | GQA KV Cache спестявания | MHA, байтове = 67 108 864; GQA, байтове = 4 194 304; MQA, байтове = 1 048 576; MHA, MB = 64 |

> Забележка: "кавички" и 5" екран

---

$$
\\text{Size} = 2 \\times 8 \\times 8192 \\times 128 \\times 2 = 33\u00a0554\u00a0432
$$

$$a = b$$ (1)

$$
\\begin{align*} a &= b \\\\ c &= d \\end{align*}
$$

5. пет<br>ред  
   [2, 4] е вектор
   1. вложен
      - точка

        3. три
           - [дълбоко] и `code "q"`
"""

SAMPLE_EN = (
    "## Exercise 6: GQA KV cache savings\n\n"
    "Compute the size for 1,048,576 tokens: $1,048,576 \\times 2$ bytes. "
    "The \"cleaner\" path, 50% of d_model & #heads. Bulgarian: Изчислете.\n\n"
    "```\n     t0  t1\nt0 [  1   0  ]  Здравей\n```\n\n"
    "| Step | Value |\n|:--|--:|\n"
    + "".join(f"| row{i:03d} | {i * 7} |\n" for i in range(120))
)


def _every_mapped_character() -> str:
    """Every character the module maps, in text, math and code: each must really compile."""
    text = " ".join([*typesetting._TEXT_SYMBOLS, *typesetting._MATH_SYMBOLS, *typesetting._SUPERSCRIPTS, *typesetting._SUBSCRIPTS])
    symbols = [*typesetting._MATH_SYMBOLS, "x" + "".join(typesetting._SUPERSCRIPTS), "y" + "".join(typesetting._SUBSCRIPTS)]
    math = " ".join("$a " + " ".join(symbols[i:i + 8]) + "$" for i in range(0, len(symbols), 8))
    code = "\n".join(text[i:i + 60] for i in range(0, len(text), 60))
    letters = "ÀÉÖßàéöüÿ " + "".join(map(chr, range(0x400, 0x460)))
    return f"Всички: {text} {letters}\n\nМат: {math}\n\n```\n{code}\n{letters}\n```\n\n"


def _document(body: str, lang: str) -> str:
    packages = "\n".join(Package(name, options=list(opts) or None).dumps() for name, opts in
                         preamble_packages(list(TYPESETTING.values())))
    select = f"\\selectlanguage{{{TYPESETTING[lang].babel}}}\n"
    # the page of exgen's PDFs, whose text width the table columns are measured against
    geometry = f"\\usepackage[a4paper,margin={PAGE_MARGIN_CM}cm]{{geometry}}\n"
    return (f"\\documentclass[a4paper,11pt]{{article}}\n{geometry}{packages}\n\\tracinglostchars=2\n"
            f"\\begin{{document}}\n{select}{body}\\end{{document}}\n")


def _compile(tmp: Path, name: str, markdown: str, lang: str) -> dict[str, str]:
    (tmp / f"{name}.tex").write_text(_document(markdown_to_latex(markdown, TYPESETTING[lang]), lang), encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=tmp, capture_output=True, text=True, encoding="latin-1", timeout=300,
    )
    log = (tmp / f"{name}.log").read_text(encoding="latin-1") if (tmp / f"{name}.log").exists() else ""
    assert run.returncode == 0, "pdflatex failed:\n" + "\n".join(
        line for line in log.splitlines() if line.startswith(("!", "l.")))
    pdf = str(tmp / f"{name}.pdf")
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
    pages = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout.count("\f")
    bbox = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True, check=True).stdout
    return {"text": unicodedata.normalize("NFKC", text), "fonts": fonts, "log": log, "pages": str(pages),
            "bbox": bbox, "tex": (tmp / f"{name}.tex").read_text(encoding="utf-8")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict[str, str]]:
    needs_tex()
    tmp = tmp_path_factory.mktemp("tex")
    extra = "\n" + _every_mapped_character()
    return {"bg": _compile(tmp, "bg", SAMPLE_BG + extra, "bg"), "en": _compile(tmp, "en", SAMPLE_EN + extra, "en")}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_bulgarian_build_extracts_text(built):
    text = _flat(built["bg"]["text"])
    for phrase in ("Упражнение 6: GQA KV Cache спестявания", "Изчислете KV cache размер",
                   "50% of d_model & #heads", "„по-чист“", "x2 ~ {a} | b < c > d \\ e ^ f $ g",
                   "„цитат“ «в»", "„кавички“ и 5\" екран", "Отговор", "12,5", "128 MB",
                   "5. пет ред [2, 4] е вектор", "iii. три", '[дълбоко] и code "q"'):
        assert phrase in text, phrase


def _word_lines(bbox: str) -> list[list[tuple[float, str]]]:
    """pdftotext -bbox words grouped by baseline, each as (x position, word)."""
    lines: dict[str, list[tuple[float, str]]] = {}
    for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', bbox):
        lines.setdefault(y, []).append((float(x), word))
    return list(lines.values())


def test_verbatim_matrix_keeps_its_columns(built):
    rows = {line[0][1]: line for line in _word_lines(built["bg"]["bbox"]) if line[1:2] and line[1][1] == "["}
    assert [w for _, w in rows["t1"][:7]] == ["t1", "[", "1", "1", "?", "0", "]"]
    assert [round(x, 1) for x, _ in rows["t0"][:7]] == [round(x, 1) for x, _ in rows["t1"][:7]]
    row = next(line for line in built["bg"]["text"].splitlines() if line.lstrip().startswith("t1 ["))
    assert 'маска "x" `y` {z} \\ ×' in row


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_nothing_sticks_out_not_even_wide_tables(built, lang):
    """Only the artificial every-character block at the end may overflow."""
    tex_lines = built[lang]["tex"].splitlines()
    block = next(n for n, line in enumerate(tex_lines, 1) if "Всички" in line)
    overfull = [int(first) for first in re.findall(r"Overfull \\hbox .* at lines (\d+)--", built[lang]["log"])]
    assert [n for n in overfull if n < block] == []


def test_english_build(built):
    text = _flat(built["en"]["text"])
    for phrase in ("1,048,576 tokens", "“cleaner” path", "50% of d_model & #heads",
                   "Bulgarian: Изчислете", "Здравей", "row000", "row119"):
        assert phrase in text, phrase
    assert int(built["en"]["pages"]) >= 2, "the long table should break across pages"


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_no_glyph_is_lost(built, lang):
    assert "Missing character" not in built[lang]["log"]


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_only_type1_fonts(built, lang):
    assert "Type 3" not in built[lang]["fonts"]
    assert "Type 1" in built[lang]["fonts"]


_ALPHABET = ([chr(c) for c in range(0x20, 0x7f)] + list("ÀÉÖßàéöüÿ×÷ÐÞðþ\n\t")
             + [chr(c) for c in range(0x400, 0x460)] + list("—–…„“«»°§€№′αβσ≤·−²₁\u00a0"))


@settings(max_examples=300, derandomize=True, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40),
       lang=st.sampled_from(["bg", "en"]))
def test_the_fast_path_of_running_text_prints_what_the_careful_one_does(text, lang):
    """running_text skips its character loop for text it prints as it is; both ways must
    give the same LaTeX (or the same refusal)."""
    def result(fast: bool):
        saved = typesetting._KEPT_AS_IS
        if not fast:
            typesetting._KEPT_AS_IS = re.compile("(?!)")            # matches nothing
        try:
            return typesetting.running_text(text, TYPESETTING[lang])
        except ValueError as exc:
            return f"refused: {exc}"
        finally:
            typesetting._KEPT_AS_IS = saved

    assert result(fast=True) == result(fast=False)
