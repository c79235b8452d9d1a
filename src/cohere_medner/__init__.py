"""Extract diseases, chemicals and chemical-induces-disease relations with Cohere models."""

from __future__ import annotations

from .errors import (
    AnnotationError,
    CorpusError,
    CorpusFormatError,
    CorpusNotFoundError,
    MedNerError,
    OffsetMismatchError,
    UnknownEntityTypeError,
    UnknownFormatError,
    UnknownSplitError,
)
from .types import CHEMICAL, CID, DISEASE, ENTITY_TYPES, Document, Mention, Relation, Score

__version__ = "0.1.0"

__all__ = [
    "CHEMICAL",
    "CID",
    "DISEASE",
    "ENTITY_TYPES",
    "AnnotationError",
    "CorpusError",
    "CorpusFormatError",
    "CorpusNotFoundError",
    "Document",
    "MedNerError",
    "Mention",
    "OffsetMismatchError",
    "Relation",
    "Score",
    "UnknownEntityTypeError",
    "UnknownFormatError",
    "UnknownSplitError",
    "__version__",
]
