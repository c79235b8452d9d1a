"""Model text -> items, relation triples and headed sections, keeping what could not be read.

Work in progress: the public names and signatures here are final; the parsers are filled in next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import attrs

Triple = tuple[str, str, str]
"""A relation as ``(chemical, "influences", disease)``."""

INFLUENCES: Final = "influences"

__all__ = [
    "INFLUENCES",
    "ParsedItems",
    "ParsedRelations",
    "Rejected",
    "Sections",
    "Triple",
    "format_list",
    "format_relations",
    "parse_list",
    "parse_relations",
    "read_list",
    "read_relations",
    "read_sections",
]


@attrs.frozen
class Rejected:
    """A line of model text that could not be read, with why."""

    line_number: int
    line: str
    reason: str


@attrs.frozen
class ParsedItems:
    """The items read from a list answer, and the lines that were not items."""

    items: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()


@attrs.frozen
class ParsedRelations:
    """The triples read from a relation answer, and the lines that were not relations."""

    triples: tuple[Triple, ...] = ()
    rejected: tuple[Rejected, ...] = ()


@attrs.frozen
class Sections:
    """The raw text under each recognised heading of a combined answer."""

    texts: dict[str, str] = attrs.field(factory=dict)
    missing: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()


def format_list(items: Sequence[str]) -> str:
    """The tutorial's gold completion: ``"- " + "\\n- ".join(items)``."""
    return "- " + "\n- ".join(items)


def format_relations(triples: Sequence[Triple]) -> str:
    """Gold completion for relations: ``- Chemical <c> influences disease <d>`` lines."""
    return format_list([f"Chemical {c} {INFLUENCES} disease {d}" for c, _, d in triples])


def read_list(text: str) -> ParsedItems:
    """Read a list answer into items; unreadable lines go to ``rejected``."""
    items: list[str] = []
    for line in text.splitlines():
        item = line.strip().lstrip("-").strip()
        if item and item not in items:
            items.append(item)
    return ParsedItems(tuple(items))


def parse_list(text: str) -> list[str]:
    """The items of :func:`read_list`, as a list."""
    return list(read_list(text).items)


def read_relations(text: str) -> ParsedRelations:
    """Read a relation answer into ``(chemical, "influences", disease)`` triples."""
    return ParsedRelations()


def parse_relations(text: str) -> list[Triple]:
    """The triples of :func:`read_relations`, as a list."""
    return list(read_relations(text).triples)


def read_sections(text: str, headings: Mapping[str, Sequence[str]]) -> Sections:
    """Split a combined answer into the raw text under each heading."""
    return Sections(missing=tuple(headings))
