"""The documents of a build as data: sheets, keys, the instructor's key and handouts,
each a list of exercises with their rendered Markdown. The Markdown and PDF writers are
thin layers over these, so both always show the same text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .bank import Bank
from .exam import Exam, Item, StudentExam
from .formula import is_matrix
from .render import Renderer
from .solve import Solution
from .spec import Heading


@dataclass(frozen=True)
class Part:
    """One exercise as a document prints it."""

    position: int
    number: int
    exercise_id: str
    title: str
    question: str
    solution: str
    points: float | None = None


@dataclass(frozen=True)
class StudentDocument:
    """A student's sheet (key=False) or answer key (key=True)."""

    student_exam: StudentExam
    lang: str
    heading: Heading
    parts: tuple[Part, ...]
    key: bool

    @property
    def student(self):
        return self.student_exam.student

    @property
    def code(self) -> str:
        return self.student_exam.code


@dataclass(frozen=True)
class KeyRow:
    id: str
    name: str
    code: str
    position: int
    exercise: str
    answers: str          # "label = value; …" as the language prints it (Markdown)


@dataclass(frozen=True)
class AnswerBox:
    """One answer a student writes on the answer form."""

    position: int
    exercise: str          # the exercise's title in the student's language
    name: str              # `<exercise>.<answer>`, the grading CSV's column
    label: str             # short, in the student's language
    kind: str              # number, vector, matrix or choice


def answer_boxes(se: StudentExam) -> tuple[AnswerBox, ...]:
    boxes = []
    for item in se.items:
        for name in item.asked:
            answer = item.exercise.answers[name]
            value = item.solution.answers[name]
            kind = ("choice" if answer.is_choice else "matrix" if is_matrix(value)
                    else "vector" if isinstance(value, tuple) else "number")
            boxes.append(AnswerBox(item.position, item.exercise.title(se.lang),
                                   f"{item.exercise.id}.{name}",
                                   answer.labels.get(se.lang, name), kind))
    return tuple(boxes)


class Renderers:
    """One renderer per (language, boxed), shared by all documents of a build."""

    def __init__(self, bank: Bank):
        self.bank = bank
        self._renderers: dict[tuple[str, bool], Renderer] = {}

    def get(self, lang: str, boxed: bool = True) -> Renderer:
        key = (lang, boxed)
        if key not in self._renderers:
            self._renderers[key] = Renderer(self.bank, lang, boxed=boxed)
        return self._renderers[key]


def student_documents(se: StudentExam, headings: Mapping[str, Heading],
                      renderers: Renderers) -> tuple[StudentDocument, StudentDocument]:
    renderer = renderers.get(se.lang)
    parts = []
    for item in se.items:
        rendered = renderer.render(item.solution, item.parts)
        parts.append(Part(item.position, item.exercise.number, item.exercise.id,
                          item.exercise.title(se.lang), rendered.question,
                          rendered.solution, item.points))
    heading = headings[se.lang]
    return (StudentDocument(se, se.lang, heading, tuple(parts), key=False),
            StudentDocument(se, se.lang, heading, tuple(parts), key=True))


def answer_summary(item: Item, lang: str, bank: Bank) -> str:
    style = bank.language(lang).style
    solution = item.solution
    exercise = solution.variant.exercise
    shown = []
    for name in item.asked:
        answer = exercise.answers[name]
        text, rounded = solution.shown(name, style)
        label = answer.labels.get(lang, name)
        # Text, not math: the minus sign written as one, not as a hyphen.
        shown.append(f"{label} {'≈' if rounded else '='} {text.replace('-', '−')}")
    return "; ".join(shown) if shown else "—"


def instructor_rows(exam: Exam, lang: str) -> list[KeyRow]:
    rows = []
    for se in exam.students:
        for item in se.items:
            rows.append(KeyRow(se.student.id, se.student.name, se.code, item.position,
                               item.exercise.title(lang),
                               answer_summary(item, lang, exam.bank)))
    return rows


def handout_parts(bank: Bank, lang: str, solutions: Sequence[Solution],
                  renderers: Renderers) -> tuple[Part, ...]:
    renderer = renderers.get(lang, boxed=False)
    parts = []
    for position, solution in enumerate(solutions, start=1):
        exercise = solution.variant.exercise
        rendered = renderer.render(solution)
        parts.append(Part(position, exercise.number, exercise.id, exercise.title(lang),
                          rendered.question, rendered.solution))
    return tuple(parts)
