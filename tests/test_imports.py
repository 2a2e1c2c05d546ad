"""The generator's modules import in one direction: no cycle, counting the imports
inside functions (a cycle hidden in a function is still a cycle: each module then knows
the other), and `solve` knows nothing of misconceptions."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter

from conftest import ROOT

PACKAGE = ROOT / "generator"


def imports(path) -> set[str]:
    """The generator modules a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("generator"):
            rest = node.module.split(".")[1:]
            found.update(rest[:1] or [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith("generator."))
    return found - {path.stem}


def graph() -> dict[str, set[str]]:
    return {path.stem: imports(path) for path in sorted(PACKAGE.glob("*.py"))}


def test_the_import_graph_has_no_cycle():
    try:
        order = list(TopologicalSorter(graph()).static_order())
    except CycleError as exc:
        raise AssertionError(f"an import cycle: {' → '.join(exc.args[1])}") from None
    assert "reading" in order and "grade" in order


def test_the_reading_rules_import_nothing_of_the_generator_and_solve_no_misconceptions():
    modules = graph()
    assert modules["reading"] == set()
    assert "misconceptions" not in modules["solve"]


def test_the_cycle_finder_finds_a_cycle_in_a_function(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from .a import y\n", encoding="utf-8")
    found = {p.stem: imports(p) for p in tmp_path.glob("*.py")}
    assert found == {"a": {"b"}, "b": {"a"}}
