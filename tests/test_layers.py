"""The package is layered: a module imports only modules of lower layers.

The list below is the architecture, bottom to top; a new module takes its place in it.
Imports made only for type checking (under ``if TYPE_CHECKING:``) name a type without
running anything, and are allowed upwards.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "cohere_medner"

LAYERS: list[set[str]] = [
    {"errors", "files", "parsing", "names"},
    {"types", "abbreviations", "ratelimit", "retrying", "polling", "batch_job", "finetune_state"},
    {"corpus", "scoring", "templates", "metrics", "extraction", "client", "finetune_types"},
    {"grounding", "lexicon", "tasks", "cache", "batch_api", "finetune_errors"},
    {"prediction", "embeddings", "training_data", "answers", "finetune_api"},
    {"baseline", "examples", "prepare", "batch_output", "finetune_files", "finetune_job"},
    {"batch", "finetune_dataset"},
    {"extractor", "finetune"},
    {"evaluation"},
    {"report_runs"},
    {"report_table"},
    {"report_chart", "report_html"},
    {"report"},
    {"cli", "testing", "__init__"},
]
RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def top_level(path: Path) -> str:
    """The package-level unit a file belongs to: a module, or a subpackage."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def runtime_imports(path: Path) -> set[str]:
    """Package units a file imports when it runs (type-checking-only imports left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    unit = top_level(path)
    depth = len(path.relative_to(PACKAGE).parts)  # 1 for a module, 2 inside a subpackage
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0:
            parts = (node.module or "").split(".")
            if parts[0] == "cohere_medner" and len(parts) > 1:
                found.add(parts[1])
            continue
        if node.level < depth:  # within the same subpackage
            continue
        if node.module:
            found.add(node.module.split(".")[0])
        else:
            found.update(alias.name for alias in node.names)
    return found - {unit}


FILES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    assert {top_level(path) for path in FILES} == set(RANK)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path) -> None:
    unit = top_level(path)
    upward = sorted(name for name in runtime_imports(path) if RANK[name] >= RANK[unit])
    assert not upward, f"{unit} (layer {RANK[unit]}) imports {upward} from its layer or above"
