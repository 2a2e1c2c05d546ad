"""Writing a build to disk: everything goes into a fresh folder beside the target, which
replaces the target only when the whole build has succeeded. A failed build leaves the
previous output untouched."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from . import background
from .bank import Bank
from .errors import ExgenError
from .documents import (ClassDocuments, HandoutEntry, TextsByLanguage, common_mistakes,
                        handout_exercises, instructor_rows, student_documents)
from .spec import Heading
from .exam import Exam, Item, manifest_json, position_label
from .files import files_under, write_text, writing_beside
from .roster import print_order
from .writers import WRITERS


MARKER = ".exgen-build"
_DEBRIS = re.compile(r"^\.(?P<name>.+)\.(?:staging|old)-(?P<pid>\d+)(?:\.\w+)?$")


def marker_of(folder: Path) -> dict | None:
    """What exgen's marker in `folder` says, or None when exgen did not write the folder.
    Only a plain file proves it: a link (`.exgen-build -> elsewhere`) or a folder of that
    name proves nothing, nor does a file name such as manifest.json."""
    marker = folder / MARKER
    try:
        if not stat.S_ISREG(os.lstat(marker).st_mode):
            return None
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("written_by") == "exgen" else None


def owns(folder: Path) -> bool:
    """True if exgen wrote this folder: it carries exgen's marker, a plain file."""
    return marker_of(folder) is not None


def marker_text(command: str, arguments: Mapping[str, object] | None = None) -> str:
    """What the marker says: that exgen wrote the folder, with which command and
    arguments (no date, so that a build stays byte-identical)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("lecture-exgen")
    except PackageNotFoundError:
        release = "unknown"
    if arguments is None:            # the options of the exgen command being run, if any
        import click

        context = click.get_current_context(silent=True)
        arguments = dict(context.params) if context is not None else {}
        for where in ("out", "build_dir", "replace_out"):   # where it is, and --replace:
            arguments.pop(where, None)  # the same build in any folder is the same
    data = {"written_by": "exgen", "version": release, "command": command,
            "arguments": {k: v for k, v in sorted(arguments.items())}}
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_debris(target: Path) -> None:
    """Staging folders a killed build of `target` left beside it: exgen's own (they carry
    its marker) and whose process is gone."""
    for sibling in target.parent.glob(f".{target.name}.*"):
        match = _DEBRIS.match(sibling.name)
        if (match and match["name"] == target.name and sibling.is_dir()
                and not sibling.is_symlink() and owns(sibling)
                and not _alive(int(match["pid"]))):
            shutil.rmtree(sibling, ignore_errors=True)


# The folders a class build gathers after it is built, each written by a command of its
# own into the build: they are what a lecturer cannot make again by building.
GATHERED = {"grades": "grade", "scans": "scan"}


def _what(data: dict) -> str:
    return f"`exgen {data.get('command', '?')}`"


def _gathered(folder: Path) -> list[str]:
    """The non-empty folders of a build that hold a class's work (grades, scans)."""
    return [f"{name}/" for name in GATHERED
            if (folder / name).is_dir() and not (folder / name).is_symlink()
            and any((folder / name).iterdir())]


def _enclosing_build(target: Path, command: str) -> tuple[Path, dict] | None:
    """The exgen folder `target` lies inside, unless it is the one place a command
    writes into a build: `grade` into its grades/, `scan` into its scans/."""
    for parent in target.parents:
        data = marker_of(parent)
        if data is None:
            continue
        if (parent / target.name == target and GATHERED.get(target.name) == command
                and data.get("command") == "exams"):
            return None
        return parent, data
    return None


