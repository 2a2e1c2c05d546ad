"""PDF documents through pdfLaTeX.

A class is typeset as a few LaTeX documents (PyLaTeX; one for a small class), each of many
entries — a student's sheet, answer form or key, the instructor's key — that restart the
page counter and whose footers count to their own last page. A sheet, key and answer
form come from the same layouts and contexts as their Markdown (`layouts.py`,
`templates/layouts/*.tex`). One pdflatex pass gives "page X of Y" and longtables as wide
as their widest cell (`one_pass.tex`); pdflatex itself is run by tex.py, the TeX
boundary. pikepdf (qpdf) then assembles the files: each entry alone, the print-ready PDF
with every sheet starting on an odd page for duplex printing, all keys together. pdfTeX
is told to omit dates and the trailer id and qpdf writes deterministic ids, so the same
input gives the same bytes.

A class's pdflatex processes start as soon as its preamble is known (tex.started), and
load their format while its entries are written. pylatex and pikepdf are imported where
they are used: the process that starts the PDF writer needs neither.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from . import background
from .bank import Bank, Language
from .documents import (AnswerBox, ClassDocuments, KeyRow, PrintedExercise,
                        StudentDocument, answer_boxes)
from .spec import Heading
from .tex import ORIGIN, TWO_PASSES, Started, compile_tex, started
from .files import write_bytes
from .latex import PAGE_MARGIN_CM, save_conversions
from .typesetting import Typesetting, preamble_packages
from .layouts import answer_form_context, latex_format, render, sheet_context
from .markdown import instructor_markdown
from .roster import print_order

if TYPE_CHECKING:
    from pylatex import Document

# A class document needs one pass (one_pass.tex); a second only if its log asks for one
# (a bank's own layout that refers to a label further on). An entry longer than
# ONE_PASS_LIMIT characters of LaTeX (the instructor's key of a class of hundreds) would
# not fit in TeX's memory while held: its document is typeset in two passes, as LaTeX
# does by itself, and so is any document that runs out of memory in one.
ONE_PASS = (Path(__file__).with_name("one_pass.tex")).read_text(encoding="utf-8")
ONE_PASS_LIMIT = 200_000
# How many LaTeX documents a class is typeset as: fixed, not the number of cores, since
# each per-student file carries the fonts of its document (the same bytes everywhere).
# A class of at most ONE_DOCUMENT entries is one document: a document's own cost
# (pdflatex's start, its format, its fonts embedded: 0.2 s of CPU) is more than a second
# one beside it would save.
DOCUMENTS = 2
ONE_DOCUMENT = 10


def document_count(entries: int) -> int:
    """How many documents `entries` entries are typeset as."""
    return 1 if entries <= ONE_DOCUMENT else min(DOCUMENTS, entries)


def to_latex(markdown: str, language: Language, origin: str) -> str:
    """The bank's Markdown as LaTeX, its complaints turned into a message naming whose
    text it was."""
    return latex_format(language).markdown(markdown, origin)


def plain_latex(text: str, language: Language) -> str:
    """Plain text — names, ids, titles, fixed words — as LaTeX: every character printed
    as it is (a name like `$x$` or `# Ivan` is not markup)."""
    return latex_format(language).people(text)


def document_languages(bank: Bank, codes: Iterable[str]) -> list[Typesetting]:
    """The languages a class document loads: those its entries are in, the Cyrillic
    language a Latin one sets Cyrillic runs in, and every language of the bank without
    Cyrillic (they never clash). Cyrillic languages it does not use are left out:
    babel-bulgarian and babel-russian cannot share a document (both define \\sh, \\ch,
    \\tg)."""
    used = {bank.language(code).typesetting for code in codes}
    fallbacks = {ts.cyrillic for ts in used if ts.cyrillic}
    return [language.typesetting for language in bank.languages.values()
            if language.typesetting in used or not language.typesetting.has_cyrillic
            or language.typesetting.babel in fallbacks]


def new_document(bank: Bank, main: Language, codes: Iterable[str] = ()) -> "Document":
    """A class document whose entries are mostly in `main` and otherwise in the languages
    `codes`. babel loads them as typesetting.preamble_packages orders them (the same preamble
    for every build of a bank that uses the same languages: one cached format), and a
    document mainly in another language than babel's main one selects it at the start."""
    from pylatex import Command, Document, Package
    from pylatex.utils import NoEscape

    doc = Document(documentclass="article", document_options=["a4paper", "11pt"],
                   fontenc=None, inputenc=None, lmodern=False, textcomp=False,
                   page_numbers=False, indent=False,
                   geometry_options={"margin": f"{PAGE_MARGIN_CM}cm", "headheight": "14pt",
                                     "includefoot": True})
    packages = preamble_packages(document_languages(bank, {main.code, *codes}))
    for name, options in packages:
        doc.packages.append(Package(name, options=list(options) or None))
    for name in ("fancyhdr", "parskip", "multicol"):   # not microtype: +30 % compile time
        doc.packages.append(Package(name))
    doc.preamble.append(NoEscape(
        r"\fancyhf{}"
        r"\renewcommand{\headrulewidth}{0.4pt}"
        r"\newcommand{\exgenentry}{0}"
        r"\newcommand{\exgenhead}{}"
        r"\fancyhead[L]{\small\exgenhead}"
        r"\newcommand{\exgenpage}{}\newcommand{\exgenof}{}"
        r"\fancyfoot[C]{\small \exgenpage\ \thepage\ \exgenof\ "
        r"\pageref{exgen-end-\exgenentry}}"
        r"\setlength{\parskip}{0.6em plus 0.2em}"
        r"\sloppy\setlength{\emergencystretch}{3em}"
        # Names of layers are not broken across lines, in any language.
        r"\babelhyphenation{LayerNorm}"))
    doc.preamble.append(NoEscape(ONE_PASS))
    # PyLaTeX puts \pagestyle{empty} in the preamble when it is not to number pages
    # itself (its way needs lastpage); ours is set here, after it.
    doc.append(NoEscape(r"\pagestyle{fancy}"))
    if main.typesetting.babel != dict(packages)["babel"][-1]:
        doc.append(Command("selectlanguage", main.typesetting.babel))
    return doc


