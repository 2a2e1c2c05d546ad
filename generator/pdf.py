"""PDF documents through pdfLaTeX.

A class is typeset as a few LaTeX documents (PyLaTeX), one per core, each holding many
parts — a student's sheet, answer form or key, the instructor's key — that restart the
page counter and whose footers count to their own last page. Two pdflatex passes give
"page X of Y" (the first in draft mode, only to count). pikepdf (qpdf) then assembles
the files: each part alone, the print-ready PDF with every sheet starting on an odd page
for duplex printing, all keys together. pdfTeX is told to omit dates and the trailer id
and qpdf writes deterministic ids, so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from pylatex import Command, Document, Package
from pylatex.utils import NoEscape
import pikepdf

from .bank import Bank, Language
from .documents import (AnswerBox, ClassDocuments, KeyRow, Part, StudentDocument,
                        answer_boxes)
from .spec import Heading
from .errors import ExgenError
from . import latex
from .latex import PREAMBLE_PACKAGES, markdown_to_latex
from .markdown import instructor_markdown
from .roster import print_order

PASSES = 2
# How many LaTeX documents a class is typeset as: fixed, not the number of cores, since
# each per-student file carries the fonts of its document (the same bytes everywhere).
DOCUMENTS = 2
ORIGIN = "%exgen-origin: "
SHEET_ANSWER_SPACE = "3.5cm"


def to_latex(markdown: str, lang: str, origin: str) -> str:
    """The converter, with its complaints turned into a message naming whose text it was."""
    try:
        return _converted(markdown, lang)
    except ValueError as exc:
        raise ExgenError(f"{origin}: {exc}") from None


@lru_cache(maxsize=8192)
def _converted(markdown: str, lang: str) -> str:
    """Each distinct text converted once: a class's sheets and keys share their variants'
    texts (a bounded cache, so that a long-running process does not grow without end)."""
    return markdown_to_latex(markdown, lang)


def escape_text(text: str, lang: str) -> str:
    """Plain text — names, ids, titles, fixed words — as LaTeX: every character printed
    as it is (a name like `$x$` or `# Ivan` is not markup)."""
    try:
        return latex.escape_text(str(text).replace("\n", " "), lang)
    except ValueError as exc:
        raise ExgenError(f"the text `{text}`: {exc}") from None


def new_document(lang: str, words: Language) -> Document:
    doc = Document(documentclass="article", document_options=["a4paper", "11pt"],
                   fontenc=None, inputenc=None, lmodern=False, textcomp=False,
                   page_numbers=False, indent=False,
                   geometry_options={"margin": "2cm", "headheight": "14pt",
                                     "includefoot": True})
    for name, options in PREAMBLE_PACKAGES:
        doc.packages.append(Package(name, options=list(options) or None))
    for name in ("fancyhdr", "parskip", "multicol"):   # not microtype: +30 % compile time
        doc.packages.append(Package(name))
    doc.preamble.append(NoEscape(
        r"\fancyhf{}"
        r"\renewcommand{\headrulewidth}{0.4pt}"
        r"\newcommand{\exgenpart}{0}"
        # A part's last page number, written once the part is shipped out (a \label at
        # its very end can be lost with a trailing page of nothing but white space).
        r"\makeatletter\newcommand{\exgenendpart}[1]{\clearpage\immediate\write\@auxout"
        r"{\string\newlabel{exgen-end-#1}{{}{\the\numexpr\value{page}-1\relax}}}}"
        r"\makeatother"
        r"\newcommand{\exgenhead}{}"
        r"\fancyhead[L]{\small\exgenhead}"
        r"\newcommand{\exgenpage}{}\newcommand{\exgenof}{}"
        r"\fancyfoot[C]{\small \exgenpage\ \thepage\ \exgenof\ "
        r"\pageref{exgen-end-\exgenpart}}"
        r"\setlength{\parskip}{0.6em plus 0.2em}"
        r"\sloppy\setlength{\emergencystretch}{3em}"
        # Names of layers are not broken across lines, in either language.
        r"\babelhyphenation{LayerNorm}"))
    # PyLaTeX puts \pagestyle{empty} in the preamble when it is not to number pages
    # itself (its way needs lastpage); ours is set here, after it.
    doc.append(NoEscape(r"\pagestyle{fancy}"))
    if lang == "en":
        doc.append(Command("selectlanguage", "english"))
    return doc


def student_part(doc: StudentDocument, bank: Bank) -> str:
    lang = doc.lang
    words = bank.language(lang)
    w = lambda key: escape_text(words.word(key), lang)  # noqa: E731
    head = doc.heading
    title = escape_text(head.title, lang)
    if doc.key:
        title += r" --- " + w("answer_key")
    name = escape_text(doc.student.name, lang) if doc.student.name else \
        r"\rule{7cm}{0.4pt}"
    lines = [
        rf"\renewcommand{{\exgenhead}}{{{escape_text(head.course, lang)} \hfill "
        rf"{escape_text(doc.student.id, lang)} · {doc.code}}}",
        r"\begin{center}",
        rf"{{\Large\bfseries {escape_text(head.course, lang)}}}\\[4pt]",
        rf"{{\large {title}}}",
    ]
    details = [x for x in (head.date, head.duration) if x]
    if details:
        lines.append(r"\\[2pt] " + " · ".join(escape_text(x, lang) for x in details))
    lines += [
        r"\end{center}",
        rf"\noindent {w('name')}: {name} \hfill {w('student_id')}: "
        rf"\textbf{{{escape_text(doc.student.id, lang)}}} \hfill {w('variant')}: "
        rf"\textbf{{{doc.code}}}",
    ]
    points = [(p.position, p.points) for p in doc.parts if p.points is not None]
    if points:
        total = doc.student_exam.total_points
        style = words.style
        listed = ", ".join(escape_text(words.word("problem_points")
                                       .replace("{position}", str(pos))
                                       .replace("{points}", style.points(pts)), lang)
                           for pos, pts in points)
        lines.append(rf"\par\noindent {w('points_total')}: "
                     rf"\textbf{{{escape_text(style.points(total), lang)}}} ({listed})")
    if head.instructions and not doc.key:
        lines.append(rf"\par\noindent\emph{{{escape_text(head.instructions, lang)}}}")
    lines.append(r"\par\medskip\hrule\medskip")
    for part in doc.parts:
        lines.append(f"{ORIGIN}student {doc.student.id}, exercise {part.exercise_id}")
        heading = f"{w('problem')} {part.position}: {escape_text(part.title, lang)}"
        if part.points is not None:
            heading += (rf"\hfill\normalfont({escape_text(words.style.points(part.points), lang)}"
                        rf" {w('points')})")
        lines.append(rf"\section*{{{heading}}}")
        origin = f"student {doc.student.id}, exercise {part.exercise_id}"
        lines.append(to_latex(part.question, lang, origin))
        if doc.key:
            lines.append(rf"\subsection*{{{w('solution')}}}")
            lines.append(to_latex(part.solution, lang, origin))
        else:
            lines.append(rf"\par\vspace{{{SHEET_ANSWER_SPACE}}}")
    return "\n".join(lines)


BOX_HEIGHT = {"number": "0.75cm", "choice": "0.75cm", "vector": "0.75cm", "matrix": "2.6cm",
              "written": "3.2cm"}


def answer_sheet_part(doc: StudentDocument, boxes: Sequence[AnswerBox], bank: Bank) -> str:
    """A form with a box per answer, grouped by exercise, in two columns."""
    lang = doc.lang
    words = bank.language(lang)
    w = lambda key: escape_text(words.word(key), lang)  # noqa: E731
    name = escape_text(doc.student.name, lang) if doc.student.name else r"\rule{7cm}{0.4pt}"
    lines = [
        rf"\renewcommand{{\exgenhead}}{{{escape_text(doc.heading.course, lang)} \hfill "
        rf"{escape_text(doc.student.id, lang)} · {doc.code}}}",
        rf"\begin{{center}}{{\Large\bfseries {escape_text(doc.heading.title, lang)} --- "
        rf"{w('answer_sheet')}}}\end{{center}}",
        rf"\noindent {w('name')}: {name} \hfill {w('student_id')}: "
        rf"\textbf{{{escape_text(doc.student.id, lang)}}} \hfill {w('variant')}: "
        rf"\textbf{{{doc.code}}}\par\medskip\hrule\medskip",
        r"\begin{multicols}{2}\raggedcolumns",
    ]
    position = None
    for box in boxes:
        if box.position != position:       # an exercise's boxes stay in one column
            if position is not None:
                lines.append(r"\end{minipage}")
            position = box.position
            lines.append(rf"\par\smallskip\noindent\begin{{minipage}}{{\linewidth}}"
                         rf"\textbf{{{box.position}. {escape_text(box.exercise, lang)}}}\par"
                         r"\vspace{5pt}")
        if box.kind == "written":
            label = escape_text(f"{words.word('written_question')} {box.label} "
                                f"({words.style.points(box.points)} {words.word('points')})",
                                lang)
        else:                   # labels are Markdown: symbols as math ($W_1$)
            label = to_latex(box.label, lang, f"the label of {box.name}").strip()
        # Label and box hang from the same top line, whatever the height of either.
        lines.append(
            rf"\noindent\parbox[t]{{2.9cm}}{{\vspace{{2pt}}\raggedright\small "
            rf"{label}}}\hfill"
            rf"\fbox{{\parbox[t][{BOX_HEIGHT[box.kind]}]{{4.6cm}}{{\vspace{{0pt}}\hfill}}}}"
            r"\par\vspace{6pt}")
    if position is not None:
        lines.append(r"\end{minipage}")
    lines.append(r"\end{multicols}")
    if not boxes:
        lines[-2:] = [escape_text(words.word("no_boxes"), lang)]
    return "\n".join(lines)


def class_document(bank: Bank, lang: str, parts: Sequence[tuple[str, str]]) -> str:
    """One LaTeX document of many parts, each restarting its page count and its running
    header (a student's part sets its own)."""
    doc = new_document(lang, bank.language(lang))
    for number, (origin, body) in enumerate(parts, start=1):
        doc.append(NoEscape(
            r"\clearpage"
            + rf"\setcounter{{page}}{{1}}\renewcommand{{\exgenpart}}{{{number}}}"
            + r"\renewcommand{\exgenhead}{}"
            + f"\n{ORIGIN}{origin}\n" + body
            + rf"\exgenendpart{{{number}}}"))
    return doc.dumps()


@dataclass
class Compiled:
    pdf: Path
    part_pages: list[int]            # pages of each part, in order


# Reproducible output: no dates, no random trailer id, no pdfTeX version banner.
REPRODUCIBLE = r"\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1"
# Reproducible dates; and, since a bank is untrusted, kpathsea's paranoid file access:
# TeX may read only its own installation and the document's folder (no absolute paths,
# no parent folders, no dot files) and write only there, with shell escape off.
TEX_ENV = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1",
           "openin_any": "p", "openout_any": "p", "shell_escape": "f"}
PDFLATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
            "-no-shell-escape"]


def format_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exgen"


@lru_cache(maxsize=None)
def preamble_format(preamble: str) -> Path | None:
    """The preamble (document class, babel, fonts, packages) loaded once and dumped as a
    pdfTeX format, cached by its text: loading a format is much faster than reading
    the preamble, which is most of a short document's compile time. None if the
    format cannot be made (the document is then compiled with its preamble)."""
    version = subprocess.run(["pdflatex", "--version"], capture_output=True,
                             text=True).stdout.splitlines()[:1]
    key = hashlib.sha256((preamble + "".join(version)).encode()).hexdigest()[:20]
    target = format_cache() / f"exgen-{key}.fmt"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="exgen-fmt-") as tmp:
            (Path(tmp) / "fmt.tex").write_text(preamble + "\n\\dump\n", encoding="utf-8")
            proc = subprocess.run(
                ["pdflatex", "-ini", "-interaction=batchmode", f"-jobname=exgen-{key}",
                 "&pdflatex", "fmt.tex"], cwd=tmp, capture_output=True,
                env={**os.environ, **TEX_ENV}, stdin=subprocess.DEVNULL)
            built = Path(tmp) / f"exgen-{key}.fmt"
            if proc.returncode != 0 or not built.is_file():
                return None
            staged = target.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(built, staged)
            os.replace(staged, target)
        return target
    except OSError:
        return None


