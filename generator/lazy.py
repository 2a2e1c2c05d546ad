"""sympy, imported the first time exgen computes with it.

A warm build (generator/cache.py keeps what the bank's formulas gave) needs no exact
arithmetic: importing sympy would be a third of its time. Modules write `from .lazy
import sympy` and use `sympy.X` as they would the module; the first attribute asked for
imports sympy, and each attribute is then looked up once.
"""

from __future__ import annotations

from types import ModuleType


class LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        # __import__, as an import statement: `python -X importtime` reports it
        module: ModuleType = __import__(self._name)
        value = getattr(module, attribute)
        setattr(self, attribute, value)       # found by ordinary lookup from now on
        return value

    def __repr__(self) -> str:
        return f"<{self._name}, imported when first used>"


sympy = LazyModule("sympy")
