"""Machine-readable answer forms (`exams --form scan`) and their layout.json.

The form is laid out here, in PDF points from the page's top-left corner, and TeX only
draws what it is told where it is told (every mark sits at an absolute position on the
page), so layout.json — the contract with `exgen scan` and other tools, see
../shared/DESIGN.md "Scanned answer forms" — is the printed page by construction; the
tests render the PDF and find each bubble where the layout says.

A number's grid has a sign bubble and a column of ten digit bubbles per place, as many
as scan_shape says; scan_tex draws the pages.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Sequence

from .answers import AskedAnswer, asked_answers
from .collected import written_column
from .exam import Exam, Item
from .scan_shape import NumberShape, number_shape

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
        blocks.append(entry.kind.written(_Grid, item, entry, label, decimal))
    return blocks


class _Grid:
    """An answer's bubbles, for each kind: a bubble per option of a choice, a digit grid
    per number (a vector's per entry), a bubble per cell of a 0/1 mask."""

    @staticmethod
    def choice(item: Item, entry, label: str, decimal: str) -> Block:
        return _row_block(entry.id, label,
                          [("option", letter, letter) for letter in entry.letters])

    @staticmethod
    def number(item: Item, entry, label: str, decimal: str) -> Block:
        return _number_block(entry, number_shape(item.exercise, entry.name), label, decimal)

    vector = number

    @staticmethod
    def matrix(item: Item, entry, label: str, decimal: str) -> Block:
        shape = number_shape(item.exercise, entry.name)
        return _mask_block(entry, label) if shape.mask else \
            _number_block(entry, shape, label, decimal)


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
