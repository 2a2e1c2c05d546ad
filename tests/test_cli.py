"""The command line: its contract (README, `The command line`), determinism, and bad input."""

import json
from pathlib import Path


from conftest import run_process
from generator.exam import plan
from generator.roster import Student, numbered


def test_show_json_carries_plain_numbers(run):
    result = run("show", "gqa_kv_cache", "--reference", "--format", "json")
    assert result.code == 0
    data = json.loads(result.out)
    assert data["exercise"] == "gqa_kv_cache"
    assert data["params"] == {"n_heads": 32, "d_k": 128, "seq_len": 8192, "kv_heads": 8,
                              "bytes_per_value": 2}
    assert data["answers"]["mha_bytes"] == 134217728
    assert data["answers"]["gqa_savings_percent"] == 75


def test_show_reference_in_bulgarian_groups_digits_with_thin_no_break_spaces(run):
    result = run("show", "gqa_kv_cache", "--reference", "--lang", "bg")
    assert "134\u202f217\u202f728" in result.out
    assert "Упражнение 6" in result.out and "Решение" in result.out


def test_set_values_are_json_and_checked_against_constraints(run):
    ok = run("show", "gqa_kv_cache", "--set", "kv_heads=4", "--format", "json")
    assert json.loads(ok.out)["params"]["kv_heads"] == 4
    bad = run("show", "gqa_kv_cache", "--set", "n_heads=30")
    assert bad.code == 2 and "n_heads % kv_heads == 0" in bad.err
    unknown = run("show", "gqa_kv_cache", "--set", "heads=4")
    assert unknown.code == 2 and "heads" in unknown.err and "parameters:" in unknown.err


def test_set_with_seed_draws_the_rest_around_the_fixed_value(run):
    for seed in range(5):
        out = run("show", "gqa_kv_cache", "--seed", seed, "--set", "n_heads=64",
                  "--format", "json").out
        params = json.loads(out)["params"]
        assert params["n_heads"] == 64 and 64 % params["kv_heads"] == 0


def test_unknown_exercise_is_a_clear_error(run):
    result = run("show", "no_such_exercise")
    assert result.code == 2
    assert "unknown exercise `no_such_exercise`" in result.err


def test_errors_reach_the_user_without_a_traceback():
    proc = run_process("show", "gqa_kv_cache", "--set", "n_heads=30")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "constraint" in proc.stderr


def test_check_passes_on_the_shipped_bank(run):
    result = run("check")
    assert result.code == 0, result.err


def test_check_takes_the_exercises_to_check(bank_copy, run):
    assert run("check", "layernorm").out.startswith("1 exercise in ")
    assert run("check", "nope").code == 2
    template = bank_copy / "templates" / "en" / "gqa_kv_cache.md"
    template.write_text(template.read_text().replace("{{ d_k }}", "{{ d_head }}", 1))
    variants = bank_copy / "variants" / "rope.toml"
    variants.write_text(variants.read_text().replace("[params]", "[params", 1))
    assert run("--bank", bank_copy, "check", "layernorm", "residual").code == 0
    for name, file in (("gqa_kv_cache", "gqa_kv_cache.md"), ("rope", "rope.toml")):
        result = run("--bank", bank_copy, "check", name, "layernorm")
        assert result.code == 2 and file in result.err, result.err


def test_malformed_variants_file_names_file_and_line(bank_copy, run):
    path = bank_copy / "variants" / "gqa_kv_cache.toml"
    lines = path.read_text().splitlines()
    lines[5] = "n_heads = [16, 32"
    path.write_text("\n".join(lines))
    result = run("--bank", bank_copy, "list")
    assert result.code == 2
    assert "gqa_kv_cache.toml" in result.err and "line" in result.err


def test_template_with_an_unknown_name_is_reported(bank_copy, run):
    path = bank_copy / "templates" / "en" / "gqa_kv_cache.md"
    path.write_text(path.read_text().replace("{{ d_k }}", "{{ d_head }}", 1))
    result = run("--bank", bank_copy, "check", "gqa_kv_cache")
    assert result.code == 2 and "d_head" in result.err and "gqa_kv_cache.md" in result.err
    shown = run("--bank", bank_copy, "show", "gqa_kv_cache", "--lang", "en")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "d_head" in text)
    assert shown.code == 2 and "d_head" in shown.err and f"line {line}:" in shown.err


def test_unsatisfiable_constraint_is_named(bank_copy, run):
    path = bank_copy / "variants" / "gqa_kv_cache.toml"
    path.write_text(path.read_text().replace('"1 < kv_heads < n_heads"', '"kv_heads > 64"'))
    result = run("--bank", bank_copy, "list")
    assert result.code == 2 and "kv_heads > 64" in result.err


