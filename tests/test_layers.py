"""The package is layered: a module imports only its own row or the rows below it.

The rows are the architecture, bottom to top (``cohere_medner/__init__.py`` draws them); a new
module takes its place in the row of its folder. Imports made only for type checking (under
``if TYPE_CHECKING:``) count as well: a layer that names a higher one's types depends on it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "cohere_medner"

ROWS: list[set[str]] = [
    {"types", "errors", "extraction", "_files", "_lazy", "_redact", "_xml"},
    {"corpus", "parsing"},
    {"prompts", "scoring"},
    {"grounding", "training"},
    {"models"},
    {"report"},
    {"extractor", "evaluation"},
    {"cli", "testing", "__init__"},
]
RANK = {name: rank for rank, row in enumerate(ROWS) for name in row}
SDK = ("cohere", "httpx", "fastavro")
"""Packages only ``models/`` (and the loopback server in ``testing/``) may import."""

FILES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """The row member a module belongs to: its top-level module or folder."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported(path: Path) -> set[str]:
    """Every module name a file imports, type-checking imports included, made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def package_imports(path: Path) -> set[str]:
    """The package's own modules a file imports (``from pkg import name`` resolved)."""
    modules = {module_name(p) for p in FILES}
    found: set[str] = set()
    for target in imported(path):
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != module_name(path):
            found.add(target)
    return found


def test_every_module_has_a_row() -> None:
    assert {unit(module_name(path)) for path in FILES} == set(RANK)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path) -> None:
    own = unit(module_name(path))
    upward = sorted(
        target
        for target in package_imports(path)
        if RANK[unit(target)] > RANK[own] and not module_name(path).startswith(target + ".")
    )
    assert not upward, f"{own} (row {RANK[own] + 1}) imports {upward} from a higher row"


def test_only_models_and_testing_import_the_sdk() -> None:
    outside = sorted(
        module_name(path)
        for path in FILES
        if unit(module_name(path)) not in ("models", "testing")
        and any(name.split(".")[0] in SDK for name in imported(path))
    )
    assert not outside


def test_no_import_cycles() -> None:
    graph = {module_name(path): package_imports(path) for path in FILES}
    cycles = import_cycles(graph)
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            # A package's __init__ re-exports its own modules: that is not a cycle.
            if node.startswith(other + "."):
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_parsing_does_not_load_the_sdk() -> None:
    """Reading model text, or the corpus, must not pay for importing the SDK."""
    code = (
        "import sys, cohere_medner.parsing, cohere_medner.corpus, cohere_medner.scoring; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cohere', 'httpx')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def report() -> dict[str, object]:
    """The import graph at a glance: rows, cycles, and the modules that import the SDK."""
    graph = {module_name(path): package_imports(path) for path in FILES}
    rows: dict[str, list[str]] = {}
    for module in sorted(graph):
        rows.setdefault(str(RANK[unit(module)] + 1), []).append(module)
    return {
        "modules": len(graph),
        "rows": {row: len(members) for row, members in sorted(rows.items())},
        "cycles": import_cycles(graph),
        "sdk_importers": sorted(
            module_name(path)
            for path in FILES
            if any(name.split(".")[0] in SDK for name in imported(path))
        ),
    }


if __name__ == "__main__":
    # python tests/test_layers.py: the evidence the layer tests check, as JSON.
    import json

    print(json.dumps(report(), indent=1))
