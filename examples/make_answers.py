"""Make examples/answers.csv: what the class in examples/class.csv might hand back for
`exams/lecture5-quiz.toml` with seed 2026 — most answers right and written the way each
student reads numbers, some wrong, some blank, and the lecturer's points for the
sub-questions answered in words. Run from the project root:

    .venv/bin/python examples/make_answers.py
"""

import csv
import random
import re
from pathlib import Path

from generator.bank import load_bank
from generator.exam import plan
from generator.collected import answer_columns
from generator.roster import read_roster
from generator.spec import load_spec

SEED = 2026


def main() -> None:
    bank = load_bank()
    spec = load_spec(Path("exams/lecture5-quiz.toml"), bank)
    students = read_roster(Path("examples/class.csv"), bank.languages)
    exam = plan(bank, SEED, students, "bg", spec.slots)
    columns = answer_columns(exam)
    chance = random.Random(SEED)
    marking = random.Random(f"{SEED}-written")    # the lecturer's marks of answers in words
    with open("examples/answers.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", *columns], lineterminator="\n")
        writer.writeheader()
        for se in exam.students:
            skill = chance.uniform(0.5, 1.0)
            row = {"id": se.student.id}
            for item in se.items:
                for name in item.asked:
                    text, _ = item.solution.shown(name, bank.language(se.lang).style)
                    roll = chance.random()
                    if roll > skill + 0.15:
                        text = ""                                   # left blank
                    elif roll > skill:
                        text = "1" + text.lstrip("[").split(";")[0].split(",")[0]  # a slip
                    row[f"{item.exercise.id}.{name}"] = re.sub("[\u00a0\u202f]", " ", text)
                for part in item.written_parts:
                    row[f"{item.exercise.id}.{part}.points"] = \
                        f"{item.written * marking.choice((0, 0.5, 1, 1, 1)):g}"
            writer.writerow(row)


if __name__ == "__main__":
    main()
