"""Every answer of every exercise against an independent numpy oracle.

The oracles do not re-type the variants files' formulas: they build the object the
exercise is about and read the answer off it. Parameter counts are the `.size` of real
weight matrices, KV-cache and attention-matrix bytes the `.nbytes` of arrays with the
right shape and dtype, masks come from `numpy.tril`, LayerNorm is run on the vector,
RoPE rotates real q and k vectors, generation is simulated step by step with and
without a cache. Arrays that would not fit in memory are `numpy.broadcast_to` views
(a real shape and dtype, so `.size` and `.nbytes` are numpy's, without the memory).

Each exercise is checked on 500 drawn variants (seeds 0..499, one student), on its
whole space when that is small, on the seed's own values, and with hypothesis on
arbitrary seeds, student ids and space indices. Exact integers must match exactly;
anything else within a relative 1e-12 (1e-9 for the residual sums).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank import load_bank
from generator.errors import ExgenError
from generator.numbers import plain
from generator.sampling import sample
from generator.solve import Variant, reference, solve

# The command-line contract (README's table of exercises and the manifest): exercises may
# have more parameters and answers, never fewer.
CONTRACT = {
    "ffn_dims": (("d_model", "expansion"),
                 ("d_ff", "w1_params", "w2_params", "total_params")),
    "residual": (("x", "sublayer"), ("output",)),
    "layernorm": (("x",), ("mean", "variance", "std", "normalized")),
    "pre_post_norm": ((), ("cleaner_residual", "modern_llms")),
    "attention_masks": (("seq_len",), ("bidirectional", "causal")),
    "gqa_kv_cache": (("n_heads", "d_k", "seq_len", "kv_heads", "bytes_per_value"),
                     ("mha_bytes", "gqa_bytes", "mqa_bytes", "mha_mb", "gqa_mb", "mqa_mb",
                      "gqa_savings_percent")),
    "block_params": (("d_model", "n_heads", "expansion"),
                     ("attention_params", "ffn_params", "layernorm_params", "total_params")),
    "rope": (("pos_q", "pos_k"), ("relative_position", "choice")),
    "position_interpolation": (("train_len", "target_len", "pos"),
                               ("scale", "interpolated_pos")),
    "sliding_window": (("seq_len", "window"), ("full_pairs", "window_pairs", "reduction")),
    "kv_cache_generation": (("n_tokens",), ("without_cache", "with_cache", "speedup")),
    "flash_attention": (("seq_len", "bytes_per_value", "gpu_memory_gb"),
                        ("elements", "megabytes", "max_seq_len")),
}
IDS = tuple(CONTRACT)
CHOICE_ANSWERS = {"pre_post_norm": ("cleaner_residual", "modern_llms"), "rope": ("choice",)}

SEEDS = range(500)
STUDENT = "s"
EXHAUSTIVE_UP_TO = 5000          # spaces this small are also checked variant by variant
REL_TOL = 1e-12
TOLERANCE = {"residual": 1e-9}
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MB, GB = 2**20, 2**30
REAL_ARRAY_LIMIT = 64 * MB       # larger arrays are zero-stride views of the same shape
DTYPES = {1: np.int8, 2: np.float16, 4: np.float32, 8: np.float64}


# ---------------------------------------------------------------- the bank and its variants


@lru_cache(maxsize=None)
def bank():
    return load_bank()


def exercise(eid: str):
    exercises = bank().exercises
    if eid not in exercises:
        pytest.fail(f"exercise `{eid}` is not in the bank (no variants/{eid}.toml); "
                    f"present: {', '.join(exercises)}")
    return exercises[eid]


@lru_cache(maxsize=None)
def cases(eid: str) -> tuple:
    """(label, variant, answers) for the 500 drawn variants, the whole space when it is
    small, and the seed's own values."""
    ex = exercise(eid)
    variants = [(f"seed={seed} student={STUDENT!r}", sample(ex, seed, STUDENT)[1])
                for seed in SEEDS]
    if ex.space.size <= EXHAUSTIVE_UP_TO:
        variants += [(f"index={i}", Variant(ex, ex.space.variant(i)))
                     for i in range(ex.space.size)]
    variants.append(("reference", reference(ex)))
    return tuple((label, v, solve(v).answers) for label, v in variants)


