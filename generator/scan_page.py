"""Reading one scanned page of a scan answer form (`exams --form scan`).

The QR code names the page (exam, student, page) and gives a first guess of where the
page lies in the image; the four corner marks then give the exact homography from the
layout's points to the image's pixels. Every bubble's darkness is measured against this
page's own paper (the median of the page) and ink (the inside of its corner marks), so a
grey copy, a dark copy and a pencil-light one are read alike.

A page's reading is plain data (a dict per answer column), so that it can be compared
with another reading of the same page, stored in scan.json and merged with later runs.
OpenCV and pypdfium2 are imported here only: `exgen exams` never loads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .scan_form import MARK_SIZE, PITCH, RADIUS, SQUARE, LABEL_HEIGHT, parse_qr

SCALE = 3.0               # pixels per point of the straightened page
DPI = 200                 # PDF scans are rendered at this resolution
DARK = 0.45               # a pixel is ink when this share of the way from paper to ink
FULL, EMPTY = 0.55, 0.25  # a bubble's inked share: marked from FULL, empty up to EMPTY
CANCELLED = 0.5           # the corners of its square inked this much: the mark is void
CROP_SCALE = 2.0          # pixels per point of the crops in review.html


@dataclass
class Page:
    """What one page of one file gave."""
    file: str
    index: int
    status: str                          # read, blank, foreign, unreadable
    reason: str = ""
    exam: str = ""
    student: str = ""
    page: int = 0
    columns: dict = field(default_factory=dict)    # column → {"value", "reason"}
    crops: dict = field(default_factory=dict)      # column → PNG bytes
    thumbnail: bytes = b""

    def json(self) -> dict:
        data = {"file": self.file, "index": self.index, "status": self.status}
        if self.reason:
            data["reason"] = self.reason
        if self.status == "read":
            data.update(exam=self.exam, student=self.student, page=self.page,
                        columns=self.columns)
        return data


# ---------------------------------------------------------------- images

def kind_of(path: Path) -> str | None:
    """pdf, tiff or image by the file's first bytes (not its name), None otherwise."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    if head.startswith(b"%PDF"):
        return "pdf"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8"):
        return "image"
    return None


def page_count(path: Path, kind: str) -> int:
    if kind == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(str(path))
        try:
            return len(document)
        finally:
            document.close()
    if kind == "tiff":
        import cv2

        return int(cv2.imcount(str(path)))
    return 1


def load_page(path: Path, kind: str, index: int) -> np.ndarray | None:
    """The page as a grey image (uint8), None if it cannot be decoded."""
    import cv2

    if kind == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(str(path))
        try:
            bitmap = document[index].render(scale=DPI / 72, grayscale=True)
            image = np.array(bitmap.to_numpy())
        finally:
            document.close()
        return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if kind == "tiff":
        ok, images = cv2.imreadmulti(str(path), start=index, count=1,
                                     flags=cv2.IMREAD_GRAYSCALE)
        return images[0] if ok and images else None
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


# ---------------------------------------------------------------- finding the page

