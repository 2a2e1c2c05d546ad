"""openpyxl, imported without numpy.

openpyxl imports numpy whenever it is installed (the test suite's oracles and
matplotlib bring it), only to accept numpy's number types in cells, which exgen never
writes; that import alone took 0.3–0.8 s of each build with answer forms on this
machine, in the process that writes the answers workbook beside pdflatex."""

from __future__ import annotations

import sys


def load_openpyxl() -> None:
    """Import openpyxl (if it is not yet) while numpy cannot be imported."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None        # `import numpy` raises ImportError meanwhile
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]