def refuse_unless_ours(target: Path, command: str, replace: bool = False) -> None:
    """Refuse, deleting nothing, to write `target` unless it is new, empty, or written by
    the same command; `replace` lets a command take over a folder another exgen command
    wrote. A folder inside another exgen build is never written."""
    if target.exists() and not target.is_dir():
        raise ExgenError(f"{target} is a file, not a folder: choose a folder with --out")
    enclosing = _enclosing_build(target, command)
    if enclosing is not None:
        build, data = enclosing
        raise ExgenError(f"{target} is inside {build}, a folder written by {_what(data)}: "
                         "exgen never writes into or over another exgen build. Nothing was "
                         "changed; choose a folder outside it with --out")
    if not target.is_dir() or not any(target.iterdir()):
        return
    data = marker_of(target)
    if data is None:
        raise ExgenError(f"{target} is not empty and exgen did not write it (it has no "
                         f"{MARKER} file): exgen replaces its whole output folder, so it "
                         "writes only into a new or empty folder, or one it wrote itself. "
                         "Nothing was changed; choose another folder with --out")
    if data.get("command") != command and not replace:
        gathered = _gathered(target)
        lost = f" and the class's {' and '.join(gathered)}" if gathered else ""
        raise ExgenError(f"{target} was written by {_what(data)}, and `exgen {command}` "
                         f"replaces only a folder `exgen {command}` wrote: writing there "
                         f"would delete that output{lost}. Nothing was changed; choose "
                         "another folder with --out, or add --replace to delete it")


def _refuse_losing(target: Path, staging: Path) -> None:
    """A rebuild keeps a build's grades and scans only when they belong to it: the same
    class with the same variants (the same manifest.json). Otherwise they would be kept
    beside sheets they were not marked against: refuse, unless told to replace them."""
    gathered = _gathered(target)
    if not gathered:
        return
    old, new = target / "manifest.json", staging / "manifest.json"
    if old.is_file() and new.is_file() and old.read_bytes() == new.read_bytes():
        return
    raise ExgenError(f"{target} holds {' and '.join(gathered)} of an exam whose sheets "
                     "differ from this build's (another seed, class or spec): replacing it "
                     f"would lose them. Nothing was changed; choose another folder with "
                     f"--out, or add --replace to delete the old build with its "
                     f"{' and '.join(gathered)}")


