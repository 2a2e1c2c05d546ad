"""Loading a bank: `variants/*.toml` (parameter spaces and answer formulas),
`templates/<lang>/*.md` (the texts) and `templates/<lang>/strings.toml` (a language's
fixed words and number style). Everything is validated here, once, so later stages can
trust what they are given.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Mapping

from .errors import ExgenError, read_user_file
from .formula import Formula, FormulaError, parse, to_value
from .latex import Typesetting
from .numbers import NumberStyle
from .params import Choice, ParamSpace, candidate_values

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
    space: ParamSpace
    answers: Mapping[str, Answer]           # in the order they are computed
    symbols: Mapping[str, str]
    reference: Mapping[str, object]
    templates: Mapping[str, Path]           # language → template file
    path: Path
    parts: int = 0                          # numbered sub-questions a spec may choose from
    # variant key → whether the sampler avoids it (solve.avoided fills it in)
    avoided_variants: dict = field(default_factory=dict, compare=False, repr=False)

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


def read_toml(path: Path) -> dict:
    text = read_user_file(path, "file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExgenError(f"not valid TOML: {exc}", where=str(path)) from None


def line_of(path: Path, key: str) -> str:
    """`file, line N` for the line that defines a dotted key such as
    `answers.w2_params.formula`: its table header, then the key within it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    parts = key.split(".")
    found, start = None, 0
    for depth in range(len(parts), 0, -1):      # the longest table header that exists
        header = re.compile(rf"^\s*\[\[?{re.escape('.'.join(parts[:depth]))}\]\]?\s*(#.*)?$")
        hit = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if hit is not None:
            found, start, parts = hit, hit + 1, parts[depth:]
            break
    for leaf in parts:
        assignment = re.compile(rf"^\s*{re.escape(leaf)}\s*=|[{{,]\s*{re.escape(leaf)}\s*=")
        hit = next((i for i in range(start, len(lines))
                    if assignment.search(lines[i]) or (i > start and lines[i].lstrip()
                                                       .startswith("["))), None)
        if hit is None or lines[hit].lstrip().startswith("[") and not assignment.search(
                lines[hit]):
            break
        found, start = hit, hit
    if found is None:
        return f"{path} ({key})"
    return f"{path}, line {found + 1} ({key})"


def load_bank(root: Path | str | None = None, problems: list[str] | None = None) -> Bank:
    """Load and validate a bank. With a `problems` list, an exercise that fails is left
    out and its error collected there (so `check` reports every problem at once);
    without one, the first problem raises."""
    root = Path(root) if root is not None else DEFAULT_BANK
    variants_dir, templates_dir = root / "variants", root / "templates"
    for folder in (variants_dir, templates_dir):
        if not folder.is_dir():
            raise ExgenError(f"a bank needs the folder {folder.name}/ (not found in {root})")
    languages = {}
    for strings in sorted(templates_dir.glob("*/strings.toml")):
        languages[strings.parent.name] = _load_language(strings)
    if not languages:
        raise ExgenError(f"no language in {templates_dir}: each needs <lang>/strings.toml")
    languages = _with_cyrillic(languages)
    exercises = []
    for path in sorted(variants_dir.glob("*.toml")):
        try:
            exercises.append(_load_exercise(path, templates_dir, languages))
        except ExgenError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    if not exercises and not problems:
        raise ExgenError(f"no exercise in {variants_dir}")
    numbers: dict[int, Path] = {}
    for ex in exercises:
        if ex.number in numbers:
            raise ExgenError(f"exercise number {ex.number} is also used by "
                             f"{numbers[ex.number].name}", where=line_of(ex.path, "number"))
        numbers[ex.number] = ex.path
    exercises.sort(key=lambda e: e.number)
    return Bank(root, {e.id: e for e in exercises}, languages)


