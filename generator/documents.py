"""The documents of a build as data: sheets, keys, the instructor's key and handouts,
each a list of exercises with their rendered Markdown. The Markdown and PDF writers are
thin layers over these, so both always show the same text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .answers import asked_answers
from .bank import Bank
from .exam import Exam, Item, StudentExam
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
class ClassDocuments:
    """A class build as every writer of it (Markdown, PDF) reads it."""

    exam: Exam
    documents: tuple[tuple[StudentDocument, StudentDocument], ...]   # (sheet, key)
    headings: Mapping[str, Heading]
    lang: str                       # the instructor's key's language
    rows: tuple["KeyRow", ...]      # the instructor's key, in print order
    answer_sheets: bool


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
    return tuple(AnswerBox(item.position, item.exercise.title(se.lang), asked.id,
                           asked.label(se.lang), asked.kind)
                 for item in se.items for asked in asked_answers(item))


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
    shown = []
    for asked in asked_answers(item):
        printed = asked.shown(style)
        # Text, not math: the minus sign written as one, not as a hyphen.
        shown.append(f"{asked.label(lang)} {'≈' if printed.approximate else '='} "
                     f"{printed.text.replace('-', '−')}")
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