def py(value):
    """A parameter as plain Python: int, Fraction, a tuple of them, or a tuple of option ids."""
    if isinstance(value, tuple):
        return tuple(py(v) for v in value)
    if isinstance(value, str):
        return value
    value = sympy.sympify(value)
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    raise TypeError(f"a parameter should be an exact number, not {value!r}")


# ---------------------------------------------------------------- oracle helpers


class Violation(AssertionError):
    """A variant breaks something the exercise obviously requires."""


def require(condition, message: str) -> None:
    if not condition:
        raise Violation(message)


def tensor(shape, dtype) -> np.ndarray:
    """An array of this shape and dtype: a real one when it is at most 64 MB, otherwise a
    zero-stride view (numpy's own `.size`, `.shape` and `.nbytes`, without the memory)."""
    dtype = np.dtype(dtype)
    if math.prod(shape) * dtype.itemsize <= REAL_ARRAY_LIMIT:
        return np.empty(shape, dtype)
    return np.broadcast_to(np.empty((), dtype), shape)


def dtype_for(bytes_per_value: int) -> np.dtype:
    require(bytes_per_value in DTYPES, f"no numpy dtype of {bytes_per_value} bytes")
    dtype = np.dtype(DTYPES[bytes_per_value])
    assert dtype.itemsize == bytes_per_value
    return dtype


def exact(value: Fraction):
    """An exact ratio as the oracle's expectation: an int when whole, else a float."""
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)


def megabytes(nbytes: int):
    return exact(Fraction(int(nbytes), MB))


def letter(order: tuple, option: str) -> str:
    require(option in order, f"option {option!r} is not among the printed {order}")
    return LETTERS[order.index(option)]


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 0.0):
    """LayerNorm as a framework computes it: over the last axis, biased variance."""
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def rope_rotate(vectors: np.ndarray, positions, base: float = 10000.0) -> np.ndarray:
    """RoPE: rotate each pair (x[2i], x[2i+1]) by position × base^(-2i/d).
    `positions` has the shape of vectors[..., 0] (or broadcasts to it)."""
    d = vectors.shape[-1]
    theta = base ** (-np.arange(0, d, 2) / d)
    angle = np.asarray(positions, dtype=np.float64)[..., None] * theta
    cos, sin = np.cos(angle), np.sin(angle)
    even, odd = vectors[..., 0::2], vectors[..., 1::2]
    out = np.empty(np.broadcast_shapes(vectors.shape, angle.shape[:-1] + (d,)))
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


# ---------------------------------------------------------------- the oracles
# Each takes (exercise, params as plain Python) and returns {answer: expected value}.


def oracle_ffn_dims(ex, p):
    d_model, expansion = p["d_model"], p["expansion"]
    require(isinstance(d_model, int) and isinstance(expansion, int) and d_model > 0
            and expansion > 0, "d_model and expansion are positive whole numbers")
    w1 = tensor((d_model, expansion * d_model), np.int8)     # x @ W1: d_model -> d_ff
    d_ff = w1.shape[1]
    w2 = tensor((d_ff, d_model), np.int8)                    # h @ W2: d_ff -> d_model
    require(w1.shape[1] == w2.shape[0] and w2.shape[1] == d_model, "W1 @ W2 composes")
    return {"d_ff": d_ff, "w1_params": w1.size, "w2_params": w2.size,
            "total_params": w1.size + w2.size}


def oracle_residual(ex, p):
    x = np.asarray([float(v) for v in p["x"]])
    sublayer = np.asarray([float(v) for v in p["sublayer"]])
    require(x.shape == sublayer.shape, "x and Sublayer(x) have the same length")
    return {"output": x + sublayer}


def oracle_layernorm(ex, p):
    x = np.asarray([float(v) for v in p["x"]])
    require(x.size >= 2 and x.var() > 0, "the vector is not constant (σ > 0)")
    mu, var, sigma = x.mean(), x.var(), x.std()            # population variance, ddof=0
    normalized = (x - mu) / sigma
    framework = layer_norm(x[None, :], np.ones(x.size), np.zeros(x.size))[0]
    require(np.allclose(framework, normalized, rtol=1e-12, atol=1e-12),
            "the framework-style LayerNorm agrees with (x - μ)/σ")
    require(abs(normalized.mean()) < 1e-12 and abs(normalized.var() - 1) < 1e-12,
            "the normalized vector has mean 0 and variance 1")
    return {"mean": mu, "variance": var, "std": sigma, "deviations": x - mu,
            "normalized": normalized}


