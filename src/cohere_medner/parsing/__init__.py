"""Model text -> items, relation triples and headed sections, keeping what could not be read.

The gold format is the tutorial's: ``"- " + "\\n- ".join(items)``, relations written as
``- Chemical <chemical> influences disease <disease>``. Models write more than that: other
list markers, a preamble, markdown, trailing periods, "None", other verbs and arrows. The
parsers accept all of these; a line they cannot read goes to ``rejected`` with the reason,
and no input string makes them raise.

Each idea has its module, and this package exports their public names. A ``parse_*``
function reads text into what it found and what it could not read (``.rejected``); a
``format_*`` function writes the gold form that its ``parse_*`` reads back:

- :mod:`.lines`: the rules, line by line, that say which lines hold an entry and how its
  text is cleaned; :class:`~cohere_medner.types.Rejected`, a line that could not be read;
- :mod:`.lists`: :func:`~.lists.parse_list` (``.items``) and :func:`~.lists.format_list`,
  for lists of names;
- :mod:`.relations`: :func:`~.relations.parse_relations` (``.triples``) and
  :func:`~.relations.format_relations`, for ``(chemical, "influences", disease)`` triples
  (:data:`~cohere_medner.types.Triple`);
- :mod:`.sections`: :func:`~.sections.parse_sections`, the raw text under each heading of a
  combined answer.
"""

from __future__ import annotations

from cohere_medner.parsing.lines import KEPT_ABBREVIATIONS, Rejected
from cohere_medner.parsing.lists import (
    ParsedItems,
    format_list,
    is_listable_item,
    parse_list,
)
from cohere_medner.parsing.relations import (
    INFLUENCES,
    ParsedRelations,
    Triple,
    format_relations,
    is_listable_triple,
    parse_relations,
)
from cohere_medner.parsing.sections import Sections, parse_sections

__all__ = [
    "INFLUENCES",
    "KEPT_ABBREVIATIONS",
    "ParsedItems",
    "ParsedRelations",
    "Rejected",
    "Sections",
    "Triple",
    "format_list",
    "format_relations",
    "is_listable_item",
    "is_listable_triple",
    "parse_list",
    "parse_relations",
    "parse_sections",
]