def _load_language(path: Path) -> Language:
    data = read_toml(path)
    try:
        style = NumberStyle(locale=data["locale"],
                            min_grouping_digits=int(data.get("min_grouping_digits", 1)),
                            list_separator=data.get("list_separator", ", "),
                            group_separator=data.get("group_separator"))
        words = data["words"]
    except KeyError as exc:
        raise ExgenError(f"missing key {exc}", where=str(path)) from None
    return Language(path.parent.name, style, words, _load_typesetting(data, path),
                    _load_explanations(path.parent / "misconceptions.toml"))


TYPESETTING_EXAMPLE = ('[typesetting] babel = "bulgarian", fontenc = "T2A", '
                       'quotes = ["„", "“"]')


def _load_typesetting(data: dict, path: Path) -> Typesetting:
    """`[typesetting]`: the babel language name, the font encoding (T2A for Cyrillic, T1
    for Latin) and the quotation marks of the language's CLDR locale."""
    table = data.get("typesetting")
    if not isinstance(table, dict):
        raise ExgenError(f"missing the table {TYPESETTING_EXAMPLE}", where=str(path))
    quotes = table.get("quotes")
    for key in ("babel", "fontenc"):
        if not isinstance(table.get(key), str) or not re.fullmatch(r"[A-Za-z0-9]+",
                                                                   table[key]):
            raise ExgenError(f"typesetting.{key} must be a name of letters and digits "
                             f"({TYPESETTING_EXAMPLE})", where=line_of(path, "typesetting"))
    if not (isinstance(quotes, list) and len(quotes) == 2
            and all(isinstance(q, str) and len(q) == 1 for q in quotes)):
        raise ExgenError("typesetting.quotes must be the opening and closing quotation "
                         "marks, one character each: quotes = [\"„\", \"“\"]",
                         where=line_of(path, "typesetting"))
    unknown = set(table) - {"babel", "fontenc", "quotes"}
    if unknown:
        raise ExgenError(f"unknown key `typesetting.{sorted(unknown)[0]}` (allowed: babel, "
                         "fontenc, quotes)", where=line_of(path, "typesetting"))
    return Typesetting(table["babel"], table["fontenc"], (quotes[0], quotes[1]))


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
    for exercise_id, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip()
                                                  for v in table.values()):
            raise ExgenError(f"[{exercise_id}] must map each misconception's name to its "
                             "explanation: sample_variance = \"…\"",
                             where=line_of(path, exercise_id))
    return data


def _require(data: dict, key: str, kind, path: Path, prefix: str = ""):
    if key not in data:
        raise ExgenError(f"missing `{prefix}{key}`", where=str(path))
    value = data[key]
    if not isinstance(value, kind):
        raise ExgenError(f"`{prefix}{key}` must be a {kind.__name__}",
                         where=line_of(path, prefix + key))
    return value


