"""Machine-readable answer forms (`exams --form scan`) and their layout.json.

The form is laid out here, in PDF points from the page's top-left corner, and TeX only
draws what it is told where it is told (every mark sits at an absolute position on the
page), so layout.json — the contract with `exgen scan` and other tools, see
../shared/DESIGN.md "Scanned answer forms" — is the printed page by construction; the
tests render the PDF and find each bubble where the layout says.

A number's grid has a sign bubble and a column of ten digit bubbles per place. Its
columns come from the places the key prints and from the largest magnitude over the
exercise's whole variant space, never from the student's own answer, so that the grid
tells nobody anything.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from typing import Sequence

from .answers import AskedAnswer, asked_answers
from .bank import Exercise
from .collected import written_column
from .exam import Exam, Item
from .formula import EXACT, FAST

FORMAT = "exgen-scan-layout/1"
WIDTH, HEIGHT = 595.28, 841.89                 # A4
MARK_INSET, MARK_SIZE = 28.35, 17.0             # corner marks: centre 1 cm from the edges
MARKS = ((MARK_INSET, MARK_INSET), (WIDTH - MARK_INSET, MARK_INSET),
         (MARK_INSET, HEIGHT - MARK_INSET), (WIDTH - MARK_INSET, HEIGHT - MARK_INSET))
QR_X, QR_Y, QR_SIZE = 478.0, 46.0, 64.0
LEFT, RIGHT, TOP, BOTTOM = 50.0, 545.0, 132.0, 792.0
PITCH = 13.0              # between bubble centres, across and down
RADIUS = 4.5
SQUARE = 12.0             # the square around a bubble: blacked out, it cancels the mark
SEPARATOR_GAP = 5.0       # the decimal sign's room between the units and the tenths
LABEL_HEIGHT = 19.0       # two lines of a small label
WRITE_HEIGHT = 18.0       # the box the student writes the number in
GAP = 4.0
BLOCK_GAP = 14.0
COMPONENT_GAP = 9.0
MIN_BLOCK = 96.0          # a label needs some width even above a short grid


@dataclass(frozen=True)
class Bubble:
    column: str
    component: int
    place: object          # a power of ten, or "sign", "option", "points"
    value: str
    x: float
    y: float
    r: float = RADIUS
    label: str = ""        # printed inside it

    def json(self) -> dict:
        return {"column": self.column, "component": self.component, "place": self.place,
                "value": self.value, "x": _pt(self.x), "y": _pt(self.y), "r": _pt(self.r)}


@dataclass(frozen=True)
class Box:
    """A rectangle where the student writes a component by hand."""
    column: str
    component: int
    x: float
    y: float
    w: float
    h: float

    def json(self) -> dict:
        return {"column": self.column, "component": self.component, "x": _pt(self.x),
                "y": _pt(self.y), "w": _pt(self.w), "h": _pt(self.h)}


@dataclass(frozen=True)
class Text:
    x: float               # the centre of the text's baseline (left end if `left`)
    y: float
    text: str              # LaTeX
    size: str = "tiny"
    grey: bool = True
    left: bool = False
    width: float = 0.0     # a paragraph of this width, hanging from y


@dataclass
class Block:
    """One answer's printed part, laid out from (0, 0); moved into place later."""
    column: str
    width: float
    height: float
    bubbles: list[Bubble] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)

    def moved(self, dx: float, dy: float) -> "Block":
        return Block(self.column, self.width, self.height,
                     [Bubble(b.column, b.component, b.place, b.value, b.x + dx, b.y + dy,
                             b.r, b.label) for b in self.bubbles],
                     [Box(b.column, b.component, b.x + dx, b.y + dy, b.w, b.h)
                      for b in self.boxes],
                     [Text(t.x + dx, t.y + dy, t.text, t.size, t.grey, t.left, t.width)
                      for t in self.texts],
                     [(x + dx, y + dy, w, h) for x, y, w, h in self.rules])


@dataclass(frozen=True)
class FormPage:
    student: str
    page: int
    of: int
    blocks: tuple[Block, ...]

    @property
    def bubbles(self) -> list[Bubble]:
        return [b for block in self.blocks for b in block.bubbles]

    @property
    def boxes(self) -> list[Box]:
        return [b for block in self.blocks for b in block.boxes]


