"""The public surface of ``cohere_medner`` changes only on purpose.

As httpx's ``tests/test_exported_members.py`` does: the names are pinned here, each resolves,
and the type checker sees the same names the lazy loader offers (that importing the
package loads no SDK is tests/test_layers.py's).
"""

from __future__ import annotations

import ast
from pathlib import Path

import cohere_medner

PUBLIC = {
    # the data model
    "CHEMICAL",
    "CID",
    "DISEASE",
    "ENTITY_TYPES",
    "Completion",
    "Document",
    "Mention",
    "Relation",
    "Score",
    # corpora in and out
    "load_bc5cdr",
    "load_corpus",
    "load_sample",
    "read_file",
    "write_corpus",
    "write_pubtator",
    # extractions, and reading model text
    "Extraction",
    "read_extractions",
    "write_extractions",
    "parse_list",
    "parse_relations",
    # prompts and worked examples
    "FewShot",
    "KNearest",
    "Task",
    "Template",
    "get_tasks",
    "get_template",
    # models and the extractor
    "Model",
    "Request",
    "CohereChat",
    "CohereGenerate",
    "LexiconModel",
    "Extractor",
    # grounding, scoring, evaluation, reports
    "Lexicon",
    "score",
    "EvaluationRun",
    "evaluate",
    "load_run",
    "save_run",
    "write_report",
    # fine-tuning files
    "prepare_finetuning",
    # the root errors
    "CohereApiError",
    "ConfigurationError",
    "CorpusError",
    "MedNerError",
    "__version__",
}


def test_all_is_pinned() -> None:
    assert set(cohere_medner.__all__) == PUBLIC


def test_every_exported_name_resolves() -> None:
    for name in cohere_medner.__all__:
        assert getattr(cohere_medner, name) is not None, name
    assert set(cohere_medner.__all__) <= set(dir(cohere_medner))


def test_type_checkers_see_the_same_names() -> None:
    """The ``if TYPE_CHECKING:`` imports name exactly what the lazy loader offers."""
    tree = ast.parse(Path(cohere_medner.__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imported = {
        alias.asname or alias.name
        for node in ast.walk(block)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == PUBLIC - {"__version__"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        cohere_medner.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("expected AttributeError")
