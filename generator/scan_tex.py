"""A scan form as LaTeX: every mark drawn at the absolute place scan_form laid it out
(PDF points from the page's top-left corner), so the printed page is layout.json."""

from __future__ import annotations

from typing import Sequence

from .answers import asked_answers
from .scan_form import (MARK_SIZE, MARKS, QR_SIZE, QR_X, QR_Y, RADIUS, SQUARE, WIDTH, HEIGHT,
                        LEFT, FormPage, Text, item_blocks, lay_out, qr_modules, qr_text)

# Material at an absolute point of the page, (x, y) in points from its top-left corner:
# the page's first line is a box of no height at the top-left of the text area, whose
# baseline lies \topskip below the text's top; every mark is placed from there.
GREY_TEXT, GREY_LINE, GREY_SQUARE = "0.68", "0.45", "0.8"


def _circle(r: float) -> str:
    k = 0.5523 * r
    return (f"{r:.2f} 0 m {r:.2f} {k:.2f} {k:.2f} {r:.2f} 0 {r:.2f} c "
            f"{-k:.2f} {r:.2f} {-r:.2f} {k:.2f} {-r:.2f} 0 c "
            f"{-r:.2f} {-k:.2f} {-k:.2f} {-r:.2f} 0 {-r:.2f} c "
            f"{k:.2f} {-r:.2f} {r:.2f} {-k:.2f} {r:.2f} 0 c")


_HALF = SQUARE / 2
# A bubble (its circle and the light square around it) is drawn once per document as a
# form XObject, centred on its reference point, and placed by \exgenbubble{x}{y}{label
# y}{label}: a form of hundreds of bubbles stays short in TeX and in the PDF.
MACROS = (r"\long\gdef\exgenat#1#2#3{\rlap{\kern\dimexpr#1bp-1in-\hoffset-\oddsidemargin\relax"
          r"\raise\dimexpr1in+\voffset+\topmargin+\headheight+\headsep+\topskip-#2bp\relax"
          r"\hbox{#3}}}"
          r"\ifdefined\exgenbubbleform\else\setbox0\hbox to " f"{SQUARE:.2f}bp"
          r"{\vrule height " f"{_HALF:.2f}bp depth {_HALF:.2f}bp width 0pt\\kern {_HALF:.2f}bp"
          r"\pdfliteral{q " f"0.5 w {GREY_LINE} G {_circle(RADIUS)} S 0.3 w {GREY_SQUARE} G "
          f"{-_HALF:.2f} {-_HALF:.2f} {SQUARE:.2f} {SQUARE:.2f} re S" r" Q}\hss}"
          r"\immediate\pdfxform0 \xdef\exgenbubbleform{\the\pdflastxform}\fi"
          r"\gdef\exgenbubble#1#2#3#4{\exgenat{#1}{#2}{\kern-" f"{_HALF:.2f}bp"
          r"\pdfrefxform\exgenbubbleform}\exgenat{#1}{#3}{\makebox[0pt]{\pdfliteral{"
          f"{GREY_TEXT} g" r"}\tiny #4\pdfliteral{0 g}}}}" "\n")


def _at(x: float, y: float, material: str) -> str:
    return rf"\exgenat{{{x:.2f}}}{{{y:.2f}}}{{{material}}}%" + "\n"


def _literal(ops: str) -> str:
    return rf"\pdfliteral{{q {ops} Q}}"


def _text(t: Text) -> str:
    colour = (rf"\pdfliteral{{{GREY_TEXT} g}}", r"\pdfliteral{0 g}") if t.grey else ("", "")
    body = rf"{colour[0]}\{t.size} {t.text}{colour[1]}"
    if t.width:
        return _at(t.x, t.y, rf"\vtop to 0pt{{\hsize={t.width:.2f}bp\raggedright"
                             rf"\leavevmode{body}\par\vss}}")
    if t.left:
        return _at(t.x, t.y, body)
    return _at(t.x, t.y, rf"\makebox[0pt]{{{body}}}")