def sheet_latex(doc: StudentDocument, bank: Bank) -> str:
    """A student's sheet or key, through templates/layouts/exam.tex."""
    fmt = latex_format(bank.language(doc.lang))
    return render(bank, "exam", fmt, sheet_context(bank, doc, fmt))


def answer_form_latex(doc: StudentDocument, boxes: Sequence[AnswerBox], bank: Bank) -> str:
    """A form with a box per answer, through templates/layouts/answer-sheet.tex."""
    fmt = latex_format(bank.language(doc.lang))
    return render(bank, "answer-sheet", fmt, answer_form_context(bank, doc, boxes, fmt))


def class_document(bank: Bank, main: Language, entries: Sequence[tuple[str, str]],
                   codes: Iterable[str] = ()) -> str:
    """One LaTeX document of many entries (a student's sheet, answer form or key, the
    instructor's key …) in `main` or the languages `codes`, each restarting its page count
    and its running header (a student's entry sets its own)."""
    from pylatex.utils import NoEscape

    doc = new_document(bank, main, codes)
    if max((len(body) for _, body in entries), default=0) > ONE_PASS_LIMIT:
        doc.append(NoEscape(TWO_PASSES))
    for number, (origin, body) in enumerate(entries, start=1):
        doc.append(NoEscape(
            r"\clearpage"
            + rf"\setcounter{{page}}{{1}}\renewcommand{{\exgenentry}}{{{number}}}"
            + r"\renewcommand{\exgenhead}{}"
            + f"\n{ORIGIN}{origin}\n" + body
            + rf"\exgenendentry{{{number}}}"))
    return doc.dumps()


def class_preamble(bank: Bank, main: Language, codes: Iterable[str] = ()) -> str:
    """What precedes \\begin{document} in every class_document of these languages."""
    return new_document(bank, main, codes).dumps().partition("\\begin{document}")[0]


@contextlib.contextmanager
def starting(bank: Bank, lang: str, codes: Iterable[str], work: Path,
             count: int) -> Iterator[list[Started | None]]:
    """The first passes of `count` class documents (as `typeset` names them in `work`),
    started before their entries are written; none is left running on leaving."""
    preamble = class_preamble(bank, bank.language(lang), codes)
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(started(preamble, work / f"class{i}", f"class{i}"))
               for i in range(count)]


