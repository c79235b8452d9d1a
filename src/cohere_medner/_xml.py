"""XML read safely: an expat parser that expands no entity and fetches nothing.

The corpus' BioC reader and the MeSH vocabulary readers both stream files of hundreds of MB
through it; neither can be made to expand entities without bound ("billion laughs") nor to
pull in local files or remote DTDs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NoReturn
from xml.parsers import expat

CHUNK: Final = 1 << 16
"""Bytes read, and character data handed over, at a time."""


def entity_free_parser(fail: Callable[[str], NoReturn]) -> expat.XMLParserType:
    """An expat parser that calls ``fail`` at any entity beyond XML's five predefined ones.

    Entity declarations, external entities and undefined entities are refused, so a file
    can neither expand entities without bound ("billion laughs") nor pull in local files or
    remote DTDs; a ``<!DOCTYPE ... SYSTEM ...>`` line alone is read, never fetched. ``fail``
    gets the message and raises, naming the file and the parser's current line. Character
    data comes in chunks of up to 64 KiB.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def declaration(name: str, *rest: object) -> NoReturn:
        fail(f"entity declarations are not allowed (found <!ENTITY {name}>)")

    def external(context: str | None, *rest: object) -> NoReturn:
        fail(f"external entities are not allowed ({context})")

    def skipped(name: str, is_parameter: bool) -> NoReturn:
        fail(f"undefined entity &{name};")

    parser.EntityDeclHandler = declaration
    parser.UnparsedEntityDeclHandler = declaration
    parser.ExternalEntityRefHandler = external
    parser.SkippedEntityHandler = skipped
    return parser
