"""Predicted documents: extracted names grounded in the text and given MeSH identifiers.

`predict` turns one extraction into a predicted document ready for
:func:`~cohere_medner.corpus.write_pubtator` and :func:`~cohere_medner.scoring.official.score`:

- names become mentions by :func:`~cohere_medner.grounding.ground.ground`;
- of mentions of different types that overlap, the longest is kept (BC5CDR annotates no
  overlapping mentions); the same span under two types goes to the type the lexicon has seen
  the form annotated as more often (both are kept without evidence);
- a mention takes its form's identifiers; one that is an abbreviation the document defines
  (``puromycin aminonucleoside (PAN)``) takes its long form's, which the document vouches
  for, where the lexicon knows the long form;
- a relation triple becomes CID pairs of its sides' identifiers: those of the mentions its
  side grounds to, else the lexicon's for the side's name; a triple with a side that gets
  none is kept in :attr:`Prediction.unmapped`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import attrs

from cohere_medner.errors import UnpairedExtractionError
from cohere_medner.extraction import Extraction
from cohere_medner.grounding.abbreviations import find_abbreviations
from cohere_medner.grounding.ground import Grounding, ground, ground_extraction
from cohere_medner.grounding.lexicon import Ids, Lexicon, LexiconEntry
from cohere_medner.parsing.relations import Triple
from cohere_medner.types import CHEMICAL, CID, DISEASE, Document, Mention, Relation

__all__ = ["Prediction", "predict", "predictions"]


@attrs.frozen
class Prediction:
    """A predicted document, with how its names were grounded and identified.

    ``document`` holds the mentions (with identifiers) and CID relations to write and score;
    ``groundings`` the grounding of each entity type's names (before overlaps between types
    were resolved); ``unidentified`` the mention texts no identifier was found for;
    ``ambiguous`` those whose identifier was chosen among several; ``unmapped`` the triples
    with a side that got no identifier.
    """

    document: Document
    groundings: dict[str, Grounding] = attrs.field(factory=dict)
    unidentified: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    unmapped: tuple[Triple, ...] = ()


def _identify(
    name: str, entity_type: str, document: Document, lexicon: Lexicon
) -> LexiconEntry | None:
    """The lexicon entry for ``name``; for a short form the document defines, its long form's."""
    for abbreviation in find_abbreviations(document.text):
        if abbreviation.short == name:
            entry = lexicon.lookup(abbreviation.long, entity_type)
            if entry is not None and entry.ids:
                return entry
    return lexicon.lookup(name, entity_type)


def _without_overlaps(mentions: Sequence[Mention], lexicon: Lexicon | None) -> list[Mention]:
    """Longest first across entity types; a span claimed by two types goes by the lexicon."""

    def evidence(mention: Mention) -> int:
        entry = lexicon.lookup(mention.text, mention.type) if lexicon else None
        return entry.total if entry else 0

    spans: dict[tuple[int, int], list[Mention]] = {}
    for mention in mentions:
        spans.setdefault((mention.start, mention.end), []).append(mention)
    taken = bytearray(max((m.end for m in mentions), default=0))
    kept: list[Mention] = []
    for (start, end), claims in sorted(spans.items(), key=lambda s: (s[0][0] - s[0][1], s[0])):
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        if len(claims) > 1:
            strength = {m.type: evidence(m) for m in claims}
            if max(strength.values()) > 0:
                claims = [max(claims, key=lambda m: (strength[m.type], m.type == CHEMICAL))]
        kept.extend(claims)
    return sorted(kept, key=lambda m: (m.start, m.end, m.type))


def predict(
    extraction: Extraction,
    document: Document,
    lexicon: Lexicon | None = None,
    *,
    abbreviations: bool = True,
) -> Prediction:
    """The predicted document for one extraction: grounded mentions, identifiers, CID pairs.

    Without a lexicon, mentions have no identifiers and no relation can be given one.
    """
    groundings = ground_extraction(extraction, document, abbreviations=abbreviations)
    found = [m for grounding in groundings.values() for m in grounding.mentions]
    mentions: list[Mention] = []
    unidentified: dict[str, None] = {}
    ambiguous: dict[str, None] = {}
    for mention in _without_overlaps(found, lexicon):
        entry = _identify(mention.text, mention.type, document, lexicon) if lexicon else None
        if entry is None or not entry.ids:
            unidentified[mention.text] = None
            mentions.append(mention)
            continue
        if entry.ambiguous:
            ambiguous[mention.text] = None
        mentions.append(attrs.evolve(mention, ids=entry.ids))
    relations: dict[Relation, None] = {}
    unmapped: list[Triple] = []
    for triple in extraction.relations:
        chemical, _, disease = triple
        chemicals = _side(chemical, CHEMICAL, document, mentions, lexicon, abbreviations)
        diseases = _side(disease, DISEASE, document, mentions, lexicon, abbreviations)
        if not chemicals or not diseases:
            unmapped.append(triple)
        for pair in itertools.product(chemicals, diseases):
            relations[Relation(*pair, type=CID)] = None
    predicted = Document(
        document.pmid, document.title, document.abstract, tuple(mentions), tuple(relations)
    )
    return Prediction(predicted, groundings, tuple(unidentified), tuple(ambiguous), tuple(unmapped))


def _side(
    name: str,
    entity_type: str,
    document: Document,
    mentions: Sequence[Mention],
    lexicon: Lexicon | None,
    abbreviations: bool,
) -> Ids:
    """The identifiers of one side of a triple: of the mentions it grounds to, else its own."""
    spans = {
        (match.start, match.end)
        for grounded in ground([name], document, entity_type, abbreviations=abbreviations).names
        for match in grounded.matches
    }
    for mention in mentions:
        if mention.type == entity_type and mention.ids and (mention.start, mention.end) in spans:
            return mention.ids
    entry = _identify(name, entity_type, document, lexicon) if lexicon else None
    return entry.ids if entry else ()


def predictions(
    extractions: Iterable[Extraction],
    documents: Iterable[Document],
    lexicon: Lexicon | None = None,
    *,
    abbreviations: bool = True,
) -> list[Document]:
    """Predicted documents for ``documents``, in their order, from extractions paired by PMID.

    A document without an extraction is predicted empty; an extraction for a document not
    given raises :class:`~cohere_medner.errors.UnpairedExtractionError`.
    """
    by_pmid = {extraction.document: extraction for extraction in extractions}
    predicted = []
    for document in documents:
        extraction = by_pmid.get(document.pmid) or Extraction(document.pmid)
        predicted.append(
            predict(extraction, document, lexicon, abbreviations=abbreviations).document
        )
    unpaired = sorted(set(by_pmid) - {d.pmid for d in predicted})
    if unpaired:
        shown = ", ".join(unpaired[:10])
        raise UnpairedExtractionError(
            f"{len(unpaired)} extractions name documents that were not given ({shown}); "
            "pass the documents they were extracted from"
        )
    return predicted
