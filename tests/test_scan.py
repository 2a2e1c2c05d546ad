"""Scan forms, end to end: real forms printed by `exams --form scan`, rendered to images,
filled the way a pen fills bubbles (irregular blobs, various greys), distorted the way a
copier distorts (rotation, 180°, scale, offset, noise, blur, JPEG, 150/300 dpi), read by
`exgen scan`; every answer must come back exactly or as `?`, never as a wrong value.

What a filled bubble means comes from layout.json alone (../shared/DESIGN.md "Scanned
answer forms"): the expected values here are computed from the bubbles the test marks,
not by the reader's code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SPEC_SECTIONS, needs_tex

cv2 = pytest.importorskip("cv2", reason="the scan reader's packages: pip install -e '.[scan]'")
pypdfium2 = pytest.importorskip("pypdfium2")

SPEC = 'form = "scan"\n' + SPEC_SECTIONS + """
[[slot]]
pool = ["layernorm"]
points = 3

[[slot]]
pool = ["residual"]
points = 3
written = 0.5

[[slot]]
pool = ["attention_masks"]
points = 2

[[slot]]
pool = ["rope"]
points = 1

[[slot]]
pool = ["position_interpolation"]
points = 2

[[slot]]
pool = ["pre_post_norm"]
points = 1
"""
ROSTER = "id,name,lang\n01,Ana,bg\n02,Ben,en\n03,Вера,bg\n04,Dan,en\n"


@pytest.fixture(scope="session")
def forms(tmp_path_factory):
    """A class of four (two in Bulgarian, two in English) with scan forms, built once."""
    needs_tex()
    from generator.cli import main

    folder = tmp_path_factory.mktemp("scan")
    (folder / "spec.toml").write_text(SPEC, encoding="utf-8")
    (folder / "class.csv").write_text(ROSTER, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["exams", "--seed", "5", "--spec", str(folder / "spec.toml"), "--roster",
              str(folder / "class.csv"), "--out", str(folder / "build")])
    assert exit_.value.code == 0
    return folder / "build"


def layout_of(build: Path) -> dict:
    return json.loads((build / "answer-sheets" / "layout.json").read_text(encoding="utf-8"))


def fresh(forms: Path, tmp_path: Path) -> Path:
    """A copy of the class build of its own for a test that scans into it."""
    target = tmp_path / "build"
    shutil.copytree(forms, target, ignore=shutil.ignore_patterns("scans"))
    return target


def render(build: Path, page: dict, dpi: int) -> np.ndarray:
    document = pypdfium2.PdfDocument(str(build / page["pdf"]))
    image = np.array(document[page["index"]].render(scale=dpi / 72,
                                                    grayscale=True).to_numpy())
    document.close()
    return image


# ---------------------------------------------------------------- the pen and the copier

def pen(image, x, y, r, scale, rng, grey=None, share=1.0):
    """An irregular blob over a bubble (its centre x, y and radius r in points), of
    `share` of the bubble's area when less than 1 (a half mark: a half disc)."""
    grey = int(rng.integers(0, 110)) if grey is None else grey
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    radii = r * rng.uniform(0.82, 1.05, size=angles.size)
    if share < 1:
        keep = angles < 2 * np.pi * share
        points = [(x, y)] + [(x + rr * np.cos(a), y + rr * np.sin(a))
                             for a, rr in zip(angles[keep], radii[keep])]
    else:
        points = [(x + rr * np.cos(a), y + rr * np.sin(a)) for a, rr in zip(angles, radii)]
    polygon = np.int32([[px * scale, py * scale] for px, py in points])
    cv2.fillPoly(image, [polygon], grey)


def copier(image, rng, turn=False, jpeg=True):
    """A copier's image of a page: a margin of scanner bed, rotated a few degrees (and
    maybe upside down), scaled, shifted, noisy, blurred and JPEG-compressed."""
    pad = image.shape[1] // 12
    image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=250)
    h, w = image.shape
    angle = float(rng.uniform(-3, 3)) + (180 if turn else 0)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, float(rng.uniform(0.96, 1.03)))
    matrix[:, 2] += rng.uniform(-pad / 3, pad / 3, size=2)
    image = cv2.warpAffine(image, matrix, (w, h), borderValue=245)
    noise = rng.normal(0, 6, image.shape)
    image = np.clip(image.astype(np.float32) * rng.uniform(0.9, 1.0) + noise, 0, 255)
    image = cv2.GaussianBlur(image.astype(np.uint8), (3, 3), float(rng.uniform(0.3, 1.0)))
    if jpeg:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY,
                                                int(rng.integers(55, 85))])
        image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return image


