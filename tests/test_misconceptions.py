"""Misconceptions: every mistake the bank declares is checked against an independent
numpy oracle of the mistake itself (a real sample variance, a real upper-triangular
mask, K without V), over the variants test_oracle.py uses; the explanations exist in
every language; a misconception is never confused with the key."""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction

import numpy as np
import pytest

from test_oracle import MB, cases, dtype_for, exact, py, tensor
from generator.bank import load_bank
from generator.misconceptions import (avoided, coinciding, distinct_mistakes, mistaken_values,
                                      recognise)
from generator.numbers import plain
from generator.solve import Variant, solve


def linear(d_in: int, d_out: int, bias: bool):
    """A real linear layer's parameters: weight (and bias) arrays."""
    arrays = [tensor((d_in, d_out), np.int8)]
    if bias:
        arrays.append(tensor((d_out,), np.int8))
    return arrays


def size(arrays) -> int:
    return sum(a.size for a in arrays)


def mistakes_ffn_dims(p):
    d, e = p["d_model"], p["expansion"]
    w1, w2 = linear(d, e * d, bias=True), linear(e * d, d, bias=True)
    return {("w1_params", "with_bias"): size(w1), ("w2_params", "with_bias"): size(w2),
            ("total_params", "with_bias"): size(w1) + size(w2),
            ("total_params", "one_matrix"): size(linear(d, e * d, bias=False))}


def mistakes_residual(p):
    return {("output", "no_skip"): np.asarray([float(v) for v in p["sublayer"]])}


def mistakes_layernorm(p):
    x = np.asarray([float(v) for v in p["x"]])
    mu = x.mean()
    sample_var, sample_std = np.var(x, ddof=1), np.std(x, ddof=1)
    var, std = np.var(x), np.std(x)
    return {("variance", "sample_variance"): sample_var,
            ("std", "sample_variance"): sample_std,
            ("normalized", "sample_variance"): (x - mu) / sample_std,
            ("variance", "variance_std_swapped"): std,
            ("std", "variance_std_swapped"): var,
            ("normalized", "divided_by_variance"): (x - mu) / var}


def mistakes_attention_masks(p):
    n = p["seq_len"]
    return {("bidirectional", "causal_for_bidirectional"): np.tril(np.ones((n, n))),
            ("causal", "upper_triangular"): np.triu(np.ones((n, n)))}


def mistakes_gqa_kv_cache(p):
    dtype = dtype_for(p["bytes_per_value"])
    seq, d_k = p["seq_len"], p["d_k"]

    def keys(heads):                       # the K cache alone, V forgotten
        return tensor((heads, seq, d_k), dtype).nbytes

    def kv(heads):
        return keys(heads) + tensor((heads, seq, d_k), dtype).nbytes

    mha, gqa, mqa = kv(p["n_heads"]), kv(p["kv_heads"]), kv(1)
    return {("mha_bytes", "no_factor_two"): keys(p["n_heads"]),
            ("gqa_bytes", "no_factor_two"): keys(p["kv_heads"]),
            ("mqa_bytes", "no_factor_two"): keys(1),
            ("mha_mb", "no_factor_two"): exact(Fraction(keys(p["n_heads"]), MB)),
            ("gqa_mb", "no_factor_two"): exact(Fraction(keys(p["kv_heads"]), MB)),
            ("mqa_mb", "no_factor_two"): exact(Fraction(keys(1), MB)),
            ("mha_mb", "decimal_megabytes"): mha / 1e6,
            ("gqa_mb", "decimal_megabytes"): gqa / 1e6,
            ("mqa_mb", "decimal_megabytes"): mqa / 1e6,
            ("gqa_bytes", "query_heads"): kv(p["n_heads"]),
            ("gqa_mb", "query_heads"): exact(Fraction(kv(p["n_heads"]), MB)),
            ("gqa_savings_percent", "savings_as_ratio"): 100 * gqa / mha}


