"""Marking returned answers against each student's own key.

The exam is planned again from (seed, spec, roster) — the same plan that printed the
sheets — so grading needs no stored state. Each answer is compared with a tolerance
that matches what the key shows: whole numbers exactly, decimals to half a unit of the
key's last printed place (so `1,63` and `1.63` both match 1.6329…), or the answer's own
`tolerance` from its variants file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from .answers import asked_answers, tolerance_for
from .bank import Answer
from .errors import ExgenError, read_user_file
from .exam import Exam, StudentExam
from .numbers import plain
from .roster import print_order
from .spec import DEFAULT_SCALE



@dataclass(frozen=True)
class Mark:
    student_id: str
    position: int
    exercise_id: str
    answer: str
    given: str
    status: str                 # right, alternative (right), wrong, blank or unparseable

    @property
    def column(self) -> str:
        return f"{self.exercise_id}.{self.answer}"

    @property
    def right(self) -> bool:
        """Right, or one of the answer's accepted alternatives (another rounding)."""
        return self.status in ("right", "alternative")


@dataclass
class StudentGrade:
    exam: StudentExam
    points: list[float]          # per position on the sheet
    total: float
    maximum: float
    grade: int


@dataclass
class Grading:
    exam: Exam
    marks: list[Mark]
    students: list[StudentGrade]
    missing: list[str] = field(default_factory=list)   # students with no row
    scale: Sequence[tuple[float, int]] = DEFAULT_SCALE

    @property
    def maximum(self) -> float:
        return max((s.maximum for s in self.students), default=0)


def answer_columns(exam: Exam) -> list[str]:
    """`<exercise>.<answer>` for every answer any student of this exam must give."""
    seen: dict[str, None] = {}
    for se in exam.students:
        for item in se.items:
            for answer in asked_answers(item):
                seen.setdefault(answer.id, None)
    order = list(exam.bank.exercises)
    return sorted(seen, key=lambda c: (order.index(c.split(".")[0]),
                                        list(seen).index(c)))


def template_csv(exam: Exam) -> str:
    """An empty answers file: one row per student of this class, a column per answer."""
    columns = answer_columns(exam)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", *columns])
    for se in exam.students:
        writer.writerow([se.student.id, se.student.name, *([""] * len(columns))])
    return out.getvalue()


# Columns an answers file may carry for the people typing it in; never graded.
INFORMATIONAL = ("name", "group")


def read_answers(path: Path, exam: Exam) -> dict[str, dict[str, str]]:
    text = read_user_file(path, "answers file")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0].strip() != "id":
        raise ExgenError("the first column must be `id` (print a blank file with "
                         "`exgen grade … --template`)", where=f"{path}, line 1")
    header = [h.strip() for h in header]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise ExgenError(f"the column(s) {', '.join(twice)} appear twice",
                         where=f"{path}, line 1")
    known = set(answer_columns(exam)) | set(INFORMATIONAL)
    unknown = [h for h in header[1:] if h not in known]
    if unknown:
        raise ExgenError(f"unknown answer column(s) {', '.join(unknown)} (columns are "
                         "<exercise>.<answer> of this exam)", where=f"{path}, line 1")
    ids = {se.student.id for se in exam.students}
    rows: dict[str, dict[str, str]] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[0].strip()
        if sid not in ids:
            raise ExgenError(f"unknown student id `{sid}` (not in this class's roster)",
                             where=f"{path}, line {line}")
        if sid in rows:
            raise ExgenError(f"a second row for student `{sid}`", where=f"{path}, line {line}")
        if len(row) > len(header):
            raise ExgenError(f"{len(row)} cells but {len(header)} columns (quote answers "
                             "that contain commas: \"[1.1, 1.8, 3.3]\")",
                             where=f"{path}, line {line}")
        rows[sid] = {h: (row[i].strip() if i < len(row) else "")
                     for i, h in enumerate(header) if i > 0 and h not in INFORMATIONAL}
    return rows


# ---------------------------------------------------------------- reading one answer

_NUMBER = re.compile(r"^[-+−]?[\d\s\u00a0.,']+$")


