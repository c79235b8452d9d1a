"""List answers: the tutorial's gold list, and the items read back from what models write."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from cohere_medner.parsing.lines import (
    MARKER,
    SEPARATOR,
    Rejected,
    clean_item,
    entry_lines,
    in_order,
    is_none_like,
)

__all__ = ["ParsedItems", "format_list", "is_listable_item", "parse_list"]


@attrs.frozen
class ParsedItems:
    """The items read from a list answer, and the lines that were not items."""

    items: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()


def format_list(items: Sequence[str]) -> str:
    """The tutorial's gold completion: ``"- " + "\\n- ".join(items)`` (``"- "`` for none)."""
    return "- " + "\n- ".join(items)


def is_listable_item(item: str) -> bool:
    """True if ``parse_list(format_list([item]))`` reads back ``(item,)`` and nothing else.

    That holds for a non-empty string with no line break (as :meth:`str.splitlines` sees
    them) and no surrounding space, that does not start with a list marker or read as a
    separator, heading (trailing ``:``) or "nothing" (``None``, ``No diseases found``), and
    that the cleaning leaves alone: no ``**`` or ``__``, no wrapping emphasis, code or
    quotes, no trailing ``,`` ``;`` or (non-abbreviation) period.
    """
    return (
        bool(item)
        and item == item.strip()
        and item.splitlines() == [item]
        and MARKER.match(item) is None
        and SEPARATOR.fullmatch(f"- {item}") is None
        and not item.endswith(":")
        and not is_none_like(item)
        and clean_item(item) == item
    )


def parse_list(text: str) -> ParsedItems:
    """Read a list answer into items; lines that are not items go to ``rejected``."""
    rejected: list[Rejected] = []
    items: dict[str, None] = {}
    for line in entry_lines(text, rejected):
        item = clean_item(line.text)
        if not item:
            rejected.append(Rejected(line.number, line.raw, "empty item"))
        elif not is_none_like(item):
            items.setdefault(item)
    return ParsedItems(tuple(items), in_order(rejected))
