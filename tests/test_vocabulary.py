"""One vocabulary, and no raw markup: every document of an exam cycle, in both languages,
names an exam's exercise with the language's one word for it, and shows no raw `_`, `\\`,
`$` or LaTeX command outside its math.

The cycle is built once for the module, as a lecturer runs it: a mixed Bulgarian and
English class's sheets, keys, answer forms and instructor's key (Markdown and PDF), the
class's answers — each wrong answer a mistake the bank explains — graded into feedback
and a report, the instructor's handouts of the bank and of the exam (`--spec`), and the
Moodle and QTI exports in both languages. Markdown is read as a reader sees it: rendered to HTML, with its math,
code and the answers file's column names (code) set aside.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from answering import written
from conftest import QUIZ, ROOT, tex_required
from generator.bank import load_bank
from generator.cli import main
from generator.exam import plan
from generator.collected import answer_columns
from generator.html import markdown_to_html
from generator.misconceptions import recognisable
from generator.numbers import plain
from generator.roster import read_roster
from generator.spec import load_spec
from test_export import moodle_feedback

SEED = 2026
ROSTER = ROOT / "examples" / "class.csv"
# An exam's exercise, and the bank's outside an exam (handout, site), in each language;
# and the words that must not stand for either.
EXAM_WORD = {"bg": "Задача", "en": "Exercise"}
NOT_IN_AN_EXAM = {"bg": re.compile(r"[Уу]пражнени"), "en": re.compile(r"\b(Task|Problem)s?\b")}
# (the bank's texts may speak of "tasks" a model solves; not of „задача 3“)
NOT_IN_THE_BANK = {"bg": re.compile(r"[Зз]адач[аи]? \d"),
                   "en": re.compile(r"\b(Task|Problem)s? \d")}
# What is left of a text once its math and code are set aside: none of these may be in it.
# (A LaTeX command left in the text shows as its backslash, or its braces.)
RAW = re.compile(r"[_$\\{}]")
MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)
COLUMN = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z0-9_.]+\b")   # ffn_dims.d_ff


def exgen(*args) -> None:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    assert exc.value.code == 0, args


def pdf_available() -> bool:
    if shutil.which("pdflatex") and shutil.which("pdftotext"):
        return True
    if tex_required():
        pytest.fail("CI=true but pdflatex/pdftotext are not installed")
    return False


def mistaken_answers(path: Path) -> Path:
    """The class's answers: where the bank knows a mistake for an answer, the student
    made it (so their feedback explains it); elsewhere the key; each sub-question in
    words gets its points."""
    bank = load_bank()
    exam = plan(bank, SEED, read_roster(ROSTER, bank.languages), "bg",
                load_spec(QUIZ, bank).slots)
    columns = answer_columns(exam)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", *columns], lineterminator="\n")
        writer.writeheader()
        for se in exam.students:
            row = {"id": se.student.id}
            for item in se.items:
                for name in item.asked:
                    answer = item.exercise.answers[name]
                    known = [] if answer.is_choice else recognisable(item.solution, name)
                    value = known[0].printed[0][0] if known else plain(item.solution.answers[name])
                    row[f"{item.exercise.id}.{name}"] = written(value, se.lang,
                                                                max(answer.places, 3))
                for part in item.written_parts:
                    row[f"{item.exercise.id}.{part}.points"] = f"{item.written:g}"
            writer.writerow(row)
    return path


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cycle")
    formats = "md,pdf" if pdf_available() else "md"
    build = root / "exams"
    exgen("exams", "--seed", SEED, "--spec", QUIZ, "--roster", ROSTER, "--format", formats,
          "--with-misconceptions", "--out", build)
    exgen("grade", "--seed", SEED, "--spec", QUIZ, "--answers",
          mistaken_answers(root / "answers.csv"), "--format", formats, "--out", build)
    exgen("handout", "--reference", "--with-misconceptions", "--format", formats,
          "--out", root / "handout")
    exgen("handout", "--spec", QUIZ, "--with-misconceptions", "--format", formats,
          "--out", root / "exam-handout")
    for lang in ("bg", "en"):
        exgen("export", "--seed", SEED, "--spec", QUIZ, "--variants", 3, "--lang", lang,
              "--out", root / f"export-{lang}")
    langs = {row["id"]: row["lang"] for row in csv.DictReader(ROSTER.open(encoding="utf-8"))}
    return {"root": root, "build": build, "langs": langs, "pdf": formats == "md,pdf"}


def exam_markdown(cycle) -> list[tuple[Path, str]]:
    """Every Markdown document of the exam, with the language its reader reads."""
    build, langs = cycle["build"], cycle["langs"]
    documents = [(build / folder / f"{sid}.md", lang) for sid, lang in langs.items()
                 for folder in ("sheets", "keys", "answer-sheets")]
    documents += [(build / "grades" / "feedback" / f"{sid}.md", lang)
                  for sid, lang in langs.items()]
    documents += [(build / "instructor-key.md", "bg"), (build / "grades" / "report.md", "bg")]
    assert all(path.is_file() for path, _ in documents), "the cycle left a document out"
    return documents


def seen(text_html: str) -> str:
    """The text a reader sees of an HTML document, without its math, code blocks, code
    spans (the answers file's column names) and tags."""
    text = MATH.sub(" ", text_html)
    text = re.sub(r"<(pre|code)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def raw_markup(text: str) -> list[str]:
    return [text[max(0, m.start() - 30):m.end() + 30] for m in RAW.finditer(text)]


def test_the_cycle_explains_mistakes_in_every_language(cycle):
    """The cycle is the one the test means: feedback in both languages explains mistakes,
    with math in the explanations."""
    feedback = {lang: "" for lang in ("bg", "en")}
    for sid, lang in cycle["langs"].items():
        feedback[lang] += (cycle["build"] / "grades" / "feedback" / f"{sid}.md") \
            .read_text(encoding="utf-8")
    for lang, text in feedback.items():
        assert "$" in text.split("\n- ", 1)[-1], f"no explanation with math in {lang}"


def test_an_exams_documents_use_the_languages_one_word_for_an_exercise(cycle):
    problems = []
    for path, lang in exam_markdown(cycle):
        text = path.read_text(encoding="utf-8")
        if EXAM_WORD[lang] not in text and "answer-sheets" not in str(path):
            problems.append(f"{path.name} ({lang}): never says {EXAM_WORD[lang]}")
        for found in NOT_IN_AN_EXAM[lang].finditer(text):
            problems.append(f"{path.relative_to(cycle['build'])} ({lang}): "
                            f"…{text[max(0, found.start() - 40):found.end() + 20]}…")
    assert not problems, "\n".join(problems[:20])


def test_an_exams_markdown_shows_no_raw_markup_outside_math(cycle):
    problems = []
    for path, lang in exam_markdown(cycle):
        text = seen(markdown_to_html(path.read_text(encoding="utf-8")))
        problems += [f"{path.relative_to(cycle['build'])}: …{p}…" for p in raw_markup(text)]
    assert not problems, "\n".join(problems[:20])


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_an_exams_pdfs_show_no_raw_markup_and_one_word(cycle):
    if not cycle["pdf"]:
        pytest.skip("pdflatex is not installed (under CI=true this fails)")
    build = cycle["build"]
    problems = []
    for path in [build / "print-all.pdf", build / "keys-all.pdf", build / "instructor-key.pdf",
                 build / "grades" / "feedback-all.pdf", build / "grades" / "report.pdf"]:
        text = COLUMN.sub(" ", pdf_text(path))
        problems += [f"{path.name}: …{p}…" for p in raw_markup(text)]
        if path.name in ("instructor-key.pdf", "report.pdf"):
            problems += [f"{path.name}: {m.group(0)}" for m in NOT_IN_AN_EXAM["bg"].finditer(text)]
    assert not problems, "\n".join(problems[:20])


def test_the_banks_handout_says_exercise_and_shows_no_raw_markup(cycle):
    folder = cycle["root"] / "handout"
    problems = []
    for lang in ("bg", "en"):
        markdown = (folder / f"handout-{lang}.md").read_text(encoding="utf-8")
        text = seen(markdown_to_html(markdown))
        problems += [f"handout-{lang}.md: …{p}…" for p in raw_markup(text)]
        problems += [f"handout-{lang}.md: {m.group(0)}"
                     for m in NOT_IN_THE_BANK[lang].finditer(markdown)]
        if cycle["pdf"]:
            problems += [f"handout-{lang}.pdf: …{p}…"
                         for p in raw_markup(pdf_text(folder / f"handout-{lang}.pdf"))]
    assert not problems, "\n".join(problems[:20])


def moodle_texts(path: Path) -> list[tuple[str, str]]:
    """(what, HTML) of moodle.xml: category names, question texts without their gaps,
    the gaps' feedback as Moodle stores it, and the general feedback."""
    root = etree.parse(str(path)).getroot()
    texts = [("category", html.escape(c.removeprefix("$course$/top/")))   # Moodle's path
             for c in root.xpath("//category/text/text()")]
    for question in root.findall("question[@type='cloze']"):
        body = question.findtext("questiontext/text")
        gaps = re.findall(r"\{\d+:(?:NUMERICAL|MULTICHOICE):(.*?)\}", body, re.S)
        texts += [("gap feedback", moodle_feedback(f)) for g in gaps
                  for f in re.findall(r"#([^~]*)", g)]
        texts.append(("question", re.sub(r"\{\d+:(?:NUMERICAL|MULTICHOICE):.*?\}", " ",
                                         body, flags=re.S)))
        texts.append(("solution", question.findtext("generalfeedback/text")))
    return texts


def qti_texts(path: Path) -> list[tuple[str, str]]:
    """(what, XML text) of every item's body and feedback, and the test's sections."""
    texts = []
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            root = etree.fromstring(package.read(name))
            if name == "test.xml":
                texts += [("section", html.escape(t))
                          for t in root.xpath("//*[local-name()='assessmentSection']/@title")]
            elif name.startswith("items/"):
                for part in root.xpath("//*[local-name()='itemBody' or "
                                       "local-name()='modalFeedback']"):
                    texts.append((name, html.escape("".join(part.itertext()))))
    return texts


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_moodle_and_qti_say_the_exams_word_and_show_no_raw_markup(cycle, lang):
    folder = cycle["root"] / f"export-{lang}"
    problems = []
    for what, text in (moodle_texts(folder / "moodle.xml")
                       + qti_texts(folder / "qti21.zip")):
        shown = seen(text)
        problems += [f"{lang} {what}: …{p}…" for p in raw_markup(shown)]
        problems += [f"{lang} {what}: {m.group(0)}"
                     for m in NOT_IN_AN_EXAM[lang].finditer(shown)]
        if what in ("category", "section"):
            assert shown.split("/")[-1].lstrip().startswith(EXAM_WORD[lang]) or \
                EXAM_WORD[lang] in shown, shown
    assert not problems, "\n".join(problems[:20])


def test_the_typists_workbook_labels_say_the_exams_word_in_unicode(cycle):
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(cycle["build"] / "answers-template.xlsx").active
    labels = [c.value or "" for c in sheet[2]][3:]
    problems = [label for label in labels
                if NOT_IN_AN_EXAM["bg"].search(label) or raw_markup(label)]
    assert labels and not problems, problems[:10]


def test_a_mistake_is_explained_once_for_the_answers_it_affects(cycle):
    bank = load_bank()
    grouped = 0
    for sid, lang in cycle["langs"].items():
        text = (cycle["build"] / "grades" / "feedback" / f"{sid}.md").read_text(
            encoding="utf-8")
        lines = [line for line in text.splitlines()
                 if line.startswith(f"- {EXAM_WORD[lang]} ")]
        explanations = [line.split(": ", 1)[1] for line in lines]
        assert len(explanations) == len(set(explanations)), lines
        assert all(e in {m for ex in bank.language(lang).misconceptions.values()
                         for m in ex.values()} for e in explanations), lines
        grouped += sum(1 for line in lines if line.split(": ", 1)[0].count(", ") > 1)
    assert grouped, "no mistake in the cycle affected two answers of one exercise"


def test_the_exams_handout_says_the_exams_word_numbered_as_the_sheets(cycle):
    """With a spec, an exam is the context: „Задача N“ by the slot's place, as the sheets
    and the report number it; an introduction of its own; no raw markup."""
    bank = load_bank()
    spec = load_spec(QUIZ, bank)
    folder = cycle["root"] / "exam-handout"
    report = (cycle["build"] / "grades" / "report.md").read_text(encoding="utf-8")
    in_report = dict((title, place) for place, title in
                     re.findall(r"^\| (\d+(?:/\d+)?)\. ([^|]+?) \|", report, flags=re.M))
    assert in_report, "the report numbers no exercise"
    problems = []
    for lang in ("bg", "en"):
        language = bank.language(lang)
        markdown = (folder / f"handout-{lang}.md").read_text(encoding="utf-8")
        texts = [("md", seen(markdown_to_html(markdown)))]
        if cycle["pdf"]:
            texts.append(("pdf", pdf_text(folder / f"handout-{lang}.pdf")))
        for kind, text in texts:
            problems += [f"handout-{lang}.{kind}: …{p}…" for p in raw_markup(text)]
            problems += [f"handout-{lang}.{kind}: {m.group(0)}"
                         for m in NOT_IN_AN_EXAM[lang].finditer(text)]
        assert language.word("exam_handout_intro") in markdown
        assert language.word("handout_intro") not in markdown
        for place, slot in enumerate(spec.slots, start=1):
            for ex_id in slot.pool:
                title = bank.exercise(ex_id).title(lang)
                assert f"## {EXAM_WORD[lang]} {place}: {title} (" in markdown, (lang, title)
                if lang == "bg" and title in in_report:     # the report's number too
                    assert in_report[title] == str(place), title
    assert not problems, "\n".join(problems[:20])


def _mistake_lines(text: str) -> list[str]:
    return [line for line in text.split("## Чести грешки", 1)[-1].splitlines()
            if line.startswith("- ")]


def test_the_instructors_editions_explain_mistakes_of_asked_answers_once(cycle):
    """The instructor's key and the exam's handout list a mistake only for answers the
    sheets ask (no intermediate step: GQA's bytes, RoPE's relative position), each
    mistake once per exercise; the key names exercises „Задача N: …“."""
    bank = load_bank()
    key = (cycle["build"] / "instructor-key.md").read_text(encoding="utf-8")
    assert "## Чести грешки" in key
    mistakes = key.split("## Чести грешки", 1)[1]
    headings = re.findall(r"^\*\*(.*)\*\*$", mistakes, flags=re.M)
    assert headings and all(h.startswith(f"{EXAM_WORD['bg']} ") for h in headings), headings
    handout = (cycle["root"] / "exam-handout" / "handout-bg.md").read_text(encoding="utf-8")
    intermediate = {answer.labels["bg"] for ex in bank.exercises.values()
                    for answer in ex.answers.values() if answer.intermediate}
    for name, text in (("instructor-key.md", mistakes),
                       ("exam handout", handout.split("# Решения", 1)[1])):
        for block in re.split(r"^\*\*|^## ", text, flags=re.M):
            lines = [line for line in block.splitlines() if line.startswith("- ")]
            explanations = [line.rsplit(" — ", 1)[-1] for line in lines]
            assert len(explanations) == len(set(explanations)), (name, lines)
            for line in lines:
                labels = line[2:].split(" — ", 1)[0].split(": ", 1)[0].split("; ")
                assert not set(labels) & intermediate, (name, line)


def test_the_instructor_key_leaves_the_answers_most_of_the_line(cycle):
    """In the PDF the final answers' column starts left of the page's middle."""
    if not cycle["pdf"]:
        pytest.skip("pdflatex is not installed (under CI=true this fails)")
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1",
                           str(cycle["build"] / "instructor-key.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    starts = [float(x) for x in re.findall(r'<word xMin="([\d.]+)"[^>]*>Крайни</word>', bbox)]
    assert starts and all(x < width / 2 for x in starts), (starts, width)


def test_qti_items_explain_the_mistakes_moodle_explains(cycle):
    """Both LMS files carry the class's mistakes' explanations (test_export pins that
    they do so gap for gap)."""
    bank = load_bank()
    for lang in ("bg", "en"):
        folder = cycle["root"] / f"export-{lang}"
        shown = " ".join(seen(text) for what, text in qti_texts(folder / "qti21.zip"))
        explanations = {seen(markdown_to_html(e)).strip()
                        for ex in bank.language(lang).misconceptions.values()
                        for e in ex.values()}
        assert any(e in shown for e in explanations), lang


def test_the_reports_indices_have_two_decimal_places(cycle):
    """Mean, median, group means, difficulty and discrimination: each to two places, so
    a column reads evenly (7,40, not 7,4); the report lists every answer asked, not only
    the most often wrong."""
    report = (cycle["build"] / "grades" / "report.md").read_text(encoding="utf-8")
    head = report.split("##", 1)[0]
    for word in ("Средно", "Медиана"):
        assert re.search(rf"{word}: −?\d+,\d\d\b", head), word
    for section in ("По групи", "Анализ на задачите"):
        table = report.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
        decimals = re.findall(r"\| −?\d+,(\d+) ", table)
        assert decimals and all(len(d) == 2 for d in decimals), (section, decimals)
    answers = report.split("## Резултати по отговори", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in answers.splitlines() if re.match(r"^\| \d", line)]
    asked = {column for column in answer_columns(plan(
        load_bank(), SEED, read_roster(ROSTER, load_bank().languages), "bg",
        load_spec(QUIZ, load_bank()).slots))}
    assert len(rows) == len(asked), (len(rows), len(asked))
