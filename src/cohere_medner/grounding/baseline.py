"""The offline baseline: dictionary matching with a lexicon, and co-occurrence for relations.

No key, no network: :class:`LexiconBaseline` finds the lexicon's forms in the text and lists
them the way a model would (names by entity type, relation triples), so that its output goes
through the same grounding and normalization as a model's (:func:`~cohere_medner.grounding.prediction.
predict`) and every report has a floor to compare against. The rules:

- **Matching** follows :mod:`cohere_medner.grounding.names` (tokens, word boundaries, spaces and
  dashes aside, plural endings). A form is matched ignoring case unless one of its annotated
  spellings is an abbreviation (a capital inside a word, ``NO``, ``PD``) or is at most
  ``case_sensitive_length`` characters long: then only as spelled.
- **Precision filter.** A form whose annotated share of its occurrences in the training text
  is below ``min_share`` (``drug``, ``pain``, ``toxicity``) is not matched; nor is a name
  only a vocabulary gives (see :mod:`~cohere_medner.grounding.vocabulary`), which only
  lends its identifiers to the names matched.
- **Overlaps.** Longest match first, across entity types; the same span under both types goes
  to the type the form was annotated as more often.
- **Relations.** Every chemical-disease pair of identifiers whose mentions meet in a sentence
  (the title is one) is a CID relation; ``relations="document"`` pairs all.

By default the lexicon comes from the train and validation splits of the corpus being
extracted (:meth:`LexiconBaseline.from_data`); extracting from a document the lexicon was
built on is refused (:class:`~cohere_medner.errors.DataLeakError`) unless ``allow_seen``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final, Literal

from cohere_medner._files import PathLike
from cohere_medner.errors import ConfigurationError, DataLeakError
from cohere_medner.extraction import Extraction, as_document
from cohere_medner.grounding.lexicon import Lexicon, LexiconEntry
from cohere_medner.grounding.names import NameIndex, is_abbreviation
from cohere_medner.grounding.prediction import predict
from cohere_medner.parsing.relations import INFLUENCES, Triple
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention

__all__ = ["MODEL", "LexiconBaseline", "Relations"]

MODEL: Final = "lexicon"
"""The model name that selects the baseline (``Extractor(model="lexicon")``)."""

Relations = Literal["sentence", "document", "none"]
_RELATIONS: Final = ("sentence", "document", "none")
_SENTENCE: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


class LexiconBaseline:
    """Extract by dictionary matching with a :class:`~cohere_medner.grounding.lexicon.Lexicon`."""

    model: Final = MODEL

    def __init__(
        self,
        lexicon: Lexicon,
        *,
        min_share: float = 0.5,
        case_sensitive_length: int = 3,
        relations: Relations = "sentence",
        allow_seen: bool = False,
    ) -> None:
        if not 0 <= min_share <= 1:
            raise ConfigurationError(f"min_share must be between 0 and 1, got {min_share}")
        if relations not in _RELATIONS:
            raise ConfigurationError(
                f"unknown relations {relations!r}; expected one of {', '.join(_RELATIONS)}"
            )
        self.lexicon = lexicon
        self.min_share = min_share
        self.case_sensitive_length = case_sensitive_length
        self.relations: Relations = relations
        self.allow_seen = allow_seen
        self._index: NameIndex[LexiconEntry] = NameIndex()
        # Names are found among the annotated spellings only: a vocabulary's hundreds of
        # thousands of names ("lead", "iron", "pain") would flood the text, untested by any
        # annotation. Its entries still give identifiers to names looked up (predict).
        for entry in lexicon.entries(source="annotation"):
            if entry.surfaces and entry.annotated_share >= min_share:
                self._add(entry)

    def _add(self, entry: LexiconEntry) -> None:
        spellings = [surface for surface, _ in entry.surfaces]
        cased = any(is_abbreviation(s) or len(s) <= self.case_sensitive_length for s in spellings)
        for spelling in spellings:
            self._index.add(spelling, entry, case_sensitive=cased)

    @classmethod
    def from_data(
        cls,
        data: PathLike | None = None,
        splits: Sequence[str] = ("train", "validation"),
        *,
        allow_test: bool = False,
        min_share: float = 0.5,
        case_sensitive_length: int = 3,
        relations: Relations = "sentence",
        allow_seen: bool = False,
    ) -> LexiconBaseline:
        """The baseline with a lexicon from ``splits`` of ``data`` (default: the bundled sample).

        ``data`` is what a ``--data`` option names (see :func:`~cohere_medner.corpus.
        load_corpus`); the test split is refused unless ``allow_test``.
        """
        return cls(
            Lexicon.from_data(data, splits, allow_test=allow_test),
            min_share=min_share,
            case_sensitive_length=case_sensitive_length,
            relations=relations,
            allow_seen=allow_seen,
        )

    def __repr__(self) -> str:
        return f"LexiconBaseline({self.lexicon!r}, min_share={self.min_share})"

    # Extracting -------------------------------------------------------------------------

    def extract(self, item: str | Document) -> Extraction:
        """Names by entity type and CID triples for one text or document."""
        document = self._check(as_document(item))
        mentions = self._match(document)
        entities = {
            entity_type: tuple(dict.fromkeys(m.text for m in mentions if m.type == entity_type))
            for entity_type in (DISEASE, CHEMICAL)
        }
        extraction = Extraction(document.pmid, entities)
        if self.relations == "none":
            return extraction
        found = predict(extraction, document, self.lexicon).document
        return Extraction(document.pmid, entities, self._pairs(found))

    def extract_many(self, items: Iterable[str | Document]) -> list[Extraction]:
        """:meth:`extract` for every document, in order."""
        return [self.extract(item) for item in items]

    def predict(self, item: str | Document) -> Document:
        """The predicted document (mentions with identifiers, CID relations) for one document."""
        document = as_document(item)
        return predict(self.extract(document), document, self.lexicon).document

    def predict_many(self, items: Iterable[str | Document]) -> list[Document]:
        """:meth:`predict` for every document, in order."""
        return [self.predict(item) for item in items]

    # Internals ---------------------------------------------------------------------------

    def _check(self, document: Document) -> Document:
        if document.pmid in self.lexicon.pmids and not self.allow_seen:
            raise DataLeakError(
                f"document {document.pmid} is one the lexicon was built from "
                f"({', '.join(self.lexicon.splits)}): its scores would measure memory, not "
                "extraction. Extract from another split, or pass allow_seen=True"
            )
        return document

    def _match(self, document: Document) -> list[Mention]:
        """The lexicon's forms in the text, longest first across types."""
        text = document.text
        hits = sorted(
            self._index.find(text),
            key=lambda h: (h.start - h.end, h.start, -h.value.total, h.value.entity_type),
        )
        taken = bytearray(len(text))
        kept = []
        for hit in hits:
            if any(taken[hit.start : hit.end]):
                continue
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
            entry = hit.value
            kept.append(
                Mention(hit.start, hit.end, text[hit.start : hit.end], entry.entity_type, entry.ids)
            )
        return sorted(kept, key=lambda m: m.start)

    def _pairs(self, document: Document) -> tuple[Triple, ...]:
        """CID triples of chemicals and diseases that meet in a sentence (or the document)."""
        names: dict[tuple[str, str], str] = {}
        for mention in document.mentions:
            if len(mention.ids) == 1:
                names.setdefault((mention.type, mention.ids[0]), mention.text)
        whole = [(0, len(document.text))]
        bounds = whole if self.relations == "document" else _sentences(document)
        triples: dict[Triple, None] = {}
        for start, end in bounds:
            inside = [m for m in document.mentions if start <= m.start and m.end <= end]
            chemicals = [i for m in inside if m.type == CHEMICAL for i in m.ids]
            diseases = [i for m in inside if m.type == DISEASE for i in m.ids]
            for chemical in dict.fromkeys(chemicals):
                for disease in dict.fromkeys(diseases):
                    name_c = names.get((CHEMICAL, chemical))
                    name_d = names.get((DISEASE, disease))
                    if name_c and name_d:
                        triples[(name_c, INFLUENCES, name_d)] = None
        return tuple(triples)


def _sentences(document: Document) -> list[tuple[int, int]]:
    """Sentence bounds in ``document.text``: the title, then the abstract's sentences."""
    bounds = [(0, len(document.title))]
    start = document.abstract_start
    for boundary in _SENTENCE.finditer(document.text, start):
        bounds.append((start, boundary.start()))
        start = boundary.end()
    bounds.append((start, len(document.text)))
    return bounds
