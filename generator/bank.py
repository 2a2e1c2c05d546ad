"""Loading a bank: `variants/*.toml` (parameter spaces and answer formulas),
`templates/<lang>/*.md` (the texts), `templates/<lang>/strings.toml` (a language's
fixed words and number style) and `templates/<lang>/exercises.toml` (exercise titles
and answer labels). Everything is validated here, once, so later stages can trust what
they are given: each file's shape by its schema (see `schema`), then what ties its keys
together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Callable, Mapping

from babel import localedata

from .errors import ExgenError
from .formula import Formula, FormulaError, parse, to_value
from .typesetting import Typesetting
from .numbers import NumberStyle
from . import cache
from .params import Choice, Drawing, ParamSpace, candidate_values
from .reading import UNITS
from .schema import (ANY, BOOL, TABLE, TEXT, TEXT_TABLE, TEXTS, Key, Kind, check, fail,
                     line_of, listing, locator, mapping, number, read_toml, table,
                     whole)

DEFAULT_BANK = Path(__file__).resolve().parent.parent
LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Language:
    code: str
    style: NumberStyle
    words: Mapping[str, str]
    typesetting: Typesetting
    # exercise id → misconception name → its explanation in this language
    misconceptions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # exercise id → {"title": …, "labels": {answer: label}}, from exercises_path
    exercises: Mapping[str, Mapping] = field(default_factory=dict)
    exercises_path: Path = Path("exercises.toml")

    def explanation(self, exercise_id: str, name: str) -> str:
        return self.misconceptions.get(exercise_id, {}).get(name, "")

    def word(self, key: str) -> str:
        try:
            return self.words[key]
        except KeyError:
            raise ExgenError(f"language `{self.code}` has no word `{key}` in its "
                             "strings.toml") from None


@dataclass(frozen=True)
class Answer:
    name: str
    formula: Formula | None = None
    options: tuple[str, ...] = ()
    correct: str | None = None
    places: int = 2
    tolerance: float | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    reference: object = None
    intermediate: bool = False            # a step on the way, not asked of the student
    shares_order_with: str | None = None
    part: int | None = None               # the sub-question it answers (for specs)
    alternatives: tuple[Formula, ...] = ()  # further values grading accepts (other roundings)
    # Named mistakes students make, each the value it gives (a formula over the same
    # names); their explanations live in templates/<lang>/misconceptions.toml.
    misconceptions: Mapping[str, Formula] = field(default_factory=dict)
    avoid: frozenset[str] = frozenset()   # misconceptions the sampler keeps apart from the key
    unit: str | None = None               # what the number is counted in (reading.UNITS)

    @property
    def is_choice(self) -> bool:
        return self.formula is None

    @property
    def order_param(self) -> str:
        """The parameter holding the order its options are printed in."""
        return f"{self.shares_order_with or self.name}_order"


@dataclass(frozen=True)
class Exercise:
    id: str
    number: int
    titles: Mapping[str, str]
    answers: Mapping[str, Answer]           # in the order they are computed
    symbols: Mapping[str, str]
    templates: Mapping[str, Path]           # language → template file
    path: Path
    parts: int                              # numbered sub-questions a spec may choose from
    drawing: Drawing                        # the space as sampling needs it, in plain values
    # The exact parameter space and the seed's own values (sympy): made when first asked
    # for (a warm build never asks, bank.py's note says why).
    exact: Callable[[], tuple[ParamSpace, dict]] = field(compare=False, repr=False)
    # variant key → whether the sampler avoids it (solve.avoided fills it in)
    avoided_variants: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def _exact(self) -> tuple[ParamSpace, dict]:
        return self.exact()

    @property
    def space(self) -> ParamSpace:
        return self._exact[0]

    @property
    def reference(self) -> Mapping[str, object]:
        return self._exact[1]

    def title(self, lang: str) -> str:
        return self.titles[lang]


@dataclass(frozen=True)
class Bank:
    root: Path
    exercises: Mapping[str, Exercise]       # by id, in the order of their numbers
    languages: Mapping[str, Language]

    def exercise(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            known = ", ".join(self.exercises)
            raise ExgenError(f"unknown exercise `{exercise_id}` (known: {known})") from None

    def language(self, code: str) -> Language:
        try:
            return self.languages[code]
        except KeyError:
            known = ", ".join(self.languages)
            raise ExgenError(f"unknown language `{code}` (this bank has: {known})") from None


def load_bank(root: Path | str | None = None, problems: list[str] | None = None) -> Bank:
    """Load and validate a bank. With a `problems` list, an exercise that fails is left
    out and its error collected there (so `check` reports every problem at once);
    without one, the first problem raises."""
    root = Path(root) if root is not None else DEFAULT_BANK
    variants_dir, templates_dir = root / "variants", root / "templates"
    for folder in (variants_dir, templates_dir):
        if not folder.is_dir():
            fail(f"a bank needs the folder {folder.name}/ (not found in {root})")
    languages = {}
    for strings in sorted(templates_dir.glob("*/strings.toml")):
        languages[strings.parent.name] = _load_language(strings)
    if not languages:
        fail(f"no language in {templates_dir}: each needs <lang>/strings.toml")
    languages = _with_cyrillic(languages)
    exercises = []
    paths = sorted(variants_dir.glob("*.toml"))
    for path in paths:
        try:
            exercises.append(_load_exercise(path, templates_dir, languages))
        except ExgenError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    if not exercises and not problems:
        fail(f"no exercise in {variants_dir}")
    for message, where in _stray_words(languages, {path.stem for path in paths},
                                       exercises):
        if problems is None:
            fail(message, where)
        problems.append(f"{where}: {message}")
    numbers: dict[int, Path] = {}
    for ex in exercises:
        if ex.number in numbers:
            fail(f"exercise number {ex.number} is also used by {numbers[ex.number].name}",
                 line_of(ex.path, "number"))
        numbers[ex.number] = ex.path
    exercises.sort(key=lambda e: e.number)
    return Bank(root, {e.id: e for e in exercises}, languages)


def _stray_words(languages, ids: set[str], exercises) -> list[tuple[str, str]]:
    """Words for what the bank does not have (an exercise in exercises.toml, an exercise
    or a misconception in misconceptions.toml): a typo, or left behind by a rename."""
    loaded = {exercise.id: exercise for exercise in exercises}
    found = []
    for language in languages.values():
        folder = language.exercises_path.parent
        for path, exercise_ids in ((language.exercises_path, language.exercises),
                                   (folder / "misconceptions.toml", language.misconceptions)):
            for exercise_id in exercise_ids:
                if exercise_id not in ids:
                    found.append((f"[{exercise_id}] names no exercise of the bank (there is "
                                  f"no variants/{exercise_id}.toml)",
                                  line_of(path, exercise_id)))
        for exercise_id, explanations in language.misconceptions.items():
            if exercise_id not in loaded:
                continue
            declared = {name for answer in loaded[exercise_id].answers.values()
                        for name in answer.misconceptions}
            for name in explanations:
                if name not in declared:
                    found.append((f"[{exercise_id}] explains `{name}`, which no answer of "
                                  f"{exercise_id} declares (in [answers.NAME.misconceptions] "
                                  f"of variants/{exercise_id}.toml)",
                                  line_of(folder / "misconceptions.toml",
                                          f"{exercise_id}.{name}")))
    return found


# templates/<lang>/strings.toml: a language's fixed words and how it writes numbers.
STRINGS = {
    "locale": Key(Kind("a CLDR locale such as \"bg\" or \"en_GB\"",
                       lambda v: isinstance(v, str) and localedata.exists(v))),
    "min_grouping_digits": Key(whole(1), 1),
    "list_separator": Key(TEXT, ", "),
    "group_separator": Key(TEXT, None),
    "words": Key(TEXT_TABLE),
    "typesetting": Key(TABLE),              # what the PDFs need to set the language
}
# templates/<lang>/exercises.toml: per exercise, its title and its answers' labels.
EXERCISE_WORDS = {
    "title": Key(TEXT),
    "labels": Key(mapping(TEXT, "a table of answer = \"label\" (Markdown)"), {}),
}
# templates/<lang>/misconceptions.toml: per exercise, what each named mistake means.
EXPLANATIONS = mapping(Kind("", lambda v: isinstance(v, str) and bool(v.strip())),
                       "a table mapping each misconception's name to its explanation: "
                       "sample_variance = \"…\"")


def _load_language(path: Path) -> Language:
    data = table(read_toml(path), STRINGS, locator(path))
    style = NumberStyle(locale=data["locale"], min_grouping_digits=data["min_grouping_digits"],
                        list_separator=data["list_separator"],
                        group_separator=data["group_separator"])
    folder = path.parent
    return Language(folder.name, style, data["words"],
                    _load_typesetting(data["typesetting"], path),
                    _load_explanations(folder / "misconceptions.toml"),
                    _load_exercise_words(folder / "exercises.toml"), folder / "exercises.toml")


def _load_exercise_words(path: Path) -> dict:
    """`[exercise] title = "…"` and `[exercise.labels] answer = "…"`: the words of each
    exercise in one language (checked against the exercises as they are loaded)."""
    if not path.is_file():
        fail("not found: each language names its exercises and labels their answers "
             "there ([<exercise>] title = \"…\", [<exercise>.labels] <answer> = \"…\")",
             str(path))
    return {exercise_id: table(words, EXERCISE_WORDS, locator(path, exercise_id),
                               f"[{exercise_id}]")
            for exercise_id, words in read_toml(path).items()}


# [typesetting] of strings.toml: how pdfLaTeX sets the language.
TYPESETTING = {
    "babel": Key(Kind("babel's name for the language (letters: bulgarian, english)",
                      lambda v: isinstance(v, str) and v.isascii() and v.isalpha())),
    "fontenc": Key(Kind("a font encoding (T2A for Cyrillic, T1 for Latin)",
                        lambda v: isinstance(v, str) and v.isascii() and v.isalnum())),
    "quotes": Key(Kind("the opening and closing quotation marks of the language's CLDR "
                       "locale, one character each: [\"„\", \"“\"]",
                       lambda v: isinstance(v, list) and len(v) == 2
                       and all(isinstance(q, str) and len(q) == 1 for q in v))),
}


def _load_typesetting(raw: dict, path: Path) -> Typesetting:
    data = table(raw, TYPESETTING, locator(path, "typesetting"), "[typesetting]")
    return Typesetting(data["babel"], data["fontenc"], tuple(data["quotes"]))


def _with_cyrillic(languages: dict) -> dict:
    """Each language whose encoding has no Cyrillic sets Cyrillic runs in the bank's
    first language that has (a Bulgarian name in an English sheet)."""
    cyrillic = next((l.typesetting.babel for l in languages.values()
                     if l.typesetting.has_cyrillic), None)
    return {code: language if language.typesetting.has_cyrillic else replace(
        language, typesetting=replace(language.typesetting, cyrillic=cyrillic))
        for code, language in languages.items()}


def _load_explanations(path: Path) -> dict:
    """`[exercise] name = "explanation"`: what a student who made that mistake did."""
    if not path.is_file():
        return {}
    data = read_toml(path)
    for exercise_id, explanations in data.items():
        check(explanations, EXPLANATIONS, f"[{exercise_id}]", lambda e=exercise_id:
              line_of(path, e))
    return data


MOVED_TITLE = ("to templates/<lang>/exercises.toml, where every word of a language lives: "
               "write [{exercise}] title = \"…\" there for each language (a variants file "
               "keeps the mathematics)")
MOVED_LABEL = ("to templates/<lang>/exercises.toml, where every word of a language lives: "
               "write {answer} = \"…\" under [{exercise}.labels] there for each language "
               "(a variants file keeps the mathematics)")

# variants/<exercise>.toml: the mathematics of one exercise.
VARIANTS = {
    "number": Key(whole(1)),
    "params": Key(Kind("a table: name = [values]", TABLE.accepts), {}),
    "constraints": Key(listing(TEXT, "a list of strings: [\"a % b == 0\"]"), []),
    "answers": Key(Kind("a table of answers: [answers.NAME]", TABLE.accepts)),
    "reference": Key(TABLE, {}),
    "symbols": Key(mapping(TEXT, "a table mapping names to LaTeX strings"), {}),
    "parts": Key(Kind("the number of sub-questions", whole(0).accepts), 0),
    "title": Key(ANY, moved=MOVED_TITLE),
}
# [answers.NAME]: a computed answer (formula) or a multiple-choice one (options, correct).
ANSWER = {
    "formula": Key(Kind("a formula as a string: formula = \"a * b\"", TEXT.accepts), None),
    "options": Key(TEXTS, None),
    "correct": Key(TEXT, None),
    "decimals": Key(whole(0, 10), 2),
    "tolerance": Key(number(0), None),
    "reference": Key(ANY, None),
    "same_order_as": Key(Kind("the name of a multiple-choice answer", TEXT.accepts), None),
    "part": Key(Kind("a sub-question number from 1", whole(1).accepts), None),
    "intermediate": Key(BOOL, False),
    "misconceptions": Key(Kind("a table of name = \"formula\"", TABLE.accepts), {}),
    "alternatives": Key(listing(TEXT, "a list of formulas: alternatives = "
                                      "[\"deviations / round(std, 2)\"]"), []),
    "label": Key(ANY, moved=MOVED_LABEL),
    # A student may write it after the number (`16 MB`); another size (`16 GB`) is wrong.
    "unit": Key(Kind(f"one of {', '.join(UNITS)}", lambda v: v in UNITS), None),
}
# A misconception written as a table: name = { formula = "…", avoid = true }.
MISCONCEPTION = {"formula": Key(TEXT), "avoid": Key(BOOL, False)}


def _load_exercise(path: Path, templates_dir: Path, languages) -> Exercise:
    exercise_id = path.stem
    if not _ID.match(exercise_id):
        fail("an exercise id (the file name) must be lowercase letters, digits and "
             "underscores", str(path))
    data = table(read_toml(path), VARIANTS, locator(path), exercise=exercise_id)
    number = data["number"]
    params_spec = data["params"]
    for name in params_spec:
        if name.endswith("_order"):
            fail(f"parameter `{name}`: names ending in _order are kept for the order of a "
                 "multiple-choice answer's options", line_of(path, f"params.{name}"))
    names = set(params_spec)

    def candidates() -> dict:
        return {name: candidate_values(name, spec, line_of(path, f"params.{name}"))
                for name, spec in params_spec.items()}

    constraints = []
    for source in data["constraints"]:
        try:
            formula = parse(source)
        except FormulaError as exc:
            fail(str(exc), line_of(path, "constraints"))
        unknown = formula.names - names
        if unknown:
            fail(f"constraint `{source}` names no parameter {', '.join(sorted(unknown))}",
                 line_of(path, "constraints"))
        constraints.append(formula)

    answers_spec = data["answers"]
    titles, labels = _words(exercise_id, answers_spec, languages)
    answers = {name: _load_answer(exercise_id, name, spec, path, labels[name])
               for name, spec in answers_spec.items()}
    choices = tuple(Choice(a.name, a.options) for a in answers.values()
                    if a.is_choice and not a.shares_order_with)
    for a in answers.values():
        if a.shares_order_with:
            leader = answers.get(a.shares_order_with)
            if leader is None or not leader.is_choice or set(leader.options) != set(a.options):
                fail(f"answer `{a.name}`: same_order_as must name a multiple-choice answer "
                     "with the same options", line_of(path, f"answers.{a.name}"))
    answers = _in_computing_order(answers, names, path)

    def exact() -> tuple[ParamSpace, dict]:
        space = ParamSpace.build(candidates(), tuple(constraints), choices, where=str(path))
        return space, _load_reference(data["reference"], space, path)

    drawing = _kept_drawing(path)
    if drawing is not None and (drawing.choices != choices or set(drawing.names) != names | {
            choice.param for choice in choices}):
        drawing = None                   # not this exercise's: made again, and kept
    if drawing is None:                  # checked and enumerated now, and kept
        known = exact()
        drawing = Drawing.of(known[0])
        _keep_drawing(path, drawing)
        exact = lambda: known            # noqa: E731 (computed once, above)
    for answer in answers.values():
        for name in answer.misconceptions:
            for lang, language in languages.items():
                if not language.explanation(exercise_id, name):
                    fail(f"misconception `{name}` of `{answer.name}` has no explanation in "
                         f"templates/{lang}/misconceptions.toml ([{exercise_id}] "
                         f"{name} = \"…\")",
                         line_of(path, f"answers.{answer.name}.misconceptions"))
    templates = {}
    for lang in languages:
        template = templates_dir / lang / f"{exercise_id}.md"
        if not template.is_file():
            fail(f"exercise `{exercise_id}` has no {lang} template {template}")
        templates[lang] = template
    for answer in answers.values():
        missing = [lang for lang in languages if lang not in answer.labels]
        if missing and not answer.intermediate:
            language = languages[missing[0]]
            fail(f"answer `{answer.name}` of `{exercise_id}` has no {missing[0]} label: "
                 f"add {answer.name} = \"…\" to [{exercise_id}.labels]",
                 line_of(language.exercises_path, f"{exercise_id}.labels"))
    parts = data["parts"]
    for answer in answers.values():
        if answer.part is not None and not answer.part <= parts:
            fail(f"answer `{answer.name}` has part = {answer.part}, but the exercise "
                 f"declares parts = {parts}", line_of(path, f"answers.{answer.name}"))
    return Exercise(exercise_id, number, titles, answers, data["symbols"], templates, path,
                    parts, drawing, exact)


# A parameter space is enumerated with exact arithmetic (sympy), checking every
# combination against the constraints: the cache keeps what drawing needs of it, keyed
# by every file of the bank and exgen itself (cache.py), so a warm build loads the bank
# without importing sympy. The exact space is made again only when something asks for it
# (solving a variant not kept, a spec that fixes parameters, `check`).

def _kept_drawing(path: Path) -> Drawing | None:
    kept = cache.bank_store("spaces", path.parent.parent)    # <bank>/variants/<id>.toml
    if kept is None:
        return None
    found = kept.get(path.stem)
    if found is None:
        return None
    try:
        return Drawing.from_json(found)
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):
        kept.forget(path.stem)
        return None


def _keep_drawing(path: Path, drawing: Drawing) -> None:
    kept = cache.bank_store("spaces", path.parent.parent)
    if kept is not None:
        kept.put(path.stem, drawing.to_json())


def _words(exercise_id: str, answers: dict, languages) -> tuple[dict, dict]:
    """An exercise's title and its answers' labels, by language, from each language's
    exercises.toml; a label for an answer the exercise does not have is an error."""
    titles: dict[str, str] = {}
    labels: dict[str, dict[str, str]] = {name: {} for name in answers}
    for lang, language in languages.items():
        path = language.exercises_path
        words = language.exercises.get(exercise_id)
        if words is None:
            fail(f"exercise `{exercise_id}` has no {lang} title: add [{exercise_id}] "
                 "title = \"…\"", str(path))
        titles[lang] = words["title"]
        for name, label in words["labels"].items():
            if name not in labels:
                fail(f"[{exercise_id}.labels] names `{name}`, which is no answer of "
                     f"{exercise_id} (its answers: {', '.join(answers)})",
                     line_of(path, f"{exercise_id}.labels.{name}"))
            labels[name][lang] = label
    return titles, labels


def _load_answer(exercise_id: str, name: str, spec, path: Path,
                 labels: Mapping[str, str]) -> Answer:
    locate = locator(path, f"answers.{name}")
    spec = table(spec, ANSWER, locate, f"answer `{name}`", exercise=exercise_id, answer=name)
    misconceptions, avoid = _load_misconceptions(name, spec["misconceptions"], path)
    common = dict(name=name, part=spec["part"], places=spec["decimals"],
                  tolerance=spec["tolerance"], labels=labels, reference=spec["reference"],
                  intermediate=spec["intermediate"], misconceptions=misconceptions,
                  avoid=avoid, unit=spec["unit"])
    if spec["formula"] is not None:
        try:
            formula = parse(spec["formula"])
        except FormulaError as exc:
            fail(str(exc), locate("formula"))
        alternatives = []
        for source in spec["alternatives"]:
            try:
                alternatives.append(parse(source))
            except FormulaError as exc:
                fail(f"answer `{name}`: {exc}", locate("alternatives"))
        return Answer(formula=formula, alternatives=tuple(alternatives), **common)
    if spec["alternatives"]:
        fail(f"answer `{name}`: only an answer with a formula may list alternatives",
             locate("alternatives"))
    options, correct = spec["options"], spec["correct"]
    if options is None or correct not in options:
        fail(f"answer `{name}` needs a `formula`, or `options` with `correct` being one of "
             "them", locate(None))
    if len(options) > len(LETTERS) or len(set(options)) != len(options):
        fail(f"answer `{name}`: options must be distinct", locate("options"))
    return Answer(options=tuple(options), correct=correct,
                  shares_order_with=spec["same_order_as"], **common)


def _load_misconceptions(answer: str, raw: dict, path: Path) -> tuple[dict, frozenset]:
    """`[answers.NAME.misconceptions]` `mistake = "formula"`: the value a named mistake
    gives, over the same names (and with the same whitelist) as the answer's formula."""
    where = f"answers.{answer}.misconceptions"
    result = {}
    avoid = set()
    for name, source in raw.items():
        if not _ID.match(name) or not isinstance(source, (str, dict)):
            fail(f"answer `{answer}`: misconception `{name}` needs a name of lowercase "
                 "letters, digits and _, and a formula: name = \"formula\" or "
                 "name = { formula = \"…\", avoid = true }", line_of(path, f"{where}.{name}"))
        if isinstance(source, dict):
            source = table(source, MISCONCEPTION, locator(path, f"{where}.{name}"),
                           f"misconception `{name}` of `{answer}`")
            if source["avoid"]:
                avoid.add(name)
            source = source["formula"]
        try:
            result[name] = parse(source)
        except FormulaError as exc:
            fail(f"misconception `{name}`: {exc}", line_of(path, f"{where}.{name}"))
    return result, frozenset(avoid)


