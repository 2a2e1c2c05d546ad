"""What each student gets back: for every box of their answer form what they wrote, the
key, right or wrong, and the points; then the total and the grade — as data, in the
student's own language, for the Markdown and PDF writers."""

from __future__ import annotations

from dataclasses import dataclass

from .collected import column_label
from .grade import Grading, Mark, StudentGrade


@dataclass(frozen=True)
class FeedbackRow:
    position: int
    exercise: str            # the exercise's title
    label: str               # the box's label
    given: str
    key: str                 # as the key prints it ("" for a written sub-question)
    status: str              # right, wrong, blank, unparseable or scored
    points: float
    worth: float
    explanation: str = ""    # the misconception a wrong answer shows, explained
    reason: str = ""         # why it was not read, or `unit` (reading.Verdict)
    unit: str = ""


@dataclass(frozen=True)
class Feedback:
    grade: StudentGrade
    lang: str
    rows: tuple[FeedbackRow, ...]

    @property
    def student(self):
        return self.grade.exam.student


def student_feedback(grading: Grading) -> list[Feedback]:
    """Feedback for every student present, in the order of the roster."""
    bank = grading.exam.bank
    marks: dict[str, list[Mark]] = {}
    for mark in grading.marks:
        marks.setdefault(mark.student_id, []).append(mark)
    result = []
    for grade in grading.present:
        se = grade.exam
        style = bank.language(se.lang).style
        items = {item.position: item for item in se.items}
        rows = []
        for mark in marks.get(se.student.id, []):
            item = items[mark.position]
            key = "" if mark.written else item.solution.shown(mark.answer, style)[0]
            explanation = bank.language(se.lang).explanation(
                mark.exercise_id, mark.misconception) if mark.misconception else ""
            rows.append(FeedbackRow(mark.position, item.exercise.title(se.lang),
                                    column_label(bank, mark.column, se.lang), mark.given,
                                    key, mark.status, mark.points, mark.worth, explanation,
                                    mark.reason, mark.unit))
        result.append(Feedback(grade, se.lang, tuple(rows)))
    return result
