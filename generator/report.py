"""The grading report's figures: what the class got right and wrong, and what to teach
again. Every statistic is over the students present; the absent are only counted.

- per answer: how many got it right, wrong, blank, unreadable, and the wrong values
  written most often (one shared by many students is a misconception, or a key error);
- per group: students, mean, share of points;
- per exercise and per variant: the share of points earned (is one variant harder?);
- the bank's misconceptions the class made, most frequent first ("9 of 30 used n − 1");
- item analysis per exercise: difficulty (the share of its points the class earned) and
  discrimination (the point-biserial correlation of its points with the rest of the test).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .collected import column_label
from .exam import position_label
from .grade import Grading, Mark

TOP_WRONG = 3           # wrong values listed per answer
SHARED_WRONG = 2        # … when at least this many students wrote them
SHARED_VARIANT = 2      # variants compared when at least this many students had them


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
    frequent_wrong: tuple[tuple[str, int], ...] = ()

    @property
    def wrong(self) -> int:
        """Answered, but not right (blank and unreadable answers are counted apart)."""
        return self.given_to - self.right - self.blank - self.unparseable

    @property
    def not_right(self) -> int:
        return self.given_to - self.right


@dataclass(frozen=True)
class GroupStat:
    group: str
    students: int
    mean: float
    share: float            # of the points, over the group


@dataclass(frozen=True)
class VariantStat:
    exercise_id: str
    variant: str            # its parameters
    students: int
    share: float            # of the points earned
    right: float            # share of the students with every point of it


@dataclass(frozen=True)
class ItemStat:
    exercise_id: str
    students: int
    right: float                    # share of the students with every point of it
    difficulty: float               # share of the points earned
    discrimination: float | None    # point-biserial with the rest of the test


@dataclass
class Report:
    seed: int
    summary: dict
    answers: list[AnswerStat]
    problems: list[Mark]            # blank and unreadable answers
    absent: list[str]
    stray: tuple = ()
    overridden: list = field(default_factory=list)
    groups: list[GroupStat] = field(default_factory=list)
    variants: list[VariantStat] = field(default_factory=list)
    items: list[ItemStat] = field(default_factory=list)
    misconceptions: list["MisconceptionStat"] = field(default_factory=list)
    alternatives: list[Mark] = field(default_factory=list)  # right by another rounding
    flagged: tuple = ()             # answer cells read with a warning (collected.Flagged)
    # exercise id → its number on the sheets ("3", or "3/4" in a slot that picks two)
    positions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MisconceptionStat:
    """A misconception of the bank: how many of the students given its exercise made
    it (in any of the answers it affects)."""

    exercise_id: str
    name: str
    students: int
    given_to: int


def misconception_stats(grading: Grading) -> list[MisconceptionStat]:
    given_to: Counter = Counter()
    for student in grading.students:
        if not student.absent:
            given_to.update({item.exercise.id for item in student.exam.items})
    made: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mark in grading.marks:
        if mark.misconception:
            made[(mark.exercise_id, mark.misconception)].add(mark.student_id)
    order = list(grading.exam.bank.exercises)
    return [MisconceptionStat(ex, name, len(who), given_to[ex])
            for (ex, name), who in sorted(made.items(),
                                          key=lambda kv: (-len(kv[1]), order.index(kv[0][0]),
                                                          kv[0][1]))]


def build_report(grading: Grading, lang: str) -> Report:
    return Report(
        grading.exam.seed, summary(grading), answer_stats(grading, lang),
        [m for m in grading.marks if m.status in ("blank", "unparseable")],
        [s.exam.student.id for s in grading.absent],
        grading.answers.stray if grading.answers else (), list(grading.overridden),
        group_stats(grading), variant_stats(grading), item_analysis(grading),
        misconception_stats(grading),
        [m for m in grading.marks if m.status == "alternative"],
        flagged=grading.answers.flagged if grading.answers else (),
        positions=positions(grading))



def positions(grading: Grading) -> dict[str, str]:
    """Where each exercise stands on the sheets: an exam's exercise is named by its
    number there, as the sheet, the answer form and the feedback name it."""
    found: dict[str, set[int]] = defaultdict(set)
    for student in grading.students:
        for item in student.exam.items:
            found[item.exercise.id].add(item.position)
    return {ex: position_label(where) for ex, where in found.items()}


def _written_value(text: str) -> str:
    """Wrong answers written alike are counted together: `1 024`, `1024`, ` 1024 `."""
    return re.sub(r"[\s\u00a0]+", "", text).lower()


def answer_stats(grading: Grading, lang: str) -> list[AnswerStat]:
    """Per answer, how many got it right — the most often wrong first."""
    stats: dict[str, dict] = {}
    for mark in grading.marks:
        entry = stats.setdefault(mark.column, {"n": 0, "right": 0, "blank": 0, "bad": 0,
                                               "mark": mark, "wrong": Counter(),
                                               "shown": {}})
        entry["n"] += 1
        entry["right"] += mark.right
        entry["blank"] += mark.status == "blank"
        entry["bad"] += mark.status == "unparseable"
        if mark.status == "wrong" and not mark.written:
            key = _written_value(mark.given)
            entry["wrong"][key] += 1
            entry["shown"].setdefault(key, mark.given.strip())
    result = []
    for column, e in stats.items():
        mark = e["mark"]
        frequent = tuple((e["shown"][key], count) for key, count in
                         sorted(e["wrong"].items(), key=lambda kv: (-kv[1], kv[0]))
                         if count >= SHARED_WRONG)[:TOP_WRONG]
        result.append(AnswerStat(column, mark.exercise_id, mark.answer,
                                 column_label(grading.exam.bank, column, lang), e["n"],
                                 e["right"], e["blank"], e["bad"], frequent))
    return sorted(result, key=lambda s: (-s.not_right / s.given_to, -s.not_right, s.column))


def summary(grading: Grading) -> dict:
    present = grading.present
    totals = [s.total for s in present]
    return {
        "students": len(totals),
        "absent": len(grading.students) - len(totals),
        "mean": round(statistics.fmean(totals), 2) if totals else 0,
        "median": round(statistics.median(totals), 2) if totals else 0,
        "maximum": grading.maximum,
        "grades": {g: sum(s.grade == g for s in present)
                   for g in sorted({g for _, g in grading.scale} |
                                   {s.grade for s in present})},
    }


def group_stats(grading: Grading) -> list[GroupStat]:
    """Per group (none when the class is one group)."""
    groups: dict[str, list] = defaultdict(list)
    for s in grading.present:
        groups[s.exam.student.group].append(s)
    if len(groups) < 2:
        return []
    return [GroupStat(group, len(members),
                      round(statistics.fmean(s.total for s in members), 2),
                      sum(s.total for s in members) / sum(s.maximum for s in members))
            for group, members in sorted(groups.items())]


def _item_points(grading: Grading):
    """(student grade, item, points earned, worth) for every exercise of everyone present."""
    for s in grading.present:
        for item, points in zip(s.exam.items, s.points):
            yield s, item, points, item.points if item.points is not None else 1


def variant_stats(grading: Grading) -> list[VariantStat]:
    """Per variant of an exercise that several students had, the share of the points
    earned: is one variant harder? (Per exercise, the item analysis has it.)"""
    by_variant: dict[tuple[str, str], list] = defaultdict(list)
    order = list(grading.exam.bank.exercises)
    for _, item, points, worth in _item_points(grading):
        by_variant[(item.exercise.id, variant_label(item))].append((points, worth))

    def share(pairs):
        return sum(p for p, _ in pairs) / sum(w for _, w in pairs)

    return [VariantStat(ex, variant, len(pairs), share(pairs), _all_right(pairs))
            for (ex, variant), pairs in sorted(by_variant.items(),
                                               key=lambda e: (order.index(e[0][0]), e[0][1]))
            if len(pairs) >= SHARED_VARIANT]


def variant_label(item) -> str:
    """A variant by its parameters; the order of a choice's options by the letter of
    the right one (`modern_llms: b`)."""
    shown = [f"{k}={v}" for k, v in item.solution.plain_params.items()
             if not k.endswith("_order")]
    shown += [f"{name}: {item.solution.answers[name]}" for name, answer in
              item.exercise.answers.items() if answer.is_choice]
    return ", ".join(shown)


def item_analysis(grading: Grading) -> list[ItemStat]:
    """Difficulty and discrimination per exercise. Discrimination is the correlation of
    the exercise's points with the rest of the test (the total without the exercise),
    over the students who had it: near 0 or negative, it does not tell the strong from
    the weak (or its key is wrong)."""
    per: dict[str, list] = defaultdict(list)
    order = list(grading.exam.bank.exercises)
    place: dict[str, int] = {}              # listed as the sheets number them
    for s, item, points, worth in _item_points(grading):
        per[item.exercise.id].append((points, worth, s.total - points))
        place[item.exercise.id] = min(item.position, place.get(item.exercise.id, item.position))
    result = []
    for ex, rows in sorted(per.items(), key=lambda e: (place[e[0]], order.index(e[0]))):
        earned = [p for p, _, _ in rows]
        rest = [r for _, _, r in rows]
        difficulty = sum(earned) / sum(w for _, w, _ in rows)
        try:
            discrimination = round(statistics.correlation(earned, rest), 2)
        except statistics.StatisticsError:      # fewer than two, or no spread
            discrimination = None
        result.append(ItemStat(ex, len(rows), _all_right([(p, w) for p, w, _ in rows]),
                               difficulty, discrimination))
    return result


def _all_right(pairs) -> float:
    """The share of (points, worth) with every point earned."""
    return sum(p >= w - 1e-9 for p, w in pairs) / len(pairs)


# ---------------------------------------------------------------- the histogram


def document_font() -> str | None:
    """The Type 1 file of the PDFs' own font (Computer Modern with Cyrillic, from
    cm-super), for the figures; None where TeX is not installed."""
    import shutil
    import subprocess

    if shutil.which("kpsewhich") is None:
        return None
    found = subprocess.run(["kpsewhich", "sfrm1000.pfb"], capture_output=True,
                           text=True).stdout.strip()
    return found or None


def histogram_png(grading: Grading, path: Path, title: str, xlabel: str,
                  ylabel: str) -> None:
    """The distribution of totals as a PNG (without a timestamp: the same bytes each
    run)."""
    from matplotlib import pyplot as plt

    fig = histogram_figure(grading, title, xlabel, ylabel)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def histogram_figure(grading: Grading, title: str, xlabel: str, ylabel: str):
    """The distribution of totals, one colour per group, set in the document's font."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = document_font()
    family = "serif"
    if font:
        family = "exgen document font"
        if not any(f.name == family for f in font_manager.fontManager.ttflist):
            # FreeType reads Type 1; matplotlib's addfont wants TrueType names, so the
            # entry is made by hand.
            font_manager.fontManager.ttflist.append(font_manager.FontEntry(
                fname=font, name=family, style="normal", variant="normal", weight=400,
                stretch="normal", size="scalable"))
    groups: dict[str, list[float]] = defaultdict(list)
    for s in grading.present:
        groups[s.exam.student.group].append(s.total)
    maximum = grading.maximum or 1
    bins = min(20, max(5, int(maximum) if float(maximum).is_integer() else 10))
    palette = ["#4a6fa5", "#d08c3a", "#5a9a68", "#a5524a", "#7b68a6", "#8c8c8c"]
    names = sorted(groups)
    with plt.rc_context({"axes.unicode_minus": False, "font.family": family,
                         "font.size": 11, "xtick.labelsize": 9, "ytick.labelsize": 9,
                         "legend.fontsize": 9}):
        fig, ax = plt.subplots(figsize=(6, 3), dpi=150)
        ax.hist([groups[g] for g in names], bins=bins, range=(0, maximum),
                color=[palette[i % len(palette)] for i in range(len(names))],
                edgecolor="white", label=[g or "—" for g in names],
                stacked=len(names) > 1)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if len(names) > 1:
            ax.legend(frameon=False)
        fig.tight_layout()
    return fig
