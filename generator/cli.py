"""The `exgen` command line. Every failure a user can cause ends in one clear message
and exit status 2, never a traceback."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import click

from . import cache
from .bank import Bank, load_bank
from .errors import ExgenError, from_os_error
from .numbers import plain
from .sampling import sample
from .solve import Variant, reference, solve
from .solve import plain_params


def _bank(ctx: click.Context) -> Bank:
    return ctx.obj["bank"]


def _lang(bank: Bank, lang: str | None) -> str:
    """--lang, or the bank's first language (its first folder templates/<lang>/)."""
    return bank.language(lang).code if lang else next(iter(bank.languages))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--bank", "bank_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="A bank folder with variants/ and templates/ "
                                 "(default: the project's own).")
@click.pass_context
def cli(ctx: click.Context, bank_dir: Path | None) -> None:
    """exgen: parametric exercises, per-student exams and answer keys."""
    ctx.ensure_object(dict)
    ctx.obj["bank_dir"] = bank_dir
    if ctx.invoked_subcommand != "check":
        ctx.obj["bank"] = load_bank(bank_dir)


LANG_HELP = ("One of the bank's languages (a folder templates/<lang>/; default: the "
             "bank's first).")
REPLACE_HELP = ("Replace the --out folder even when another exgen command wrote it, or it "
                "holds the grades or scans of another exam (they are deleted).")




@cli.command("list")
@click.option("--lang", default=None, help=LANG_HELP)
@click.pass_context
def list_command(ctx: click.Context, lang: str) -> None:
    """The exercises, their parameters and answers."""
    bank = _bank(ctx)
    lang = _lang(bank, lang)
    language = bank.language(lang)
    labels = [language.word(key) for key in ("parameters", "answers", "variants")]
    width = max(len(label) for label in labels) + 1
    for ex in bank.exercises.values():
        click.echo(f"{ex.number:>2}  {ex.id:<24} {ex.title(lang)}")
        for label, value in zip(labels, (", ".join(ex.drawing.names) or "—",
                                         ", ".join(ex.answers),
                                         language.style.integer(ex.drawing.size))):
            click.echo(f"    {label + ':':<{width}} {value}")


