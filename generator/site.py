"""The practice site: a static page per exercise and language where a student types
answers, checks them at once and asks for a new variant, with no server.

A thin writer over the LMS export's model (`plan_export`): the same `K` variants of each
exercise, the same rendered question and worked solution, the same keys and
tolerances. Checking in the page uses `site_assets/reading.js`, the twin of
`reading.py` (tests/test_reading_twins.py proves that the two agree). Math is
typeset in the browser by KaTeX, copied in from the system's `libjs-katex`; every page
allows only its own scripts and styles (Content-Security-Policy), so no bank text can
run code and nothing is fetched from another host.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping, Sequence

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .bank import Bank, Exercise, Language
from .errors import ExgenError
from .export import Export, Question, plan_export
from .files import write_text
from .html import inline_markdown_to_html
from .reading import UNREAD_WORDS
from .misconceptions import judged_key
from .spec import Spec

DEFAULT_VARIANTS = 50
DEFAULT_SEED = 1
ASSETS = Path(__file__).parent / "site_assets"
# Debian's libjs-katex (`make setup` installs it); EXGEN_KATEX names another copy of
# KaTeX's dist folder (the npm package's `katex/dist`).
KATEX_FOLDERS = (Path("/usr/share/javascript/katex"),)
KATEX_FILES = {"katex.min.js": ("katex.min.js",),
               "katex.min.css": ("katex.min.css",),
               "auto-render.js": ("contrib/auto-render.min.js", "contrib/auto-render.js")}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; "
       "img-src 'self'; base-uri 'none'; form-action 'none'")
# The words the page's script shows; the site needs these and SITE_WORDS in every
# language's strings.toml.
PAGE_WORDS = ("site_check", "site_new_variant", "site_show_solution", "site_hide_solution",
              "site_right", "site_alternative", "site_wrong", "site_blank",
              "site_unparseable", "site_score", *UNREAD_WORDS)
SITE_WORDS = (*PAGE_WORDS, "site_language", "site_title", "site_choose_language",
              "site_intro", "site_numbers", "site_all_exercises", "site_needs_script",
              "variant", "solution", "exercise")


@dataclass(frozen=True)
class Site:
    seed: int
    variants: int
    exports: Mapping[str, Export]          # by language, in the bank's order

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.exports)

    @cached_property
    def notes(self) -> tuple[str, ...]:
        return tuple(f"{ex_id} has only {len(questions)} variant(s): the site has all of "
                     f"them instead of {self.variants}"
                     for ex_id, questions in self.exercises(self.langs[0]).items()
                     if len(questions) < self.variants)

    def exercises(self, lang: str) -> dict[str, list[Question]]:
        """Each exercise's variants, in the order of the spec's slots (an exercise in two
        slots is practised as its first slot asks it)."""
        found: dict[str, list[Question]] = {}
        slot_of: dict[str, int] = {}
        for question in self.exports[lang].questions:
            ex_id = question.exercise.id
            if slot_of.setdefault(ex_id, question.slot) == question.slot:
                found.setdefault(ex_id, []).append(question)
        return found


def plan_site(bank: Bank, spec: Spec, seed: int, count: int,
              langs: Sequence[str]) -> Site:
    for lang in langs:
        for key in SITE_WORDS:
            bank.language(lang).word(key)       # a missing word is named before any work
    return Site(seed, count, {lang: plan_export(bank, spec, seed, count, lang)
                              for lang in langs})


def katex_folder() -> Path:
    configured = os.environ.get("EXGEN_KATEX")
    for folder in ((Path(configured),) if configured else KATEX_FOLDERS):
        if all(any((folder / name).is_file() for name in names)
               for names in KATEX_FILES.values()) and (folder / "fonts").is_dir():
            return folder
    raise ExgenError("the practice site needs KaTeX, which is not installed: run `make "
                     "setup` (it installs Debian's libjs-katex with apt-get), or `apt-get "
                     "install libjs-katex`, or set EXGEN_KATEX to the `dist` folder of the "
                     "npm package katex")


def copy_assets(folder: Path) -> list[str]:
    """site.css, reading.js, site.js and KaTeX (its script, style, auto-render and the
    woff2 fonts every current browser reads)."""
    katex = katex_folder()
    assets = folder / "assets"
    (assets / "katex" / "fonts").mkdir(parents=True)
    for name in ("site.css", "reading.js", "site.js"):
        shutil.copyfile(ASSETS / name, assets / name)
    for target, sources in KATEX_FILES.items():
        source = next(katex / s for s in sources if (katex / s).is_file())
        shutil.copyfile(source, assets / "katex" / target)
    for font in sorted((katex / "fonts").glob("*.woff2")):
        shutil.copyfile(font, assets / "katex" / "fonts" / font.name)
    return sorted(str(p.relative_to(folder)) for p in assets.rglob("*") if p.is_file())


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(ASSETS), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       auto_reload=False)


def _json_in_html(value) -> str:
    """JSON for a `<script type="application/json">` block: nothing in it can close
    the block or start markup, whatever the bank's text says."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _exercise_data(questions: Sequence[Question], language: Language) -> dict:
    """The variants with each answer's reading.Key (value, tolerance, alternatives,
    units and the misconceptions a wrong answer is compared with, as grade judges it),
    the explanations of those mistakes and the words the page's script shows, in the page's language."""
    ids = [r.answer.id for r in questions[0].responses]
    exercise = questions[0].exercise
    variants, explained = [], {}
    for q in questions:
        if [r.answer.id for r in q.responses] != ids:
            raise AssertionError(f"the variants of {q.exercise.id} ask different answers")
        answers = []
        for r in q.responses:
            key = judged_key(q.item.solution, r.answer.name)
            for mistake in key.mistakes:
                # Markdown with math, as the labels: HTML whose math KaTeX sets
                explained[mistake.name] = inline_markdown_to_html(
                    language.explanation(exercise.id, mistake.name))
            answers.append(key.to_json())
        variants.append({"code": q.code, "question": q.question_html,
                         "solution": q.solution_html, "answers": answers})
    return {"variants": variants, "mistakes": explained,
            "words": {key: language.words[key] for key in PAGE_WORDS}}