def oracle_pre_post_norm(ex, p):
    """Question 1 from a real block: with the sublayer switched off, which scheme passes x
    through untouched? Question 2 is a fact: LLaMA and GPT-3 are Pre-Norm."""
    rng = np.random.default_rng(4)
    d = 8
    x = rng.standard_normal((3, d))
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    w = rng.standard_normal((d, d))

    def ln(v):
        return layer_norm(v, gamma, beta, eps=1e-5)

    def block(scheme, v, sublayer):
        return v + sublayer(ln(v)) if scheme == "pre_norm" else ln(v + sublayer(v))

    def identity_path(scheme):
        off = block(scheme, x, lambda v: np.zeros_like(v))
        on = block(scheme, x, lambda v: np.tanh(v @ w))
        return np.array_equal(off, x) and not np.allclose(on, x)

    expected = {}
    for name, fact in (("cleaner_residual", None), ("modern_llms", "pre_norm")):
        answer = ex.answers[name]
        require(set(answer.options) == {"pre_norm", "post_norm"},
                f"{name}: the oracle knows the options pre_norm and post_norm, "
                f"not {answer.options}")
        right = [s for s in answer.options if identity_path(s)] if fact is None else [fact]
        require(len(right) == 1, f"{name}: exactly one scheme is right, found {right}")
        require(answer.correct == right[0],
                f"{name}: the bank marks {answer.correct!r} correct, the oracle {right[0]!r}")
        expected[name] = letter(p[answer.order_param], right[0])
    return expected


def oracle_attention_masks(ex, p):
    n = p["seq_len"]
    require(isinstance(n, int) and n >= 1, "seq_len is a positive whole number")
    return {"bidirectional": np.ones((n, n), dtype=np.int64),
            "causal": np.tril(np.ones((n, n), dtype=np.int64))}