def _pt(value: float) -> float:
    return round(value, 2)


# ---------------------------------------------------------------- what a grid needs

@dataclass(frozen=True)
class NumberShape:
    """The digit columns of one answer's components, the same for every variant."""
    high: int              # the highest place (0: units)
    places: int            # decimal places
    mask: bool = False     # a 0/1 matrix: a bubble per cell


_SHAPES: dict[tuple[str, str, str], NumberShape] = {}


def number_shape(exercise: Exercise, name: str) -> NumberShape:
    """Columns for answer `name` of `exercise` over its whole variant space: the places
    the key prints (none when every value is whole) and the digits of the largest
    magnitude, rounded as printed. A space of 100,000 variants takes seconds: the result
    is kept in exgen's cache, keyed by the variants file's text."""
    key = (str(exercise.path), exercise.id, name)
    if key not in _SHAPES:
        _SHAPES[key] = _cached_shape(exercise, name)
    return _SHAPES[key]


SHAPE_VERSION = "1"        # the rule of _shape_over_space: a new one, a new cache key


def _cached_shape(exercise: Exercise, name: str) -> NumberShape:
    from .files import cache_folder

    try:
        text = exercise.path.read_bytes()
    except OSError:
        return _shape_over_space(exercise, name)
    digest = hashlib.sha256(SHAPE_VERSION.encode() + b"|" + name.encode() + b"|"
                            + text).hexdigest()[:24]
    path = cache_folder("scan-shapes") / f"{exercise.id}-{digest}.json"
    try:
        return NumberShape(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    shape = _shape_over_space(exercise, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_suffix(f".{os.getpid()}.tmp")
        staged.write_text(json.dumps(shape.__dict__), encoding="utf-8")
        os.replace(staged, path)
    except OSError:
        pass                   # no cache to write to: computed again next time
    return shape


def _floats(value) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _floats(v)]
    if hasattr(value, "tolist"):
        return _floats(value.tolist())
    return [float(value)]


def _as_float(value):
    if isinstance(value, (list, tuple)):
        return tuple(_as_float(v) for v in value)
    if isinstance(value, str):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _shape_over_space(exercise: Exercise, name: str) -> NumberShape:
    answer = exercise.answers[name]
    needed = _needed(exercise, name)
    fast = all(exercise.answers[n].formula.fast for n in needed)
    largest, whole, mask, matrix = 0.0, True, True, False
    for index in range(exercise.space.size):
        params = exercise.space.variant(index)
        env = {k: _as_float(v) for k, v in params.items()} if fast else dict(params)
        for n in needed:
            env[n] = exercise.answers[n].formula.evaluate(env, FAST if fast else EXACT)
        value = env[name]
        matrix = matrix or (hasattr(value, "shape") and len(value.shape) == 2) or (
            isinstance(value, (list, tuple)) and bool(value)
            and isinstance(value[0], (list, tuple)))
        for x in _floats(value):
            largest = max(largest, abs(x))
            whole = whole and abs(x - round(x)) < 1e-9
            mask = mask and x in (0.0, 1.0)
    places = 0 if whole else answer.places
    shown = round(largest, places)
    high = max(0, len(str(int(shown))) - 1)
    return NumberShape(high, places, mask and matrix)


def _needed(exercise: Exercise, name: str) -> list[str]:
    """The answers `name` is computed from, in computing order, and `name`."""
    wanted, order = {name}, list(exercise.answers)
    for n in reversed(order):
        if n in wanted:
            wanted |= {m for m in exercise.answers[n].formula.names if m in exercise.answers}
    return [n for n in order if n in wanted]


# ---------------------------------------------------------------- blocks

def _digit_grid(column: str, component: int, shape: NumberShape, x0: float, y0: float,
                decimal: str) -> tuple[list[Bubble], list[Text], float]:
    """A sign column and one column of ten digits per place, from (x0, y0); its width."""
    bubbles, texts = [], []
    x = x0 + PITCH / 2
    bubbles.append(Bubble(column, component, "sign", "-", x, y0 + PITCH / 2, label="$-$"))
    for place in range(shape.high, -shape.places - 1, -1):
        x += PITCH
        if place == -1:
            x += SEPARATOR_GAP
            sep_x = x - PITCH / 2 - SEPARATOR_GAP / 2
            for row in (0, 10):
                texts.append(Text(sep_x, y0 + row * PITCH + (PITCH if row else 4.0),
                                  rf"\textbf{{{decimal}}}", "small", grey=False))
        for digit in range(10):
            bubbles.append(Bubble(column, component, place, str(digit), x,
                                  y0 + PITCH / 2 + digit * PITCH, label=str(digit)))
    return bubbles, texts, x + PITCH / 2 - x0


def _number_block(asked: AskedAnswer, shape: NumberShape, label: str, decimal: str) -> Block:
    count = len(asked.components)
    one = (2 + shape.high + shape.places) * PITCH + (SEPARATOR_GAP if shape.places else 0)
    per_row = max(1, int((RIGHT - LEFT + COMPONENT_GAP) // (one + COMPONENT_GAP)))
    block = Block(asked.id, 0.0, 0.0)
    grid_top = LABEL_HEIGHT + WRITE_HEIGHT + GAP
    row_height = WRITE_HEIGHT + GAP + 10 * PITCH + 10
    for component in range(count):
        row, col = divmod(component, per_row)
        x = col * (one + COMPONENT_GAP)
        y = grid_top + row * (row_height + 6)
        bubbles, texts, width = _digit_grid(asked.id, component, shape, x, y, decimal)
        block.bubbles += bubbles
        block.texts += texts
        block.boxes.append(Box(asked.id, component, x, y - GAP - WRITE_HEIGHT, width,
                               WRITE_HEIGHT))
        if count > 1:
            block.texts.append(Text(x + 1.5, y - GAP - WRITE_HEIGHT + 6, str(component + 1),
                                    left=True))
    rows = math.ceil(count / per_row)
    columns = min(count, per_row)
    block.width = max(MIN_BLOCK, columns * one + (columns - 1) * COMPONENT_GAP)
    block.height = grid_top + rows * row_height + (rows - 1) * 6
    block.texts.insert(0, Text(0, 0, label, "scriptsize", grey=False, left=True,
                               width=block.width))
    return block


def _row_block(column: str, label: str, entries: Sequence[tuple[object, str, str]]) -> Block:
    """One row of bubbles (options, points): (place, value, printed label) each."""
    block = Block(column, max(MIN_BLOCK, len(entries) * PITCH), LABEL_HEIGHT + PITCH + 2)
    for index, (place, value, text) in enumerate(entries):
        block.bubbles.append(Bubble(column, 0, place, value, PITCH / 2 + index * PITCH,
                                    LABEL_HEIGHT + PITCH / 2, label=text))
    block.texts.append(Text(0, 0, label, "scriptsize", grey=False, left=True,
                            width=block.width))
    return block


def _mask_block(asked: AskedAnswer, label: str) -> Block:
    rows, cols = asked.shape
    block = Block(asked.id, max(MIN_BLOCK, (cols + 1) * PITCH),
                  LABEL_HEIGHT + (rows + 1) * PITCH)
    top = LABEL_HEIGHT + PITCH
    for c in range(cols):
        block.texts.append(Text(PITCH * 1.5 + c * PITCH, top - 3, str(c + 1)))
    for r in range(rows):
        block.texts.append(Text(PITCH / 2, top + r * PITCH + PITCH / 2 + 2, str(r + 1)))
        for c in range(cols):
            block.bubbles.append(Bubble(asked.id, r * cols + c, 0, "1",
                                        PITCH * 1.5 + c * PITCH, top + PITCH / 2 + r * PITCH,
                                        label="1"))
    block.texts.append(Text(0, 0, label, "scriptsize", grey=False, left=True,
                            width=block.width))
    return block


def points_label(points: float, decimal: str) -> str:
    return f"{points:g}".replace(".", decimal)


def points_value(points: float) -> str:
    return f"{points:g}"


def item_blocks(item: Item, words, decimal: str, latex_label) -> list[Block]:
    """Every block of one exercise on the form, in the order of its sub-questions."""
    entries = [(a.answer.part or 0, a) for a in asked_answers(item)] + \
        [(part, part) for part in item.written_parts]
    blocks = []
    for _, entry in sorted(entries, key=lambda e: e[0]):
        if isinstance(entry, int):
            shown = item.shown_number(entry)
            label = (f"{item.position}. {words['written_question']} {shown} "
                     f"({words['scan_lecturer']})")
            steps = int(round(item.written * 2))
            blocks.append(_row_block(written_column(item.exercise.id, entry), label,
                                     [("points", points_value(k / 2), points_label(k / 2, decimal))
                                      for k in range(steps + 1)]))
            continue
        label = f"{item.position}. " + latex_label(entry)
        if entry.kind == "choice":
            blocks.append(_row_block(entry.id, label,
                                     [("option", letter, letter) for letter in entry.letters]))
            continue
        shape = number_shape(item.exercise, entry.name)
        if entry.kind == "matrix" and shape.mask:
            blocks.append(_mask_block(entry, label))
        else:
            blocks.append(_number_block(entry, shape, label, decimal))
    return blocks


def lay_out(student: str, blocks: Sequence[Block]) -> list[FormPage]:
    """Blocks in rows from left to right, rows from the top, pages as needed."""
    pages: list[list[Block]] = [[]]
    x, y, row_height = LEFT, TOP, 0.0
    for block in blocks:
        if x > LEFT and x + block.width > RIGHT:
            x, y, row_height = LEFT, y + row_height + BLOCK_GAP, 0.0
        if y + block.height > BOTTOM and pages[-1]:
            pages.append([])
            x, y, row_height = LEFT, TOP, 0.0
        pages[-1].append(block.moved(x, y))
        x += block.width + BLOCK_GAP
        row_height = max(row_height, block.height)
    return [FormPage(student, number, len(pages), tuple(found))
            for number, found in enumerate(pages, start=1)]


# ---------------------------------------------------------------- identity and QR

def exam_id(exam: Exam) -> str:
    """What every QR code of this build carries: the seed and a digest of the manifest
    (the class, their variants and answers), so a scan of another build is known."""
    from .exam import manifest_json

    digest = hashlib.sha256(manifest_json(exam).encode("utf-8")).hexdigest()[:10]
    return f"{exam.seed}-{digest}"


def qr_text(exam: str, page: int, of: int, student: str) -> str:
    return f"EXGEN:{exam}:{page}:{of}:{student}"


def parse_qr(text: str) -> tuple[str, int, int, str] | None:
    parts = text.split(":", 4)
    if len(parts) != 5 or parts[0] != "EXGEN" or not parts[2].isdigit() \
            or not parts[3].isdigit():
        return None
    return parts[1], int(parts[2]), int(parts[3]), parts[4]


def qr_modules(text: str) -> list[list[int]]:
    import segno

    code = segno.make_qr(text, error="m")
    return [list(row) for row in code.matrix]


# ---------------------------------------------------------------- layout.json

def layout_json(exam_key: str, lang: str, pages: Sequence[tuple[FormPage, int]]) -> str:
    """layout.json: every page of every form, `index` its page in the student's PDF;
    `lang`, beyond the contract's keys, is the build's language (review.html's)."""
    out = []
    for page, index in pages:
        out.append({
            "student": page.student, "page": page.page, "of": page.of,
            "pdf": f"answer-sheets/{page.student}.pdf", "index": index,
            "width": WIDTH, "height": HEIGHT,
            "marks": [[_pt(x), _pt(y)] for x, y in MARKS],
            "qr": {"x": QR_X, "y": QR_Y, "size": QR_SIZE},
            "bubbles": [b.json() for b in page.bubbles],
            "boxes": [b.json() for b in page.boxes]})
    return json.dumps({"format": FORMAT, "exam": exam_key, "lang": lang, "pages": out},
                      ensure_ascii=False, indent=1) + "\n"


# ---------------------------------------------------------------- LaTeX

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
