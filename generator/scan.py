"""`exgen scan --build BUILD FILE…`: copier scans of scan forms into BUILD/scans/.

answers.xlsx (the build's answers-template.xlsx, filled: the same columns, values
written the way `grade` reads them, `?` with a comment where a person must decide),
review.html (every decision to take, with the crop of the answer) and scan.json (every
page read, by file and page). A rerun with more scans merges with what scan.json holds.
Pages are read by a process per core; nothing is written unless the whole run succeeds.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .errors import ExgenError
from .scan_page import Page, explain, kind_of, page_count, read_page

SCANS = "scans"
QUESTION = "?"


@dataclass
class Decision:
    """A cell a person must fill in: what was read, why it is uncertain, the crops."""
    student: str
    column: str
    reason: str
    crops: list[str] = field(default_factory=list)     # files under scans/crops/


@dataclass
class Outcome:
    values: dict                  # student → column → text
    decisions: list[Decision]
    pages: list[dict]             # scan.json's pages: this run's and earlier ones
    unplaced: list[dict]          # pages that could not be placed, with their thumbnails
    crops: dict                   # file name under crops/ → PNG bytes


def layout_of(build: Path) -> dict:
    path = build / "answer-sheets" / "layout.json"
    if not build.is_dir():
        raise ExgenError(f"{build} is not a folder: give the exam build with --build")
    if not path.is_file() or not (build / "answers-template.xlsx").is_file():
        raise ExgenError(f"{build} has no scan forms (no answer-sheets/layout.json): build "
                         "the exam with `exgen exams … --form scan` and scan those forms")
    try:
        layout = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExgenError(f"cannot read {path}: {exc}") from None
    if layout.get("format") != "exgen-scan-layout/1":
        raise ExgenError(f"{path} is not an exgen scan layout (format "
                         f"{layout.get('format')!r})")
    return layout


def scan_tasks(files: Sequence[Path]) -> list[tuple[str, str, int]]:
    """(file, kind, page) for every page of every file (a folder: its files, sorted);
    refused before anything is read if a file is not a PDF or an image."""
    if not files:
        raise ExgenError("no scans given: exgen scan --build BUILD FILE… (PDF, PNG, JPEG, "
                         "TIFF, or folders of them)")
    paths: list[Path] = []
    for given in files:
        if given.is_dir():
            inside = sorted(p for p in given.iterdir() if p.is_file()
                            and not p.name.startswith("."))
            if not inside:
                raise ExgenError(f"{given} is an empty folder: no scans to read")
            paths += inside
        elif given.is_file():
            paths.append(given)
        else:
            raise ExgenError(f"{given}: no such file or folder")
    tasks = []
    for path in paths:
        kind = kind_of(path)
        if kind is None:
            raise ExgenError(f"{path} is not a PDF or an image (PNG, JPEG, TIFF): nothing "
                             "was read; leave it out")
        try:
            count = page_count(path, kind)
        except Exception as exc:   # a damaged PDF or TIFF: the library's own complaint
            raise ExgenError(f"{path} cannot be opened: {exc}") from None
        tasks += [(str(path), kind, index) for index in range(count)]
    return tasks


_LAYOUT: dict = {}


def _init(layout: dict) -> None:
    import cv2

    cv2.setNumThreads(1)       # a process per core already: no threads on top
    _LAYOUT.update(layout)


def _read(task) -> Page:
    return read_page(task, _LAYOUT)


PARALLEL_FROM = 6           # fewer pages are read sooner than two processes start


def read_pages(tasks, layout: dict, progress: Callable[[int], None]) -> list[Page]:
    """Every page, by both cores when there are several pages. The processes are
    spawned, not forked: a child forked from a process whose OpenCV has run its
    thread pool may hang in it."""
    import multiprocessing

    workers = min(os.cpu_count() or 1, 2, len(tasks))
    if workers < 2 or len(tasks) < PARALLEL_FROM:
        pages = []
        for task in tasks:
            pages.append(read_page(task, layout))
            progress(1)
        return pages
    pages = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init, initargs=(layout,)) as pool:
        for page in pool.map(_read, tasks, chunksize=2):
            pages.append(page)
            progress(1)
    return pages


def _crop_name(page: dict | Page, column: str) -> str:
    if isinstance(page, Page):
        file, index = page.file, page.index
    else:
        file, index = page["file"], page["index"]
    import hashlib

    digest = hashlib.sha256(f"{file}|{index}".encode()).hexdigest()[:10]
    return f"{column}.{digest}.png"


def merge(new: Sequence[Page], earlier: Sequence[dict], earlier_crops: dict,
          layout: dict) -> Outcome:
    """This run's pages with those of earlier runs: per student and column the value, or
    `?` where a page says so, two readings of one page disagree, or a page of a student
    whose other pages were scanned is missing."""
    crops: dict[str, bytes] = {}
    # A file read again replaces what it gave before (the same scan, or a new scan
    # saved under the same name); pages of other files stay.
    again = {(p.file, p.index) for p in new}
    earlier = [p for p in earlier if (p["file"], p["index"]) not in again]
    pages = [p for p in earlier if p["status"] == "read"]
    unplaced = [p for p in earlier if p["status"] != "read"]
    for page in new:
        if page.status == "read":
            pages.append(page.json())
            for column, png in page.crops.items():
                crops[_crop_name(page, column)] = png
        else:
            entry = page.json()
            if page.thumbnail:
                entry["thumbnail"] = f"page.{_crop_name(page, 'x')}"
                crops[entry["thumbnail"]] = page.thumbnail
            unplaced.append(entry)
    crops.update({k: v for k, v in earlier_crops.items() if k not in crops})
    by_page: dict[tuple[str, int], list[dict]] = {}
    for page in pages:
        by_page.setdefault((page["student"], page["page"]), []).append(page)
    values: dict[str, dict[str, str]] = {}
    decisions: list[Decision] = []
    for (student, _), readings in sorted(by_page.items()):
        for column in readings[0]["columns"]:
            seen = [r["columns"][column] for r in readings]
            shots = [name for r in readings if (name := _crop_name(r, column)) in crops]
            if any(s["value"] == QUESTION for s in seen):
                reason = next(s["reason"] for s in seen if s["value"] == QUESTION)
            elif len({s["value"] for s in seen}) > 1:
                reason = ("read_twice:" + " / ".join(s["value"] or "—" for s in seen)
                          + " — " + ", ".join(f"{Path(r['file']).name} #{r['index'] + 1}"
                                              for r in readings)).replace(";", ",")
            else:
                values.setdefault(student, {})[column] = seen[0]["value"]
                continue
            values.setdefault(student, {})[column] = QUESTION
            decisions.append(Decision(student, column, reason, shots[:3]))
    for page in layout["pages"]:
        student = page["student"]
        if student in values and (student, page["page"]) not in by_page:
            for column in dict.fromkeys(b["column"] for b in page["bubbles"]):
                values[student][column] = QUESTION
                decisions.append(Decision(student, column,
                                          f"missing_page:{page['page']}/{page['of']}"))
    keep = {name for d in decisions for name in d.crops} | {
        p["thumbnail"] for p in unplaced if p.get("thumbnail")}
    return Outcome(values, decisions, pages, unplaced,
                   {k: v for k, v in crops.items() if k in keep})


def earlier_run(folder: Path) -> tuple[list[dict], dict]:
    """What scan.json and crops/ of an earlier run hold (nothing the first time)."""
    path = folder / "scan.json"
    if not path.is_file():
        return [], {}
    try:
        pages = json.loads(path.read_text(encoding="utf-8"))["pages"]
    except (OSError, ValueError, KeyError) as exc:
        raise ExgenError(f"cannot read the earlier run's {path} ({exc}): move "
                         f"{folder} aside to start afresh") from None
    crops = {p.name: p.read_bytes() for p in sorted((folder / "crops").glob("*.png"))}
    return pages, crops


def fill_workbook(build: Path, values: dict, decisions: Sequence[Decision], words,
                  target: Path) -> int:
    """answers-template.xlsx with the values read; a `?` cell carries a comment saying
    why. Returns how many students have a row with answers."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment

    from .workbook import save_workbook

    book = load_workbook(build / "answers-template.xlsx")
    sheet = book["answers"]
    header = [c.value for c in sheet[1]]
    why = {(d.student, d.column): d.reason for d in decisions}
    filled = 0
    for row in sheet.iter_rows(min_row=3):
        sid = str(row[0].value)
        if sid not in values:
            continue
        filled += 1
        for cell, column in zip(row, header):
            if column in values[sid] and values[sid][column]:
                cell.value = values[sid][column]
                if cell.value == QUESTION:
                    cell.comment = Comment(f"exgen scan: {explain(why[(sid, column)], words)}",
                                           "exgen scan",
                                           height=90, width=260)
    save_workbook(book, target)
    return filled