def mistakes_block_params(p):
    d, e = p["d_model"], p["expansion"]
    qkv = [tensor((d, d), np.int8) for _ in range(3)]          # W_O forgotten
    attention = qkv + [tensor((d, d), np.int8)]
    ffn = linear(d, e * d, bias=False) + linear(e * d, d, bias=False)
    one_norm = [tensor((d,), np.int8), tensor((d,), np.int8)]  # γ and β of one LayerNorm
    two_norms = one_norm * 2
    return {("attention_params", "no_output_projection"): size(qkv),
            ("total_params", "no_output_projection"): size(qkv) + size(ffn) + size(two_norms),
            ("layernorm_params", "one_layernorm"): size(one_norm),
            ("total_params", "one_layernorm"): size(attention) + size(ffn) + size(one_norm),
            ("total_params", "no_layernorm"): size(attention) + size(ffn)}


def mistakes_rope(p):
    positions = np.arange(max(p["pos_q"], p["pos_k"]) + 1)
    return {("relative_position", "sign_reversed"):
            int(positions[p["pos_k"]] - positions[p["pos_q"]])}


def mistakes_position_interpolation(p):
    stretched = np.float64(p["target_len"]) / np.float64(p["train_len"])
    return {("scale", "inverted_scale"): stretched,
            ("interpolated_pos", "inverted_scale"): p["pos"] * stretched}


def mistakes_sliding_window(p):
    n, w = p["seq_len"], p["window"]
    square = tensor((w, w), np.int8).size                      # the window with itself
    return {("window_pairs", "window_squared"): square,
            ("reduction", "inverted_ratio"):
            tensor((n, w), np.int8).size / tensor((n, n), np.int8).size}


def mistakes_kv_cache_generation(p):
    n = p["n_tokens"]
    # The mistake: every one of the n steps processes all n tokens.
    work = sum(np.ones(n, dtype=np.int64).sum() for _ in range(n))
    return {("without_cache", "square_not_triangle"): int(work),
            ("speedup", "square_not_triangle"): exact(Fraction(int(work), n))}


def mistakes_flash_attention(p):
    dtype = dtype_for(p["bytes_per_value"])
    n = p["seq_len"]
    memory = p["gpu_memory_gb"] * 2**30
    return {("megabytes", "decimal_megabytes"): tensor((n, n), dtype).nbytes / 1e6,
            ("max_seq_len", "rounded_up"): math.ceil(np.sqrt(memory / dtype.itemsize))}


ORACLES = {name.removeprefix("mistakes_"): fn for name, fn in globals().items()
           if name.startswith("mistakes_")}


def close(got, want) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return got.shape == want.shape and np.allclose(got, want, rtol=1e-9, atol=1e-12)


def test_every_exercise_with_a_numeric_answer_declares_a_misconception():
    bank = load_bank()
    for exercise in bank.exercises.values():
        numeric = [a for a in exercise.answers.values() if not a.is_choice]
        if numeric:
            assert any(a.misconceptions for a in numeric), exercise.id
            assert exercise.id in ORACLES, f"no oracle of {exercise.id}'s mistakes"


@pytest.mark.parametrize("eid", sorted(ORACLES))
def test_each_misconception_agrees_with_an_oracle_of_the_mistake(eid):
    bank = load_bank()
    declared = {(a.name, m) for a in bank.exercise(eid).answers.values()
                for m in a.misconceptions}
    for label, variant, _ in cases(eid):
        solution = solve(variant)
        expected = ORACLES[eid]({k: py(v) for k, v in variant.params.items()})
        assert set(expected) == declared, (eid, set(expected) ^ declared)
        for (answer, name), want in expected.items():
            got = plain(mistaken_values(solution, answer)[name])
            assert close(got, want), (eid, label, answer, name, got, want)