def _qr(text: str) -> str:
    modules = qr_modules(text)
    size = QR_SIZE / len(modules)
    rects = []
    for i, row in enumerate(modules):
        j = 0
        while j < len(row):
            if row[j]:
                start = j
                while j < len(row) and row[j]:
                    j += 1
                rects.append(f"{start * size:.3f} {-(i + 1) * size:.3f} "
                             f"{(j - start) * size:.3f} {size:.3f} re")
            j += 1
    return _at(QR_X, QR_Y, _literal("0 g " + " ".join(rects) + " f"))


def page_latex(page: FormPage, exam_key: str, header: Sequence[Text]) -> str:
    """One page: corner marks, QR code, header, and every block."""
    out = [r"\thispagestyle{empty}\setbox0\hbox{%", "\n"]
    half = MARK_SIZE / 2
    for x, y in MARKS:
        out.append(_at(x, y, _literal(f"0 g {-half:.2f} {-half:.2f} {MARK_SIZE:.2f} "
                                      f"{MARK_SIZE:.2f} re f")))
    out.append(_qr(qr_text(exam_key, page.page, page.of, page.student)))
    out += [_text(t) for t in header]
    for block in page.blocks:
        for box in block.boxes:
            out.append(_at(box.x, box.y, _literal(
                f"0.6 w 0 G 0 {-box.h:.2f} {box.w:.2f} {box.h:.2f} re S")))
        out += [_text(t) for t in block.texts]
        out += [rf"\exgenbubble{{{b.x:.2f}}}{{{b.y:.2f}}}{{{b.y + 2.1:.2f}}}{{{b.label}}}%"
                "\n" for b in block.bubbles]
    out.append(r"}\ht0=0pt \dp0=0pt \noindent\box0\par" + "\n")
    return "".join(out)


def header_texts(title: str, student_line: str, page: FormPage, words) -> list[Text]:
    """The top of a page (title, who, what to do) and its page count at the bottom."""
    return [Text(LEFT, 48, rf"\textbf{{{title}}}", "normalsize", grey=False, width=410),
            Text(LEFT, 66, student_line, "small", grey=False, width=410),
            Text(LEFT, 84, f"{words['scan_fill']} {words['scan_correct']} "
                           f"{words['scan_write']}", "scriptsize", grey=False, width=410),
            Text(WIDTH / 2, HEIGHT - 30,
                 f"{words['page']} {page.page} {words['of']} {page.of}", "small",
                 grey=False)]


def form_latex(pages: Sequence[FormPage], exam_key: str, title: str, student_line: str,
               words) -> str:
    """A student's whole form: its pages, one after another."""
    parts = [MACROS]
    for number, page in enumerate(pages):
        if number:
            parts.append(r"\clearpage" + "\n")
        parts.append(page_latex(page, exam_key, header_texts(title, student_line, page,
                                                             words)))
    return "".join(parts)


def student_form(bank, doc, exam_key: str) -> tuple[str, list[FormPage]]:
    """A student's scan form as LaTeX (an entry of a class document), and its pages."""
    from babel.numbers import get_decimal_symbol

    from .layouts import answer_form_context, latex_format

    language = bank.language(doc.lang)
    fmt = latex_format(language)
    words = fmt.words(language)
    context = answer_form_context(bank, doc, (), fmt)
    labels = {}
    for item in doc.student_exam.items:
        for asked in asked_answers(item):
            labels[asked.id] = fmt.label(asked.label(doc.lang), f"the label of {asked.id}")
    decimal = get_decimal_symbol(language.style.locale)
    blocks = [b for item in doc.student_exam.items
              for b in item_blocks(item, words, decimal,
                                   lambda asked: labels[asked.id])]
    pages = lay_out(doc.student.id, blocks)
    student = context["student"]
    who = (f"{words['name']}: " + (student["name"] or r"\rule{5cm}{0.4pt}")
           + rf"\hfill {words['student_id']}: \textbf{{{student['id']}}}"
           + rf"\hfill {words['variant']}: \textbf{{{doc.code}}}")
    title = f"{context['heading']['title']} --- {words['answer_sheet']}"
    return form_latex(pages, exam_key, title, who, words), pages