def compile_tex(source: str, workdir: Path, name: str) -> Compiled:
    """Run pdflatex twice; on error, raise naming the student and exercise whose text
    broke, with the relevant lines of the log."""
    workdir.mkdir(parents=True, exist_ok=True)
    preamble, marker, body = source.partition("\\begin{document}")
    fmt = preamble_format(preamble) if marker else None
    text, origins = _announced(REPRODUCIBLE + "\n" + (marker + body if fmt else source))
    (workdir / f"{name}.tex").write_text(text, encoding="utf-8")
    command = [*PDFLATEX, f"-fmt={fmt}"] if fmt else PDFLATEX
    limit = tex_time_limit(text)
    for run in range(PASSES):
        # The first pass only has to count pages: -draftmode skips writing the PDF.
        draft = ["-draftmode"] if run < PASSES - 1 else []
        try:
            proc = subprocess.run(
                [*command, *draft, f"{name}.tex"], cwd=workdir,
                env={**os.environ, **TEX_ENV}, capture_output=True,
                stdin=subprocess.DEVNULL, timeout=limit)
        except subprocess.TimeoutExpired as exc:
            reached = re.findall(rb"\[exgen-origin (\d+)\]", exc.stdout or b"")
            where = origins[int(reached[-1])] if reached else "the document's layout"
            raise ExgenError(f"pdflatex did not finish within {limit:.0f} s while typesetting "
                             f"{where} (a TeX loop, or input that never ends?); stopped, "
                             "and the previous build is left as it was") from None
        if proc.returncode != 0:
            raise _tex_error(text, workdir / f"{name}.log", name)
    aux = (workdir / f"{name}.aux").read_text(encoding="utf-8", errors="replace")
    pages = {int(n): int(p) for n, p in
             re.findall(r"\\newlabel\{exgen-end-(\d+)\}\{\{[^}]*\}\{(\d+)\}", aux)}
    return Compiled(workdir / f"{name}.pdf", [pages[k] for k in sorted(pages)])