def instructor_latex(bank: Bank, lang: str, heading: Heading, seed: int,
                     rows: Sequence[KeyRow], mistakes=()) -> str:
    language = bank.language(lang)
    return running_head(heading.course, language) + to_latex(
        instructor_markdown(bank, lang, heading, seed, rows, mistakes), language,
        "the instructor's key")


def running_head(text: str, language: Language) -> str:
    """The text at the top of every page of the entry that starts with this."""
    return rf"\renewcommand{{\exgenhead}}{{{plain_latex(text, language)}}}" + "\n"


def start_exam(build: ClassDocuments, staging: Path) -> Callable[[], None]:
    """The class's PDFs, made beside the rest of the build (background.start), which
    keeps the Markdown it converted to LaTeX for the next build (latex.save_conversions);
    returns the function that waits for them."""
    def work() -> None:
        write_exam(build, staging)
        save_conversions()

    return background.start(work)


def write_exam(build: ClassDocuments, staging: Path) -> None:
    """print-all.pdf (every sheet, and answer form, on an odd page for duplex),
    keys-all.pdf, per-student sheets, keys and answer forms, and instructor-key.pdf.
    pdflatex starts (loads its format) while the entries are written."""
    by_id = {sheet.student.id: (sheet, key) for sheet, key in build.documents}
    ordered = [by_id[se.student.id] for se in sorted(
        build.exam.students, key=lambda se: print_order(se.student))]
    bank, lang, codes = build.exam.bank, build.lang, {doc.lang for doc, _ in ordered}
    count = document_count(entry_count(build))
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp, \
            starting(bank, lang, codes, Path(tmp), count) as early:
        sheets, keys, instructor = _exam_entries(build, ordered, staging)
        entries = [*sheets, *keys, instructor]
        typeset(bank, lang, [(origin, latex) for origin, latex, _ in entries], Path(tmp),
                codes, [target for _, _, target in entries],
                [Collected(staging / "print-all.pdf", 0, len(sheets), odd_starts=True),
                 Collected(staging / "keys-all.pdf", len(sheets), len(sheets) + len(keys))],
                early)


def entry_count(build: ClassDocuments) -> int:
    """How many entries _exam_entries makes, known before they are written: a sheet, an
    answer form if the class has them, and a key per student; the instructor's key."""
    return len(build.documents) * (3 if build.answer_sheets else 2) + 1


def _exam_entries(build: ClassDocuments, ordered: Sequence, staging: Path):
    """The sheets (each followed by its answer form) and keys in print order, and the
    instructor's key, each as (origin, LaTeX, the entry's own file); a scan form's
    layout.json is written beside its forms."""
    bank, exam, lang = build.exam.bank, build.exam, build.lang
    sheets, keys = [], []
    scanned = build.answer_sheets and build.form == "scan"
    if scanned:
        from .scan_form import exam_id, layout_json
        from .scan_tex import student_form

        exam_key, form_pages = exam_id(exam), []
    for sheet, key in ordered:
        sid = sheet.student.id
        sheets.append((f"student {sid}", in_language(sheet_latex(sheet, bank), sheet.lang,
                                                     bank), staging / "sheets" / f"{sid}.pdf"))
        if scanned:
            form, pages = student_form(bank, sheet, exam_key)
            form_pages += [(page, index) for index, page in enumerate(pages)]
        elif build.answer_sheets:
            form = answer_form_latex(sheet, answer_boxes(sheet.student_exam), bank)
        if build.answer_sheets:
            sheets.append((f"student {sid} (answer sheet)", in_language(form, sheet.lang, bank),
                           staging / "answer-sheets" / f"{sid}.pdf"))
        keys.append((f"student {sid} (key)", in_language(sheet_latex(key, bank), key.lang,
                                                         bank), staging / "keys" / f"{sid}.pdf"))
    instructor = ("the instructor's key",
                  in_language(instructor_latex(bank, lang, build.headings[lang], exam.seed,
                                               build.rows, build.mistakes), lang, bank),
                  staging / "instructor-key.pdf")
    if scanned:
        (staging / "answer-sheets").mkdir(parents=True, exist_ok=True)
        (staging / "answer-sheets" / "layout.json").write_text(
            layout_json(exam_key, lang, form_pages), encoding="utf-8")
    return sheets, keys, instructor


@contextlib.contextmanager
def opened_pages():
    """`pages_of(range)`: the pages of one typeset entry, each class PDF opened once."""
    import pikepdf

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