def scan_json(layout: dict, outcome: Outcome) -> str:
    return json.dumps({"format": "exgen-scan/1", "exam": layout["exam"],
                       "pages": [*outcome.pages, *outcome.unplaced]},
                      ensure_ascii=False, indent=1) + "\n"


def refuse_nothing_placed(new: Sequence[Page], layout: dict) -> None:
    """A run none of whose pages is a page of this build is a mistake (another build's
    scans, the wrong folder): refused, and nothing is written."""
    if any(p.status == "read" for p in new):
        return
    other = next((p for p in new if p.exam and p.exam != layout["exam"]), None)
    if other is not None:
        raise ExgenError(f"none of the pages belongs to this build: {other.file} page "
                         f"{other.index + 1} is a page of another exam build ({other.exam}; "
                         f"this build is {layout['exam']}). Nothing was written")
    raise ExgenError(f"no page of the {len(new)} given could be read as a scan form of "
                     f"this build (blank, without a form's QR code, or with its corner marks "
                     f"covered; the first: {new[0].file}). Nothing was written")


def run_scan(build: Path, files: Sequence[Path], bank) -> dict:
    """The whole command; returns counts for its summary line. Its words (review.html,
    the cells' comments) are in the build's language."""
    from .build import progress_bar, replacing
    from .files import write_text
    from .scan_review import review_html

    layout = layout_of(build)
    lang = layout.get("lang") if layout.get("lang") in bank.languages else next(
        iter(bank.languages))
    words = bank.language(lang).words
    tasks = scan_tasks(files)
    with progress_bar(len(tasks), "reading scans", " pages") as update:
        new = read_pages(tasks, layout, update)
    refuse_nothing_placed(new, layout)
    earlier, earlier_crops = earlier_run(build / SCANS)
    outcome = merge(new, earlier, earlier_crops, layout)
    with replacing(build / SCANS, "scan") as staging:
        students = fill_workbook(build, outcome.values, outcome.decisions, words,
                                 staging / "answers.xlsx")
        write_text(staging / "scan.json", scan_json(layout, outcome))
        for name, png in sorted(outcome.crops.items()):
            (staging / "crops").mkdir(exist_ok=True)
            (staging / "crops" / name).write_bytes(png)
        write_text(staging / "review.html", review_html(layout, outcome, lang, words))
    return {"pages": len(new), "read": sum(p.status == "read" for p in new),
            "students": students, "review": len(outcome.decisions),
            "unplaced": sum(p.status in ("foreign", "unreadable") for p in new),
            "blank": sum(p.status == "blank" for p in new)}