def parse_setting(text: str) -> tuple[str, object]:
    """`NAME=VALUE` from the command line; the value as JSON where it parses."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ExgenError(f"--set needs NAME=VALUE, not `{text}`")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


def variant_from_options(ex, seed: int | None, use_reference: bool,
                         settings: tuple[str, ...], student: str = "") -> Variant:
    fixed = dict(parse_setting(s) for s in settings)
    if seed is not None and use_reference:
        raise ExgenError("choose either --seed or --reference, not both")
    if seed is None:
        return reference(ex, fixed)
    return sample(ex, seed, student, fixed=fixed)[1]


@cli.command()
@click.argument("exercise_id", metavar="EXERCISE")
@click.option("--lang", default=None, help=LANG_HELP)
@click.option("--seed", type=int, default=None, help="Draw a variant from this seed.")
@click.option("--student", default="", help="With --seed: this student id's own draw (the "
              "sheet shows it unless a classmate earlier in the roster drew it first).")
@click.option("--reference", "use_reference", is_flag=True,
              help="The seed's own values (the default without --seed).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Fix a parameter (JSON value: --set x=[2,4,6]).")
@click.option("--format", "fmt", type=click.Choice(["md", "tex", "json"]), default="md",
              show_default=True)
@click.option("--solution/--no-solution", default=True, show_default=True)
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Show the exercise as this exam spec has it (points, "
                                 "the sub-questions it asks).")
@click.pass_context
def show(ctx, exercise_id, lang, seed, student, use_reference, settings, fmt, solution,
         spec_path):
    """One exercise: its text, solution or JSON data."""
    bank = _bank(ctx)
    lang = _lang(bank, lang)
    ex = bank.exercise(exercise_id)
    points = parts = None
    if spec_path is not None:
        slots = [slot for slot in _spec(bank, spec_path).slots if ex.id in slot.pool]
        if not slots:
            raise ExgenError(f"exercise `{ex.id}` is in no pool of the spec {spec_path}")
        points, parts = slots[0].points, slots[0].parts
    language = bank.language(lang)
    variant = variant_from_options(ex, seed, use_reference, settings, student)
    solved = solve(variant)
    if fmt == "json":
        data = {"exercise": ex.id, "lang": lang, "params": plain_params(variant.params),
                "answers": {k: plain(v) for k, v in solved.answers.items()}}
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    from .layouts import MARKDOWN, exercise_context, render, latex_format
    from .render import ExerciseTexts

    rendered = ExerciseTexts(bank, lang).render(solved, parts)
    context = exercise_context(bank, lang, ex, rendered.question,
                               rendered.solution if solution else None, points, MARKDOWN)
    text = render(bank, "exercise", MARKDOWN, context)
    if fmt == "tex":
        text = latex_format(language).markdown(text, f"exercise {ex.id}")
    click.echo(text, nl=False)


def exam_folder(seed: int, spec_path: Path | None) -> Path:
    """build/exams/seed-N, or build/exams/<spec>-seed-N: two exams never share a folder."""
    name = f"seed-{seed}" if spec_path is None else f"{spec_path.stem}-seed-{seed}"
    return Path("build") / "exams" / name


def _spec(bank: Bank, path: Path | None):
    from .spec import default_spec, load_spec

    return load_spec(path, bank) if path is not None else default_spec(bank)


def _students(bank: Bank, count: int | None, roster: Path | None,
              notes: list[str] | None = None):
    from .roster import numbered, read_roster

    if roster is not None and count is not None:
        raise ExgenError("choose either --students or --roster, not both")
    return read_roster(roster, bank.languages, notes) if roster else numbered(count or 30)


def _formats(text: str | None) -> tuple[str, ...]:
    from .writers import WRITERS, chosen, names, tex_available

    known = names("documents")
    if text is None:
        return tuple(f for f in known if not WRITERS[f].needs_tex or tex_available())
    formats = chosen("documents", text)
    if not formats:
        raise ExgenError(f"--format takes {', '.join(known)} or {','.join(known)} "
                         f"(not `{text}`)")
    if any(WRITERS[f].needs_tex for f in formats) and not tex_available():
        raise ExgenError("PDF output needs pdflatex, which is not installed; run "
                         "`make setup` (it installs TeX Live through apt-get) or use --format md")
    return formats


@cli.command()
@click.option("--seed", type=int, required=True, help="The exam's seed.")
@click.option("--students", type=int, default=None,
              help="Students 01 … N (default 30 without --roster).")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV with columns id,name[,lang,group].")
@click.option("--lang", default=None,
              help="Language of the sheets (a roster's lang column overrides it; default: "
                   "the bank's first language).")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An exam spec (TOML): header texts, pools, points.")
@click.option("--format", "fmt", default=None, metavar="md,pdf",
              help="Output formats (default: md,pdf when TeX is installed, else md).")
@click.option("--answer-sheet/--no-answer-sheet", default=None,
              help="Also an answer form per student, a box per answer "
                   "(default: with --spec).")
@click.option("--form", "form", type=click.Choice(["write", "scan"]), default=None,
              help="The answer form: `write` (typed into answers-template.xlsx, the "
                   "default) or `scan` (bubbles that `exgen scan` reads; needs PDF). "
                   "Default: the spec's `form`, else write.")
@click.option("--with-misconceptions", "with_mistakes", is_flag=True,
              help="The instructor's key lists each exercise's common mistakes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default build/exams/seed-N/, with a spec "
                   "build/exams/SPEC-seed-N/).")
@click.option("--replace", "replace_out", is_flag=True, help=REPLACE_HELP)
@click.pass_context
def exams(ctx, seed, students, roster, lang, spec_path, fmt, answer_sheet, form,
          with_mistakes, out, replace_out):
    """Every student's exam sheet and answer key, the instructor key and manifest.json."""
    from .build import progress_bar, write_exams, writing_class_files
    from .exam import plan

    # A spec (or --answer-sheet) means answer forms, and their workbook: its writer
    # imports openpyxl while the bank is loaded and the exam drawn (until the command
    # ends, whatever happens).
    class_files = ctx.with_resource(writing_class_files(
        answer_sheet or (answer_sheet is None and spec_path is not None)))
    bank = _bank(ctx)
    lang = _lang(bank, lang)
    spec = _spec(bank, spec_path)
    form = form or spec.form or "write"
    if answer_sheet is None:
        answer_sheet = spec_path is not None or form == "scan"
    if form == "scan" and not answer_sheet:
        raise ExgenError("--form scan prints answer forms: drop --no-answer-sheet")
    roster_notes: list[str] = []
    people = _students(bank, students, roster, roster_notes)
    spec.require([lang] + [p.lang for p in people if p.lang])
    formats = _formats(fmt)
    if form == "scan" and "pdf" not in formats:
        raise ExgenError("--form scan prints its forms as PDF: use --format pdf or md,pdf")
    out = out or exam_folder(seed, spec_path)
    with progress_bar(len(people), "drawing variants") as update:
        exam = plan(bank, seed, people, lang, spec.slots, progress=update)
    from .writers import WRITERS

    label = "writing " + " and ".join(WRITERS[f].label for f in formats)
    with progress_bar(len(people), label) as update:
        build = write_exams(exam, spec.headings, out, formats, lang, progress=update,
                            answer_sheets=answer_sheet, with_mistakes=with_mistakes,
                            replace=replace_out, form=form, class_files=class_files)
    for note in (*roster_notes, *exam.notes):
        click.echo(f"note: {note}", err=True)
    click.echo(f"{len(people)} students, {len(exam.students[0].items)} exercises, "
               f"seed {seed}: {len(build.files)} files in {out}/")


