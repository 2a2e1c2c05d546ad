"""The documents of a build as data: sheets, keys, the instructor's key and handouts,
each a list of exercises with their rendered Markdown. The Markdown and PDF writers are
thin layers over these, so both always show the same text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .answers import asked_answers
from .bank import Bank, Exercise
from .numbers import show_value
from .exam import Exam, Item, StudentExam, asked_names, position_label, slot_positions
from .render import ExerciseTexts
from .solve import Solution
from .spec import Heading, Spec


@dataclass(frozen=True)
class PrintedExercise:
    """One exercise as a document prints it (its sub-questions are its `parts`
    elsewhere: here it is already rendered)."""

    position: int
    number: int
    exercise_id: str
    title: str
    question: str
    solution: str
    points: float | None = None
    mistakes: tuple["Mistake", ...] = ()   # the instructor's edition: common mistakes
    # A handout's number for it: the bank's ("7"), or on an exam's handout its place on
    # the sheets ("3", "3/4").
    shown_number: str = ""


@dataclass(frozen=True)
class Mistake:
    """A misconception as the instructor's edition shows it: the answers it affects,
    the wrong values it gives for this variant (empty when no variant is meant), and
    its explanation."""

    labels: str
    values: str
    explanation: str


@dataclass(frozen=True)
class StudentDocument:
    """A student's sheet (key=False) or answer key (key=True)."""

    student_exam: StudentExam
    lang: str
    heading: Heading
    exercises: tuple[PrintedExercise, ...]
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
    # the instructor's key's common mistakes: (exercise title, its mistakes), if asked
    mistakes: tuple[tuple[str, tuple["Mistake", ...]], ...] = ()
    form: str = "write"             # the answer form: typed in ("write") or scanned ("scan")


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
    kind: str              # number, vector, matrix, choice; written: the label is the
                           # sub-question's number, for words["written_question"]
    points: float | None = None     # of a written sub-question


def answer_boxes(se: StudentExam) -> tuple[AnswerBox, ...]:
    boxes = []
    for item in se.items:
        entries = [(asked.answer.part or 0, asked) for asked in asked_answers(item)] + \
            [(part, part) for part in item.written_parts]
        for _, entry in sorted(entries, key=lambda e: e[0]):
            if isinstance(entry, int):
                boxes.append(AnswerBox(item.position, item.exercise.title(se.lang),
                                       f"{item.exercise.id}.{entry}.points",
                                       str(item.shown_number(entry)), "written",
                                       item.written))
                continue
            boxes.append(AnswerBox(item.position, item.exercise.title(se.lang), entry.id,
                                   entry.label(se.lang), entry.kind))
    return tuple(boxes)


class TextsByLanguage:
    """The exercise texts of a build: one `ExerciseTexts` per (language, boxed), shared
    by all its documents."""

    def __init__(self, bank: Bank):
        self.bank = bank
        self._texts: dict[tuple[str, bool], ExerciseTexts] = {}

    def get(self, lang: str, boxed: bool = True) -> ExerciseTexts:
        key = (lang, boxed)
        if key not in self._texts:
            self._texts[key] = ExerciseTexts(self.bank, lang, boxed=boxed)
        return self._texts[key]


def student_documents(se: StudentExam, headings: Mapping[str, Heading],
                      texts: TextsByLanguage) -> tuple[StudentDocument, StudentDocument]:
    exercise_texts = texts.get(se.lang)
    printed = []
    for item in se.items:
        # A conceptual sub-question without written points says it is not graded.
        rendered = exercise_texts.render(item.solution, item.parts,
                                         ungraded=not item.written)
        printed.append(PrintedExercise(item.position, item.exercise.number, item.exercise.id,
                                       item.exercise.title(se.lang), rendered.question,
                                       rendered.solution, item.points))
    heading = headings[se.lang]
    return (StudentDocument(se, se.lang, heading, tuple(printed), key=False),
            StudentDocument(se, se.lang, heading, tuple(printed), key=True))


def common_mistakes(bank: Bank, lang: str, exercise: Exercise,
                    solution: Solution | None = None,
                    parts: tuple[int, ...] | None = None) -> tuple[Mistake, ...]:
    """The exercise's misconceptions, each once, with the answers it affects among those
    asked (`parts`: the sub-questions asked, None: all; intermediate answers are never
    asked) and, for a variant, the wrong values it gives."""
    from .misconceptions import declared, mistaken_values

    language = bank.language(lang)
    asked = set(asked_names(exercise, parts))
    result = []
    for name, declaring in declared(exercise).items():
        answers = [a for a in declaring if a in asked]
        if not answers:
            continue
        labels = "; ".join(exercise.answers[a].labels.get(lang, a) for a in answers)
        values = ""
        if solution is not None:
            shown = []
            for a in answers:
                value = mistaken_values(solution, a).get(name)
                if value is not None:
                    # Text, not math: the minus sign written as one, not as a hyphen.
                    shown.append(show_value(value, language.style,
                                            exercise.answers[a].places).text.replace("-", "−"))
            values = "; ".join(shown)
        result.append(Mistake(labels, values, language.explanation(exercise.id, name)))
    return tuple(result)


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
    summaries: dict[tuple, str] = {}       # each distinct (variant, parts asked) once
    for se in exam.students:
        for item in se.items:
            key = (item.exercise.id, item.solution.variant.key, item.parts)
            if key not in summaries:
                summaries[key] = answer_summary(item, lang, exam.bank)
            rows.append(KeyRow(se.student.id, se.student.name, se.code, item.position,
                               item.exercise.title(lang), summaries[key]))
    return rows


@dataclass(frozen=True)
class HandoutEntry:
    """An exercise of a handout: its variant, solved, and the number it goes by — the
    bank's, or on an exam's handout (a spec's) its place on the sheets, with the slot's
    points and the sub-questions it asks."""

    solution: Solution
    number: str
    points: float | None = None
    parts: tuple[int, ...] | None = None


def handout_entries(spec: Spec | None, exercises: Sequence[Exercise],
                    solved: Sequence[Solution]) -> list[HandoutEntry]:
    """The bank's exercises (no spec) by their numbers; a spec's by their places on the
    sheets, pool by pool, each with its slot's points and sub-questions."""
    if spec is None:
        return [HandoutEntry(s, str(ex.number)) for ex, s in zip(exercises, solved)]
    places = slot_positions(spec.slots)
    slots = {ex_id: slot for slot in spec.slots for ex_id in slot.pool}
    return [HandoutEntry(s, position_label(places[ex.id]), slots[ex.id].points,
                         slots[ex.id].parts) for ex, s in zip(exercises, solved)]


def handout_exercises(bank: Bank, lang: str, entries: Sequence[HandoutEntry],
                      texts: TextsByLanguage,
                      with_mistakes: bool = False) -> tuple[PrintedExercise, ...]:
    exercise_texts = texts.get(lang, boxed=False)
    printed = []
    for position, entry in enumerate(entries, start=1):
        solution = entry.solution
        exercise = solution.variant.exercise
        rendered = exercise_texts.render(solution, entry.parts)
        mistakes = common_mistakes(bank, lang, exercise, solution, entry.parts) \
            if with_mistakes else ()
        printed.append(PrintedExercise(position, exercise.number, exercise.id,
                                       exercise.title(lang), rendered.question,
                                       rendered.solution, entry.points, mistakes,
                                       entry.number))
    return tuple(printed)
