"""Grounding: predicted names -> their occurrences in the document's text (character offsets).

A model answers with names, not offsets; the corpus annotates every occurrence of an entity.
:func:`ground` finds each name in ``document.text`` (title and abstract, the text PubTator
offsets refer to) and turns the occurrences into mentions. The rules:

- **Matching.** A name is found as :mod:`cohere_medner.grounding.names` compares names: by its tokens,
  spaces and dashes aside (``beta-blocker`` is ``beta blocker``), at word boundaries
  (``ACE`` is never found inside ``ACEI``), ignoring case except in abbreviations (``NO`` is
  not ``no``), with or without a plural ending on the last word (``seizure`` finds
  ``seizures``).
- **Case.** An abbreviation of four characters or more that is found nowhere with its own
  case is looked for again ignoring case (``L-DOPA`` for ``L-dopa``).
- **Abbreviations.** ``X (Y)`` with a space before the parenthesis is two names, ``X`` and
  ``Y``, as the corpus annotates them. Abbreviations defined in the text as ``long form
  (SF)`` (:func:`~cohere_medner.grounding.abbreviations.find_abbreviations`) extend a name equal to
  the long form to the short form's occurrences (the corpus annotates both). Not the other
  way round: a long form is often not one mention (in "heparin-induced thrombocytopenia
  (HIT)" the corpus annotates "heparin" and "thrombocytopenia").
- **Overlaps.** Of overlapping matches (of one entity type), the longest is kept, then the
  first in the text, then the most literal (exact before case, variant, plural, abbreviation),
  then the name listed first. Every occurrence of a grounded name that survives becomes a
  mention, since the corpus annotates every occurrence.
- **Ungrounded names** (found nowhere: likely hallucinations) are kept, flagged, never
  dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from cohere_medner.extraction import Extraction
from cohere_medner.grounding.abbreviations import Abbreviation, find_abbreviations
from cohere_medner.grounding.names import Hit, NameIndex, is_abbreviation, name_key
from cohere_medner.types import Document, Mention

__all__ = [
    "RULES",
    "GroundedName",
    "Grounding",
    "Match",
    "ground",
    "ground_extraction",
]

RULES: Final = ("exact", "case", "variant", "plural", "abbreviation")
"""How a match was found, most literal first (see above and :mod:`cohere_medner.grounding.names`)."""
_RANK: Final = {rule: rank for rank, rule in enumerate(RULES)}

_MIN_CASE_FALLBACK: Final = 4


@attrs.frozen
class Match:
    """One occurrence of a name in the text; ``kept`` is false when a longer match took its place."""

    start: int
    end: int
    rule: str
    kept: bool = True


@attrs.frozen
class GroundedName:
    """A predicted name as written, and where it was found (nowhere: ``grounded`` is false)."""

    name: str
    matches: tuple[Match, ...] = ()

    @property
    def grounded(self) -> bool:
        return bool(self.matches)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` of every occurrence found, kept or not."""
        return tuple((m.start, m.end) for m in self.matches)


@attrs.frozen
class Grounding:
    """The names predicted for one document and entity type, and the mentions they give."""

    document: str
    entity_type: str
    names: tuple[GroundedName, ...] = ()
    mentions: tuple[Mention, ...] = ()

    @property
    def ungrounded(self) -> tuple[str, ...]:
        """The names found nowhere in the text: likely hallucinations."""
        return tuple(n.name for n in self.names if not n.grounded)


_SPLIT: Final = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")


def _parts(name: str) -> list[str]:
    """``X (Y)`` is two names, X and Y; any other name is itself."""
    found = _SPLIT.match(name)
    return [found.group(1), found.group(2)] if found else [name]


def ground(
    names: Sequence[str],
    document: Document,
    entity_type: str,
    *,
    abbreviations: bool = True,
) -> Grounding:
    """Find each name in ``document.text`` and turn its occurrences into mentions.

    One :class:`GroundedName` per name given, in order, found or not. ``abbreviations``
    switches off the ties between long and short forms that the text defines.
    """
    text = document.text
    cleaned = [" ".join(name.split()) for name in names]
    index: NameIndex[int] = NameIndex()
    defined = find_abbreviations(text) if abbreviations else ()
    for number, name in enumerate(cleaned):
        for part in _parts(name):
            index.add(part, number)
            _add_abbreviations(index, part, number, defined)
    hits = index.find(text)
    # A name with capitals inside a word that is nowhere with its own case: ignore case.
    found = {hit.value for hit in hits}
    fallback: NameIndex[int] = NameIndex()
    for number, name in enumerate(cleaned):
        if number not in found:
            for part in _parts(name):
                if is_abbreviation(part) and len(name_key(part)) >= _MIN_CASE_FALLBACK:
                    fallback.add(part, number, case_sensitive=False)
    if len(fallback):
        hits.extend(fallback.find(text))
    return _resolve(document, entity_type, names, hits)


def _add_abbreviations(
    index: NameIndex[int], name: str, number: int, defined: Iterable[Abbreviation]
) -> None:
    key = name_key(name)
    for abbreviation in defined:
        if key == name_key(abbreviation.long):
            index.add(abbreviation.short, number, case_sensitive=True, rule="abbreviation")


def _resolve(
    document: Document, entity_type: str, names: Sequence[str], hits: Sequence[Hit[int]]
) -> Grounding:
    """Keep the longest of overlapping matches; one mention per kept span."""
    best: dict[tuple[int, int, int], Hit[int]] = {}
    for hit in hits:
        slot = (hit.value, hit.start, hit.end)
        if slot not in best or _RANK[hit.rule] < _RANK[best[slot].rule]:
            best[slot] = hit
    ordered = sorted(
        best.values(),
        key=lambda h: (h.start - h.end, h.start, _RANK[h.rule], h.value),
    )
    taken = bytearray(len(document.text))
    kept: set[tuple[int, int, int]] = set()
    for hit in ordered:
        if not any(taken[hit.start : hit.end]):
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
            kept.add((hit.value, hit.start, hit.end))
    matches: dict[int, list[Match]] = {}
    for hit in sorted(best.values(), key=lambda h: (h.start, h.end)):
        slot = (hit.value, hit.start, hit.end)
        matches.setdefault(hit.value, []).append(Match(hit.start, hit.end, hit.rule, slot in kept))
    text = document.text
    mentions = tuple(
        Mention(start, end, text[start:end], entity_type)
        for _, start, end in sorted(kept, key=lambda k: (k[1], k[2]))
    )
    grounded = tuple(
        GroundedName(name, tuple(matches.get(number, ()))) for number, name in enumerate(names)
    )
    return Grounding(document.pmid, entity_type, grounded, mentions)


def ground_extraction(
    extraction: Extraction | Mapping[str, Sequence[str]],
    document: Document,
    *,
    abbreviations: bool = True,
) -> dict[str, Grounding]:
    """:func:`ground` every entity type of an extraction (or of a ``type -> names`` mapping)."""
    entities = extraction.entities if isinstance(extraction, Extraction) else extraction
    return {
        entity_type: ground(names, document, entity_type, abbreviations=abbreviations)
        for entity_type, names in entities.items()
    }