@cli.command()
@click.option("--lang", default=None, help="One of the bank's languages (default: every one of them).")
@click.option("--seed", type=int, default=None, help="Draw the variants from this seed.")
@click.option("--reference", "use_reference", is_flag=True,
              help="The seed's own values (the default without --seed).")
@click.option("--format", "fmt", default=None, metavar="md,pdf",
              help="Output formats (default: md,pdf when TeX is installed, else md).")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Only the exercises of this exam spec's pools.")
@click.option("--with-misconceptions", "with_mistakes", is_flag=True,
              help="The instructor's edition: each exercise's common mistakes, with the "
                   "wrong values they give.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default build/handouts/reference or seed-N).")
@click.option("--replace", "replace_out", is_flag=True, help=REPLACE_HELP)
@click.pass_context
def handout(ctx, lang, seed, use_reference, fmt, spec_path, with_mistakes, out, replace_out):
    """The whole bank (or a spec's exercises) as a handout: exercises, then solutions."""
    from .build import write_handouts
    from .documents import handout_entries

    bank = _bank(ctx)
    spec = _spec(bank, spec_path)
    langs = [bank.language(lang).code] if lang else [
        code for code in bank.languages if spec_path is None or code in spec.languages
    ] or list(bank.languages)
    spec.require(langs)
    exercises = [bank.exercise(ex_id) for slot in spec.slots for ex_id in slot.pool]
    solutions = [solve(variant_from_options(exercise, seed, use_reference, ()))
                 for exercise in exercises]
    entries = handout_entries(spec if spec_path else None, exercises, solutions)
    which = "reference" if seed is None else f"seed-{seed}"
    out = out or Path("build") / "handouts" / (
        which if spec_path is None else f"{spec_path.stem}-{which}")
    headings = spec.headings
    if spec_path is None:  # the bank's own handout title, as the seed has it
        headings = {code: replace(h, title=bank.language(code).word("handout"))
                    for code, h in headings.items()}
    written = write_handouts(bank, entries, langs, headings, out, _formats(fmt),
                             with_mistakes, replace_out, exam=spec_path is not None)
    click.echo(f"{', '.join(written)} in {out}/")


