"""How much a corpus holds: documents, mentions by entity type, and relations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from cohere_medner.types import ENTITY_TYPES, Document


@attrs.frozen
class CorpusStats:
    """The number of documents, of mentions by entity type, and of relations in a corpus."""

    documents: int
    mentions: dict[str, int]
    relations: int

    def as_dict(self) -> dict[str, Any]:
        """The JSON object that ``cohere-medner stats --json`` prints."""
        return {
            "documents": self.documents,
            "mentions": dict(self.mentions),
            "relations": self.relations,
        }

    def summary(self) -> str:
        """A few lines for a terminal."""
        lines = [f"documents  {self.documents}"]
        lines += [f"{kind:<10} {count} mentions" for kind, count in self.mentions.items()]
        lines.append(f"relations  {self.relations}")
        return "\n".join(lines)


def corpus_stats(documents: Iterable[Document]) -> CorpusStats:
    """Count ``documents``, their mentions and their relations, reading them once.

    Every entity type is listed, with 0 where none is annotated; a
    :class:`~cohere_medner.corpus.DocumentStream` is read one document at a time.
    """
    count = 0
    mentions: Counter[str] = Counter({kind: 0 for kind in ENTITY_TYPES})
    relations = 0
    for document in documents:
        count += 1
        mentions.update(m.type for m in document.mentions)
        relations += len(document.relations)
    return CorpusStats(count, dict(mentions), relations)
