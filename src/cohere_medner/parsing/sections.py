"""Combined answers: the raw text under each heading, for each section's own parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from cohere_medner.parsing.lines import MARKER, Rejected, unwrap

__all__ = ["Sections", "parse_sections"]


@attrs.frozen
class Sections:
    """The raw text under each recognised heading of a combined answer.

    ``starts[key]`` is the answer's line number of the first line of ``texts[key]``, so that a
    section's own line numbers (as its parser reports them) map back to the answer: answer
    line = ``starts[key] + n - 1``. A heading written twice adds its lines to the first.
    ``missing`` lists the keys with no heading, in the order they were asked for.
    """

    texts: dict[str, str] = attrs.field(factory=dict)
    missing: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    starts: dict[str, int] = attrs.field(factory=dict)


def _heading_text(text: str) -> str:
    """A line as a heading would read: no markdown, marker, trailing colon or case."""
    text = text.strip().lstrip("#").replace("**", "").replace("__", "").strip()
    marker = MARKER.match(text)
    if marker:
        text = text[marker.end() :]
    text = unwrap(text).rstrip().rstrip(":").strip()
    return " ".join(text.split()).casefold()


def parse_sections(text: str, headings: Mapping[str, Sequence[str]]) -> Sections:
    """Split a combined answer into the raw text under each heading.

    ``headings`` maps a section key to the headings that introduce it (compared after
    :func:`_heading_text`'s normalization; the first key to claim a heading wins). A heading
    may carry its section's first line after its colon (``Diseases: None``). Lines before
    the first heading are rejected as ``preamble``.
    """
    aliases: dict[str, str] = {}
    for section, names in headings.items():
        for name in names:
            aliases.setdefault(_heading_text(name), section)
    blocks: dict[str, list[str]] = {}
    starts: dict[str, int] = {}
    rejected: list[Rejected] = []
    current: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        key, rest = _heading(raw, aliases)
        if key is not None:
            current = blocks.setdefault(key, [])
            if rest is not None:
                starts.setdefault(key, number)
                current.append(rest)
            else:
                starts.setdefault(key, number + 1)
        elif current is not None:
            current.append(raw)
        elif raw.strip():
            rejected.append(Rejected(number, raw, "preamble"))
    texts = {key: "\n".join(lines).rstrip() for key, lines in blocks.items()}
    missing = tuple(key for key in headings if key not in texts)
    return Sections(texts, missing, tuple(rejected), starts)


def _heading(line: str, aliases: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(section key, text after the heading's colon) if ``line`` is a heading."""
    key = aliases.get(_heading_text(line))
    if key is not None:
        return key, None
    plain = line.replace("**", "").replace("__", "")
    head, colon, rest = plain.partition(":")
    if colon and rest.strip():
        key = aliases.get(_heading_text(head))
        if key is not None:
            return key, rest.strip()
    return None, None