# ---------------------------------------------------------------- what a student marks

def columns_of(page: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for bubble in page["bubbles"]:
        found.setdefault(bubble["column"], []).append(bubble)
    return found


def choose(bubbles: list[dict], rng) -> tuple[list[dict], object]:
    """Bubbles to mark in one answer column, and the value they mean by the layout's
    rules (None: blank)."""
    places = {b["place"] for b in bubbles}
    if rng.random() < 0.1:
        return [], None
    if places & {"option", "points"}:
        bubble = bubbles[int(rng.integers(len(bubbles)))]
        return [bubble], bubble["value"]
    components = sorted({b["component"] for b in bubbles})
    if "sign" not in places:                               # a 0/1 mask
        rows = sorted({b["y"] for b in bubbles})
        width = len(components) // len(rows)
        cells = [b for b in bubbles if rng.random() < 0.5] or bubbles[:1]
        marked = {b["component"] for b in cells}
        return cells, [[1 if r * width + c in marked else 0 for c in range(width)]
                       for r in range(len(rows))]
    marks, values = [], []
    for component in components:
        mine = [b for b in bubbles if b["component"] == component]
        value, any_digit = 0.0, False
        for place in sorted({b["place"] for b in mine if b["place"] != "sign"}):
            if rng.random() < 0.25:
                continue                                   # an empty column reads 0
            options = [b for b in mine if b["place"] == place]
            digit = options[int(rng.integers(10))]
            marks.append(digit)
            value += int(digit["value"]) * 10.0 ** place
            any_digit = True
        if any_digit and rng.random() < 0.3:
            marks.append(next(b for b in mine if b["place"] == "sign"))
            value = -value
        values.append(value)
    if not marks:
        return [], None
    return marks, values[0] if len(values) == 1 else values


def read_value(text: str):
    """A cell of answers.xlsx as a number, a list or a letter (`grade` reads these
    texts; JSON is one of the forms it accepts)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def same(read, expected) -> bool:
    if isinstance(expected, list):
        return isinstance(read, list) and len(read) == len(expected) and all(
            same(r, e) for r, e in zip(read, expected))
    if isinstance(expected, float):
        return isinstance(read, (int, float)) and abs(read - expected) < 1e-9
    return str(read) == str(expected)


def answers_read(build: Path) -> dict[str, dict[str, object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(build / "scans" / "answers.xlsx")["answers"]
    header = [c.value for c in sheet[1]]
    rows = {}
    for row in sheet.iter_rows(min_row=3):
        rows[str(row[0].value)] = {h: (c.value or "", c.comment.text if c.comment else "")
                                   for h, c in zip(header, row)}
    return rows


def filled_pages(build: Path, rng, dpi: int):
    """Every page of the class filled at random: (page of layout, image, expected)."""
    out = []
    for page in layout_of(build)["pages"]:
        image = render(build, page, dpi)
        expected = {}
        for column, bubbles in columns_of(page).items():
            marks, value = choose(bubbles, rng)
            for b in marks:
                pen(image, b["x"], b["y"], b["r"], dpi / 72, rng)
            expected[column] = value
        out.append((page, image, expected))
    return out


# ---------------------------------------------------------------- tests

def test_scan_forms_need_pdf_and_answer_forms(tmp_path, run):
    for extra, words in ((("--format", "md"), "prints its forms as PDF"),
                         (("--no-answer-sheet",), "drop --no-answer-sheet")):
        result = run("exams", "--seed", "1", "--students", "2", "--form", "scan", *extra,
                     "--out", tmp_path / "out")
        assert result.code == 2 and words in result.err, result.err
        assert not (tmp_path / "out").exists()


def test_layout_json_is_where_the_pdf_prints_each_bubble(forms):
    """Each bubble's outline is found at its layout radius around its layout centre, and
    each corner mark's ink is centred on its layout point (within a fraction of a point)."""
    layout = layout_of(forms)
    assert layout["format"] == "exgen-scan-layout/1"
    page = layout["pages"][0]
    assert set(page) >= {"student", "page", "of", "pdf", "index", "width", "height",
                         "marks", "qr", "bubbles"}
    dpi = 288
    scale = dpi / 72
    image = render(forms, page, dpi).astype(np.float32)
    for x, y in page["marks"]:
        half = int(12 * scale)
        cx, cy = int(x * scale), int(y * scale)
        window = 255 - image[cy - half:cy + half, cx - half:cx + half]
        ys, xs = np.mgrid[cy - half:cy + half, cx - half:cx + half]
        assert abs((xs * window).sum() / window.sum() / scale - x) < 0.3
        assert abs((ys * window).sum() / window.sum() / scale - y) < 0.3
    for bubble in page["bubbles"]:
        cx, cy, r = bubble["x"] * scale, bubble["y"] * scale, bubble["r"] * scale
        for dx, dy in ((1, 0), (0, 1)):
            line = [image[int(round(cy + dy * t)), int(round(cx + dx * t))]
                    for t in np.arange(-1.4 * r, 1.4 * r + 1)]
            ts = np.arange(-1.4 * r, 1.4 * r + 1)
            left = ts[np.argmin(line[:len(line) // 2])]
            right = ts[len(line) // 2 + np.argmin(line[len(line) // 2:])]
            assert abs((left + right) / 2) / scale < 0.4, bubble
            assert abs((right - left) / 2 / scale - bubble["r"]) < 0.5, bubble


def test_same_seed_gives_identical_scan_forms_and_layout(forms, tmp_path):
    from generator.cli import main

    with pytest.raises(SystemExit):
        main(["exams", "--seed", "5", "--spec", str(forms.parent / "spec.toml"), "--roster",
              str(forms.parent / "class.csv"), "--out", str(tmp_path / "again")])
    for name in ("answer-sheets/layout.json", "answer-sheets/01.pdf", "print-all.pdf"):
        assert (tmp_path / "again" / name).read_bytes() == (forms / name).read_bytes(), name


def test_a_grid_never_tells_the_answer(forms):
    """Every student given an exercise gets the same columns for each of its answers,
    whatever their own value: the grid comes from the whole variant space."""
    shapes: dict[str, set] = {}
    for page in layout_of(forms)["pages"]:
        for column, bubbles in columns_of(page).items():
            places = tuple(sorted({str(b["place"]) for b in bubbles}))
            per_component = len(bubbles) // len({b["component"] for b in bubbles})
            shapes.setdefault(column, set()).add((places, per_component))
    assert shapes and all(len(found) == 1 for found in shapes.values()), shapes


def test_every_answer_comes_back_exactly_or_as_a_question_mark(forms, tmp_path, run):
    """The whole class, filled at random in both languages, through the copier at 150 and
    300 dpi (some pages upside down), in one multi-page TIFF and JPEG files."""
    build = fresh(forms, tmp_path)
    rng = np.random.default_rng(21)
    pages = filled_pages(build, rng, 150) + filled_pages(build, np.random.default_rng(7),
                                                         300)[:2]
    images = []
    for number, (_, image, _) in enumerate(pages):
        images.append(copier(image, rng, turn=number % 3 == 1, jpeg=number % 2 == 0))
    scans = tmp_path / "scans"
    scans.mkdir()
    cv2.imwritemulti(str(scans / "class.tiff"), images[:-2])
    # The late student's pages: a colour JPEG (a yellowish copy), and a copier's PDF
    # of a 300 dpi image.
    tinted = cv2.merge([(images[-2] * 0.85).astype(np.uint8), images[-2], images[-2]])
    cv2.imwrite(str(scans / "late-0.jpg"), tinted, [cv2.IMWRITE_JPEG_QUALITY, 80])
    from PIL import Image

    Image.fromarray(images[-1]).save(scans / "late-1.pdf", resolution=300.0)
    result = run("scan", "--build", build, scans / "class.tiff")
    assert result.code == 0, result.err
    read = answers_read(build)
    checked = questions = 0
    for page, _, expected in pages[:-2]:
        for column, value in expected.items():
            got, comment = read[page["student"]][column]
            checked += 1
            if got == "?":
                questions += 1
                assert comment.startswith("exgen scan:")
                continue
            if value is None:
                assert got == "", (page["student"], column, got)
            else:
                assert same(read_value(got), value), (page["student"], column, got, value)
    assert questions <= checked // 20, f"{questions} of {checked} sent to review"
    # The late pages merge with the first run: the earlier reads stay.
    before = read
    result = run("scan", "--build", build, scans / "late-0.jpg", scans / "late-1.pdf")
    assert result.code == 0, result.err
    after = answers_read(build)
    for page, _, expected in pages[-2:]:
        for column, value in expected.items():
            got, _ = after[page["student"]][column]
            assert got == "?" or (got == "" if value is None
                                  else same(read_value(got), value)), (column, got, value)
    untouched = {s for s in before} - {p["student"] for p, _, _ in pages[-2:]}
    for student in untouched:
        assert after[student] == before[student]


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_pages_filled_at_random_read_back_over_seeds(forms, seed):
    """More fillings through the copier, read page by page: nothing wrong, little doubt."""
    from generator.scan_page import read_page

    rng = np.random.default_rng(seed)
    layout = layout_of(forms)
    checked = questions = 0
    for number, (page, image, expected) in enumerate(filled_pages(forms, rng, 200)):
        scan = forms.parent / f"seed-{seed}.png"
        cv2.imwrite(str(scan), copier(image, rng, turn=(number + seed) % 2 == 1))
        got = read_page((str(scan), "image", 0), layout)
        assert got.status == "read" and got.student == page["student"], got.reason
        for column, value in expected.items():
            text = got.columns[column]["value"]
            checked += 1
            if text == "?":
                questions += 1
            elif value is None:
                assert text == "", (column, text)
            else:
                assert same(read_value(text), value), (column, text, value)
    assert questions <= checked // 20


def test_unclear_marks_are_sent_to_review_never_guessed(forms, tmp_path, run, bank):
    build = fresh(forms, tmp_path)
    rng = np.random.default_rng(3)
    page = next(p for p in layout_of(build)["pages"] if p["page"] == 1)
    dpi = 200
    image = render(build, page, dpi)
    columns = columns_of(page)
    numbers = [c for c, bs in columns.items() if any(b["place"] == "sign" for b in bs)]
    options = [c for c, bs in columns.items() if any(b["place"] in ("option", "points")
                                                   for b in bs)]
    two, half, cancelled = numbers[0], numbers[1], numbers[2]
    digits = [b for b in columns[two] if b["place"] == 0]
    for b in digits[2:4]:                                      # two marks in one column
        pen(image, b["x"], b["y"], b["r"], dpi / 72, rng, grey=20)
    b = [b for b in columns[half] if b["place"] == 0][5]       # a half mark
    pen(image, b["x"], b["y"], b["r"], dpi / 72, rng, grey=20, share=0.4)
    units = [b for b in columns[cancelled] if b["place"] == 0]
    pen(image, units[1]["x"], units[1]["y"], units[1]["r"], dpi / 72, rng, grey=20)
    s = dpi / 72                                               # ... cancelled: its square
    x, y = units[1]["x"], units[1]["y"]
    cv2.rectangle(image, (int((x - 6) * s), int((y - 6) * s)),
                  (int((x + 6) * s), int((y + 6) * s)), 15, -1)
    pen(image, units[7]["x"], units[7]["y"], units[7]["r"], dpi / 72, rng, grey=40)
    if options:
        for b in columns[options[0]][:2]:                      # two options
            pen(image, b["x"], b["y"], b["r"], dpi / 72, rng, grey=30)
    x, y = page["marks"][3]                                    # a sticker on one mark
    cv2.rectangle(image, (int((x - 14) * s), int((y - 14) * s)),
                  (int((x + 14) * s), int((y + 14) * s)), 250, -1)
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), copier(image, rng, jpeg=False))
    result = run("scan", "--build", build, path)
    assert result.code == 0, result.err
    row = answers_read(build)[page["student"]]
    words = bank.language(layout_of(build)["lang"]).words      # the build's language
    assert row[two][0] == "?"
    assert words["scan_two_marks"].replace("{details}", "2 + 3") in row[two][1]
    assert row[half][0] == "?" and words["scan_half"] in row[half][1]
    value = read_value(row[cancelled][0])            # the cancelled 1 is void: 7 is read
    assert value == 7 or value == [7] + [0] * (len(value) - 1), row[cancelled]
    if options:
        assert row[options[0]][0] == "?"
    # The student's other page was not scanned: its answers are `?`, not blanks.
    other = next(p for p in layout_of(build)["pages"]
                 if p["student"] == page["student"] and p["page"] != page["page"])
    missing = other["bubbles"][0]["column"]
    assert row[missing][0] == "?"
    assert words["scan_missing_page"].split("{")[0] in row[missing][1]
    review = (build / "scans" / "review.html").read_text(encoding="utf-8")
    assert f"<code>{two}</code>" in review and "crops/" in review
    crop = next((build / "scans" / "crops").glob(f"{two}.*.png"))
    assert cv2.imread(str(crop)).shape[0] > 40

    # The same page read again with another mark: that answer goes to review.
    b = [b for b in columns[numbers[3]] if b["place"] == 0][4]
    pen(image, b["x"], b["y"], b["r"], dpi / 72, rng, grey=10)
    again = tmp_path / "again.png"
    cv2.imwrite(str(again), copier(image, rng, jpeg=False))
    result = run("scan", "--build", build, again)
    assert result.code == 0, result.err
    row = answers_read(build)[page["student"]]
    assert row[numbers[3]][0] == "?"
    assert words["scan_read_twice"].split("(")[0] in row[numbers[3]][1]

    # grade refuses the `?` cells, naming student and column, until a person decides.
    result = run("grade", "--seed", "5", "--spec", forms.parent / "spec.toml",
                 "--build", build, "--answers", build / "scans" / "answers.xlsx")
    assert result.code == 2
    assert f"student `{page['student']}`" in result.err and "`?`" in result.err


def test_blank_backs_foreign_pages_and_pdf_scans_are_told_apart(forms, tmp_path, run):
    build = fresh(forms, tmp_path)
    blank = np.full((1754, 1240), 248, np.uint8)
    cv2.imwrite(str(tmp_path / "back.png"), blank)
    text = np.full((1754, 1240), 250, np.uint8)
    cv2.putText(text, "a letter, not a form", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    cv2.imwrite(str(tmp_path / "letter.png"), text)
    # The build's own PDF form, unfilled, as a scanned PDF: read, all blank.
    result = run("scan", "--build", build, build / "answer-sheets" / "02.pdf",
                 tmp_path / "back.png", tmp_path / "letter.png")
    assert result.code == 0, result.err
    data = json.loads((build / "scans" / "scan.json").read_text(encoding="utf-8"))
    status = {(Path(p["file"]).name, p["index"]): p["status"] for p in data["pages"]}
    assert status[("back.png", 0)] == "blank" and status[("letter.png", 0)] == "unreadable"
    assert status[("02.pdf", 0)] == "read"
    review = (build / "scans" / "review.html").read_text(encoding="utf-8")
    assert "letter.png" in review and "back.png" in review


def test_bad_input_is_refused_and_nothing_is_lost(forms, tmp_path, run):
    build = fresh(forms, tmp_path)
    rng = np.random.default_rng(1)
    page, image, _ = filled_pages(build, rng, 150)[0]
    cv2.imwrite(str(tmp_path / "ok.png"), image)
    assert run("scan", "--build", build, tmp_path / "ok.png").code == 0
    before = (build / "scans" / "answers.xlsx").read_bytes()
    (tmp_path / "notes.txt").write_text("not a scan", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    other = tmp_path / "other"
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    from generator.cli import main

    with pytest.raises(SystemExit):
        main(["exams", "--seed", "6", "--students", "1", "--spec", str(spec), "--lang", "en",
              "--out", str(other)])
    other_page = render(other, layout_of(other)["pages"][0], 150)
    cv2.imwrite(str(tmp_path / "other.png"), other_page)
    plain = tmp_path / "plain"
    with pytest.raises(SystemExit):
        main(["exams", "--seed", "6", "--students", "1", "--format", "md", "--out", str(plain)])
    for args, words in (((tmp_path / "notes.txt",), "not a PDF or an image"),
                        ((tmp_path / "empty",), "empty folder"),
                        ((tmp_path / "other.png",), "another exam build"),
                        ((), "no scans given")):
        result = run("scan", "--build", build, *args)
        assert result.code == 2 and words in result.err, (args, result.err)
        assert "Traceback" not in result.err
        assert (build / "scans" / "answers.xlsx").read_bytes() == before
    result = run("scan", "--build", plain, tmp_path / "ok.png")
    assert result.code == 2 and "no scan forms" in result.err
