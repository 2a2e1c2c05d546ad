"""Exercise texts: a Jinja template per exercise and language, rendered in Jinja's
sandbox with undefined names as errors. A template holds two named blocks, `question`
and `solution`, rendered separately.

Inside a template, parameters and answers are plain names (`{{ n_heads }}` prints the
number the way the language writes it), and a few helpers print the rest:
`step("name")` the worked step of an answer (formula = numbers = result), `calc("name")`
the same without the symbolic formula, `result("name")` the final value alone (boxed in
keys), `options("name")` the (letter, option) pairs of a
multiple-choice answer in this variant's order, `grid(n, matrix)` a 0/1 matrix as an
aligned text block, `ask(n)` whether sub-question n is asked (an exam spec may ask only
some) and `number(n)` the number it shows among those asked, and the filter `num(places)` to print any number.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from .lazy import sympy
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from . import cache
from .bank import LETTERS, Bank, Exercise
from .errors import ExgenError
from .exam import conceptual_parts
from .files import cache_folder
from .formula import is_matrix, to_value
from .typesetting import MATH_COMMANDS
from .numbers import NumberStyle, is_whole, show_value
from .schema import refuse_control_characters
from .solve import Solution

HELPERS = ("step", "calc", "result", "options", "grid", "ask", "number", "rounding",
           "not_graded")
BLOCKS = ("question", "solution")


def _finalize(style: NumberStyle):
    def finalize(value):
        if isinstance(value, (sympy.Basic, tuple)) and not is_matrix(value):
            if isinstance(value, tuple) and value and isinstance(value[0], str):
                return ", ".join(value)
            return show_value(value, style).text
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int):
            return show_value(sympy.Integer(value), style).text
        return value
    return finalize


def environment(template_dir: Path, style: NumberStyle) -> SandboxedEnvironment:
    """The exercise templates of one language folder, read once per command
    (cache.command_number: a template's file is not looked at again while it runs)."""
    return _environment(template_dir, style, cache.command_number())


@lru_cache(maxsize=16)
def _environment(template_dir: Path, style: NumberStyle, command: int) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize(style),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        bytecode_cache=compiled_templates("exercises"),
        auto_reload=False,          # a command reads a template once (no stat per use)
    )
    def num(value, places=2):
        # Numbers only: sympify() of a string would evaluate it, outside the sandbox.
        if isinstance(value, bool) or not isinstance(value, (int, float, sympy.Number,
                                                             sympy.Expr, tuple)):
            raise ExgenError(f"the num filter takes a number, not {type(value).__name__}")
        return show_value(to_value(value) if isinstance(value, (int, float)) else value,
                          style, int(places)).text

    env.filters["num"] = num
    return env


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, each checked against its template's source;
    a cache that cannot be written is no cache, not an error."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def compiled_templates(kind: str) -> jinja2.BytecodeCache | None:
    """The compiled templates of one kind of environment (exercise templates, Markdown or
    LaTeX layouts: the compiled code depends on the environment's settings), kept from
    build to build; None where the cache folder cannot be made."""
    folder = cache_folder(f"templates-{kind}")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


def language_environment(bank: Bank, lang: str) -> SandboxedEnvironment:
    style = bank.language(lang).style
    return environment(bank.root / "templates" / lang, style)


def load_template(bank: Bank, exercise: Exercise, lang: str) -> jinja2.Template:
    env = language_environment(bank, lang)
    name = exercise.templates[lang].name
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise ExgenError(f"template error: {exc.message}",
                         where=f"{exercise.templates[lang]}, line {exc.lineno}") from None
    missing = [b for b in BLOCKS if b not in template.blocks]
    if missing:
        raise ExgenError(f"the template has no block {', '.join(missing)} "
                         "({% block question %}…{% endblock %})",
                         where=str(exercise.templates[lang]))
    if _checked.get(template.filename) is not template:
        problems = template_problems(env, Path(template.filename))
        if problems:
            raise ExgenError(problems[0])
        _checked[template.filename] = template
    return template


_checked: dict[str, jinja2.Template] = {}       # templates found sound, by file
_TEX_WORD = re.compile(r"\\([A-Za-z@]+)")