def number_readings(text: str) -> list[float]:
    """Every sensible reading of a written number: `1,63` and `1.63`, `1 048 576`,
    `1,048,576`; `1,048` may be either, so both readings are kept."""
    text = text.strip().lstrip("≈~").strip().replace("−", "-")
    if not text:
        return []
    fraction = re.fullmatch(r"(-?\d+)\s*/\s*(\d+)", text)
    if fraction and int(fraction.group(2)) != 0:
        return [int(fraction.group(1)) / int(fraction.group(2))]
    if not _NUMBER.match(text):
        return []
    compact = re.sub(r"[\s\u00a0']", "", text)
    readings = []
    for decimal, group in ((".", ","), (",", ".")):
        candidate = compact
        if group in candidate and decimal in candidate and \
                candidate.rfind(group) > candidate.rfind(decimal):
            continue
        if group in candidate and not re.fullmatch(
                rf"-?\d{{1,3}}(\{group}\d{{3}})+(\{decimal}\d+)?", candidate):
            if decimal in candidate or candidate.count(group) > 1:
                continue
            candidate = candidate.replace(group, decimal)   # a lone decimal sign
        else:
            candidate = candidate.replace(group, "")
        try:
            readings.append(float(candidate.replace(decimal, ".")))
        except ValueError:
            pass
    return sorted(set(readings))


def list_readings(text: str) -> list[list]:
    """A vector or matrix: JSON (`[1.1, 1.8, 3.3]`, `[[1,0],[1,1]]`) or with semicolons
    (`[1,1; 1,8; 3,3]`, the Bulgarian way)."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return []
    try:
        value = json.loads(text)
        return [value] if isinstance(value, list) else []
    except json.JSONDecodeError:
        pass
    inner = text[1:-1]
    if "[" in inner:
        return []
    separator = ";" if ";" in inner else None      # [1 2 3] with spaces is a vector too
    if separator is None and "," in inner:
        return []
    parts = [number_readings(p) for p in inner.split(separator) if p.strip()]
    if parts and all(len(p) == 1 for p in parts):
        return [[p[0] for p in parts]]
    return []


def matrix_readings(text: str) -> list[list]:
    """A 0/1 matrix: JSON, rows in brackets as the key prints them (`[1; 0] [1; 1]`,
    `[1, 0] [1, 1]`, `[1 0] [1 1]`), or rows separated by semicolons in one bracket
    (`[1 0; 1 1]`, `[1,0; 1,1]`)."""
    text = text.strip()
    try:
        value = json.loads(text)
        if isinstance(value, list) and all(isinstance(r, list) for r in value):
            return [value]
    except json.JSONDecodeError:
        pass
    rows = re.findall(r"\[([^\[\]]*)\]", text)
    if len(rows) == 1:
        rows = rows[0].split(";")
    elif not rows or re.sub(r"\[[^\[\]]*\]|[\s,\[\]]", "", text):
        return []
    try:
        matrix = [[float(cell) for cell in re.split(r"[\s,;]+", row.strip()) if cell]
                  for row in rows]
    except ValueError:
        return []
    return [matrix] if matrix and all(matrix) else []


def _close(given: float, expected: float, tolerance: float) -> bool:
    """Within the tolerance; a whole-number answer (tolerance 0) must be exact."""
    return abs(given - expected) <= tolerance + 1e-9


def judge(given: str, answer: Answer, expected, alternatives: Sequence = ()) -> str:
    """right, alternative (one of the answer's further accepted values, each with the
    key's own tolerance), wrong, blank or unparseable."""
    if not given.strip():
        return "blank"
    if answer.is_choice:
        letter = given.strip().strip("().").strip().lower()
        if len(letter) != 1 or not letter.isalpha():
            return "unparseable"
        return "right" if letter == expected else "wrong"
    target = plain(expected)
    if isinstance(target, list):
        is_matrix_answer = bool(target) and isinstance(target[0], list)
        readings = matrix_readings(given) if is_matrix_answer else list_readings(given)
    else:
        readings = number_readings(given)
    if not readings:
        return "unparseable"
    if any(accepted(r, answer, expected) for r in readings):
        return "right"
    if any(accepted(r, answer, expected, value) for r in readings for value in alternatives):
        return "alternative"
    return "wrong"


def accepted(given, answer: Answer, expected, value=None) -> bool:
    """A number, or a (nested) list of numbers, within the answer's tolerance of the exact
    value (or of `value`, an accepted alternative, with the same tolerance) — the one rule
    for grading and for `check`'s comparisons."""
    tolerance = tolerance_for(answer, expected)
    got, want = _flatten(given), _flatten(plain(expected if value is None else value))
    return got is not None and want is not None and len(got) == len(want) and all(
        _close(g, e, tolerance) for g, e in zip(got, want))


def _flatten(value) -> list[float] | None:
    if isinstance(value, list):
        out = []
        for v in value:
            inner = _flatten(v)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return None


# ---------------------------------------------------------------- the whole class


def grade_for(share: float, scale: Sequence[tuple[float, int]]) -> int:
    for threshold, grade in scale:
        if share >= threshold - 1e-12:
            return grade
    return scale[-1][1]


def grade_exam(exam: Exam, answers: Mapping[str, Mapping[str, str]],
               scale: Sequence[tuple[float, int]] = DEFAULT_SCALE) -> Grading:
    marks, students, missing = [], [], []
    for se in exam.students:
        row = answers.get(se.student.id)
        if row is None:
            missing.append(se.student.id)
            row = {}
        points = []
        for item in se.items:
            worth = item.points if item.points is not None else 1
            item_marks = []
            for asked in asked_answers(item):
                given = row.get(asked.id, "")
                item_marks.append(Mark(se.student.id, item.position, item.exercise.id,
                                       asked.name, given,
                                       judge(given, asked.answer, asked.exact,
                                             asked.alternatives)))
            marks.extend(item_marks)
            right = sum(m.right for m in item_marks)
            points.append(round(worth * right / len(item_marks), 2) if item_marks else 0)
        maximum = sum(i.points if i.points is not None else 1 for i in se.items)
        total = round(sum(points), 2)
        students.append(StudentGrade(se, points, total, maximum,
                                     grade_for(total / maximum if maximum else 0, scale)))
    return Grading(exam, marks, students, missing, tuple(scale))


def grades_csv(grading: Grading) -> str:
    width = max((len(s.points) for s in grading.students), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", "group", *[f"ex{i}" for i in range(1, width + 1)],
                     "total", "max", "grade"])
    for s in sorted(grading.students, key=lambda s: print_order(s.exam.student)):
        student = s.exam.student
        writer.writerow([student.id, student.name, student.group,
                         *[_num(p) for p in s.points], _num(s.total), _num(s.maximum),
                         s.grade])
    return out.getvalue()


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class AnswerStat:
    column: str
    exercise_id: str
    answer: str
    label: str
    given_to: int
    right: int
    blank: int
    unparseable: int

    @property
    def wrong(self) -> int:
        """Answered, but not right (blank and unreadable answers are counted apart)."""
        return self.given_to - self.right - self.blank - self.unparseable

    @property
    def not_right(self) -> int:
        return self.given_to - self.right


