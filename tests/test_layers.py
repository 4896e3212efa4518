"""The package's imports point one way: cli → pipeline → stages → models, with no circles."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "digest"
# Who may call the pipeline: the commands and the long-running loop, nothing it calls.
ABOVE_PIPELINE = {"digest.cli", "digest.daemon", "digest.preview", "digest.oneshot"}
EVALUATION = "digest.evaluate"
BASE = {"digest.models", "digest.errors"}  # import nothing of digest's


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports() -> dict[str, set[str]]:
    """Each module's imports of the package's modules, at any depth of its code."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph[name].update(t for t in targets if t in known and t not in (name, "digest"))
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: modules that reach themselves again (Tarjan's components)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for other in graph[module]:
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in graph:
        if module not in order:
            visit(module)
    return found


def test_no_import_circles():
    assert circles(imports()) == []


def test_imports_point_down():
    graph = imports()
    upward = []
    for module, targets in graph.items():
        if module in BASE and targets:
            upward.append(f"{module} imports {sorted(targets)}")
        if "digest.cli" in targets and module != "digest.__main__":
            upward.append(f"{module} imports digest.cli")
        calls_pipeline = "digest.pipeline" in targets
        if calls_pipeline and module not in ABOVE_PIPELINE and not module.startswith(EVALUATION):
            upward.append(f"{module} imports digest.pipeline")
        if any(t.startswith(EVALUATION) for t in targets) and not module.startswith(EVALUATION):
            upward.append(f"{module} imports the evaluation")
    assert upward == []


def test_the_walker_sees_circles():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