def test_the_oracles_are_not_the_key():
    """Mutation check: each oracle of a mistake differs from the key somewhere."""
    for eid in ORACLES:
        seen = set()
        for _, variant, answers in cases(eid)[:50]:
            expected = ORACLES[eid]({k: py(v) for k, v in variant.params.items()})
            seen |= {k for k, v in expected.items() if not close(plain(answers[k[0]]), v)}
        assert seen == set(expected), (eid, set(expected) - seen)


def test_explanations_exist_in_every_language_and_differ_by_language():
    bank = load_bank()
    for exercise in bank.exercises.values():
        for answer in exercise.answers.values():
            for name in answer.misconceptions:
                texts = {lang: language.explanation(exercise.id, name)
                         for lang, language in bank.languages.items()}
                assert all(t.strip() for t in texts.values()), (exercise.id, name)
                assert len(set(texts.values())) == len(texts), (exercise.id, name)


def test_a_right_answer_is_never_labelled_and_a_mistake_is_recognised():
    for eid in ORACLES:
        for _, variant, answers in cases(eid)[:80]:
            solution = solve(variant)
            for answer in variant.exercise.answers.values():
                if answer.is_choice:
                    continue
                assert recognise(solution, answer.name, plain(answers[answer.name])) is None
                for name, value in distinct_mistakes(solution, answer.name).items():
                    found = recognise(solution, answer.name, plain(value))
                    assert found is not None, (eid, answer.name, name)
                    assert accepted_same(solution, answer.name, found, value)


def accepted_same(solution, answer, found, value) -> bool:
    """The label found gives the same value (two mistakes may coincide)."""
    return close(plain(mistaken_values(solution, answer)[found]), plain(value))


def test_the_sampler_avoids_variants_where_an_avoided_mistake_gives_the_key():
    bank = load_bank()
    exercise = bank.exercise("gqa_kv_cache")
    halves = [i for i in range(exercise.space.size)
              if (v := exercise.space.variant(i))["n_heads"] == 2 * v["kv_heads"]]
    assert halves, "the space has variants saving 50 %, where GQA/MHA = 1 − GQA/MHA"
    for index in halves:
        variant = Variant(exercise, exercise.space.variant(index))
        assert ("gqa_savings_percent", "savings_as_ratio") in coinciding(solve(variant))
        assert avoided(variant)
    from generator.exam import plan
    from generator.roster import numbered
    exam = plan(bank, 3, numbered(150), "en")
    for se in exam.students:
        item = next(i for i in se.items if i.exercise.id == "gqa_kv_cache")
        assert not avoided(item.solution.variant)


def test_check_reports_a_misconception_that_coincides_with_the_key(bank_copy, run):
    variants = bank_copy / "variants" / "rope.toml"
    variants.write_text(variants.read_text(encoding="utf-8").replace(
        'sign_reversed = "pos_k - pos_q"', 'sign_reversed = "abs(pos_k - pos_q)"'),
        encoding="utf-8")
    result = run("--bank", bank_copy, "check", "rope")
    assert result.code == 0
    assert "misconception `sign_reversed`" in result.err and "rope.toml" in result.err


def test_a_misconception_without_an_explanation_is_refused(bank_copy, run):
    explanations = bank_copy / "templates" / "en" / "misconceptions.toml"
    explanations.write_text(explanations.read_text(encoding="utf-8").replace(
        "sign_reversed = ", "sign_flipped = "), encoding="utf-8")
    result = run("--bank", bank_copy, "list")
    assert result.code == 2 and "sign_reversed" in result.err
    assert "templates/en/misconceptions.toml" in result.err


