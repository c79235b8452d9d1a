"""Scores: list-level (what the tutorial's lists get right) and the official BC5CDR levels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.scoring.lists": (
        "Comparison",
        "ItemComparison",
        "ListScores",
        "Pair",
        "PairComparison",
        "normalize_item",
        "normalize_pair",
        "score_items",
        "score_lists",
        "score_relation_lists",
        "score_relations",
    ),
    "cohere_medner.scoring.official": (
        "Coverage",
        "compare",
        "coverage",
        "document_keys",
        "normalize_identifier",
        "score",
        "score_by_document",
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.scoring.lists import Comparison as Comparison
    from cohere_medner.scoring.lists import ItemComparison as ItemComparison
    from cohere_medner.scoring.lists import ListScores as ListScores
    from cohere_medner.scoring.lists import Pair as Pair
    from cohere_medner.scoring.lists import PairComparison as PairComparison
    from cohere_medner.scoring.lists import normalize_item as normalize_item
    from cohere_medner.scoring.lists import normalize_pair as normalize_pair
    from cohere_medner.scoring.lists import score_items as score_items
    from cohere_medner.scoring.lists import score_lists as score_lists
    from cohere_medner.scoring.lists import score_relation_lists as score_relation_lists
    from cohere_medner.scoring.lists import score_relations as score_relations
    from cohere_medner.scoring.official import Coverage as Coverage
    from cohere_medner.scoring.official import compare as compare
    from cohere_medner.scoring.official import coverage as coverage
    from cohere_medner.scoring.official import document_keys as document_keys
    from cohere_medner.scoring.official import normalize_identifier as normalize_identifier
    from cohere_medner.scoring.official import score as score
    from cohere_medner.scoring.official import score_by_document as score_by_document
