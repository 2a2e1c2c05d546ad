"""The seed's own solutions, reproduced with --reference in both languages.

Each exercise's solution must show the seed's numbers (formatted as each language writes
them) — with the one erratum of the seed: exercise 12's largest n is 80,264, since
80,265² × 4 bytes exceeds 24 GiB. Only the solution is searched, not the question, whose
text repeats some of the same numbers."""

import re

import pytest

NB = "\u202f"      # Bulgarian digit groups: a thin no-break space

# Seed numbers per exercise, as Bulgarian writes them; English is derived below.
SEED_SOLUTIONS = {
    "ffn_dims": ["512 \\times 4", "2048", f"1{NB}048{NB}576", f"2{NB}097{NB}152"],
    "residual": ["[1,1; 1,8; 3,3]", "[0,1; -0,2; 0,3]"],
    "layernorm": ["\\frac{8}{3}", "2,67", "1,63", "[-1,22; 0; 1,22]", "(2 - 4)^{2}",
                  "\\sqrt{\\frac{8}{3}}"],
    "pre_post_norm": ["Pre-Norm", "LLaMA"],
    "attention_masks": ["t3 [  1  0  0  0  ]".replace("t3", "t0"), "t3 [  1  1  1  1  ]"],
    "gqa_kv_cache": [f"134{NB}217{NB}728", f"33{NB}554{NB}432", f"4{NB}194{NB}304",
                     "\\boxed{128}", "\\boxed{32}", "\\boxed{4}", "\\boxed{75\\,\\%}"],
    "block_params": [f"2{NB}359{NB}296", f"4{NB}718{NB}592", "3072", f"7{NB}080{NB}960"],
    "rope": ["5 - 3", "**b)**"],
    "position_interpolation": ["0,25", "2000", "< 4096"],
    "sliding_window": [f"1{NB}024{NB}000{NB}000", f"131{NB}072{NB}000", "7,8"],
    "kv_cache_generation": ["5050", "50,5", "100"],
    "flash_attention": [f"67{NB}108{NB}864", "256", f"80{NB}264"],
}


def english(fragment: str) -> str:
    """The same number as English writes it: 1,048,576 (but 2048, as Bulgarian too) and
    1.63 and [1.1, 1.8, 3.3]."""
    text = fragment.replace("; ", "\x00")
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)
    text = text.replace("\x00", ", ")
    return re.sub(rf"(\d){NB}(\d)", r"\1,\2", text)


def solution(out: str) -> str:
    """The solution part of `exgen show`: what follows its `### Решение` heading."""
    head, marker, rest = out.partition("\n### ")
    assert marker, "no solution in the output"
    return rest


@pytest.mark.parametrize("exercise", SEED_SOLUTIONS)
def test_reference_reproduces_the_seeds_solution_in_bulgarian(run, exercise):
    result = run("show", exercise, "--reference", "--lang", "bg")
    assert result.code == 0, result.err
    for fragment in SEED_SOLUTIONS[exercise]:
        assert fragment in solution(result.out), (exercise, fragment)


@pytest.mark.parametrize("exercise", SEED_SOLUTIONS)
def test_reference_reproduces_the_seeds_solution_in_english(run, exercise):
    result = run("show", exercise, "--reference", "--lang", "en")
    assert result.code == 0, result.err
    for fragment in SEED_SOLUTIONS[exercise]:
        assert english(fragment) in solution(result.out), (exercise, english(fragment))


def test_erratum_largest_n_is_80264_not_80265(run):
    bg = run("show", "flash_attention", "--reference", "--lang", "bg").out
    assert f"\\boxed{{80{NB}264}}" in bg
    assert f"\\boxed{{80{NB}265}}" not in bg


def test_seed_reference_parameters_are_the_seeds(run):
    import json

    expected = {
        "ffn_dims": {"d_model": 512, "expansion": 4},
        "residual": {"x": [1, 2, 3], "sublayer": [0.1, -0.2, 0.3]},
        "layernorm": {"x": [2, 4, 6]},
        "attention_masks": {"seq_len": 4},
        "gqa_kv_cache": {"n_heads": 32, "d_k": 128, "seq_len": 8192, "kv_heads": 8,
                         "bytes_per_value": 2},
        "block_params": {"d_model": 768, "n_heads": 12},
        "rope": {"pos_q": 5, "pos_k": 3},
        "position_interpolation": {"train_len": 4096, "target_len": 16384, "pos": 8000},
        "sliding_window": {"seq_len": 32000, "window": 4096},
        "kv_cache_generation": {"n_tokens": 100},
        "flash_attention": {"seq_len": 8192, "bytes_per_value": 4, "gpu_memory_gb": 24},
    }
    for exercise, params in expected.items():
        data = json.loads(run("show", exercise, "--reference", "--format", "json").out)
        for name, value in params.items():
            assert data["params"][name] == value, (exercise, name)