def test_instructor_editions_show_common_mistakes_and_student_documents_never(tmp_path, run):
    out = tmp_path / "exams"
    assert run("exams", "--seed", 1, "--students", 2, "--lang", "en", "--format", "md",
               "--with-misconceptions", "--out", out).code == 0
    key = (out / "instructor-key.md").read_text(encoding="utf-8")
    assert "## Common mistakes" in key and "sample variance" in key
    assert "- Largest $n$ — Rounded up" in key          # labels stay the bank's Markdown
    for folder in ("sheets", "keys"):
        for path in (out / folder).iterdir():
            assert "sample variance" not in path.read_text(encoding="utf-8")
    plain_build = tmp_path / "plain"
    assert run("exams", "--seed", 1, "--students", 2, "--lang", "en", "--format", "md",
               "--out", plain_build).code == 0
    assert "Common mistakes" not in (plain_build / "instructor-key.md").read_text("utf-8")
    handout = tmp_path / "handout"
    assert run("handout", "--reference", "--format", "md", "--with-misconceptions",
               "--out", handout).code == 0
    text = (handout / "handout-bg.md").read_text(encoding="utf-8")
    # The seed's LayerNorm with n − 1: variance 8/2 = 4, σ = 2, x̂ = [−1, 0, 1].
    assert "4; 2; \\[−1; 0; 1\\] — Делено е на $n - 1$" in text   # minus sign; math


# ---------------------------------------------------------------- a class that errs


def typed(value, places: int) -> str:
    """A value as a student writes it: numbers rounded as the key prints them, vectors
    and matrices as lists, letters as they are."""
    if isinstance(value, str):
        return value
    value = np.asarray(value, dtype=float) if not isinstance(value, (int, float)) else value
    if isinstance(value, np.ndarray):
        return json.dumps(np.round(value, places).tolist())
    return str(round(value, places)) if not float(value).is_integer() else str(int(value))


def test_grade_recognises_exactly_the_mistakes_a_class_makes(tmp_path, run):
    """Student k makes the k-th declared mistake of every exercise (values from the numpy
    oracles of the mistakes), otherwise answers right (from the oracles of the answers);
    the last student makes none. grade labels exactly those, and the report counts them."""
    from test_oracle import ORACLES as KEYS

    bank = load_bank()
    declared = {ex.id: list(dict.fromkeys(m for a in ex.answers.values()
                                          for m in a.misconceptions))
                for ex in bank.exercises.values()}
    count = max(len(names) for names in declared.values()) + 1
    out = tmp_path / "build"
    assert run("exams", "--seed", 17, "--students", count, "--format", "md",
               "--out", out).code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    header = ["id"]
    rows, expected = [], {}
    for k, student in enumerate(manifest["students"]):
        row = {"id": student["id"]}
        for entry in student["exercises"]:
            ex = bank.exercise(entry["exercise"])
            params = {**{n: py(v) for n, v in Variant(ex, ex.space.coerce(
                {p: v for p, v in entry["params"].items()})).params.items()}}
            keys = KEYS[ex.id](ex, params)
            names = declared[ex.id]
            mistake = names[k] if k < len(names) else None
            wrong = ORACLES[ex.id](params) if mistake else {}
            for answer in ex.answers.values():
                if answer.intermediate:
                    continue
                column = f"{ex.id}.{answer.name}"
                if column not in header:
                    header.append(column)
                if mistake and (answer.name, mistake) in wrong:
                    value = wrong[(answer.name, mistake)]
                    if not close(value, keys[answer.name]):
                        expected[(student["id"], column)] = mistake
                else:
                    value = keys[answer.name]
                row[column] = typed(value, answer.places)
        rows.append(row)
    answers = tmp_path / "answers.csv"
    with answers.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    result = run("grade", "--seed", 17, "--answers", answers, "--format", "md",
                 "--out", out)
    assert result.code == 0, result.err
    graded = {r["id"]: r for r in csv.DictReader(
        (out / "grades" / "grades.csv").open(encoding="utf-8"))}
    found = {}
    for sid, row in graded.items():
        for item in filter(None, row["misconceptions"].split("; ")):
            column, name = item.split(": ")
            found[(sid, column)] = name
    assert len(expected) >= 25 and found == expected
    last = manifest["students"][-1]["id"]
    assert graded[last]["misconceptions"] == "" and graded[last]["grade"] == "6"
    # grades.xlsx says them in words, numbered as the sheets number their exercises.
    from openpyxl import load_workbook

    from generator.plain_text import plain_text

    table = list(load_workbook(out / "grades" / "grades.xlsx")["grades"].iter_rows(
        values_only=True))
    said = {row[0]: (row[-1] or "").split("\n") for row in table[2:]}
    language = bank.language("bg")
    for (sid, column), name in found.items():
        explained = language.explanation(column.split(".")[0], name)
        assert any(text.startswith("Задача ") and text.endswith(plain_text(explained))
                   for text in said[sid]), (sid, column, said[sid])
    assert not any("_" in text and "$" in text for texts in said.values() for text in texts)
    report = (out / "grades" / "report.md").read_text(encoding="utf-8")
    assert "## Чести грешки" in report
    per_mistake = {}
    for (sid, column), name in found.items():
        per_mistake.setdefault((column.split(".")[0], name), set()).add(sid)
    language = bank.language("bg")
    for (eid, name), who in per_mistake.items():
        line = next(l for l in report.splitlines()
                    if language.explanation(eid, name).split(":")[0] in l
                    and bank.exercise(eid).title("bg") in l)
        assert line.rstrip(" |").endswith(f"{len(who)} / {count}"), line
    feedback = (out / "grades" / "feedback" / f"{manifest['students'][0]['id']}.md")
    assert "Какво се обърка" in feedback.read_text(encoding="utf-8")