def oracle_gqa_kv_cache(ex, p):
    n_heads, d_k, seq_len = p["n_heads"], p["d_k"], p["seq_len"]
    kv_heads, dtype = p["kv_heads"], dtype_for(p["bytes_per_value"])
    require(1 <= kv_heads <= n_heads and n_heads % kv_heads == 0,
            "kv_heads divides n_heads")
    # Query head h reads the K/V of head h // group: every query head has exactly one.
    group = n_heads // kv_heads
    require(np.array_equal(np.bincount(np.arange(n_heads) // group), np.full(kv_heads, group)),
            "the query heads split evenly into kv_heads groups")

    def cache_bytes(heads):
        keys = tensor((heads, seq_len, d_k), dtype)
        values = tensor((heads, seq_len, d_k), dtype)
        return keys.nbytes + values.nbytes

    mha, gqa, mqa = cache_bytes(n_heads), cache_bytes(kv_heads), cache_bytes(1)
    mha_mb, gqa_mb, mqa_mb = megabytes(mha), megabytes(gqa), megabytes(mqa)
    savings = 100 * (1 - Fraction(gqa_mb) / Fraction(mha_mb))
    return {"mha_bytes": mha, "gqa_bytes": gqa, "mqa_bytes": mqa, "mha_mb": mha_mb,
            "gqa_mb": gqa_mb, "mqa_mb": mqa_mb, "gqa_savings_percent": exact(savings)}


def oracle_block_params(ex, p):
    d_model, n_heads, expansion = p["d_model"], p["n_heads"], p["expansion"]
    require(d_model % n_heads == 0, "d_model % n_heads == 0")
    d_k = d_model // n_heads
    # Multi-head attention without biases: per head a (d_model, d_k) slice of W_Q, W_K,
    # W_V, and the output projection from the concatenated heads back to d_model.
    per_head = [tensor((d_model, d_k), np.int8) for _ in range(3 * n_heads)]
    w_o = tensor((n_heads * d_k, d_model), np.int8)
    attention = sum(w.size for w in per_head) + w_o.size
    w1 = tensor((d_model, expansion * d_model), np.int8)
    w2 = tensor((w1.shape[1], d_model), np.int8)
    ffn = w1.size + w2.size
    norms = [(np.ones(d_model, np.float32), np.zeros(d_model, np.float32)) for _ in range(2)]
    layernorm = sum(g.size + b.size for g, b in norms)
    return {"attention_params": attention, "d_ff": w1.shape[1], "ffn_params": ffn,
            "layernorm_params": layernorm, "total_params": attention + ffn + layernorm}


ROPE_DIM = 16
_rope_rng = np.random.default_rng(8)
ROPE_Q = _rope_rng.standard_normal((4, ROPE_DIM))   # four random (q, k) pairs
ROPE_K = _rope_rng.standard_normal((4, ROPE_DIM))


def rope_scores(pos_q, pos_k) -> np.ndarray:
    """The four q·k dot products after RoPE at these positions (arrays broadcast)."""
    pq = np.asarray(pos_q, dtype=np.float64)[..., None]
    pk = np.asarray(pos_k, dtype=np.float64)[..., None]
    q = rope_rotate(ROPE_Q, np.broadcast_to(pq, pq.shape[:-1] + (4,)))
    k = rope_rotate(ROPE_K, np.broadcast_to(pk, pk.shape[:-1] + (4,)))
    return (q * k).sum(axis=-1)


def oracle_rope(ex, p):
    pos_q, pos_k = p["pos_q"], p["pos_k"]
    target = rope_scores(pos_q, pos_k)
    shifted = rope_scores(pos_q + np.array([1, 7, 100, 1000]), pos_k + np.array([1, 7, 100, 1000]))
    shift_invariant = np.allclose(shifted, target, rtol=0, atol=1e-9)
    moved = rope_scores(pos_q + 1, pos_k)
    depends_on_positions = not np.allclose(moved, target, rtol=0, atol=1e-6)
    # The relative position, read off the rotation: the r for which q rotated by r
    # against an unrotated k gives the same dot products.
    span = 4 * max(abs(pos_q), abs(pos_k), 16)
    r = np.arange(-span, span + 1)
    error = np.abs(rope_scores(r, np.zeros_like(r)) - target).max(axis=-1)
    best = int(np.argmin(error))
    require(error[best] < 1e-9 and np.sort(error)[1] > 1e-6,
            "exactly one relative rotation reproduces the dot products")
    relative = int(r[best])
    truth = {"absolute": not shift_invariant and depends_on_positions,
             "relative": shift_invariant and depends_on_positions,
             "values": not depends_on_positions}
    answer = ex.answers["choice"]
    require(set(answer.options) == set(truth),
            f"the oracle knows the options {sorted(truth)}, not {answer.options}")
    right = [o for o, holds in truth.items() if holds]
    require(right == ["relative"], f"RoPE dot product: the true statements are {right}")
    require(answer.correct == "relative",
            f"the bank marks {answer.correct!r} correct, RoPE says 'relative'")
    return {"relative_position": relative, "choice": letter(p[answer.order_param], "relative")}


def oracle_position_interpolation(ex, p):
    train_len, target_len, pos = p["train_len"], p["target_len"], p["pos"]
    require(train_len < target_len, "the context is extended")
    require(0 <= pos < target_len, "the position lies in the extended context")
    scale = train_len / target_len
    positions = np.arange(target_len) * scale          # every extended position, squeezed
    require(positions.max() < train_len, "all interpolated positions are in training range")
    interpolated = positions[pos]
    require(interpolated < train_len, "the interpolated position is < train_len")
    return {"scale": scale, "interpolated_pos": float(interpolated)}


def sliding_window_mask(n: int, w: int) -> np.ndarray:
    """The causal sliding-window band over keys padded with w - 1 slots on the left:
    query i sees padded slots i .. i + w - 1, i.e. keys i - w + 1 .. i."""
    ones = np.ones((n, n + w - 1), dtype=np.int64)
    return np.triu(np.tril(ones, k=w - 1), k=0)


def oracle_sliding_window(ex, p):
    n, w = p["seq_len"], p["window"]
    require(1 <= w < n, "the window is shorter than the sequence")
    full = tensor((n, n), np.bool_)                # every (q, k) score
    band = tensor((n, w), np.bool_)                # w key slots per query, as the seed counts
    full_pairs, window_pairs = int(full.size), int(band.size)
    require(np.int64(n) * np.int64(n) == full_pairs and np.int64(n) * np.int64(w) == window_pairs,
            "the shapes' sizes agree with int64 products")
    return {"full_pairs": full_pairs, "window_pairs": window_pairs,
            "reduction": exact(Fraction(full_pairs, window_pairs))}


def oracle_kv_cache_generation(ex, p):
    n = p["n_tokens"]
    require(isinstance(n, int) and n >= 1, "n_tokens is a positive whole number")
    rng = np.random.default_rng(11)
    d = 4
    tokens = rng.standard_normal((n, d))
    w_kv = rng.standard_normal((d, 2 * d))          # K and V projections side by side
    without = 0
    for t in range(1, n + 1):                       # no cache: K, V of all t tokens again
        kv = tokens[:t] @ w_kv
        without += kv.shape[0]
    cache = np.empty((n, 2 * d))
    with_cache = 0
    for t in range(n):                              # cache: K, V of the new token only
        new = tokens[t:t + 1] @ w_kv
        cache[t] = new[0]
        with_cache += new.shape[0]
    require(np.allclose(cache, kv), "the cache holds what recomputing would give")
    require(without == int(np.arange(1, n + 1).sum()), "1 + 2 + ... + n")
    return {"without_cache": without, "with_cache": with_cache,
            "speedup": exact(Fraction(without, with_cache))}


def largest_fitting_square(budget: int, dtype: np.dtype) -> int:
    """The largest n whose (n, n) matrix of this dtype fits in `budget` bytes."""
    n = math.isqrt(budget // dtype.itemsize)
    require(tensor((n, n), dtype).nbytes <= budget < tensor((n + 1, n + 1), dtype).nbytes,
            f"{n} fits and {n + 1} does not")
    return n


def oracle_flash_attention(ex, p):
    n, dtype, gb = p["seq_len"], dtype_for(p["bytes_per_value"]), p["gpu_memory_gb"]
    scores = tensor((n, n), dtype)                  # the materialized attention matrix
    return {"elements": scores.size, "megabytes": megabytes(scores.nbytes),
            "max_seq_len": largest_fitting_square(int(gb * GB), dtype)}


ORACLES = {
    "ffn_dims": oracle_ffn_dims,
    "residual": oracle_residual,
    "layernorm": oracle_layernorm,
    "pre_post_norm": oracle_pre_post_norm,
    "attention_masks": oracle_attention_masks,
    "gqa_kv_cache": oracle_gqa_kv_cache,
    "block_params": oracle_block_params,
    "rope": oracle_rope,
    "position_interpolation": oracle_position_interpolation,
    "sliding_window": oracle_sliding_window,
    "kv_cache_generation": oracle_kv_cache_generation,
    "flash_attention": oracle_flash_attention,
}


# ---------------------------------------------------------------- comparing


def _scalar_problem(actual, expected, tol: float) -> str | None:
    if isinstance(expected, (int, np.integer)):
        value = sympy.sympify(actual)
        if not value.is_Integer:
            return f"expected the exact integer {int(expected)}, got {value}"
        return None if int(value) == int(expected) else "integers differ"
    value = float(sympy.sympify(actual))
    return None if math.isclose(value, float(expected), rel_tol=tol, abs_tol=tol) \
        else f"differs beyond a relative {tol:g}"


def problem(actual, expected, tol: float) -> str | None:
    """Why `actual` (exgen's exact value) is not `expected` (the oracle's), or None."""
    if isinstance(expected, str):
        return None if actual == expected else "different letters"
    if isinstance(expected, np.ndarray) and expected.ndim == 2:
        if not isinstance(actual, sympy.MatrixBase):
            return f"expected a matrix, got {type(actual).__name__}"
        rows = plain(actual)
        if np.asarray(rows).shape != expected.shape:
            return f"shape {np.asarray(rows).shape}, expected {expected.shape}"
        if not all(isinstance(v, int) for row in rows for v in row):
            return "entries are not exact integers"
        return None if rows == expected.tolist() else "entries differ"
    if isinstance(expected, (np.ndarray, tuple, list)):
        if not isinstance(actual, tuple):
            return f"expected a vector, got {type(actual).__name__}"
        if len(actual) != len(expected):
            return f"length {len(actual)}, expected {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            why = _scalar_problem(a, e.item() if isinstance(e, np.generic) else e, tol)
            if why:
                return f"element {i}: {why}"
        return None
    return _scalar_problem(actual, expected, tol)


def shown(value):
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def check_variant(eid, ex, label, variant, answers, problems: list) -> None:
    params = {name: py(value) for name, value in variant.params.items()}
    where = f"{eid} [{label}] params={ {k: plain(v) for k, v in variant.params.items()} }"
    try:
        expected = ORACLES[eid](ex, params)
    except Violation as exc:
        problems.append(f"{where}: {exc}")
        return
    tol = TOLERANCE.get(eid, REL_TOL)
    for name in CONTRACT[eid][1]:
        assert name in expected, f"the oracle of {eid} does not compute {name}"
    for name, value in expected.items():
        if name not in answers:
            if name in CONTRACT[eid][1]:
                problems.append(f"{where}: no answer `{name}`")
            continue
        why = problem(answers[name], value, tol)
        if why:
            problems.append(f"{where}: {name}: exgen {plain(answers[name])!r} vs oracle "
                            f"{shown(value)!r} ({why})")


def report(problems: list, checked: int) -> str:
    head = f"{len(problems)} disagreement(s) in {checked} variants:\n"
    return head + "\n".join(problems[:15]) + ("\n..." if len(problems) > 15 else "")


# ---------------------------------------------------------------- the tests


def test_every_exercise_of_the_contract_is_in_the_bank():
    b = bank()
    missing, short = [], []
    for eid, (params, answers) in CONTRACT.items():
        if eid not in b.exercises:
            missing.append(eid)
            continue
        ex = b.exercises[eid]
        lacking = [f"parameter {n}" for n in params if n not in ex.space.candidates]
        lacking += [f"answer {n}" for n in answers if n not in ex.answers]
        lacking += [f"answer {n} is not multiple-choice" for n in CHOICE_ANSWERS.get(eid, ())
                    if n in ex.answers and not ex.answers[n].is_choice]
        if lacking:
            short.append(f"{eid}: {', '.join(lacking)}")
    assert not missing and not short, f"missing exercises: {missing}; incomplete: {short}"


@pytest.mark.parametrize("eid", IDS)
def test_every_answer_has_an_oracle(eid):
    """An answer added to an exercise must be added to its oracle too."""
    ex = exercise(eid)
    params = {name: py(value) for name, value in reference(ex).params.items()}
    unchecked = set(ex.answers) - set(ORACLES[eid](ex, params))
    assert not unchecked, f"{eid}: no oracle for the answers {sorted(unchecked)}"


@pytest.mark.parametrize("eid", IDS)
def test_answers_agree_with_the_oracle(eid):
    """500 drawn variants (plus the whole space when small, plus the seed's values)."""
    ex = exercise(eid)
    all_cases = cases(eid)
    assert len(all_cases) >= len(SEEDS) + 1
    problems: list = []
    for label, variant, answers in all_cases:
        check_variant(eid, ex, label, variant, answers, problems)
    assert not problems, report(problems, len(all_cases))


@pytest.mark.parametrize("eid", IDS)
def test_answers_agree_with_the_oracle_hypothesis(eid):
    """Arbitrary exam seeds and student ids, and arbitrary indices into the space."""
    ex = exercise(eid)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(min_value=0, max_value=2**64 - 1),
           student=st.text(max_size=16),
           index=st.integers(min_value=0, max_value=ex.space.size - 1))
    def run(seed, student, index):
        _, drawn = sample(ex, seed, student)
        again = sample(ex, seed, student)[1]
        assert again.params == drawn.params, "the same seed and student give the same variant"
        problems: list = []
        for label, variant in ((f"seed={seed} student={student!r}", drawn),
                               (f"index={index}", Variant(ex, ex.space.variant(index)))):
            check_variant(eid, ex, label, variant, solve(variant).answers, problems)
        assert not problems, report(problems, 2)

    run()


# The seed's own numbers, as printed in its solutions (rounded ones within their rounding).
SEED_VALUES = {
    "ffn_dims": ({"d_model": 512, "expansion": 4},
                 {"d_ff": 2048, "w1_params": 1048576, "w2_params": 1048576,
                  "total_params": 2097152}),
    "residual": ({"x": (1, 2, 3), "sublayer": (0.1, -0.2, 0.3)},
                 {"output": ((1.1, 1.8, 3.3), 1e-12)}),
    "layernorm": ({"x": (2, 4, 6)},
                  {"mean": 4, "variance": (2.67, 0.005), "std": (1.63, 0.005),
                   "normalized": ((-1.22, 0, 1.22), 0.005)}),
    "pre_post_norm": ({}, {}),
    "attention_masks": ({"seq_len": 4},
                        {"bidirectional": [[1] * 4] * 4,
                         "causal": [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]}),
    "gqa_kv_cache": ({"n_heads": 32, "d_k": 128, "seq_len": 8192, "kv_heads": 8,
                      "bytes_per_value": 2},
                     {"mha_bytes": 134217728, "gqa_bytes": 33554432, "mqa_bytes": 4194304,
                      "mha_mb": 128, "gqa_mb": 32, "mqa_mb": 4, "gqa_savings_percent": 75}),
    "block_params": ({"d_model": 768, "n_heads": 12, "expansion": 4},
                     {"attention_params": 2359296, "ffn_params": 4718592,
                      "layernorm_params": 3072, "total_params": 7080960}),
    "rope": ({"pos_q": 5, "pos_k": 3}, {"relative_position": 2}),
    "position_interpolation": ({"train_len": 4096, "target_len": 16384, "pos": 8000},
                               {"scale": (0.25, 1e-12), "interpolated_pos": 2000}),
    "sliding_window": ({"seq_len": 32000, "window": 4096},
                       {"full_pairs": 1024000000, "window_pairs": 131072000,
                        "reduction": (7.8, 0.05)}),
    "kv_cache_generation": ({"n_tokens": 100},
                            {"without_cache": 5050, "with_cache": 100,
                             "speedup": (50.5, 1e-12)}),
    # 80,264, not the seed's 80,265: 80,265² × 4 bytes exceeds 24 GiB (the seed's erratum).
    "flash_attention": ({"seq_len": 8192, "bytes_per_value": 4, "gpu_memory_gb": 24},
                        {"elements": 67108864, "megabytes": 256, "max_seq_len": 80264}),
}


@pytest.mark.parametrize("eid", IDS)
def test_reference_is_the_seed(eid):
    ex = exercise(eid)
    seed_params, seed_answers = SEED_VALUES[eid]
    variant = reference(ex)
    for name, value in seed_params.items():
        expected = list(value) if isinstance(value, tuple) else value
        assert plain(variant.params[name]) == pytest.approx(expected, rel=1e-12), name
    answers = solve(variant).answers
    for name, value in seed_answers.items():
        actual = plain(answers[name])
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], float):
            value, tol = value
            expected = list(value) if isinstance(value, tuple) else value
            assert actual == pytest.approx(expected, abs=tol), (name, actual, value)
        else:
            assert actual == value, (name, actual, value)
            assert type(actual) is type(value), (name, actual, "should be exact")
    problems: list = []
    check_variant(eid, ex, "reference", variant, answers, problems)
    assert not problems, report(problems, 1)