def _load_exercise(path: Path, templates_dir: Path, languages) -> Exercise:
    exercise_id = path.stem
    if not _ID.match(exercise_id):
        raise ExgenError("an exercise id (the file name) must be lowercase letters, digits "
                         "and underscores", where=str(path))
    data = read_toml(path)
    known = {"number", "title", "params", "constraints", "answers", "reference", "symbols",
             "parts"}
    for key in data:
        if key not in known:
            raise ExgenError(f"unknown key `{key}` (allowed: {', '.join(sorted(known))})",
                             where=line_of(path, key))
    number = _require(data, "number", int, path)
    titles = _require(data, "title", dict, path)
    params_spec = data.get("params", {})
    if not isinstance(params_spec, dict):
        raise ExgenError("[params] must be a table: name = [values]", where=line_of(path, "params"))
    for name in params_spec:
        if name.endswith("_order"):
            raise ExgenError(f"parameter `{name}`: names ending in _order are kept for the "
                             "order of a multiple-choice answer's options",
                             where=line_of(path, f"params.{name}"))
    candidates = {name: candidate_values(name, spec, line_of(path, f"params.{name}"))
                  for name, spec in params_spec.items()}

    constraints = []
    raw_constraints = data.get("constraints", [])
    if not isinstance(raw_constraints, list) or not all(
            isinstance(c, str) for c in raw_constraints):
        raise ExgenError("constraints must be a list of strings: [\"a % b == 0\"]",
                         where=line_of(path, "constraints"))
    for source in raw_constraints:
        try:
            formula = parse(source)
        except FormulaError as exc:
            raise ExgenError(str(exc), where=line_of(path, "constraints")) from None
        unknown = formula.names - set(candidates)
        if unknown:
            raise ExgenError(f"constraint `{source}` names no parameter "
                             f"{', '.join(sorted(unknown))}", where=line_of(path, "constraints"))
        constraints.append(formula)

    answers_spec = _require(data, "answers", dict, path)
    answers = {name: _load_answer(name, spec, path) for name, spec in answers_spec.items()}
    choices = tuple(Choice(a.name, a.options) for a in answers.values()
                    if a.is_choice and not a.shares_order_with)
    for a in answers.values():
        if a.shares_order_with:
            leader = answers.get(a.shares_order_with)
            if leader is None or not leader.is_choice or set(leader.options) != set(a.options):
                raise ExgenError(f"answer `{a.name}`: same_order_as must name a multiple-choice "
                                 "answer with the same options",
                                 where=line_of(path, f"answers.{a.name}"))
    answers = _in_computing_order(answers, set(candidates), path)
    space = ParamSpace.build(candidates, tuple(constraints), choices, where=str(path))

    reference = _load_reference(data.get("reference", {}), space, path)
    symbols = data.get("symbols", {})
    if not isinstance(symbols, dict) or not all(isinstance(v, str) for v in symbols.values()):
        raise ExgenError("[symbols] must map names to LaTeX strings",
                         where=line_of(path, "symbols"))
    for answer in answers.values():
        for name in answer.misconceptions:
            for lang, language in languages.items():
                if not language.explanation(exercise_id, name):
                    raise ExgenError(
                        f"misconception `{name}` of `{answer.name}` has no explanation in "
                        f"templates/{lang}/misconceptions.toml ([{exercise_id}] "
                        f"{name} = \"…\")",
                        where=line_of(path, f"answers.{answer.name}.misconceptions"))
    templates = {}
    for lang in languages:
        template = templates_dir / lang / f"{exercise_id}.md"
        if not template.is_file():
            raise ExgenError(f"exercise `{exercise_id}` has no {lang} template {template}")
        if lang not in titles:
            raise ExgenError(f"no `title.{lang}`", where=line_of(path, "title"))
        templates[lang] = template
    parts = data.get("parts", 0)
    if not isinstance(parts, int) or isinstance(parts, bool) or parts < 0:
        raise ExgenError("`parts` must be the number of sub-questions",
                         where=line_of(path, "parts"))
    for answer in answers.values():
        if answer.part is not None and not 1 <= answer.part <= parts:
            raise ExgenError(f"answer `{answer.name}` has part = {answer.part}, but the "
                             f"exercise declares parts = {parts}",
                             where=line_of(path, f"answers.{answer.name}"))
    return Exercise(exercise_id, number, titles, space, answers, symbols, reference,
                    templates, path, parts)