# ---------------------------------------------------------------- each in its own rounding


def test_a_mistake_is_recognised_in_its_own_printed_rounding_everywhere(bank):
    """σ² swapped with σ where the variance is whole (8): √8 is typed as 2,83, which the
    key's tolerance (0: a whole number) would never match — in grade, on the site (the
    same Key) and in the Moodle gap (its own tolerance). A megabyte of 10⁶ bytes is
    recognised as typed to two places, to one (134,2) or none (134)."""
    from conftest import solved
    from generator.answers import asked_answers
    from generator.exam import Item
    from generator.export import responses
    from generator.grade import misconception_in
    from generator.misconceptions import judged_key, recognisable
    from generator.moodle import gap
    from dataclasses import replace

    exercise, solution = solved(bank, "layernorm", "x=[2, 2, 8]")
    assert solution.answers["variance"] == 8
    item = Item(1, exercise, solution, None, None)
    for typed in ("2,83", "2.83", "≈2,83", "2,8"):
        assert misconception_in(typed, item, "variance") == "variance_std_swapped", typed
    assert misconception_in("2,9", item, "variance") == ""
    key = judged_key(solution, "variance")
    assert key.tolerance == 0 and any(
        abs(v - math.sqrt(8)) < 1e-9 and t == 0.005
        for m in key.mistakes for v, t in m.printed)
    response = next(replace(r, mistakes=recognisable(solution, r.answer.name))
                    for r in responses(exercise, asked_answers(item), 1)
                    if r.answer.name == "variance")
    moodle = gap(response, 8, response.gap_mistakes()[0], bank.language("en"))
    assert moodle.startswith("{3:NUMERICAL:=8:0~") and "~%0%2.8284271247461903:0.005#" in moodle

    exercise, solution = solved(bank, "gqa_kv_cache")
    item = Item(1, exercise, solution, None, None)
    megabytes = plain(mistaken_values(solution, "mha_mb")["decimal_megabytes"])
    assert megabytes == 134.217728 and solution.answers["mha_mb"] == 128
    for typed in ("134,22", "134.2", "134,2 MB", "134", "≈134,2"):
        assert misconception_in(typed, item, "mha_mb") == "decimal_megabytes", typed
    for typed in ("134,3", "135", "128", "130"):
        assert misconception_in(typed, item, "mha_mb") == "", typed
