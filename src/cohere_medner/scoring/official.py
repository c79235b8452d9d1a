"""Scoring by the official BioCreative V CDR definitions (``BC5CDR_Evaluation-0.0.3``).

Three levels, each counted per document and summed over documents (micro-average):

- ``mention``: exact (document, start, end, entity type) matches; identifiers are ignored;
- ``id``: the document-level set of (entity type, MeSH identifier);
- ``relation``: the document-level set of CID (chemical identifier, disease identifier) pairs.

Identifiers are compared as the official evaluator does: an identifier without a namespace
is MeSH (``D003866`` equals ``MESH:D003866``), and any other namespace (``CHEBI:32875``) is
an identifier of its own, which matches nothing in a MeSH-annotated gold standard. On a
mention, a composite ``D1|D2`` counts as both and ``-1`` means no identifier; in a CID line
the evaluator takes each column whole, so ``D1|D2`` is one identifier and a ``-1`` is an
identifier too (both false positives against BC5CDR's gold, which has neither). Documents
are paired by PMID; a document only one side has contributes false negatives (gold) or
false positives (predicted).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Final, Literal

import attrs

from cohere_medner.types import CID, ENTITY_TYPES, Document, Score, mesh_id

Level = Literal["mention", "id", "relation"]
LEVELS: Final[tuple[Level, ...]] = ("mention", "id", "relation")


def normalize_identifier(identifier: str) -> tuple[str, ...]:
    """The identifiers one written identifier stands for, in the evaluator's form."""
    found = []
    for part in identifier.split("|"):
        part = part.strip()
        if not part or part == "-1":
            continue
        found.append(mesh_id(part))
    return tuple(found)


def document_keys(
    document: Document, level: Level, entity_type: str | None = None
) -> set[Hashable]:
    """What one document contributes at ``level``: the set that is compared with gold."""
    if level == "mention":
        return {
            (m.start, m.end, m.type)
            for m in document.mentions
            if entity_type is None or m.type == entity_type
        }
    if level == "id":
        return {
            (m.type, normalized)
            for m in document.mentions
            if entity_type is None or m.type == entity_type
            for identifier in m.ids
            for normalized in normalize_identifier(identifier)
        }
    if level == "relation":
        return {
            (mesh_id(r.chemical.strip()), mesh_id(r.disease.strip()))
            for r in document.relations
            if r.type == CID
        }
    raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")


@attrs.frozen
class Coverage:
    """Which documents gold and predictions share: the official evaluator expects the same.

    A document on one side only still counts (as misses, or as false alarms), so a
    prediction file for another split scores F 0 rather than failing: look here first.
    """

    both: frozenset[str]
    gold_only: frozenset[str]
    predicted_only: frozenset[str]

    @property
    def complete(self) -> bool:
        """Whether every document is on both sides."""
        return not (self.gold_only or self.predicted_only)

    def summary(self) -> str:
        """'500 documents in both, 0 in gold only, 0 in predictions only'."""
        return (
            f"{len(self.both)} documents in both, {len(self.gold_only)} in gold only, "
            f"{len(self.predicted_only)} in predictions only"
        )

    def as_dict(self) -> dict[str, int]:
        """The three counts, as ``score --json`` prints them."""
        return {
            "both": len(self.both),
            "gold_only": len(self.gold_only),
            "predictions_only": len(self.predicted_only),
        }


def coverage(gold: Iterable[Document], predicted: Iterable[Document]) -> Coverage:
    """The PMIDs on both sides, and those of gold or predictions only."""
    gold_pmids = frozenset(d.pmid for d in gold)
    predicted_pmids = frozenset(d.pmid for d in predicted)
    return Coverage(
        gold_pmids & predicted_pmids, gold_pmids - predicted_pmids, predicted_pmids - gold_pmids
    )


def compare(gold: set[Hashable], predicted: set[Hashable]) -> Score:
    """TP, FP and FN of one predicted set against one gold set."""
    tp = len(gold & predicted)
    return Score(tp, len(predicted) - tp, len(gold) - tp)


def score_by_document(
    gold: Iterable[Document],
    predicted: Iterable[Document],
    level: Level,
    entity_type: str | None = None,
) -> dict[str, Score]:
    """Per-document scores at ``level`` (for ``mention`` and ``id``, of one entity type)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if entity_type is not None and entity_type not in ENTITY_TYPES:
        raise ValueError(
            f"unknown entity type {entity_type!r}; expected one of {', '.join(ENTITY_TYPES)}"
        )
    gold_keys = _keys_by_pmid(gold, level, entity_type)
    predicted_keys = _keys_by_pmid(predicted, level, entity_type)
    return {
        pmid: compare(gold_keys.get(pmid, set()), predicted_keys.get(pmid, set()))
        for pmid in {**gold_keys, **predicted_keys}
    }


def score(
    gold: Iterable[Document],
    predicted: Iterable[Document],
    level: Level,
    entity_type: str | None = None,
) -> Score:
    """The micro-averaged score at ``level``, as the official evaluator prints it."""
    total = Score(0, 0, 0)
    for document_score in score_by_document(gold, predicted, level, entity_type).values():
        total += document_score
    return total


def _keys_by_pmid(
    documents: Iterable[Document], level: Level, entity_type: str | None
) -> dict[str, set[Hashable]]:
    keys: dict[str, set[Hashable]] = {}
    for document in documents:
        # A PMID listed twice (as in files concatenated by hand) is one document.
        keys.setdefault(document.pmid, set()).update(document_keys(document, level, entity_type))
    return keys
