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

import functools
import itertools
from collections.abc import Iterable, Sequence

import attrs

from cohere_medner.errors import UnpairedExtractionError
from cohere_medner.extraction import Extraction
from cohere_medner.grounding.abbreviations import find_abbreviations
from cohere_medner.grounding.ground import Grounding, ground, ground_extraction
from cohere_medner.grounding.identify import (
    Identification,
    Identifier,
    Nearest,
    may_be_misspelt,
    spelling_key,
    variant_keys,
)
from cohere_medner.grounding.lexicon import Ids, Lexicon
from cohere_medner.grounding.names import name_key
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
    with a side that got no identifier; ``identifications`` how each identified name (of a
    mention or a relation side) got its identifiers.
    """

    document: Document
    groundings: dict[str, Grounding] = attrs.field(factory=dict)
    unidentified: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    unmapped: tuple[Triple, ...] = ()
    identifications: tuple[Identification, ...] = ()


@functools.lru_cache(maxsize=8)
def _identifier(lexicon: Lexicon) -> Identifier:
    """One :class:`Identifier` per lexicon, so its indexes are built once for all documents."""
    return Identifier(lexicon)


class _Resolver:
    """Identifiers for the names listed for one document: from the lexicon, then the document."""

    def __init__(self, document: Document, lexicon: Lexicon | None) -> None:
        self.identifier = _identifier(lexicon) if lexicon is not None else None
        self.abbreviations = find_abbreviations(document.text)
        self.found: dict[tuple[str, str], Identification] = {}
        self.identified: dict[tuple[str, str], Identification] = {}

    def resolve(
        self, name: str, entity_type: str, *, in_document: bool = True
    ) -> Identification | None:
        """The identification of ``name``: by the lexicon, else (``in_document``) the document.

        Names found by the lexicon are remembered as the document's mentions, for
        :meth:`in_document` to refer names to.
        """
        slot = (entity_type, name)
        if slot in self.identified:
            return self.identified[slot]
        found = self.lexical(name, entity_type)
        if found is not None:
            self.found.setdefault(slot, found)
        elif in_document:
            found = self.in_document(name, entity_type)
        if found is not None:
            self.identified[slot] = found
        return found

    def lexical(self, name: str, entity_type: str) -> Identification | None:
        """By the lexicon alone, or as a short form the document defines (its long form's)."""
        if self.identifier is None:
            return None
        for abbreviation in self.abbreviations:
            if abbreviation.short == name:
                long = self.identifier.identify(abbreviation.long, entity_type)
                if long is not None:
                    return attrs.evolve(long, name=name, rule="abbreviation", form=long.name)
        return self.identifier.identify(name, entity_type)

    def in_document(self, name: str, entity_type: str) -> Identification | None:
        """The identifiers of a mention of the document that ``name`` evidently refers to.

        Its abbreviation (either way round), a variant of it (the lexicon's rules, a
        misspelling), or its head: ``name`` ends with the mention's words.
        """
        known = {
            spelling_key(name_key(text)): found
            for (kind, text), found in self.found.items()
            if kind == entity_type
        }
        if not known:
            return None

        def taken(source: Identification) -> Identification:
            return Identification(
                name, entity_type, source.ids, "in-document", source.name, source=source.source
            )

        for abbreviation in self.abbreviations:
            for this, other in (
                (abbreviation.short, abbreviation.long),
                (abbreviation.long, abbreviation.short),
            ):
                if name_key(this) == name_key(name):
                    source = known.get(spelling_key(name_key(other)))
                    if source is not None:
                        return taken(source)
        for _, key in variant_keys(name, entity_type):
            source = known.get(spelling_key(key))
            if source is not None:
                return taken(source)
        nearest = Nearest(known).nearest(spelling_key(name_key(name)))
        if nearest is not None and may_be_misspelt(name, frozenset()):
            return taken(known[nearest])
        return None


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
    kept = _without_overlaps(found, lexicon)
    resolver = _Resolver(document, lexicon)
    for mention in kept:
        resolver.resolve(mention.text, mention.type, in_document=False)
    mentions: list[Mention] = []
    for mention in kept:
        identified = resolver.resolve(mention.text, mention.type)
        mentions.append(attrs.evolve(mention, ids=identified.ids) if identified else mention)
    relations: dict[Relation, None] = {}
    unmapped: list[Triple] = []
    for triple in extraction.relations:
        chemical, _, disease = triple
        chemicals = _side(chemical, CHEMICAL, document, mentions, resolver, abbreviations)
        diseases = _side(disease, DISEASE, document, mentions, resolver, abbreviations)
        if not chemicals or not diseases:
            unmapped.append(triple)
        for pair in itertools.product(chemicals, diseases):
            relations[Relation(*pair, type=CID)] = None
    predicted = Document(
        document.pmid, document.title, document.abstract, tuple(mentions), tuple(relations)
    )
    identifications = tuple(resolver.identified.values())
    return Prediction(
        predicted,
        groundings,
        tuple(dict.fromkeys(m.text for m in mentions if not m.ids)),
        tuple(dict.fromkeys(i.name for i in identifications if i.ambiguous)),
        tuple(unmapped),
        identifications,
    )


def _side(
    name: str,
    entity_type: str,
    document: Document,
    mentions: Sequence[Mention],
    resolver: _Resolver,
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
    identified = resolver.resolve(name, entity_type)
    return identified.ids if identified else ()


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