@cli.command()
@click.option("--seed", type=int, required=True, help="The exam's seed.")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The exam spec the sheets were built with.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The roster the sheets were built with (default: the build's class).")
@click.option("--students", type=int, default=None,
              help="Without a roster or a build: students 01 … N (default 30).")
@click.option("--answers", "answers_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="CSV or .xlsx: id, then a column <exercise>.<answer> per "
                                 "answer (the build's answers-template.xlsx, filled).")
@click.option("--template", is_flag=True,
              help="Print the empty answers CSV for this class and stop.")
@click.option("--accept", "accept_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Accepted answers (CSV or .xlsx: student, column, value or "
                                 "points): the lecturer's overrides of the key.")
@click.option("--lang", default=None,
              help="Language of the report (default: the bank's first language).")
@click.option("--format", "fmt", default=None, metavar="md,pdf",
              help="Report formats (default: md,pdf when TeX is installed, else md).")
@click.option("--out", "--build", "build_dir",
              type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The exams' build folder: the --out the exams were built with (default "
                   "build/exams/seed-N/, with a spec build/exams/SPEC-seed-N/). The grades "
                   "go to its grades/.")
@click.pass_context
def grade(ctx, seed, spec_path, roster, students, answers_path, template, accept_path, lang,
          fmt, build_dir):
    """Mark a class's answers against each student's own key."""
    from .collected import read_answers, template_csv
    from .build import write_grades
    from .exam import plan, read_build, same_as_built
    from .grade import grade_exam
    from .overrides import read_overrides, unused

    bank = _bank(ctx)
    lang = _lang(bank, lang)
    spec = _spec(bank, spec_path)
    build_dir = build_dir or exam_folder(seed, spec_path)
    built = read_build(build_dir, seed)
    if built is None and not template:
        raise ExgenError(
            f"no exams build in {build_dir} (manifest.json is missing): grade with the "
            "seed, --spec and --out the exams were built with, or name the build folder "
            "with --build DIR")
    notes: list[str] = []
    if roster is None and students is None and built is not None:
        people = built.students
    else:
        people = _students(bank, students, roster, notes)
    spec.require([lang] + [p.lang for p in people if p.lang])
    exam = plan(bank, seed, people, lang, spec.slots)
    if built is not None:
        same_as_built(exam, built, build_dir)
        graded = {se.student.id for se in exam.students}
        left = [s.id for s in built.students if s.id not in graded]
        if left:
            notes.append(f"{len(left)} student(s) of the build are not in the roster and are "
                         f"not graded: {', '.join(left[:5])}{' …' if len(left) > 5 else ''}")
    if template:
        click.echo(template_csv(exam), nl=False)
        return
    if answers_path is None:
        raise ExgenError("--answers FILE (.csv or .xlsx) is needed (or --template to print "
                         "a blank one; the build has answers-template.xlsx)")
    labels = {language.words.get("student_id", "") for language in bank.languages.values()}
    answers = read_answers(answers_path, exam, labels - {""})
    if answers.detected:
        notes.append(f"{answers_path}: read as {answers.detected}")
    overrides = read_overrides(accept_path, exam) if accept_path else ()
    grading = grade_exam(exam, answers, spec.scale, overrides)
    notes += unused(overrides, grading.overridden)
    if not grading.present:
        raise ExgenError("every student of the class is absent (no row, an empty row or "
                         "`absent`): nothing to grade", where=str(answers_path))
    out = build_dir / "grades"
    written = write_grades(grading, spec.headings, lang, out, _formats(fmt))
    for note in notes:
        click.echo(f"note: {note}", err=True)
    for stray in answers.stray:
        click.echo(f"warning: {stray.where}: `{stray.given}` in column {stray.column}, "
                   f"which is not on student {stray.student_id}'s sheet: not graded",
                   err=True)
    for flag in answers.flagged:
        click.echo(f"warning: {flag.where}, column {flag.column} (student "
                   f"{flag.student_id}): {flag.note.message}; read as "
                   f"`{flag.given}` and listed in the report", err=True)
    for sid in answers.no_row:
        click.echo(f"note: no row for student {sid}: marked absent", err=True)
    if grading.overridden:
        click.echo(f"note: {len(grading.overridden)} answer(s) marked by the overrides in "
                   f"{accept_path} (listed in the report)", err=True)
    present = grading.present
    totals = [s.total for s in present]
    absent = len(grading.students) - len(present)
    click.echo(f"{len(present)} students graded"
               f"{f' ({absent} absent)' if absent else ''}, mean "
               f"{sum(totals) / len(totals):.2f} of {grading.maximum:g}: "
               f"{', '.join(written)} in {out}/")


def export_folder(seed: int, spec_path: Path | None, lang: str) -> Path:
    """build/export/seed-N-LANG, or build/export/<spec>-seed-N-LANG: an export is in one
    language, so two languages of one seed never share a folder."""
    name = f"seed-{seed}" if spec_path is None else f"{spec_path.stem}-seed-{seed}"
    return Path("build") / "export" / f"{name}-{lang}"


@cli.command()
@click.option("--seed", type=int, required=True, help="The seed the variants are drawn from.")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An exam spec: a question category per slot (default: "
                                 "one per exercise of the bank).")
@click.option("--variants", "count", type=int, default=None, metavar="K",
              help="Variants per exercise (default 20; all of them when there are fewer).")
@click.option("--lang", default=None,
              help="Language of the questions (default: the bank's first language).")
@click.option("--format", "fmt", default="moodle,qti", show_default=True,
              metavar="moodle,qti", help="Which files besides export.json.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default build/export/seed-N-LANG/, with a spec "
                   "build/export/SPEC-seed-N-LANG/).")
@click.option("--replace", "replace_out", is_flag=True, help=REPLACE_HELP)
@click.pass_context
def export(ctx, seed, spec_path, count, lang, fmt, out, replace_out):
    """The bank (or a spec's pools) as LMS question banks: moodle.xml, qti21.zip and
    export.json, K variants per exercise."""
    from .build import write_export
    from .export import DEFAULT_VARIANTS, plan_export
    from .writers import chosen, names

    bank = _bank(ctx)
    lang = _lang(bank, lang)
    formats = chosen("export", fmt)
    if not formats:
        raise ExgenError(f"--format takes {', '.join(names('export'))} or a list of them "
                         f"separated by commas (not `{fmt}`)")
    spec = _spec(bank, spec_path)
    spec.require([lang])
    result = plan_export(bank, spec, seed, DEFAULT_VARIANTS if count is None else count, lang)
    out = out or export_folder(seed, spec_path, lang)
    written = write_export(result, bank, out, formats, replace_out)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{len(result.questions)} questions in {len(result.categories)} categories, "
               f"seed {seed}: {', '.join(written)} in {out}/")