def write(site: Site, bank: Bank, folder: Path) -> list[str]:
    """index.html, a list page and a page per exercise for each language, and the assets."""
    env = _environment()
    languages = {lang: bank.language(lang) for lang in site.langs}
    names = [{"code": code, "name": lang.words["site_language"],
              "choose": lang.words["site_choose_language"]}
             for code, lang in languages.items()]
    written = copy_assets(folder)
    first = languages[site.langs[0]]
    common = {"csp": CSP}
    write_text(folder / "index.html", env.get_template("index.html").render(
        **common, lang=first.code, root="", nav_label=first.words["site_title"],
        title=" · ".join(dict.fromkeys(l.words["site_title"] for l in languages.values())),
        languages=names))
    written.append("index.html")
    for code, language in languages.items():
        words = language.words
        others = [n for n in names if n["code"] != code]
        export = site.exports[code]
        exercises = site.exercises(code)
        page = {**common, "lang": code, "root": "../", "nav_label": words["site_title"],
                "others": others, "words": words}
        entries = [{"id": ex_id, "title": _heading(words["exercise"], n,
                                                    qs[0].exercise, code)}
                   for n, (ex_id, qs) in enumerate(exercises.items(), start=1)]
        heading = export.title or words["site_title"]
        write_text(folder / code / "index.html", env.get_template("list.html").render(
            **page, title=f"{words['site_title']} — {heading}", heading=heading,
            intro=words["site_intro"], exercises=entries))
        written.append(f"{code}/index.html")
        for entry, (ex_id, questions) in zip(entries, exercises.items()):
            # A label is the bank's Markdown (`$W_1$ parameters`): HTML with its math for
            # KaTeX, raw HTML escaped (the parser takes none).
            boxes = [{"id": r.answer.id,
                      "label": Markup(inline_markdown_to_html(r.answer.label(code)))}
                     for r in questions[0].responses]
            write_text(folder / code / f"{ex_id}.html", env.get_template(
                "exercise.html").render(
                **page, title=f"{entry['title']} — {words['site_title']}",
                heading=entry["title"], exercise_id=ex_id, first=questions[0],
                boxes=boxes, data=_json_in_html(_exercise_data(questions, language))))
            written.append(f"{code}/{ex_id}.html")
    return sorted(written)


def _heading(word: str, number: int, exercise: Exercise, lang: str) -> str:
    return f"{word} {number}: {exercise.title(lang)}"