def test_formula_with_a_forbidden_construct_is_refused(bank_copy, run):
    path = bank_copy / "variants" / "gqa_kv_cache.toml"
    path.write_text(path.read_text().replace(
        'formula = "mha_bytes / 2**20"', 'formula = "__import__(\'os\').getcwd()"'))
    result = run("--bank", bank_copy, "list")
    assert result.code == 2 and "gqa_kv_cache.toml, line" in result.err


def test_sandbox_refuses_python_internals(bank_copy, run):
    path = bank_copy / "templates" / "en" / "gqa_kv_cache.md"
    path.write_text(path.read_text().replace(
        "{% block question %}", "{% block question %}{{ n_heads.__class__.__mro__ }}", 1))
    result = run("--bank", bank_copy, "show", "gqa_kv_cache", "--lang", "en")
    assert result.code == 2
    assert "access to attribute '__class__' of 'Integer' object is unsafe" in result.err


def test_duplicate_roster_ids_name_the_line(tmp_path, run):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n1001,Ана\n1002,Борис\n1001,Вера\n", encoding="utf-8")
    result = run("exams", "--seed", 1, "--roster", roster, "--format", "md",
                 "--out", tmp_path / "out")
    assert result.code == 2 and "line 4" in result.err and "1001" in result.err
    assert not (tmp_path / "out").exists()


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_markdown_and_manifest(tmp_path, run):
    for name in ("a", "b"):
        assert run("exams", "--seed", 7, "--students", 4, "--format", "md",
                   "--out", tmp_path / name).code == 0
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert first == second and "manifest.json" in first and "sheets/01.md" in first


def test_failed_build_leaves_the_previous_output_untouched(tmp_path, bank_copy, run):
    out = tmp_path / "out"
    assert run("--bank", bank_copy, "exams", "--seed", 3, "--students", 3, "--format", "md",
               "--out", out).code == 0
    before = _tree(out)
    template = bank_copy / "templates" / "bg" / "gqa_kv_cache.md"
    template.write_text(template.read_text().replace("{{ d_k }}", "{{ 1 / 0 }}"))
    failed = run("--bank", bank_copy, "exams", "--seed", 3, "--students", 3,
                 "--format", "md", "--out", out)
    assert failed.code == 2 and "gqa_kv_cache.md" in failed.err
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_manifest_lists_every_student_with_params_and_answers(tmp_path, run, bank):
    assert run("exams", "--seed", 5, "--students", 3, "--format", "md",
               "--out", tmp_path).code == 0
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["seed"] == 5 and [s["id"] for s in data["students"]] == ["01", "02", "03"]
    entry = data["students"][0]
    assert {"id", "name", "variant_code", "exercises"} <= entry.keys()
    assert [e["exercise"] for e in entry["exercises"]] == list(bank.exercises)
    assert all({"params", "answers"} <= e.keys() for e in entry["exercises"])


def test_adding_a_student_changes_no_one_elses_exam(bank):
    small = plan(bank, 11, numbered(5), "bg")
    large = plan(bank, 11, (*numbered(5), Student("zz-new")), "bg")
    for before, after in zip(small.students, large.students):
        assert before.code == after.code
        assert [i.solution.variant.key for i in before.items] == \
               [i.solution.variant.key for i in after.items]


def test_a_students_variant_depends_only_on_seed_and_id(bank):
    alone = plan(bank, 11, (Student("4242"),), "bg").students[0]
    in_class = plan(bank, 11, (*numbered(3), Student("4242")), "en").students[-1]
    collided = [i for i, (a, b) in enumerate(zip(alone.items, in_class.items))
                if a.solution.variant.key != b.solution.variant.key]
    # Only an exercise where a classmate earlier in the roster drew the same variant moves.
    for index in collided:
        earlier = {se.items[index].solution.variant.key for se in
                   plan(bank, 11, numbered(3), "bg").students}
        assert alone.items[index].solution.variant.key in earlier


def test_classmates_share_a_variant_only_when_the_space_is_too_small(bank):
    exam = plan(bank, 2, numbered(40), "bg")
    for index, exercise in enumerate(bank.exercises.values()):
        keys = [se.items[index].solution.variant.key for se in exam.students]
        if exercise.space.size >= len(keys):
            assert len(set(keys)) == len(keys), exercise.id
        else:
            assert len(set(keys)) == exercise.space.size, exercise.id
            assert any(exercise.id in note for note in exam.notes)


def test_handout_reference_builds_both_languages(tmp_path, run):
    result = run("handout", "--reference", "--format", "md", "--out", tmp_path)
    assert result.code == 0, result.err
    bg = (tmp_path / "handout-bg.md").read_text()
    en = (tmp_path / "handout-en.md").read_text()
    assert bg.index("# Решения") > bg.index("Упражнение 6")
    assert "134\u202f217\u202f728" in bg and "134,217,728" in en