def template_problems(env: SandboxedEnvironment, path: Path) -> list[str]:
    """What is wrong with a template as a whole, each naming its line: text outside the
    blocks (it would never be printed), and TeX commands a bank may not use (banks are
    shared, so a template is untrusted; see typesetting.MATH_COMMANDS)."""
    source = path.read_text(encoding="utf-8")
    try:
        refuse_control_characters(path, source)
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [f"{path}, line {exc.lineno}: template error: {exc.message}"]
    except ExgenError as exc:
        return [str(exc)]
    problems = []
    for node in tree.body:
        if isinstance(node, nodes.Block):
            continue
        text = "".join(n.data for n in node.find_all(nodes.TemplateData)) \
            if isinstance(node, nodes.Output) else "?"
        if text.strip() or (isinstance(node, nodes.Output) and any(
                not isinstance(n, nodes.TemplateData) for n in node.nodes)):
            problems.append(f"{path}, line {node.lineno}: text outside "
                            "{% block question %} and {% block solution %} is never "
                            "printed: move it into a block or delete it")
    for number, line in enumerate(source.splitlines(), start=1):
        for match in _TEX_WORD.finditer(line):
            if match.group(1) not in MATH_COMMANDS:
                problems.append(f"{path}, line {number}: the TeX command \\{match.group(1)} "
                                "is not allowed (a bank may use only the commands a "
                                "formula needs)")
        if "^^" in line:
            problems.append(f"{path}, line {number}: `^^` (TeX's character-code notation) "
                            "is not allowed")
    return problems


def grid(size: int, matrix=None, label: str = "t") -> str:
    """A square 0/1 matrix (or `?` placeholders) as aligned rows under token headers."""
    n = int(size)
    cells = [[("?" if matrix is None else str(int(matrix[i, j]))) for j in range(n)]
             for i in range(n)]
    width = max(3, len(f"{label}{n - 1}") + 1)
    head_width = len(f"{label}{n - 1}")
    header = " " * (head_width + 2) + "".join(f"{label}{j}".rjust(width) for j in range(n))
    rows = [f"{label}{i}".ljust(head_width) + " [" + "".join(c.rjust(width) for c in row)
            + "  ]" for i, row in enumerate(cells)]
    return "\n".join([header, *rows])


def rounding_instruction(language, answer, value, style: NumberStyle) -> str:
    """How a student is to write an answer that is not a whole number, from the places
    the key prints: rounded (`закръглете до 2 знака след десетичната запетая`), or
    exactly where the key prints it exactly (0,25; 87,5). Empty for whole numbers."""
    if answer.is_choice or is_matrix(value) or is_whole(value):
        return ""
    if not show_value(value, style, answer.places).approximate:
        return language.word("give_exact")
    return language.word("round_to_1" if answer.places == 1 else "round_to").replace(
        "{places}", str(answer.places))


@dataclass(frozen=True)
class RenderedExercise:
    question: str
    solution: str
    instructed: frozenset = frozenset()    # answers whose rounding the text states