def test_rope_choice_letter_of_the_seed():
    """The seed prints a) absolute, b) relative, c) values: its answer is b)."""
    ex = exercise("rope")
    fixed = reference(ex, {"choice_order": ["absolute", "relative", "values"]})
    assert solve(fixed).answers["choice"] == "b"


def test_flash_attention_erratum():
    """80,264² × 4 bytes fits in 24 GiB and 80,265² × 4 does not (the seed's ≈80,265 is
    an erratum), and the key gives 80,264."""
    budget = 24 * GB
    assert 80264**2 * 4 <= budget < 80265**2 * 4
    assert largest_fitting_square(budget, np.dtype(np.float32)) == 80264
    assert solve(reference(exercise("flash_attention"))).answers["max_seq_len"] == 80264


def test_rope_dot_product_depends_only_on_relative_position():
    """The RoPE oracle itself: shifting both positions keeps every dot product, changing
    their distance does not, and the rotation gives q·k back at distance 0."""
    ex = exercise("rope")
    for _, variant, answers in cases("rope")[:50]:
        pq, pk = int(variant.params["pos_q"]), int(variant.params["pos_k"])
        base = rope_scores(pq, pk)
        for shift in (-pk, 3, 250, 10_000):
            assert np.allclose(rope_scores(pq + shift, pk + shift), base, rtol=0, atol=1e-9)
        assert not np.allclose(rope_scores(pq + 1, pk), base, rtol=0, atol=1e-6)
        same = rope_scores(pk, pk)
        assert np.allclose(same, (ROPE_Q * ROPE_K).sum(axis=-1), rtol=0, atol=1e-9)
        assert answers["relative_position"] == pq - pk
    assert ex.answers["choice"].correct == "relative"