def _load_answer(name: str, spec, path: Path) -> Answer:
    where = line_of(path, f"answers.{name}")
    if not isinstance(spec, dict):
        raise ExgenError(f"answer `{name}` must be a table", where=where)
    allowed = {"formula", "options", "correct", "decimals", "tolerance", "label",
               "reference", "same_order_as", "part", "intermediate", "misconceptions",
               "alternatives"}
    for key in spec:
        if key not in allowed:
            raise ExgenError(f"answer `{name}` has unknown key `{key}` "
                             f"(allowed: {', '.join(sorted(allowed))})", where=where)
    part = spec.get("part")
    if part is not None and not _whole(part, 1):
        raise ExgenError(f"answer `{name}`: part must be a sub-question number from 1",
                         where=where)
    places = spec.get("decimals", 2)
    if not _whole(places, 0) or places > 10:
        raise ExgenError(f"answer `{name}`: decimals must be a whole number from 0 to 10",
                         where=where)
    tolerance = spec.get("tolerance")
    if tolerance is not None and (isinstance(tolerance, bool) or
                                  not isinstance(tolerance, (int, float)) or
                                  not 0 <= tolerance < float("inf")):
        raise ExgenError(f"answer `{name}`: tolerance must be a number from 0", where=where)
    labels = spec.get("label", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise ExgenError(f"answer `{name}`: label must be a table per language: "
                         "{ bg = \"…\", en = \"…\" }", where=where)
    intermediate = spec.get("intermediate", False)
    if not isinstance(intermediate, bool):
        raise ExgenError(f"answer `{name}`: intermediate is true or false", where=where)
    common = dict(name=name, part=part, places=places, tolerance=tolerance, labels=labels,
                  reference=spec.get("reference"), intermediate=intermediate,
                  **dict(zip(("misconceptions", "avoid"), _load_misconceptions(
                      name, spec.get("misconceptions", {}), path))))
    if "formula" in spec:
        if not isinstance(spec["formula"], str):
            raise ExgenError(f"answer `{name}`: a formula is a string: formula = \"a * b\"",
                             where=where)
        try:
            formula = parse(spec["formula"])
        except FormulaError as exc:
            raise ExgenError(str(exc), where=line_of(path, f"answers.{name}.formula")) from None
        return Answer(formula=formula, alternatives=_alternatives(name, spec, path), **common)
    if "alternatives" in spec:
        raise ExgenError(f"answer `{name}`: only an answer with a formula may list "
                         "alternatives", where=where)
    options, correct = spec.get("options"), spec.get("correct")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options) \
            or correct not in options:
        raise ExgenError(f"answer `{name}` needs a `formula`, or `options` with `correct` "
                         "being one of them", where=where)
    if len(options) > len(LETTERS) or len(set(options)) != len(options):
        raise ExgenError(f"answer `{name}`: options must be distinct", where=where)
    return Answer(options=tuple(options), correct=correct,
                  shares_order_with=spec.get("same_order_as"), **common)


def _alternatives(name: str, spec: dict, path: Path) -> tuple[Formula, ...]:
    """Formulas of further values grading accepts for an answer — what a student gets
    who follows the method with rounded intermediate results."""
    raw = spec.get("alternatives", [])
    where = line_of(path, f"answers.{name}.alternatives")
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise ExgenError(f"answer `{name}`: alternatives is a list of formulas: "
                         "alternatives = [\"deviations / round(std, 2)\"]", where=where)
    try:
        return tuple(parse(source) for source in raw)
    except FormulaError as exc:
        raise ExgenError(f"answer `{name}`: {exc}", where=where) from None


def _load_misconceptions(answer: str, raw, path: Path) -> tuple[dict, frozenset]:
    """`[answers.NAME.misconceptions]` `mistake = "formula"`: the value a named mistake
    gives, over the same names (and with the same whitelist) as the answer's formula."""
    where = line_of(path, f"answers.{answer}.misconceptions")
    if not isinstance(raw, dict):
        raise ExgenError(f"answer `{answer}`: misconceptions is a table of "
                         "name = \"formula\"", where=where)
    result = {}
    avoid = set()
    for name, source in raw.items():
        if isinstance(source, dict) and set(source) <= {"formula", "avoid"} \
                and isinstance(source.get("avoid", False), bool):
            if source.get("avoid"):
                avoid.add(name)
            source = source.get("formula")
        if not _ID.match(name) or not isinstance(source, str):
            raise ExgenError(f"answer `{answer}`: misconception `{name}` needs a name of "
                             "lowercase letters, digits and _, and a formula: name = "
                             "\"formula\" or name = { formula = \"…\", avoid = true }",
                             where=where)
        try:
            result[name] = parse(source)
        except FormulaError as exc:
            raise ExgenError(f"misconception `{name}`: {exc}", where=where) from None
    return result, frozenset(avoid)


def _whole(value, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


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