@cli.command()
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Only the exercises of this exam spec's pools, as it asks "
                                 "them (default: every exercise of the bank).")
@click.option("--seed", type=int, default=None,
              help="The seed the variants are drawn from (default 1).")
@click.option("--variants", "count", type=int, default=None, metavar="K",
              help="Variants per exercise (default 50; all of them when there are fewer).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default build/site/, with a spec build/site/SPEC/).")
@click.option("--replace", "replace_out", is_flag=True, help=REPLACE_HELP)
@click.pass_context
def site(ctx, spec_path, seed, count, out, replace_out):
    """A static practice site: index.html, a page per exercise and language where answers
    are checked at once, with new variants and worked solutions."""
    from .build import write_site
    from .site import DEFAULT_SEED, DEFAULT_VARIANTS, katex_folder, plan_site

    bank = _bank(ctx)
    spec = _spec(bank, spec_path)
    langs = [code for code in bank.languages if spec_path is None or code in spec.languages]
    if not langs:
        raise ExgenError("the spec has no section for any language of the bank: add "
                         f"[{next(iter(bank.languages))}] with its course and title",
                         where=str(spec_path))
    katex_folder()                        # before the work: say at once what is missing
    seed = DEFAULT_SEED if seed is None else seed
    result = plan_site(bank, spec, seed, DEFAULT_VARIANTS if count is None else count, langs)
    out = out or Path("build") / "site" / (spec_path.stem if spec_path else "")
    written = write_site(result, bank, out, replace_out)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    pages = sum(name.endswith(".html") for name in written)
    click.echo(f"{pages} pages in {', '.join(langs)}, {result.variants} variants per "
               f"exercise, seed {seed}: open {out / 'index.html'}")


