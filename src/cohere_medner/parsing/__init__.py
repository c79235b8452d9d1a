"""Model text -> items, relation triples and headed sections, keeping what could not be read.

The gold format is the tutorial's: ``"- " + "\\n- ".join(items)``, relations written as
``- Chemical <chemical> influences disease <disease>``. Models write more than that: other
list markers, a preamble, markdown, trailing periods, "None", other verbs and arrows. The
readers accept all of these; a line they cannot read goes to ``rejected`` with the reason,
and no input string makes them raise.

Each idea has its module, and this package exports their public names:

- :mod:`.lines`: the rules, line by line, that say which lines hold an entry and how its
  text is cleaned; :class:`~.lines.Rejected`, a line that could not be read;
- :mod:`.lists`: :func:`~.lists.read_list` and :func:`~.lists.format_list`, for lists of
  names;
- :mod:`.relations`: :func:`~.relations.read_relations` and
  :func:`~.relations.format_relations`, for ``(chemical, "influences", disease)`` triples;
- :mod:`.sections`: :func:`~.sections.read_sections`, the raw text under each heading of a
  combined answer.
"""

from __future__ import annotations

from cohere_medner.parsing.lines import KEPT_ABBREVIATIONS, Rejected
from cohere_medner.parsing.lists import (
    ParsedItems,
    format_list,
    is_listable_item,
    parse_list,
    read_list,
)
from cohere_medner.parsing.relations import (
    INFLUENCES,
    ParsedRelations,
    Triple,
    format_relations,
    is_listable_triple,
    parse_relations,
    read_relations,
)
from cohere_medner.parsing.sections import Sections, read_sections

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
    "read_list",
    "read_relations",
    "read_sections",
]
