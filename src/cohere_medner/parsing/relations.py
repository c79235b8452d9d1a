"""Relation answers: ``(chemical, "influences", disease)`` triples, however the model wrote them.

The gold line is the tutorial's ``- Chemical <chemical> influences disease <disease>``.
Models also write other verbs (``induces``, ``may cause``, ``is induced by``), arrows,
dashes, ``Chemical: x, Disease: y``, tuples and markdown tables; every one reads as the
same triple. A line with several arrows or dashes is ``ambiguous``, a negated verb
(``does not cause``) is ``negated``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import attrs

from cohere_medner.parsing.lines import Rejected, clean_item, entry_lines, in_order, unwrap
from cohere_medner.parsing.lists import format_list, is_listable_item
from cohere_medner.types import Triple

INFLUENCES: Final = "influences"
"""The middle element of every triple, whatever verb the model wrote."""

__all__ = [
    "INFLUENCES",
    "ParsedRelations",
    "Triple",
    "format_relations",
    "is_listable_triple",
    "parse_relations",
]


@attrs.frozen
class ParsedRelations:
    """The triples read from a relation answer, and the lines that were not relations."""

    triples: tuple[Triple, ...] = ()
    rejected: tuple[Rejected, ...] = ()


def format_relations(triples: Sequence[Triple]) -> str:
    """Gold completion for relations: ``- Chemical <c> influences disease <d>`` lines."""
    return format_list([f"Chemical {c} {INFLUENCES} disease {d}" for c, _, d in triples])


_CANONICAL: Final = re.compile(r"Chemical (?P<c>.+?) influences disease (?P<d>.+)", re.IGNORECASE)
_CANONICAL_SEPARATOR: Final = re.compile(r" influences disease ", re.IGNORECASE)
_CHEMICAL_WORD: Final = r"(?:(?:the\s+)?chemicals?\s*:?\s+)?"
_DISEASE_WORD: Final = r"(?:(?:the\s+)?diseases?\s*:?\s+)?"
_AUXILIARY: Final = (
    r"(?:(?:may|might|can|could|does|do|did|is|are|was|were|has|have|had|will|would)\s+"
    r"(?:(?:be|been)\s+)?)?"
)
_ACTIVE_VERB: Final = (
    r"(?:influence[sd]?|induce[sd]?|cause[sd]?|leads?\s+to|led\s+to|results?\s+in"
    r"|resulted\s+in|triggers?|triggered|contributes?\s+to|contributed\s+to|produces?"
    r"|produced|provokes?|provoked|associated\s+with|linked\s+to|related\s+to)"
)
_PASSIVE_VERB: Final = r"(?:induced|caused|triggered|influenced|produced|provoked|precipitated)"
_PASSIVE: Final = re.compile(
    rf"{_DISEASE_WORD}(?P<d>.+?)\s+{_AUXILIARY}{_PASSIVE_VERB}\s+by\s+{_CHEMICAL_WORD}(?P<c>.+)",
    re.IGNORECASE,
)
_ACTIVE: Final = re.compile(
    rf"{_CHEMICAL_WORD}(?P<c>.+?)\s+{_AUXILIARY}{_ACTIVE_VERB}\s+{_DISEASE_WORD}(?P<d>.+)",
    re.IGNORECASE,
)
_LABELLED: Final = re.compile(
    r"chemicals?\s*:\s*(?P<c>.+?)\s*[,;|]\s*diseases?\s*:\s*(?P<d>.+)", re.IGNORECASE
)
_ARROW: Final = re.compile(r"\s*(?:-{1,2}>|={1,2}>|[→⇒⟶⟹➔➜])\s*")
_DASH: Final = re.compile(r"\s+[-\u2013\u2014]\s+")
_KEYWORD_CHEMICAL: Final = re.compile(_CHEMICAL_WORD, re.IGNORECASE)
_KEYWORD_DISEASE: Final = re.compile(_DISEASE_WORD, re.IGNORECASE)
_NEGATED: Final = re.compile(r"(?:\bnot|n['\u2019]t|\bnever)$", re.IGNORECASE)
_TABLE_RULE: Final = re.compile(r":?-+:?")
_PLACEHOLDERS: Final = frozenset({"", "chemical", "chemicals", "disease", "diseases"})
_TABLE_HEADERS: Final = frozenset({"chemical", "chemicals", "disease", "diseases", "relation"})


def is_listable_triple(triple: Triple) -> bool:
    """True if ``parse_relations(format_relations([triple]))`` reads back ``(triple,)`` alone.

    Both names must be listable items (:func:`is_listable_item`) other than the bare words
    ``chemical`` or ``disease``; the middle element must be :data:`INFLUENCES`; and the
    chemical must not contain the canonical line's own separator ``" influences disease "``
    (case-insensitively), nor end in ``" influences disease"``.
    """
    chemical, verb, disease = triple
    separator = _CANONICAL_SEPARATOR.search(f"{chemical} influences disease ")
    return (
        verb == INFLUENCES
        and is_listable_item(chemical)
        and is_listable_item(disease)
        and not _is_placeholder(chemical)
        and not _is_placeholder(disease)
        and separator is not None
        and separator.start() == len(chemical)
    )


def parse_relations(text: str) -> ParsedRelations:
    """Read a relation answer into ``(chemical, "influences", disease)`` triples."""
    rejected: list[Rejected] = []
    triples: dict[Triple, None] = {}
    for line in entry_lines(text, rejected, sentences=True):
        found = _relation(unwrap(line.text))
        if isinstance(found, str):
            rejected.append(Rejected(line.number, line.raw, found))
            continue
        chemical, disease = (clean_item(name) for name in found)
        if _is_placeholder(chemical) or _is_placeholder(disease):
            rejected.append(Rejected(line.number, line.raw, "empty name"))
        else:
            triples.setdefault((chemical, INFLUENCES, disease))
    return ParsedRelations(tuple(triples), in_order(rejected))


def _relation(text: str) -> tuple[str, str] | str:
    """(chemical, disease) written in ``text``, or the reason why there is none."""
    canonical = _CANONICAL.fullmatch(text)
    if canonical:
        return canonical["c"], canonical["d"]
    if text.startswith("|") and text.endswith("|") and len(text) > 1:
        return _table_row(text)
    arrows = _ARROW.split(text)
    if len(arrows) > 1:
        if len(arrows) > 2:
            return "ambiguous"
        return _strip_keyword(_KEYWORD_CHEMICAL, arrows[0]), _strip_keyword(
            _KEYWORD_DISEASE, arrows[1]
        )
    for pattern in (_PASSIVE, _ACTIVE, _LABELLED):
        match = pattern.fullmatch(text)
        if match:
            if _NEGATED.search(match["c"] if pattern is _ACTIVE else match["d"]):
                return "negated"
            return match["c"], match["d"]
    if text.startswith("(") and text.endswith(")"):
        parts = re.split(r"\s*,\s+", text[1:-1].strip())
        if len(parts) == 3 and re.fullmatch(_AUXILIARY + _ACTIVE_VERB, parts[1], re.I):
            return parts[0], parts[2]
        if len(parts) == 2:
            return parts[0], parts[1]
    dashes = _DASH.split(text)
    if len(dashes) == 2:
        return _strip_keyword(_KEYWORD_CHEMICAL, dashes[0]), _strip_keyword(
            _KEYWORD_DISEASE, dashes[1]
        )
    return "ambiguous" if len(dashes) > 2 else "not a relation"


def _is_placeholder(name: str) -> bool:
    # "Chemical -> seizures" names no chemical: the keyword alone is no name.
    return name.rstrip(":").strip().casefold() in _PLACEHOLDERS


def _strip_keyword(keyword: re.Pattern[str], name: str) -> str:
    match = keyword.match(name)
    return name[match.end() :] if match and match.end() < len(name) else name


def _table_row(text: str) -> tuple[str, str] | str:
    cells = [cell.strip() for cell in text[1:-1].split("|")]
    if all(_TABLE_RULE.fullmatch(cell) for cell in cells):
        return "separator"
    if {unwrap(cell).casefold() for cell in cells} & _TABLE_HEADERS:
        return "heading"
    if len(cells) == 3 and re.fullmatch(_AUXILIARY + _ACTIVE_VERB, cells[1], re.I):
        return cells[0], cells[2]
    if len(cells) == 2:
        return cells[0], cells[1]
    return "not a relation"
