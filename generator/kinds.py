"""The kinds of answer a student gives — a number, a vector, a matrix, a choice — each a
class owning what its consumers ask of it: the boxes a student fills (one per number, or
one letter), the shape, the names of its LMS responses and whether a key of it can be a
whole number. A kind is also its name (`kind == "matrix"` still holds, and JSON prints
it as the name); the reading rules read it by that name (reading.Key.kind), so a new
kind is one class here plus its reader in reading.py and its twin reading.js."""

from __future__ import annotations


class Kind(str):
    """An answer's kind; its methods take the answer's plain (JSON) value."""

    gaps_per_number = True          # one box or LMS gap per number of the value

    def components(self, value) -> list:
        """What a student writes, one per box or gap."""
        return [value]

    def shape(self, value) -> tuple[int, ...]:
        return ()

    def suffixes(self, value) -> list[str]:
        """The endings of its LMS response identifiers, one per gap."""
        return [""]

    def written(self, writer, *args):
        """What `writer` makes of an answer of this kind: its method named after the kind
        (`number`, `vector`, `matrix`, `choice`). A writer (a Moodle gap, a QTI
        interaction…) is a class with one method per kind, so no consumer branches on the
        kind, and a new kind is missed loudly by every writer that has no method for it."""
        return getattr(writer, self)(*args)


class Number(Kind):
    pass


class Vector(Kind):
    def components(self, value) -> list:
        return list(value)

    def shape(self, value) -> tuple[int, ...]:
        return (len(value),)

    def suffixes(self, value) -> list[str]:
        return [f"_{i}" for i in range(1, len(value) + 1)]


class Matrix(Kind):
    def components(self, value) -> list:
        return [cell for row in value for cell in row]

    def shape(self, value) -> tuple[int, ...]:
        return (len(value), len(value[0]) if value else 0)

    def suffixes(self, value) -> list[str]:
        rows, columns = self.shape(value)
        return [f"_{r}_{c}" for r in range(1, rows + 1) for c in range(1, columns + 1)]


class Choice(Kind):
    gaps_per_number = False         # one letter, one drop-down


NUMBER, VECTOR, MATRIX, CHOICE = Number("number"), Vector("vector"), Matrix("matrix"), \
    Choice("choice")


# Each kind by its name (reading.Key.kind: what a key's plain value is).
KINDS = {kind: kind for kind in (NUMBER, VECTOR, MATRIX, CHOICE)}