# The time one pdflatex pass may take: a floor for start-up, and about ten times the
# time a document of that size needs on a slow machine. Past it TeX is looping.
TEX_TIME_FLOOR = 60.0
TEX_SECONDS_PER_MB = 100.0


def tex_time_limit(source: str) -> float:
    return TEX_TIME_FLOOR + TEX_SECONDS_PER_MB * len(source.encode("utf-8")) / 1e6


def _announced(text: str) -> tuple[str, list[str]]:
    """The source with a \\message after each origin comment, so that TeX's terminal
    output says which student and exercise it has reached (TeX flushes each message);
    and the origins by number."""
    origins: list[str] = []

    def announce(match: re.Match) -> str:
        origins.append(match.group(1))
        return f"{match.group(0)}\n\\message{{[exgen-origin {len(origins) - 1}]}}"

    return re.sub(rf"^{re.escape(ORIGIN)}(.*)$", announce, text, flags=re.M), origins


def _tex_error(source: str, log_path: Path, name: str) -> ExgenError:
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    match = re.search(rf"^\./{re.escape(name)}\.tex:(\d+): (.*)$", log, re.M)
    lines = source.splitlines()
    origin = "the document's layout"
    excerpt = ""
    if match:
        line_number = int(match.group(1))
        for line in reversed(lines[:line_number]):
            if line.startswith(ORIGIN):
                origin = line[len(ORIGIN):]
                break
        start = log.index(match.group(0))
        excerpt = "\n    ".join(log[start:].splitlines()[:8])
    else:
        errors = [l for l in log.splitlines() if l.startswith("!")]
        excerpt = "\n    ".join(errors[:8]) or "(no log)"
    return ExgenError(f"pdflatex failed on {origin}:\n    {excerpt}")


def instructor_part(bank: Bank, lang: str, heading: Heading, seed: int,
                    rows: Sequence[KeyRow], mistakes=()) -> str:
    return running_head(heading.course, lang) + to_latex(
        instructor_markdown(bank, lang, heading, seed, rows, mistakes), lang,
        "the instructor's key")