class ExerciseTexts:
    """Renders the exercises of one bank in one language, caching by variant."""

    def __init__(self, bank: Bank, lang: str, *, boxed: bool = True):
        self.bank = bank
        self.lang = lang
        self.style = bank.language(lang).style
        self.boxed = boxed
        self._cache: dict[tuple, RenderedExercise] = {}
        # Texts of earlier builds of the same bank (the exgen command's cache).
        self._kept = cache.bank_store("texts", bank.root, lang, boxed)

    def context(self, solution: Solution, parts: tuple[int, ...] | None = None,
                instructed: set | None = None, ungraded: bool = False) -> dict:
        """The names a template sees; `instructed` collects the answers whose rounding
        the text states (through rounding()); `ungraded`: an exam's or a platform's text,
        where a conceptual sub-question carries no points (not_graded())."""
        style, boxed = self.style, self.boxed
        exercise = solution.variant.exercise
        language = self.bank.language(self.lang)
        instructed = set() if instructed is None else instructed

        def step(name, formula=True, unit=""):
            # Only what the sheet asks is boxed; an intermediate answer is a step.
            asked = boxed and not getattr(exercise.answers.get(name), "intermediate", False)
            return "$" + solution.step(name, style).latex(formula=formula, boxed=asked,
                                                          unit=unit) + "$"

        def calc(name, unit=""):
            return step(name, formula=False, unit=unit)

        def options(name):
            answer = exercise.answers.get(name)
            if answer is None or not answer.is_choice:
                raise ExgenError(f"`{name}` is not a multiple-choice answer of {exercise.id}")
            order = solution.variant.params[answer.order_param]
            return [(LETTERS[i], option) for i, option in enumerate(order)]

        def result(name, unit=""):
            text, rounded = solution.shown(name, style)
            if exercise.answers[name].is_choice:
                return f"**{text})**"
            text += rf"\,{unit}" if unit else ""
            shown = rf"\boxed{{{text}}}" if boxed else text
            return "$" + (r"\approx " if rounded else "") + shown + "$"

        def rounding(name):
            """` (round to 2 decimal places)` after a question, where its answer needs it."""
            answer = exercise.answers.get(name)
            if answer is None:
                raise ExgenError(f"`{name}` is not an answer of {exercise.id}")
            instructed.add(name)
            text = rounding_instruction(language, answer, solution.answers[name], style)
            return f" ({text})" if text else ""

        def not_graded(part):
            """` (not graded)` after a conceptual sub-question ("why …?") that the exam
            gives no points; nothing in a handout, or where the spec gives it points."""
            if part not in conceptual_parts(exercise):
                raise ExgenError(f"not_graded({part}): sub-question {part} of "
                                 f"{exercise.id} has an answer to compute, it is graded")
            return f" ({language.word('not_graded')})" if ungraded else ""

        def ask(part):
            return parts is None or part in parts

        def number(part):
            """The number sub-question `part` shows: its place among those asked."""
            return part if parts is None else sum(1 for p in parts if p <= part)

        return {**solution.value_env(), "step": step, "calc": calc, "options": options,
                "ask": ask, "number": number, "rounding": rounding, "not_graded": not_graded,
                "grid": grid, "result": result}

    def render(self, solution: Solution, parts: tuple[int, ...] | None = None,
               ungraded: bool = False) -> RenderedExercise:
        variant = solution.variant
        key = (variant.exercise.id, variant.key, parts, ungraded)
        if key not in self._cache:
            kept = self._kept.get(json.dumps(key)) if self._kept is not None else None
            rendered = _from_kept(kept)
            if rendered is None:
                rendered = self._rendered(solution, parts, ungraded)
                if self._kept is not None:
                    self._kept.put(json.dumps(key), [rendered.question, rendered.solution,
                                                     sorted(rendered.instructed)])
            self._cache[key] = rendered
        return self._cache[key]

    def _rendered(self, solution: Solution, parts: tuple[int, ...] | None,
                  ungraded: bool) -> RenderedExercise:
        variant = solution.variant
        template = load_template(self.bank, variant.exercise, self.lang)
        instructed: set = set()
        context = template.new_context(self.context(solution, parts, instructed, ungraded))
        blocks = {}
        for block in BLOCKS:
            try:
                blocks[block] = "".join(template.blocks[block](context)).strip()
            except ExgenError as exc:
                raise ExgenError(str(exc), where=str(variant.exercise.templates[self.lang]))
            except Exception as exc:  # a template may fail in any way: name where
                raise ExgenError(f"{type(exc).__name__}: {exc}",
                                 where=_template_where(exc, variant.exercise, self.lang,
                                                      template)
                                 ) from None
        return RenderedExercise(**blocks, instructed=frozenset(instructed))


def _from_kept(kept) -> RenderedExercise | None:
    """A rendered exercise from the cache, if the entry has its shape."""
    if (isinstance(kept, list) and len(kept) == 3 and isinstance(kept[0], str)
            and isinstance(kept[1], str) and isinstance(kept[2], list)
            and all(isinstance(name, str) for name in kept[2])):
        return RenderedExercise(kept[0], kept[1], frozenset(kept[2]))
    return None


def _template_where(exc: Exception, exercise: Exercise, lang: str,
                    template: jinja2.Template) -> str:
    """The template line where rendering failed (a block called directly runs compiled
    code, whose line numbers the template maps back to its own)."""
    lineno = getattr(exc, "lineno", None)
    if lineno is None:
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(exercise.templates[lang]):
                lineno = template.get_corresponding_lineno(tb.tb_lineno)
            tb = tb.tb_next
    path = exercise.templates[lang]
    return f"{path}, line {lineno}" if lineno else str(path)


def template_names(bank: Bank, exercise: Exercise, lang: str) -> tuple[set, set]:
    """Names a template reads (all of it, and its solution block alone), for `check`."""
    env = language_environment(bank, lang)
    source = exercise.templates[lang].read_text(encoding="utf-8")
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ExgenError(f"template error: {exc.message}",
                         where=f"{exercise.templates[lang]}, line {exc.lineno}") from None
    used = meta.find_undeclared_variables(tree)
    in_solution: set[str] = set()
    for block in tree.find_all(nodes.Block):
        if block.name == "solution":
            in_solution |= {n.name for n in block.find_all(nodes.Name)}
            for call in block.find_all(nodes.Call):
                in_solution |= {a.value for a in call.args
                                if isinstance(a, nodes.Const) and isinstance(a.value, str)}
    return used, in_solution