@dataclass(frozen=True)
class Collected:
    """A file of the entries start … stop-1 together (print-all.pdf), each starting on an
    odd page if `odd_starts`."""
    target: Path
    start: int
    stop: int
    odd_starts: bool = False


def typeset(bank: Bank, lang: str, entries: Sequence[tuple[str, str]],
            work: Path, codes: Iterable[str] = (), targets: Sequence[Path] = (),
            collected: Sequence[Collected] = (),
            early: Sequence[Started | None] = ()) -> list[PageRange]:
    """Compile the entries as a few documents of about equal size, in parallel (each
    pdflatex run has a fixed start-up cost, so few and balanced is fast), and say where
    each entry's pages are. Each entry is written to its target file, and each collected
    file, as soon as the documents they come from are typeset. `early`: the documents'
    first passes, started already (`starting`)."""
    chunks = _balanced(entries, document_count(len(entries)))
    main = bank.language(lang)
    firsts = [sum(len(c) for c in chunks[:i]) for i in range(len(chunks))]
    typeset_so_far: dict[int, PageRange] = {}          # by entry
    waiting = list(collected)
    lock = threading.Lock()

    def compile_chunk(i: int) -> list[PageRange]:
        result = compile_tex(class_document(bank, main, chunks[i], codes),
                             work / f"class{i}", f"class{i}",
                             early[i] if i < len(early) else None)
        ranges, start = [], 0
        for count in result.entry_pages:
            ranges.append(PageRange(result.pdf, start, count))
            start += count
        with opened_pages() as pages_of:
            for target, r in zip(targets[firsts[i]:firsts[i] + len(ranges)], ranges):
                write_pages(target, [pages_of(r)])
        with lock:
            typeset_so_far.update(enumerate(ranges, start=firsts[i]))
            ready = [c for c in waiting
                     if all(k in typeset_so_far for k in range(c.start, c.stop))]
            for c in ready:
                waiting.remove(c)
            known = dict(typeset_so_far)
        with opened_pages() as pages_of:
            for c in ready:
                write_pages(c.target, [pages_of(known[k]) for k in range(c.start, c.stop)],
                            odd_starts=c.odd_starts)
        return ranges

    with ThreadPoolExecutor(max_workers=min(len(chunks), os.cpu_count() or 1)) as pool:
        typesetting = pool.map(compile_chunk, range(len(chunks)))
        # pikepdf, for the pages written after each document: imported while pdflatex runs
        import pikepdf  # noqa: F401

        return [r for ranges in typesetting for r in ranges]


# What an entry costs pdflatex, in characters of text: its blank answer spaces, its table
# cells (one_pass.tex measures a longtable's columns), and its page break and footer.
# Fitted to the CPU time pdflatex took for documents of 30 sheets, of 30 answer forms, of
# 30 keys and of an instructor's key (about 1.2 µs per unit of weight, for each).
VSPACE_WEIGHT = 90
CELL_WEIGHT = 200
ENTRY_WEIGHT = 2700


def _weight(latex: str) -> int:
    """About how long an entry takes to typeset: its text, its blank answer spaces, its
    table cells."""
    return (len(latex) + VSPACE_WEIGHT * latex.count(r"\vspace{")
            + CELL_WEIGHT * latex.count("&") + ENTRY_WEIGHT)


# Writing an entry's own PDF file (pikepdf, after its document is typeset), in the
# characters _weight counts: about 2.3 ms, as long as pdflatex takes for 1,900 of them.
WRITE_WEIGHT = 1900


def _balanced(entries: Sequence[tuple[str, str]],
              count: int) -> list[list[tuple[str, str]]]:
    """Contiguous chunks that take about as long each, counting the writing of their
    entries' files but the last's: those are written while the last is still being
    typeset (the last chunk's own are written after it, whatever the split)."""
    weights = [_weight(latex) for _, latex in entries]
    total = sum(weights) + WRITE_WEIGHT * len(entries) * (count - 1) / count
    chunks: list[list[tuple[str, str]]] = [[]]
    size = 0
    for entry, weight in zip(entries, weights):
        if size >= total * len(chunks) / count and len(chunks) < count:
            chunks.append([])
        chunks[-1].append(entry)
        size += weight + (WRITE_WEIGHT if len(chunks) < count else 0)
    return [c for c in chunks if c]