def running_head(text: str, lang: str) -> str:
    """The text at the top of every page of the part that starts with this."""
    return rf"\renewcommand{{\exgenhead}}{{{escape_text(text, lang)}}}" + "\n"


def write_exam_pdfs(bank: Bank, exam, documents, heading: Heading, rows: Sequence[KeyRow],
                    lang: str, staging: Path, answer_sheets: bool = False,
                    mistakes=()) -> None:
    """print-all.pdf (every sheet, and answer form, on an odd page for duplex),
    keys-all.pdf, per-student sheets, keys and answer forms, and instructor-key.pdf."""
    by_id = {sheet.student.id: (sheet, key) for sheet, key in documents}
    ordered = [by_id[se.student.id] for se in sorted(
        exam.students, key=lambda se: print_order(se.student))]
    sheets, keys = [], []                     # (origin, latex, per-part file)
    for sheet, key in ordered:
        sid = sheet.student.id
        sheets.append((f"student {sid}", in_language(student_part(sheet, bank), sheet.lang,
                                                     bank), staging / "sheets" / f"{sid}.pdf"))
        if answer_sheets:
            form = answer_sheet_part(sheet, answer_boxes(sheet.student_exam), bank)
            sheets.append((f"student {sid} (answer sheet)", in_language(form, sheet.lang, bank),
                           staging / "answer-sheets" / f"{sid}.pdf"))
        keys.append((f"student {sid} (key)", in_language(student_part(key, bank), key.lang,
                                                         bank), staging / "keys" / f"{sid}.pdf"))
    instructor = ("the instructor's key",
                  in_language(instructor_part(bank, lang, heading, exam.seed, rows, mistakes),
                              lang, bank),
                  staging / "instructor-key.pdf")
    parts = [*sheets, *keys, instructor]
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp:
        ranges = typeset(bank, lang, [(origin, latex) for origin, latex, _ in parts], Path(tmp))
        with opened_pages() as pages_of:
            for (_, _, target), r in zip(parts, ranges):
                write_pages(target, [pages_of(r)])
            write_pages(staging / "print-all.pdf", [pages_of(r) for r in ranges[:len(sheets)]],
                        odd_starts=True)
            write_pages(staging / "keys-all.pdf",
                        [pages_of(r) for r in ranges[len(sheets):len(sheets) + len(keys)]])


def write_exam(build: ClassDocuments, folder: Path) -> None:
    write_exam_pdfs(build.exam.bank, build.exam, build.documents,
                    build.headings[build.lang], build.rows, build.lang, folder,
                    answer_sheets=build.answer_sheets, mistakes=build.mistakes)


@contextlib.contextmanager
def opened_pages():
    """`pages_of(range)`: the pages of one typeset part, each class PDF opened once."""
    with contextlib.ExitStack() as stack:
        opened: dict[Path, pikepdf.Pdf] = {}

        def pages_of(r: "PageRange"):
            if r.pdf not in opened:
                opened[r.pdf] = stack.enter_context(pikepdf.open(r.pdf))
            return opened[r.pdf].pages[r.start:r.start + r.count]

        yield pages_of


@dataclass(frozen=True)
class PageRange:
    pdf: Path
    start: int
    count: int


