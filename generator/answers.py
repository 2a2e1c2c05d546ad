"""The answer model: every answer a student is asked for, put together once.

An asked answer's id (`<exercise>.<answer>`), exact and plain value, printed text,
tolerance and option order are built here and read by every consumer — the keys and
answer forms, `grade`, and the LMS exports — so that paper, grader and LMS can never
disagree about what counts as right.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bank import LETTERS, Answer
from .exam import Item
from .kinds import KINDS, Kind
from .numbers import NumberStyle, Shown
from .reading import Key
from .solve import Solution


@dataclass(frozen=True)
class AskedAnswer:
    """One answer of one variant that a student must give."""

    exercise_id: str
    answer: Answer
    solution: Solution
    order: tuple[str, ...] = ()  # a choice's options in the order this variant prints them

    @property
    def name(self) -> str:
        return self.answer.name

    @property
    def id(self) -> str:
        """`<exercise>.<answer>`: the answers file's column, the LMS exports' answer id."""
        return f"{self.exercise_id}.{self.name}"

    @property
    def exact(self):
        """The solution's exact value (sympy), or a choice's letter."""
        return self.solution.answers[self.name]

    @property
    def alternatives(self) -> tuple:
        """Further exact values accepted with the same tolerance (the variants file's
        `alternatives`: what a student gets who rounds on the way)."""
        return self.solution.alternatives.get(self.name, ())

    @property
    def key(self) -> Key:
        """What a written answer is judged by (reading.judge), without its mistakes
        (misconceptions.reading_key adds them)."""
        return self.solution.keys[self.name]

    @property
    def plain(self):
        """The JSON value: int, float, a list, a list of rows, or a choice's letter."""
        return self.key.value

    @property
    def kind(self) -> Kind:
        """number, vector, matrix or choice (kinds.py): what its consumers ask of it."""
        return KINDS[self.key.kind]

    @property
    def whole(self) -> bool:
        """A whole-number key: there `1,024` is read as a thousand and twenty-four, and
        as one and 24 thousandths otherwise (reading.read_number)."""
        return self.kind == "number" and self.key.whole

    @property
    def tolerance(self) -> float:
        return self.key.tolerance

    @property
    def letters(self) -> tuple[str, ...]:
        """A choice's option letters as printed (a, b, c …); the right one is `plain`."""
        return tuple(LETTERS[i] for i in range(len(self.order)))

    @property
    def components(self) -> list:
        """What a student writes, one per box or gap: a number, a vector's entries, a
        matrix's cells row by row, or a choice's letter."""
        return self.kind.components(self.plain)

    @property
    def shape(self) -> tuple[int, ...]:
        """() for a number, (n,) for a vector, (rows, columns) for a matrix."""
        return self.kind.shape(self.plain)

    def label(self, lang: str) -> str:
        return self.answer.labels.get(lang, self.name)

    def shown(self, style: NumberStyle) -> Shown:
        """As the key prints it, and whether that is rounded."""
        return Shown(*self.solution.shown(self.name, style))


def asked_answers(item: Item) -> tuple[AskedAnswer, ...]:
    """The answers this item asks for, sub-question by sub-question."""
    solution = item.solution
    params = solution.variant.params
    result = []
    for name in item.asked:
        answer = item.exercise.answers[name]
        order = tuple(params[answer.order_param]) if answer.is_choice else ()
        result.append(AskedAnswer(item.exercise.id, answer, solution, order))
    return tuple(result)


def answer_share(item: Item) -> float:
    """The points of one computed answer: the exercise's points less its written
    sub-questions', shared equally."""
    worth = item.points if item.points is not None else 1
    rest = worth - (item.written or 0) * len(item.written_parts)
    return rest / len(item.asked) if item.asked else 0.0