def test_causal_mask_hides_the_future():
    """The answers' matrices used as real attention masks: with the causal one, query i's
    output changes when token j's value changes exactly when j <= i; with the
    bidirectional one, always."""
    rng = np.random.default_rng(5)
    seen = set()
    for _, variant, answers in cases("attention_masks"):
        n = int(variant.params["seq_len"])
        if n in seen:
            continue
        seen.add(n)
        scores = rng.standard_normal((n, n))
        values = rng.standard_normal((n, 3))
        for name, sees in (("causal", lambda i, j: j <= i), ("bidirectional", lambda i, j: True)):
            mask = np.asarray(plain(answers[name]), dtype=np.int64)

            def attend(v):
                masked = np.where(mask == 1, scores, -np.inf)
                weights = np.exp(masked - masked.max(axis=1, keepdims=True))
                weights /= weights.sum(axis=1, keepdims=True)
                return weights @ v

            out = attend(values)
            for j in range(n):
                changed = values.copy()
                changed[j] += 1.0
                moved = ~np.isclose(attend(changed), out, rtol=0, atol=1e-12).all(axis=1)
                assert moved.tolist() == [sees(i, j) for i in range(n)], (name, n, j)
    assert seen


def test_sliding_window_counts_the_seeds_way():
    """The seed counts n × w pairs: each query has w key slots (keys before token 0 are
    padding). A real banded mask has exactly w ones per row; without padding it has
    n·w - w(w-1)/2. Where the constraints allow small values, exgen's own answers
    must match the real masks."""
    ex = exercise("sliding_window")
    compared = 0
    for n, w in ((8, 3), (12, 4), (16, 4), (20, 8), (40, 8), (64, 16)):
        mask = sliding_window_mask(n, w)
        assert (mask.sum(axis=1) == w).all()
        keys_only = mask[:, w - 1:]
        assert np.array_equal(keys_only, np.tril(np.ones((n, n), np.int64))
                              - np.tril(np.ones((n, n), np.int64), k=-w))
        assert keys_only.sum() == n * w - w * (w - 1) // 2
        try:
            variant = reference(ex, {"seq_len": n, "window": w})
        except ExgenError:          # a constraint of the bank excludes this small case
            continue
        answers = solve(variant).answers
        assert int(answers["full_pairs"]) == int(np.ones((n, n), np.int64).sum())
        assert int(answers["window_pairs"]) == int(mask.sum())
        compared += 1
    assert compared, "no small (n, w) satisfied the bank's constraints"


def test_oracles_can_fail():
    """Each oracle notices a wrong answer: perturb the reference answers and look."""
    for eid in IDS:
        if eid not in bank().exercises:
            continue
        ex = exercise(eid)
        variant = reference(ex)
        answers = dict(solve(variant).answers)
        for name in CONTRACT[eid][1]:
            broken = dict(answers)
            value = answers[name]
            if isinstance(value, str):
                broken[name] = "z"
            elif isinstance(value, sympy.MatrixBase):
                broken[name] = value.T if not value.is_symmetric() else value * 0
            elif isinstance(value, tuple):
                broken[name] = (value[0] + sympy.Rational(1, 10**6),) + value[1:]
            else:
                broken[name] = value + 1
            problems: list = []
            check_variant(eid, ex, "broken", variant, broken, problems)
            assert problems, f"{eid}: a wrong {name} went unnoticed"