@cli.command()
@click.option("--build", "build", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The exam build whose scan forms were printed "
                                  "(`exgen exams … --form scan`).")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
def scan(ctx, build, files):
    """Read copier scans (PDF, PNG, JPEG, TIFF, or folders of them) of the build's scan
    forms into BUILD/scans/: answers.xlsx, review.html and scan.json."""
    from importlib.util import find_spec

    if find_spec("cv2") is None or find_spec("pypdfium2") is None:
        raise ExgenError("reading scans needs OpenCV and pypdfium2: run `make scan …` "
                         "(it installs them) or `pip install -e '.[scan]'`")
    from .scan import run_scan

    counts = run_scan(build, files, _bank(ctx))
    click.echo(f"{counts['pages']} pages: {counts['read']} read, {counts['blank']} blank, "
               f"{counts['unplaced']} not placed; {counts['students']} students in "
               f"{build}/scans/answers.xlsx, {counts['review']} answer(s) to decide in "
               f"{build}/scans/review.html")


@cli.command()
@click.argument("exercise_ids", nargs=-1, metavar="[EXERCISE]...")
@click.pass_context
def check(ctx, exercise_ids):
    """Validate the whole bank, or the exercises named (and the files all share)."""
    from .check import check_bank, check_notes

    load_problems: list[str] = []
    bank = load_bank(ctx.obj["bank_dir"], problems=load_problems)
    ids = None
    if exercise_ids:
        files = _variant_ids(bank)
        unknown = [i for i in exercise_ids if i not in files]
        if unknown:
            bank.exercise(unknown[0])           # the message naming the known ones
        others = set(files) - set(exercise_ids)
        load_problems = [p for p in load_problems if not any(
            re.search(rf"(variants|templates/[^/]+)/{re.escape(e)}\.(toml|md)\b", p)
            for e in others)]
        ids = [i for i in exercise_ids if i in bank.exercises]
    problems = load_problems + check_bank(bank, ids)
    for note in check_notes(bank, ids):
        click.echo(f"note: {note}", err=True)
    if problems:
        raise ExgenError(f"the bank in {bank.root} has {len(problems)} problem(s):\n  "
                         + "\n  ".join(problems))
    checked = len(bank.exercises) if ids is None else len(ids)
    click.echo(f"{checked} exercise{'' if checked == 1 else 's'} in {', '.join(bank.languages)}: "
               "all good.")


def _variant_ids(bank: Bank) -> list[str]:
    """Every exercise id the bank's variants/ folder names, loaded or not."""
    return [path.stem for path in sorted((bank.root / "variants").glob("*.toml"))]


def main(argv: list[str] | None = None) -> None:
    cache.enable()                     # work kept from build to build (generator/cache.py)
    try:
        cli.main(args=argv, prog_name="exgen", standalone_mode=False)
        cache.save()
    except ExgenError as exc:
        # Paths under the working directory read better relative to it.
        message = str(exc).replace(f"{Path.cwd()}/", "")
        click.echo(f"exgen: error: {message}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("exgen: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        click.echo(f"exgen: error: {from_os_error(exc)}", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug, not bad input: say so in one line
        if os.environ.get("EXGEN_DEBUG"):
            raise
        click.echo(f"exgen: internal error: {type(exc).__name__}: {exc} (run with "
                   "EXGEN_DEBUG=1 for the traceback, and please report it)", err=True)
        sys.exit(1)
    finally:
        cache.disable()
    sys.exit(0)