def _in_computing_order(answers: dict, params: set, path: Path) -> dict:
    """Answers may use earlier answers; order them so each comes after what it reads."""
    graph = {}
    for answer in answers.values():
        if answer.is_choice:
            graph[answer.name] = set()
            continue
        unknown = answer.formula.names - params - set(answers)
        if unknown:
            raise ExgenError(
                f"the formula of `{answer.name}` uses {', '.join(sorted(unknown))}, which is "
                f"neither a parameter nor an answer",
                where=line_of(path, f"answers.{answer.name}.formula"))
        graph[answer.name] = answer.formula.names & set(answers)
        for alternative in answer.alternatives:
            unknown = alternative.names - params - set(answers)
            if unknown:
                raise ExgenError(
                    f"the alternative `{alternative.source}` of `{answer.name}` uses "
                    f"{', '.join(sorted(unknown))}, which is neither a parameter nor an answer",
                    where=line_of(path, f"answers.{answer.name}.alternatives"))
    for answer in answers.values():
        for name, formula in answer.misconceptions.items():
            unknown = formula.names - params - set(answers)
            if unknown:
                raise ExgenError(
                    f"misconception `{name}` of `{answer.name}` uses "
                    f"{', '.join(sorted(unknown))}, which is neither a parameter nor an "
                    "answer", where=line_of(path, f"answers.{answer.name}.misconceptions"))
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        raise ExgenError(f"answers depend on each other in a circle: {exc.args[1]}",
                         where=str(path)) from None
    # A stable topological order: the declared order wherever dependencies allow it.
    result: dict = {}
    pending = list(answers)
    while pending:
        for name in pending:
            if graph[name] <= set(result):
                result[name] = answers[name]
                pending.remove(name)
                break
    return result


def _load_reference(raw: dict, space: ParamSpace, path: Path) -> dict:
    """The seed's own parameter values, checked against the space's constraints."""
    reference = {}
    for name, value in raw.items():
        if name not in space.names:
            raise ExgenError(f"reference names no parameter `{name}`",
                             where=line_of(path, f"reference.{name}"))
        try:
            reference[name] = tuple(value) if name.endswith("_order") else to_value(value)
        except (FormulaError, TypeError) as exc:
            raise ExgenError(f"reference `{name}`: {exc}",
                             where=line_of(path, f"reference.{name}")) from None
    for choice in space.choices:
        reference.setdefault(choice.param, choice.options)
        if sorted(reference[choice.param]) != sorted(choice.options):
            raise ExgenError(f"reference `{choice.param}` must order exactly the options "
                             f"{', '.join(choice.options)}", where=line_of(path, "reference"))
    missing = set(space.names) - set(reference)
    if missing:
        raise ExgenError(f"reference misses {', '.join(sorted(missing))}", where=str(path))
    space.check(reference)
    return {name: reference[name] for name in space.names}
