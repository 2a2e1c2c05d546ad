"""Keys a student can follow: every worked step, redone with the numbers as the key
prints them, lands on its boxed answer; answers may list further accepted values
(another rounding), and grading says when one was used."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import sympy

from generator.bank import load_bank
from generator.check import check_steps, step_variants
from generator.grade import judge
from generator.printed import as_printed, missteps
from generator.solve import reference, solve

from conftest import QUIZ, ROOT, add_words

RATIO_VARIANTS = """\
number = 99
[params]
p = [1000, 2000]
[reference]
p = 1000
[answers.a]
formula = "p / 127"
reference = 7.87
[answers.b]
formula = "1000 * a"
reference = 7874.02
"""
RATIO_TEMPLATE = """\
{% block question %}p = {{ p }}{{ rounding("a") }}{{ rounding("b") }}{% endblock %}
{% block solution %}{{ calc("a") }}, {{ calc("b") }}{% endblock %}
"""


def add_ratio_exercise(bank_dir: Path) -> None:
    """An exercise whose second step substitutes a rounded 7.87 for 1000/127 = 7.874…:
    1000 × 7.87 = 7870, but the key boxes 7874.02."""
    (bank_dir / "variants" / "ratio.toml").write_text(RATIO_VARIANTS, encoding="utf-8")
    add_words(bank_dir, "ratio", {"bg": "Отношение", "en": "Ratio"},
              {"a": {"bg": "a", "en": "a"}, "b": {"bg": "b", "en": "b"}})
    for lang in ("bg", "en"):
        (bank_dir / "templates" / lang / "ratio.md").write_text(RATIO_TEMPLATE,
                                                                encoding="utf-8")


def test_check_fails_naming_exercise_variant_and_step_when_printed_arithmetic_misses(
        bank_copy, run):
    add_ratio_exercise(bank_copy)
    result = run("--bank", bank_copy, "check", "ratio")
    assert result.code == 2
    message = result.err
    assert "ratio.toml" in message and "`b`" in message
    assert '{"p": 1000}' in message                        # the variant
    assert r"1000 \times 7.87" in message                   # the step as printed
    assert "3 of 3 variants" in message                    # the seed's, and both values of p
    assert "`a`" not in message                            # the first step is fine


def test_check_passes_when_the_step_prints_what_it_substitutes_exactly(bank_copy, run):
    add_ratio_exercise(bank_copy)
    path = bank_copy / "variants" / "ratio.toml"
    path.write_text(RATIO_VARIANTS.replace('"1000 * a"', '"1000 * p / 127"'),
                    encoding="utf-8")
    assert run("--bank", bank_copy, "check", "ratio").code == 0


def test_every_step_of_the_shipped_bank_lands_on_its_boxed_answer(bank):
    for exercise in bank.exercises.values():
        assert check_steps(exercise) == [], exercise.id


def test_step_check_covers_every_variant_of_a_small_space_and_hundreds_of_a_large_one(bank):
    layernorm = bank.exercise("layernorm")
    keys = {v.key for v in step_variants(layernorm)}
    assert len(keys) == layernorm.space.size            # every variant (plus the seed's)
    residual = bank.exercise("residual")
    assert residual.space.size > 10_000
    assert 250 <= len(step_variants(residual)) <= 400


def test_layernorm_key_divides_by_the_exact_sigma(bank, run):
    """The seed's variant: σ = √(8/3) ≈ 1,63, and x̂ = [−2; 0; 2] / √(8/3), whose printed
    arithmetic gives 1,2247… → 1,22, the boxed value (2 / 1,63 would give 1,23)."""
    solution = solve(reference(bank.exercise("layernorm")))
    printed = as_printed(solution, "normalized")
    assert sympy.nsimplify(printed[2] - sympy.sqrt(sympy.Rational(3, 2))) == 0
    assert missteps(solution) == []
    out = run("show", "layernorm", "--reference", "--lang", "bg").out
    step = out.split(r"\hat{x} =", 2)[2]
    assert r"\frac{[-2; 0; 2]}{\sqrt{\frac{8}{3}}}" in step
    assert "{1,63}" not in step


def test_layernorm_tolerances_are_the_keys_rounding(bank):
    exercise = bank.exercise("layernorm")
    assert all(a.tolerance is None for a in exercise.answers.values())


@pytest.mark.parametrize("given, status", [
    ("[-1,22; 0; 1,22]", "right"),
    ("[-1.2247, 0, 1.2247]", "right"),
    ("[-1,23; 0; 1,23]", "alternative"),       # 2 / 1,63 = 1,227: σ rounded first
    ("[-1,21; 0; 1,21]", "wrong"),
    ("[-1,24; 0; 1,24]", "wrong"),             # within the old, widened 0,02: no more
])
def test_grading_accepts_an_alternative_rounding_and_says_so(bank, given, status):
    exercise = bank.exercise("layernorm")
    solution = solve(reference(exercise))
    assert judge(given, exercise.answers["normalized"], solution.answers["normalized"],
                 solution.alternatives["normalized"]) == status


def test_the_grading_report_lists_answers_accepted_as_alternatives(run, tmp_path):
    spec = tmp_path / "ln.toml"
    spec.write_text('[bg]\ntitle = "LayerNorm"\n[en]\ntitle = "LayerNorm"\n\n'
                    '[[slot]]\npool = ["layernorm"]\npoints = 4\n', encoding="utf-8")
    out = tmp_path / "build"
    assert run("exams", "--seed", 8, "--students", 2, "--spec", spec, "--format", "md",
               "--out", out).code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows, keys = [], []
    for student in manifest["students"]:
        item = student["exercises"][0]
        x = item["params"]["x"]
        mean = sum(x) / 3
        std = round((sum((v - mean) ** 2 for v in x) / 3) ** 0.5 + 1e-12, 2)
        follows_rounded_sigma = "[" + ", ".join(f"{(v - mean) / std:.2f}" for v in x) + "]"
        answers = item["answers"]
        keys.append("[" + ", ".join(f"{v:.2f}" for v in answers["normalized"]) + "]")
        rows.append({"id": student["id"],
                     "layernorm.mean": str(answers["mean"]),
                     "layernorm.variance": f"{answers['variance']:.2f}",
                     "layernorm.std": f"{answers['std']:.2f}",
                     "layernorm.normalized": follows_rounded_sigma})
    answers_csv = tmp_path / "answers.csv"
    with answers_csv.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run("grade", "--seed", 8, "--students", 2, "--spec", spec, "--answers",
                 answers_csv, "--format", "md", "--build", out, "--lang", "en")
    assert result.code == 0, result.err
    grades = list(csv.DictReader((out / "grades" / "grades.csv").open(encoding="utf-8")))
    assert [g["total"] for g in grades] == ["4", "4"]
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    used = [row["id"] for row, key in zip(rows, keys) if row["layernorm.normalized"] != key]
    assert used                         # seed 8 gives a student σ = √(8/3): 2 / 1.63 → 1.23
    assert "Accepted with another rounding" in report
    listed = report.split("Accepted with another rounding", 1)[1]
    for sid in (r["id"] for r in rows):
        assert (f"| {sid} |" in listed) == (sid in used)


def test_alternatives_must_be_a_list_of_formulas_over_known_names(bank_copy, run):
    path = bank_copy / "variants" / "layernorm.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('alternatives = ["sqrt(round(variance, 2))"]',
                                 'alternatives = "sqrt(variance)"'), encoding="utf-8")
    result = run("--bank", bank_copy, "check", "layernorm")
    assert result.code == 2
    assert "layernorm.toml, line" in result.err and "alternatives" in result.err
    path.write_text(text.replace('alternatives = ["sqrt(round(variance, 2))"]',
                                 'alternatives = ["sqrt(varience)"]'), encoding="utf-8")
    result = run("--bank", bank_copy, "check", "layernorm")
    assert result.code == 2 and "varience" in result.err and "Traceback" not in result.err


def test_round_in_formulas_rounds_half_away_from_zero_exactly():
    from generator.formula import parse, to_value

    assert parse("round(x, 2)").evaluate({"x": to_value(1.005)}) == sympy.Rational(101, 100)
    assert parse("round(x, 1)").evaluate({"x": to_value((-0.25, 0.25))}) == (
        sympy.Rational(-3, 10), sympy.Rational(3, 10))


# ---------------------------------------------------------------- box what is asked


def test_gqa_key_boxes_the_megabytes_the_sheet_asks_for(run):
    out = run("show", "gqa_kv_cache", "--reference", "--lang", "bg").out
    solution = out.split("### ", 1)[-1] if "### " in out else out
    assert r"\boxed{128}" in solution and r"\boxed{32}" in solution
    assert r"\boxed{4}" in solution and r"\boxed{75" in solution
    assert "134\u202f217\u202f728" in solution                 # thin no-break spaces
    assert r"\boxed{134" not in solution


def test_check_fails_when_a_key_boxes_what_is_not_asked(bank_copy, run):
    for lang in ("bg", "en"):
        path = bank_copy / "templates" / lang / "gqa_kv_cache.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('{{ calc("mha_mb") }}', "$= {{ mha_mb }}$"),
                        encoding="utf-8")
    result = run("--bank", bank_copy, "check", "gqa_kv_cache")
    assert result.code == 2
    assert "gqa_kv_cache.md" in result.err and "boxes" in result.err


def test_intermediate_answers_are_steps_not_boxes(run):
    out = run("show", "block_params", "--reference", "--lang", "en").out
    assert r"4 \times 768 = 3072" in out                # English groups from five digits
    assert r"\boxed{3072}" in out                            # LayerNorm: asked
    assert out.count(r"\boxed{") == 4


# ---------------------------------------------------------------- how to round


def test_questions_say_how_to_round_with_the_keys_precision(run):
    bg = run("show", "layernorm", "--reference", "--lang", "bg", "--no-solution").out
    assert bg.count("(закръглете до 2 знака след десетичната запетая)") == 3
    en = run("show", "sliding_window", "--reference", "--lang", "en", "--no-solution").out
    assert "(round to 1 decimal place)" in en                  # the key prints 7.8
    exact = run("show", "gqa_kv_cache", "--set", "n_heads=64", "--set", "kv_heads=2",
                "--lang", "bg").out
    assert "(запишете точната стойност)" in exact
    assert r"\boxed{96,875" in exact                           # not ≈ 96,88
    whole = run("show", "ffn_dims", "--reference", "--lang", "bg", "--no-solution").out
    assert "закръглете" not in whole and "точната" not in whole


def test_check_fails_when_a_question_does_not_say_how_to_round(bank_copy, run):
    path = bank_copy / "templates" / "en" / "kv_cache_generation.md"
    path.write_text(path.read_text(encoding="utf-8").replace('{{ rounding("speedup") }}', ""),
                    encoding="utf-8")
    result = run("--bank", bank_copy, "check", "kv_cache_generation")
    assert result.code == 2
    assert "en/kv_cache_generation.md" in result.err and "`speedup`" in result.err
    assert "bg/kv_cache_generation.md" not in result.err


# ---------------------------------------------------------------- language and typography



@pytest.fixture(scope="module")
def quiz_md(tmp_path_factory):
    from generator.cli import main

    out = tmp_path_factory.mktemp("quiz") / "build"
    with pytest.raises(SystemExit) as exc:
        main(["exams", "--seed", "8", "--students", "6", "--spec", str(QUIZ),
              "--format", "md", "--out", str(out)])
    assert exc.value.code == 0
    return out


def test_instructor_key_writes_negative_numbers_with_a_minus_sign(quiz_md):
    text = (quiz_md / "instructor-key.md").read_text(encoding="utf-8")
    assert re.search(r"−\d,\d", text)                  # some LayerNorm x̂ is negative
    assert not re.search(r"(?<![\w$])-\d", text)


def test_exam_documents_say_zadacha_with_a_dated_header_and_a_quantity_column(quiz_md):
    sheet = (quiz_md / "sheets" / "01.md").read_text(encoding="utf-8")
    assert "## Задача 1:" in sheet and "Упражнение" not in sheet
    assert "3\u00a0декември 2026\u00a0г." in sheet
    form = (quiz_md / "answer-sheets" / "01.md").read_text(encoding="utf-8")
    assert "| Задача | Величина |" in form and "Отговор" not in form


def test_bulgarian_digit_groups_are_thin_no_break_spaces_in_text_and_math(run):
    out = run("show", "sliding_window", "--reference", "--lang", "bg").out
    assert "32\u202f000 токена" in out and "32\u202f000^{2}" in out
    assert "\u00a0000" not in out and "32 000" not in out
    assert "token\u00a031\u202f999" in out                  # no line break inside


def test_english_groups_digits_from_five_up_everywhere(run):
    out = run("show", "flash_attention", "--reference", "--lang", "en").out
    assert "8192^{2}" in out and "1024^{2}" in out and "67,108,864" in out
    assert "8,192" not in out and "1,024" not in out


def test_word_subscripts_are_upright_and_factors_take_the_times_sign(run):
    for lang in ("bg", "en"):
        ffn = run("show", "ffn_dims", "--reference", "--lang", lang).out
        assert r"d_{\text{model}} = 512" in ffn and "4×" in ffn and "4x" not in ffn
        pi = run("show", "position_interpolation", "--reference", "--lang", lang).out
        assert r"\frac{L_{\text{train}}}{L_{\text{target}}}" in pi
        assert r"\text{pos} \times" in pi and "L_{train}" not in pi


def test_bulgarian_templates_quote_with_low_and_high_marks():
    for path in sorted((ROOT / "templates" / "bg").glob("*.md")):
        text = re.sub(r"\{[{%].*?[%}]\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        assert '"' not in text, path.name


def test_rope_options_are_lettered_lines_without_bullets(run):
    out = run("show", "rope", "--reference", "--lang", "bg", "--no-solution").out
    assert "\n   a) " in out and "- a)" not in out and "- b)" not in out


def test_bulgarian_grammar_of_the_review(run):
    block = run("show", "block_params", "--reference", "--lang", "bg").out
    assert "не влияе на броя на параметрите" in block
    kv = run("show", "kv_cache_generation", "--reference", "--lang", "bg").out
    assert "с броя на генерираните токени" in kv


def test_handout_intro_takes_an_en_dash_and_keeps_each_exercise_together(run, tmp_path):
    from generator.latex import markdown_to_latex

    assert run("handout", "--reference", "--format", "md", "--out", tmp_path).code == 0
    bg = (tmp_path / "handout-bg.md").read_text(encoding="utf-8")
    assert "2–3 минути" in bg
    assert bg.count("<!-- keep-together -->") == 24             # 12 questions, 12 solutions
    latex = markdown_to_latex(bg, load_bank().language("bg").typesetting)
    assert latex.count(r"\begin{minipage}") == 24 == latex.count(r"\end{minipage}")
    assert latex.index(r"\begin{minipage}") < latex.index("Упражнение 1") < \
        latex.index(r"\end{minipage}")


def test_key_pdf_header_lists_points_per_problem(tmp_path, run):
    from conftest import needs_tex

    needs_tex()
    import subprocess

    out = tmp_path / "pdf"
    assert run("exams", "--seed", 8, "--students", 1, "--spec", QUIZ, "--out", out).code == 0
    text = subprocess.run(["pdftotext", str(out / "keys" / "01.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", " ", text)
    assert "(задача 1 – 3 т., задача 2 – 2 т., задача 3 – 3 т., задача 4 – 2 т.)" in text
    assert "Упражнения" not in text


def test_no_tolerance_in_the_bank_is_widened_without_a_comment_saying_why():
    for path in sorted((ROOT / "variants").glob("*.toml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.strip().startswith("tolerance"):
                assert "#" in line or lines[number - 1].strip().startswith("#"), \
                    f"{path.name}, line {number + 1}"


def test_feedback_says_right_by_another_rounding_with_the_keys_minus_signs(run, tmp_path):
    spec = tmp_path / "ln.toml"
    spec.write_text('[bg]\ntitle = "LayerNorm"\n\n[[slot]]\npool = ["layernorm"]\n'
                    'points = 4\n', encoding="utf-8")
    out = tmp_path / "build"
    assert run("exams", "--seed", 8, "--students", 2, "--spec", spec, "--format", "md",
               "--out", out).code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    student = manifest["students"][1]                   # σ = √(8/3): 2 / 1,63 → 1,23
    x = student["exercises"][0]["params"]["x"]
    mean = sum(x) / 3
    given = "[" + "; ".join(f"{(v - mean) / 1.63:.2f}".replace(".", ",") for v in x) + "]"
    answers = tmp_path / "answers.csv"
    answers.write_text(f'id,layernorm.normalized\n{student["id"]},"{given}"\n',
                       encoding="utf-8")
    assert run("grade", "--seed", 8, "--spec", spec, "--answers", answers, "--format", "md",
               "--out", out).code == 0
    feedback = (out / "grades" / "feedback" / f"{student['id']}.md").read_text(
        encoding="utf-8")
    row = next(line for line in feedback.splitlines() if "hat{x}" in line)
    assert "вярно (друго закръгляне)" in row
    assert "$\\hat{x}$" in row and "−1,22" in row
