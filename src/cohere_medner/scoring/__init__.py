"""Scores: list-level (what the tutorial's lists get right) and the official BC5CDR levels."""

from __future__ import annotations

from cohere_medner.scoring.lists import (
    Comparison,
    ItemComparison,
    ListScores,
    Pair,
    PairComparison,
    normalize_item,
    normalize_pair,
    score_items,
    score_lists,
    score_relation_lists,
    score_relations,
)
from cohere_medner.scoring.official import (
    compare,
    document_keys,
    normalize_identifier,
    score,
    score_by_document,
)

__all__ = [
    "Comparison",
    "ItemComparison",
    "ListScores",
    "Pair",
    "PairComparison",
    "compare",
    "document_keys",
    "normalize_identifier",
    "normalize_item",
    "normalize_pair",
    "score",
    "score_by_document",
    "score_items",
    "score_lists",
    "score_relation_lists",
    "score_relations",
]
