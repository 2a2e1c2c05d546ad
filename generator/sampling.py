"""Drawing a student's variant of an exercise: uniform over the valid combinations of
its parameters, from a stream seeded by (seed, student, exercise) alone, leaving out the
variants where a misconception marked `avoid` gives the key's own value."""

from __future__ import annotations

from typing import Mapping

from .bank import Exercise
from .misconceptions import avoided
from .params import draws
from .solve import Variant, Variants, drawn, solve


def sample(exercise: Exercise, seed: int, student: str = "", *,
           fixed: Mapping[str, object] | None = None,
           taken: frozenset[int] | set[int] = frozenset(),
           variants: Variants | None = None) -> tuple[int, Variant]:
    """The variant of one student: uniform over the valid combinations, drawn from a
    stream that depends only on (seed, student, exercise). Indices in `taken` are drawn
    again, so classmates get different variants while the space has room for them.
    A build passes its `variants`, so that each is made and solved once."""
    space = exercise.space.fix(fixed) if fixed else None
    size = space.size if fixed else exercise.drawing.size
    if len(taken) >= size:
        raise ValueError("every variant is taken")
    solver = variants.solution if variants is not None else solve
    skipped: set[int] = set()
    for index in draws(size, "variant", seed, student, exercise.id):
        if index not in taken and index not in skipped:
            if fixed:
                variant = Variant(exercise, space.variant(index))
            elif variants is not None:
                variant = variants.drawn(exercise, index)
            else:
                variant = drawn(exercise, index)
            if not avoided(variant, solver):
                return index, variant
            skipped.add(index)
            if len(skipped | set(taken)) >= size:
                raise ValueError("every variant is taken")
    raise AssertionError("unreachable: draws() never ends")