def find_qr(image: np.ndarray) -> tuple[str, np.ndarray] | None:
    """The QR code's text and its corners in the image (its own top-left first). Looked
    for first where a form puts it, near the top-right corner (the bottom-left one for a
    page upside down): a small region is read many times faster than the page. Then the
    whole page at several sizes: a detector that misses a code at one scale often finds
    it at another."""
    import cv2

    detector = cv2.QRCodeDetector()
    h, w = image.shape
    regions = [(0, w // 2, h // 4, w), (3 * h // 4, 0, h, w // 2)]
    for top, left, bottom, right in regions:
        found = _decoded(detector, image[top:bottom, left:right], 1.0)
        if found is not None:
            return found[0], found[1] + (left, top)
    for target in (None, 2400, 1700, 3300):
        found = _decoded(detector, image, 1.0 if target is None else target / h)
        if found is not None:
            return found
    return None


def _decoded(detector, image: np.ndarray, scale: float):
    import cv2

    scaled = image if scale == 1.0 else cv2.resize(
        image, None, fx=scale, fy=scale,
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    try:
        text, points, _ = detector.detectAndDecode(scaled)
    except cv2.error:
        return None
    if text and points is not None:
        return text, points.reshape(4, 2).astype(np.float64) / scale
    return None


def _mark_centre(image: np.ndarray, guess: np.ndarray, size_px: float) -> np.ndarray | None:
    """The centre of the solid square nearest `guess`: the dark blob of about the
    mark's area in a window around it."""
    import cv2

    half = int(size_px * 2.5)
    x0, y0 = int(guess[0]) - half, int(guess[1]) - half
    if x0 < 0 or y0 < 0 or x0 + 2 * half > image.shape[1] or y0 + 2 * half > image.shape[0]:
        x0, y0 = max(0, x0), max(0, y0)
    window = image[y0:y0 + 2 * half, x0:x0 + 2 * half]
    if window.size == 0:
        return None
    _, dark = cv2.threshold(window, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, _, stats, centres = cv2.connectedComponentsWithStats(dark)
    expected = size_px * size_px
    best, best_distance = None, None
    for k in range(1, count):
        area = stats[k, cv2.CC_STAT_AREA]
        w, h = stats[k, cv2.CC_STAT_WIDTH], stats[k, cv2.CC_STAT_HEIGHT]
        if not 0.5 * expected <= area <= 1.8 * expected or not 0.6 < w / max(h, 1) < 1.6:
            continue
        centre = centres[k] + (x0, y0)
        distance = float(np.hypot(*(centre - guess)))
        if distance < size_px * 2.2 and (best is None or distance < best_distance):
            best, best_distance = centre, distance
    return best


def straighten(image: np.ndarray, layout_page: dict, qr_corners: np.ndarray):
    """The page warped onto the layout (SCALE pixels per point), or None with the
    reason when its corner marks are not where the QR code says they should be."""
    import cv2

    q = layout_page["qr"]
    source = np.float32([[q["x"], q["y"]], [q["x"] + q["size"], q["y"]],
                         [q["x"] + q["size"], q["y"] + q["size"]],
                         [q["x"], q["y"] + q["size"]]])
    # A similarity (turn, scale, shift) from four close points extrapolates far better
    # than a perspective fitted to them.
    rough, _ = cv2.estimateAffinePartial2D(source, np.float32(qr_corners))
    if rough is None:
        return None, "marks_missing"
    marks = np.float32(layout_page["marks"])
    guessed = cv2.transform(marks.reshape(-1, 1, 2), rough).reshape(-1, 2)
    pixels_per_point = float(np.linalg.norm(qr_corners[1] - qr_corners[0])) / q["size"]
    found = [_mark_centre(image, guess, MARK_SIZE * pixels_per_point) for guess in guessed]
    seen = [k for k, centre in enumerate(found) if centre is not None]
    if len(seen) == 4:
        exact = cv2.getPerspectiveTransform(marks, np.float32(found))
    elif len(seen) == 3:            # a staple or a thumb over one: three fix an affine map
        affine = cv2.getAffineTransform(marks[seen], np.float32([found[k] for k in seen]))
        exact = np.vstack([affine, [0.0, 0.0, 1.0]])
    else:
        return None, "marks_missing"
    size = (int(round(layout_page["width"] * SCALE)), int(round(layout_page["height"] * SCALE)))
    to_image = exact @ np.diag([1 / SCALE, 1 / SCALE, 1.0])
    warped = cv2.warpPerspective(image, to_image, size,
                                 flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_REPLICATE)
    return warped, ""


# ---------------------------------------------------------------- bubbles

def _levels(page: np.ndarray, layout_page: dict) -> tuple[float, float]:
    """The page's paper and ink: the median of the page, the inside of its marks (the
    darkest of them)."""
    inner = MARK_SIZE * 0.3 * SCALE
    ink = [np.median(page[int(y * SCALE - inner):int(y * SCALE + inner),
                          int(x * SCALE - inner):int(x * SCALE + inner)])
           for x, y in layout_page["marks"]]
    return float(np.median(page)), float(np.min(ink))     # a covered mark is not ink


def _stencils():
    """Pixel masks around a bubble's centre: its inside, and the corners of its square."""
    half = int(np.ceil(SQUARE / 2 * SCALE))
    ys, xs = np.mgrid[-half:half + 1, -half:half + 1] / SCALE
    distance = np.hypot(xs, ys)
    inside = distance <= RADIUS * 0.72
    edge = SQUARE / 2 - 0.6
    corners = (distance >= RADIUS * 1.22) & (np.abs(xs) <= edge) & (np.abs(ys) <= edge)
    return half, inside, corners


def bubble_states(page: np.ndarray, layout_page: dict) -> list[tuple[str, str]]:
    """Per bubble of the layout: (state, why) with state marked, empty or doubt."""
    paper, ink = _levels(page, layout_page)
    if paper - ink < 40:
        return [("doubt", "no_contrast")] * len(layout_page["bubbles"])
    ink_share = np.clip((paper - page.astype(np.float32)) / (paper - ink), 0, 1) >= DARK
    half, inside, corners = _stencils()
    states = []
    for bubble in layout_page["bubbles"]:
        cx, cy = int(round(bubble["x"] * SCALE)), int(round(bubble["y"] * SCALE))
        patch = ink_share[cy - half:cy + half + 1, cx - half:cx + half + 1]
        filled, cancelled = float(patch[inside].mean()), float(patch[corners].mean())
        if cancelled >= CANCELLED:
            states.append(("empty", ""))
        elif cancelled >= 0.2 and filled > EMPTY:
            states.append(("doubt", "half_cancelled"))
        elif filled >= FULL:
            states.append(("marked", ""))
        elif filled <= EMPTY:
            states.append(("empty", ""))
        else:
            states.append(("doubt", "half"))
    return states


# ---------------------------------------------------------------- answers

def _number_text(digits: dict, places: int) -> str:
    """A component's value as `grade` reads it: a point for decimals, no grouping, and a
    fourth decimal after three (`1.0240`, never the `1.024` a whole key reads as 1024)."""
    negative, units = digits.pop("sign", False), 0
    for place, digit in digits.items():
        units += int(digit) * 10 ** (place + places)
    text = str(units).rjust(places + 1, "0")
    if places:
        text = text[:-places] + "." + text[-places:] + ("0" if places == 3 else "")
    return "-" + text if negative and units else text


# Why a page or an answer is sent to a person; each has its words, `scan_<code>`, in
# every language's strings.toml.
REASONS = ("half", "half_cancelled", "no_contrast", "two_marks", "two_choices", "sign_only",
           "read_twice", "blank", "undecodable", "no_qr", "other_qr", "other_build",
           "not_in_layout", "marks_missing", "missing_page")


def explain(reason: str, words) -> str:
    """A reason code (`two_marks:2 + 7`, several joined by `;`) in a language's words."""
    texts = []
    for part in filter(None, reason.split(";")):
        code, _, details = part.partition(":")
        texts.append(words[f"scan_{code}"].replace("{details}", details))
    return "; ".join(texts)


def read_column(bubbles: list[dict], states: list[tuple[str, str]]) -> dict:
    """One answer column from its bubbles: {"value": text, "reason": the code of why
    it is "?" (`explain` puts it in words)}.
    Rules of ../shared/DESIGN.md: an empty digit column reads 0, an answer without any
    mark is blank, two marks in a column or a half mark are never guessed."""
    places = {b["place"] for b in bubbles}
    doubts = sorted({why for (state, why) in states if state == "doubt"})
    if doubts:
        return {"value": "?", "reason": ";".join(doubts)}
    marked = [b for b, (state, _) in zip(bubbles, states) if state == "marked"]
    if not marked:
        return {"value": "", "reason": ""}
    if places & {"option", "points"}:
        if len(marked) > 1:
            return {"value": "?", "reason": "two_choices:"
                    + " + ".join(b["value"] for b in marked)}
        return {"value": marked[0]["value"], "reason": ""}
    components = sorted({b["component"] for b in bubbles})
    if "sign" not in places:                  # a 0/1 mask: a bubble per cell
        cells = {b["component"] for b in marked}
        rows = sorted({b["y"] for b in bubbles})
        width = len(components) // len(rows)
        matrix = [[1 if r * width + c in cells else 0 for c in range(width)]
                  for r in range(len(rows))]
        return {"value": "[" + ", ".join("[" + ", ".join(map(str, row)) + "]"
                                         for row in matrix) + "]", "reason": ""}
    decimals = -min((p for p in places if isinstance(p, int)), default=0)
    texts = []
    for component in components:
        digits: dict = {}
        for b in marked:
            if b["component"] != component:
                continue
            if b["place"] == "sign":
                digits["sign"] = True
            elif b["place"] in digits:
                return {"value": "?", "reason": f"two_marks:{digits[b['place']]} + "
                        f"{b['value']}"}
            else:
                digits[b["place"]] = b["value"]
        if digits.get("sign") and len(digits) == 1:
            return {"value": "?", "reason": "sign_only"}
        texts.append(_number_text(digits, decimals))
    value = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return {"value": value, "reason": ""}


def crop_box(layout_page: dict, column: str) -> tuple[float, float, float, float]:
    """The part of the page showing an answer: its grid, its writing boxes, its label."""
    xs, ys = [], []
    for b in layout_page["bubbles"]:
        if b["column"] == column:
            xs += [b["x"] - PITCH, b["x"] + PITCH]
            ys += [b["y"] - PITCH, b["y"] + PITCH]
    for box in layout_page.get("boxes", []):
        if box["column"] == column:
            xs += [box["x"] - 4, box["x"] + box["w"] + 4]
            ys += [box["y"] - 4, box["y"] + box["h"] + 4]
    return min(xs), min(ys) - LABEL_HEIGHT - 4, max(xs), max(ys)


def _crop(image: np.ndarray, box, scale: float) -> bytes:
    """A part of the straightened page, at `scale` pixels per point, as PNG (a quick
    compression: a page's ten crops take milliseconds, and a class's fit in memory)."""
    import cv2

    x0, y0, x1, y1 = (int(max(0, v * SCALE)) for v in box)
    part = cv2.resize(image[y0:y1, x0:x1], None, fx=scale / SCALE, fy=scale / SCALE,
                      interpolation=cv2.INTER_AREA)
    return cv2.imencode(".png", part, [cv2.IMWRITE_PNG_COMPRESSION, 3])[1].tobytes()


def _thumbnail(image: np.ndarray) -> bytes:
    import cv2

    scale = 240 / max(image.shape)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.imencode(".png", small, [cv2.IMWRITE_PNG_COMPRESSION, 9])[1].tobytes()


def _blank(image: np.ndarray) -> bool:
    """A page with next to no ink: the blank back of a sheet."""
    paper = float(np.percentile(image, 90))
    return float(np.mean(image < paper - 80)) < 0.002


def read_page(task: tuple[str, str, int], layout: dict) -> Page:
    """One page of one file, against the build's layout."""
    name, kind, index = task
    image = load_page(Path(name), kind, index)
    if image is None:
        return Page(name, index, "unreadable", "undecodable")
    found = find_qr(image)
    if found is None:
        if _blank(image):
            return Page(name, index, "blank", "blank")
        return Page(name, index, "unreadable", "no_qr", thumbnail=_thumbnail(image))
    text, corners = found
    named = parse_qr(text)
    if named is None:
        return Page(name, index, "foreign", "other_qr:" + text[:60].replace(";", ","),
                    thumbnail=_thumbnail(image))
    exam, number, _, student = named
    if exam != layout["exam"]:
        return Page(name, index, "foreign", f"other_build:{exam}", exam=exam,
                    thumbnail=_thumbnail(image))
    pages = {(p["student"], p["page"]): p for p in layout["pages"]}
    if (student, number) not in pages:
        return Page(name, index, "foreign", f"not_in_layout:{student} #{number}",
                    thumbnail=_thumbnail(image))
    layout_page = pages[(student, number)]
    page, why = straighten(image, layout_page, corners)
    if page is None:
        return Page(name, index, "unreadable", why, exam=exam, student=student,
                    page=number, thumbnail=_thumbnail(image))
    states = bubble_states(page, layout_page)
    by_column: dict[str, list] = {}
    for bubble, state in zip(layout_page["bubbles"], states):
        by_column.setdefault(bubble["column"], []).append((bubble, state))
    columns, crops = {}, {}
    for column, pairs in by_column.items():
        columns[column] = read_column([b for b, _ in pairs], [s for _, s in pairs])
        crops[column] = _crop(page, crop_box(layout_page, column), CROP_SCALE)
    return Page(name, index, "read", "", exam, student, number, columns, crops)