def typeset(bank: Bank, lang: str, parts: Sequence[tuple[str, str]],
            work: Path) -> list[PageRange]:
    """Compile the parts as a few documents of about equal size, in parallel (each
    pdflatex run has a fixed start-up cost, so few and balanced is fast), and say where
    each part's pages are."""
    chunks = _balanced(parts, min(DOCUMENTS, len(parts)))
    with ThreadPoolExecutor(max_workers=min(len(chunks), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(compile_tex, class_document(bank, lang, chunk),
                               work / f"part{i}", f"part{i}")
                   for i, chunk in enumerate(chunks)]
        compiled = [f.result() for f in futures]
    ranges = []
    for result in compiled:
        start = 0
        for count in result.part_pages:
            ranges.append(PageRange(result.pdf, start, count))
            start += count
    return ranges


def _weight(latex: str) -> int:
    """About how long a part takes to typeset: its text, and its blank answer spaces."""
    return len(latex) + 600 * latex.count(r"\vspace{")


def _balanced(parts: Sequence[tuple[str, str]], count: int) -> list[list[tuple[str, str]]]:
    """Contiguous chunks of about equal weight."""
    total = sum(_weight(latex) for _, latex in parts)
    chunks: list[list[tuple[str, str]]] = [[]]
    size = 0
    for part in parts:
        if size >= total * len(chunks) / count and len(chunks) < count:
            chunks.append([])
        chunks[-1].append(part)
        size += _weight(part[1])
    return [c for c in chunks if c]


def write_pages(target: Path, groups: Sequence, odd_starts: bool = False) -> None:
    """Write groups of pages into one PDF; with odd_starts, a blank page after a group of
    odd length, so that every group starts on a new sheet of paper when printed duplex."""
    out = pikepdf.new()
    for index, pages in enumerate(groups):
        out.pages.extend(pages)
        if odd_starts and len(pages) % 2 and index < len(groups) - 1:
            box = [float(v) for v in out.pages[-1].mediabox]
            out.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
    target.parent.mkdir(parents=True, exist_ok=True)
    out.save(target, deterministic_id=True)


def in_language(latex: str, lang: str, bank: Bank) -> str:
    """A part in its own language, footer words included (a class may mix Bulgarian
    and English students, and a page is shipped out in its part's language)."""
    language = "english" if lang == "en" else "bulgarian"
    words = bank.language(lang)
    return (rf"\selectlanguage{{{language}}}"
            rf"\renewcommand{{\exgenpage}}{{{escape_text(words.word('page'), lang)}}}"
            rf"\renewcommand{{\exgenof}}{{{escape_text(words.word('of'), lang)}}}"
            + "\n" + latex)


def handout_latex(bank: Bank, lang: str, heading: Heading, parts: Sequence[Part]) -> str:
    from .markdown import handout_markdown

    return to_latex(handout_markdown(bank, lang, heading, parts), lang, f"the {lang} handout")


def write_handout_pdf(bank: Bank, lang: str, heading: Heading, parts: Sequence[Part],
                      target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp:
        latex = in_language(running_head(heading.course, lang)
                            + handout_latex(bank, lang, heading, parts), lang, bank)
        source = class_document(bank, lang, [(f"the {lang} handout", latex)])
        compiled = compile_tex(source, Path(tmp), "handout")
        shutil.copyfile(compiled.pdf, target)


def write_handout(bank: Bank, lang: str, heading: Heading, parts: Sequence[Part],
                  folder: Path) -> list[str]:
    name = f"handout-{lang}.pdf"
    write_handout_pdf(bank, lang, heading, parts, folder / name)
    return [name]


def write_feedback_pdfs(bank: Bank, lang: str, feedback: Sequence[tuple[str, str, str, str]],
                        folder: Path, print_all: Path) -> None:
    """feedback/<id>.pdf per student and the print-ready feedback-all.pdf (each student
    on an odd page); `feedback` holds (student id, their language, running head,
    Markdown)."""
    parts = [(f"the feedback of student {sid}",
              in_language(running_head(head, student_lang)
                          + to_latex(text, student_lang, f"the feedback of student {sid}"),
                          student_lang, bank))
             for sid, student_lang, head, text in feedback]
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp:
        ranges = typeset(bank, lang, parts, Path(tmp))
        with opened_pages() as pages_of:
            for (sid, _, _, _), r in zip(feedback, ranges):
                write_pages(folder / f"{sid}.pdf", [pages_of(r)])
            write_pages(print_all, [pages_of(r) for r in ranges], odd_starts=True)


def write_report_pdf(bank: Bank, lang: str, heading: Heading, markdown: str,
                     histogram: Path, target: Path) -> None:
    """The grading report; its histogram picture sits beside the LaTeX source."""
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp:
        work = Path(tmp)
        shutil.copyfile(histogram, work / histogram.name)
        latex = in_language(running_head(heading.course, lang)
                            + to_latex(markdown, lang, "the grading report"), lang, bank)
        compiled = compile_tex(class_document(bank, lang, [("the grading report", latex)]),
                               work, "report")
        shutil.copyfile(compiled.pdf, target)