def write_pages(target: Path, groups: Sequence, odd_starts: bool = False) -> None:
    """Write groups of pages into one PDF; with odd_starts, a blank page after a group of
    odd length, so that every group starts on a new sheet of paper when printed duplex."""
    import pikepdf

    out = pikepdf.new()
    for index, pages in enumerate(groups):
        out.pages.extend(pages)
        if odd_starts and len(pages) % 2 and index < len(groups) - 1:
            box = [float(v) for v in out.pages[-1].mediabox]
            out.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1]))
    # Into memory, then to the file by Python: qpdf writing to a full disk itself ends
    # the process ("terminate called"), where Python raises an OSError to report.
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    write_bytes(target, buffer.getbuffer())


def in_language(latex: str, lang: str, bank: Bank) -> str:
    """An entry in its own language, footer words included (a class may mix languages,
    and a page is shipped out in its entry's language)."""
    language = bank.language(lang)
    words = latex_format(language).words(language)
    return (rf"\selectlanguage{{{language.typesetting.babel}}}"
            rf"\renewcommand{{\exgenpage}}{{{words['page']}}}"
            rf"\renewcommand{{\exgenof}}{{{words['of']}}}"
            + "\n" + latex)


def handout_latex(bank: Bank, lang: str, heading: Heading,
                  exercises: Sequence[PrintedExercise], exam: bool = False) -> str:
    from .markdown import handout_markdown

    return to_latex(handout_markdown(bank, lang, heading, exercises, exam),
                    bank.language(lang), f"the {lang} handout")


def write_handout_pdf(bank: Bank, lang: str, heading: Heading,
                      exercises: Sequence[PrintedExercise], target: Path,
                      exam: bool = False) -> None:
    language = bank.language(lang)
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp, \
            started(class_preamble(bank, language), Path(tmp), "handout") as early:
        latex = in_language(running_head(heading.course, language)
                            + handout_latex(bank, lang, heading, exercises, exam), lang, bank)
        source = class_document(bank, language, [(f"the {lang} handout", latex)])
        compiled = compile_tex(source, Path(tmp), "handout", early)
        shutil.copyfile(compiled.pdf, target)


def write_handout(bank: Bank, lang: str, heading: Heading,
                  exercises: Sequence[PrintedExercise], folder: Path,
                  exam: bool = False) -> list[str]:
    name = f"handout-{lang}.pdf"
    write_handout_pdf(bank, lang, heading, exercises, folder / name, exam)
    return [name]


def write_feedback_pdfs(bank: Bank, lang: str, feedback: Sequence[tuple[str, str, str, str]],
                        folder: Path, print_all: Path) -> None:
    """feedback/<id>.pdf per student and the print-ready feedback-all.pdf (each student
    on an odd page); `feedback` holds (student id, their language, running head,
    Markdown)."""
    codes = {student_lang for _, student_lang, _, _ in feedback}
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp, \
            starting(bank, lang, codes, Path(tmp), document_count(len(feedback))) as early:
        entries = [(f"the feedback of student {sid}",
                    in_language(running_head(head, bank.language(student_lang))
                                + to_latex(text, bank.language(student_lang),
                                           f"the feedback of student {sid}"),
                                student_lang, bank))
                   for sid, student_lang, head, text in feedback]
        typeset(bank, lang, entries, Path(tmp), codes,
                [folder / f"{sid}.pdf" for sid, _, _, _ in feedback],
                [Collected(print_all, 0, len(entries), odd_starts=True)], early)


def write_report_pdf(bank: Bank, lang: str, heading: Heading, markdown: str,
                     histogram: Path, target: Path) -> None:
    """The grading report; its histogram picture sits beside the LaTeX source."""
    language = bank.language(lang)
    with tempfile.TemporaryDirectory(prefix="exgen-tex-") as tmp, \
            started(class_preamble(bank, language), Path(tmp), "report") as early:
        work = Path(tmp)
        shutil.copyfile(histogram, work / histogram.name)
        latex = in_language(running_head(heading.course, language)
                            + to_latex(markdown, language, "the grading report"), lang, bank)
        compiled = compile_tex(class_document(bank, language, [("the grading report", latex)]),
                               work, "report", early)
        shutil.copyfile(compiled.pdf, target)