def answer_stats(grading: Grading, lang: str) -> list[AnswerStat]:
    """Per answer, how many got it right — the most often wrong first."""
    stats: dict[str, dict] = {}
    for mark in grading.marks:
        entry = stats.setdefault(mark.column, {"n": 0, "right": 0, "blank": 0, "bad": 0,
                                               "mark": mark})
        entry["n"] += 1
        entry["right"] += mark.right
        entry["blank"] += mark.status == "blank"
        entry["bad"] += mark.status == "unparseable"
    result = []
    for column, e in stats.items():
        exercise = grading.exam.bank.exercise(e["mark"].exercise_id)
        label = exercise.answers[e["mark"].answer].labels.get(lang, e["mark"].answer)
        result.append(AnswerStat(column, exercise.id, e["mark"].answer, label, e["n"],
                                 e["right"], e["blank"], e["bad"]))
    return sorted(result, key=lambda s: (-s.not_right / s.given_to, -s.not_right, s.column))


def summary(grading: Grading) -> dict:
    totals = [s.total for s in grading.students]
    return {
        "students": len(totals),
        "mean": round(statistics.fmean(totals), 2) if totals else 0,
        "median": round(statistics.median(totals), 2) if totals else 0,
        "maximum": grading.maximum,
        "grades": {g: sum(s.grade == g for s in grading.students)
                   for g in sorted({g for _, g in grading.scale} |
                                   {s.grade for s in grading.students})},
    }


def histogram_png(grading: Grading, path: Path, title: str, xlabel: str,
                  ylabel: str) -> None:
    """The class's distribution of totals (PNG without a timestamp: same bytes each run)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    totals = [s.total for s in grading.students]
    maximum = grading.maximum or 1
    bins = min(20, max(5, int(maximum) if float(maximum).is_integer() else 10))
    fig, ax = plt.subplots(figsize=(6, 3), dpi=150)
    ax.hist(totals, bins=bins, range=(0, maximum), color="#4a6fa5", edgecolor="white")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
