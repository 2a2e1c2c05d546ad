"""Answer kinds as classes: each owns its boxes, shape and LMS response names, and is
still its name for the consumers that compare it."""

from __future__ import annotations

import json

import sympy

from generator.answer_keys import reading_key
from generator.bank import Answer
from generator.formula import parse
from generator.kinds import CHOICE, KINDS, MATRIX, NUMBER, VECTOR


def test_each_kind_owns_its_boxes_shape_and_response_names():
    assert NUMBER.components(1.5) == [1.5] and NUMBER.shape(1.5) == ()
    assert VECTOR.components([1, 2, 3]) == [1, 2, 3] and VECTOR.shape([1, 2, 3]) == (3,)
    assert VECTOR.suffixes([1, 2]) == ["_1", "_2"]
    matrix = [[1, 0], [1, 1], [0, 0]]
    assert MATRIX.components(matrix) == [1, 0, 1, 1, 0, 0] and MATRIX.shape(matrix) == (3, 2)
    assert MATRIX.suffixes(matrix)[:3] == ["_1_1", "_1_2", "_2_1"]
    assert CHOICE.components("b") == ["b"] and not CHOICE.gaps_per_number


def test_a_kind_is_its_name():
    number = Answer("x", formula=parse("a"))
    assert KINDS[reading_key(number, sympy.Integer(3)).kind] is NUMBER
    assert KINDS[reading_key(number, (sympy.Integer(1), sympy.Integer(2))).kind] is VECTOR
    assert KINDS[reading_key(number, sympy.ImmutableMatrix([[1, 0], [1, 1]])).kind] is MATRIX
    assert KINDS[reading_key(Answer("c", options=("p", "q"), correct="p"), "a").kind] is CHOICE
    assert MATRIX == "matrix" and json.dumps({"kind": VECTOR}) == '{"kind": "vector"}'