@contextlib.contextmanager
def replacing(target: Path, command: str, keep: Sequence[str] = (),
              arguments: Mapping[str, object] | None = None,
              replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `target`, on failure it vanishes.

    Only a folder the same command wrote (one holding its marker file) is replaced, or,
    with `replace`, one another exgen command wrote; any other non-empty folder is
    refused, and nothing is deleted. The staging folder carries the marker from its first
    moment, so debris of a killed build is recognised and removed by the next build of
    the same target. Subfolders named in `keep` (a build's grades and scans) are carried
    over into the new build when they belong to it (see _refuse_losing)."""
    target = Path(os.path.abspath(target))
    if target.is_symlink():
        target = target.resolve()
    refuse_unless_ours(target, command, replace)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_debris(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}.",
                                    dir=target.parent))
    try:
        (staging / MARKER).write_text(marker_text(command, arguments), encoding="utf-8")
        yield staging
        if keep and not replace:
            _refuse_losing(target, staging)
        for name in keep:
            if (not replace and (target / name).is_dir() and owns(target / name)
                    and not (staging / name).exists()):
                shutil.copytree(target / name, staging / name, symlinks=True)
        refuse_unless_ours(target, command, replace)   # nobody filled it meanwhile
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        target.rename(old)
    staging.rename(target)
    os.chmod(target, 0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@dataclass
class ExamBuild:
    """What `exgen exams` wrote, for the summary it prints."""

    out: Path
    files: list[str] = field(default_factory=list)


def sorted_for_print(exam: Exam):
    """The instructor's key and the print-ready PDF go by group, then id."""
    return sorted(exam.students, key=lambda se: print_order(se.student))


def write_exams(exam: Exam, headings: Mapping[str, Heading], out: Path,
                formats: Sequence[str], lang: str, progress=None,
                answer_sheets: bool = False, with_mistakes: bool = False,
                replace: bool = False, form: str = "write",
                class_files: background.Prepared | None = None) -> ExamBuild:
    """Everything of a class build. What needs only the exam (the manifest, the answers
    workbook) is written by a process of its own from the start (`class_files`, if
    it was started before the exam was drawn: see writing_class_files), which yields
    the cores to the rest; a background writer (the PDFs) starts as soon as the
    documents are made, in another, while the Markdown is written."""
    bank = exam.bank
    texts = TextsByLanguage(bank)
    word = bank.language(lang).word("problem")
    result = ExamBuild(out)
    with replacing(out, "exams", keep=tuple(GATHERED), replace=replace) as staging, \
            contextlib.ExitStack() as waiting:
        if class_files is not None:
            waiting.callback(class_files.give(
                _class_files(exam, lang, staging, answer_sheets)))
        else:
            waiting.callback(background.start(lambda: _write_class_files(
                _class_files(exam, lang, staging, answer_sheets)), yielding=True))
        documents = []
        for se in exam.students:
            documents.append(student_documents(se, headings, texts))
            if progress is not None:
                progress(0.5)
        ordered = sorted_for_print(exam)
        rows = instructor_rows(Exam(exam.seed, bank, tuple(ordered), exam.notes), lang)
        mistakes = () if not with_mistakes else tuple(
            (f"{word} {number}: {ex.title(lang)}", found)
            for number, ex, parts in _exercises_of(exam)
            if (found := common_mistakes(bank, lang, ex, parts=parts)))
        build = ClassDocuments(exam, tuple(documents), headings, lang, tuple(rows),
                               answer_sheets, mistakes, form)
        writers = [WRITERS[name] for name in formats]
        for writer in writers:
            if writer.background:
                waiting.callback(writer.load().start_exam(build, staging))
        for writer in writers:
            if not writer.background:
                writer.load().write_exam(build, staging)
        if progress is not None:
            progress(0.5 * len(exam.students))
        waiting.close()
        result.files = files_under(staging)
    return result


def writing_class_files(workbook: bool) -> contextlib.AbstractContextManager:
    """The process that will write a class build's manifest and answers workbook,
    started now if the build will write a workbook: it imports openpyxl while this
    process loads the bank and draws the exam (write_exams gives it their data). None
    otherwise: write_exams then starts the writer itself."""
    if not workbook:
        return contextlib.nullcontext(None)
    return background.prepared(_prepare_class_files, _write_class_files, yielding=True)


def _prepare_class_files() -> None:
    from .workbook import prepare_answers_workbook

    prepare_answers_workbook()


def _class_files(exam: Exam, lang: str, staging: Path, answer_sheets: bool) -> dict:
    """What manifest.json and answers-template.xlsx (for a class with answer forms)
    hold, as plain data: the writer's process is given it."""
    template = None
    if answer_sheets:
        from .workbook import answers_template

        template = answers_template(exam, lang)
    return {"staging": staging, "manifest": manifest_json(exam) + "\n",
            "template": template}


def _write_class_files(files: dict) -> None:
    staging = files["staging"]
    write_text(staging / "manifest.json", files["manifest"])
    if files["template"] is not None:
        from .workbook import write_answers_workbook

        write_answers_workbook(files["template"], staging / "answers-template.xlsx")


def _exercises_of(exam: Exam) -> list:
    """The exercises a class was given, by their places on the sheets ("3", "3/4"), each
    with the sub-questions its slot asks."""
    places: dict[str, set[int]] = {}
    given: dict[str, Item] = {}
    for se in exam.students:
        for item in se.items:
            places.setdefault(item.exercise.id, set()).add(item.position)
            given.setdefault(item.exercise.id, item)
    return [(position_label(places[ex_id]), item.exercise, item.parts)
            for ex_id, item in sorted(given.items(), key=lambda kv: (
                min(places[kv[0]]), kv[1].exercise.number))]


def write_handouts(bank: Bank, entries: Sequence[HandoutEntry], langs: Sequence[str],
                   headings: Mapping[str, Heading], out: Path,
                   formats: Sequence[str], with_mistakes: bool = False,
                   replace: bool = False, exam: bool = False) -> list[str]:
    """The handouts in each language; `exam`: an exam's (a spec's) handout, its
    exercises numbered by their places on the sheets."""
    texts = TextsByLanguage(bank)
    written = []
    with replacing(out, "handout", replace=replace) as staging:
        for lang in langs:
            printed = handout_exercises(bank, lang, entries, texts, with_mistakes)
            for name in formats:
                written += WRITERS[name].load().write_handout(bank, lang, headings[lang],
                                                              printed, staging, exam=exam)
    return written


def write_grades(grading, headings: Mapping[str, Heading], lang: str, out: Path,
                 formats: Sequence[str]) -> list[str]:
    """grades.csv and grades.xlsx, report.md with histogram.png, and report.pdf; each
    student's feedback in their language (feedback/<id>.md and .pdf, and the
    print-ready feedback-all.pdf)."""
    from .feedback import student_feedback
    from .grade import grades_csv
    from .markdown import feedback_markdown, report_markdown
    from .report import build_report, histogram_png
    from .workbook import write_grades_workbook

    bank = grading.exam.bank
    words = bank.language(lang).words
    heading = headings[lang]
    with replacing(out, "grade") as staging:
        write_text(staging / "grades.csv", grades_csv(grading))
        write_grades_workbook(grading, lang, staging / "grades.xlsx")
        histogram_png(grading, staging / "histogram.png", words["histogram"],
                      words["total"], words["students"])
        text = report_markdown(bank, lang, heading, build_report(grading, lang))
        write_text(staging / "report.md", text)
        if "pdf" in formats:
            from .pdf import write_report_pdf

            write_report_pdf(bank, lang, heading, text, staging / "histogram.png",
                             staging / "report.pdf")
        feedback = []
        with writing_beside() as write:
            for one in student_feedback(grading):
                sid, student_lang = one.student.id, one.lang
                text = feedback_markdown(bank, headings[student_lang], one)
                write(staging / "feedback" / f"{sid}.md", text)
                feedback.append((sid, student_lang, headings[student_lang].course, text))
        if "pdf" in formats and feedback:
            from .pdf import write_feedback_pdfs

            write_feedback_pdfs(bank, lang, feedback, staging / "feedback",
                                staging / "feedback-all.pdf")
        return sorted(p.name for p in staging.iterdir())


def write_export(export, bank: Bank, out: Path, formats: Sequence[str],
                 replace: bool = False) -> list[str]:
    """export.json and a file per LMS format, each written by its writer module."""
    from .writers import WRITERS

    with replacing(out, "export", replace=replace) as staging:
        write_text(staging / "export.json",
                   json.dumps(export.to_json(), ensure_ascii=False, indent=2) + "\n")
        written = ["export.json"]
        for name in formats:
            written += WRITERS[name].load().write(export, bank, staging)
    return sorted(written)


def write_site(site, bank: Bank, out: Path, replace: bool = False) -> list[str]:
    """The practice site: its pages and assets, written by its writer module."""
    with replacing(out, "site", replace=replace) as staging:
        return WRITERS["site"].load().write(site, bank, staging)


@contextlib.contextmanager
def progress_bar(total: int, label: str, unit: str = " students") -> Iterator:
    """A tqdm bar on a terminal (nothing otherwise); yields its update function."""
    if not sys.stderr.isatty():        # no bar: tqdm is not even imported
        yield lambda n=1: None
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0          # no monitor thread: a build forks (background.py)
    with tqdm(total=total, desc=label, unit=unit, leave=False) as bar:
        yield bar.update
