"""Model text -> items, relation triples and headed sections, keeping what could not be read.

The gold format is the tutorial's: ``"- " + "\n- ".join(items)``, relations written as
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

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.parsing.lines": ("KEPT_ABBREVIATIONS", "Rejected"),
    "cohere_medner.parsing.lists": ("ParsedItems", "format_list", "is_listable_item", "parse_list"),
    "cohere_medner.parsing.relations": (
        "INFLUENCES",
        "ParsedRelations",
        "Triple",
        "format_relations",
        "is_listable_triple",
        "parse_relations",
    ),
    "cohere_medner.parsing.sections": ("Sections", "parse_sections"),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.parsing.lines import KEPT_ABBREVIATIONS as KEPT_ABBREVIATIONS
    from cohere_medner.parsing.lines import Rejected as Rejected
    from cohere_medner.parsing.lists import ParsedItems as ParsedItems
    from cohere_medner.parsing.lists import format_list as format_list
    from cohere_medner.parsing.lists import is_listable_item as is_listable_item
    from cohere_medner.parsing.lists import parse_list as parse_list
    from cohere_medner.parsing.relations import INFLUENCES as INFLUENCES
    from cohere_medner.parsing.relations import ParsedRelations as ParsedRelations
    from cohere_medner.parsing.relations import Triple as Triple
    from cohere_medner.parsing.relations import format_relations as format_relations
    from cohere_medner.parsing.relations import is_listable_triple as is_listable_triple
    from cohere_medner.parsing.relations import parse_relations as parse_relations
    from cohere_medner.parsing.sections import Sections as Sections
    from cohere_medner.parsing.sections import parse_sections as parse_sections
