"""Model text line by line: which lines may hold an entry, and each entry's text cleaned.

The list and relation parsers share these rules, and so the rejects they report (lines as
:meth:`str.splitlines` counts them, 1-based):

- blank lines, and a bare list marker (``"- "``, the tutorial's empty list), are skipped;
- a list marker (``-``, ``*``, ``+``, ``•``, ``1.``, ``1)``, ``(1)``) is removed, once;
- if any line of the answer has a marker, lines without one are not items ("preamble"
  before the first item, "no list marker" after it); a line ending in ``:`` or starting
  with ``#`` is a heading, never an item;
- markdown is removed: ``**`` and ``__`` anywhere, and ``*``, ``_``, backticks or double
  quotes wrapped around the whole item; ``**Name**: explanation`` keeps only the name;
- trailing ``,`` and ``;`` go, and so does a trailing period, unless the last word is an
  abbreviation whose period we can tell belongs to it: dotted letters (``i.v.``, ``e.g.``)
  or one of :data:`KEPT_ABBREVIATIONS` (``spp.``, ``et al.``). ``Na.`` loses its period;
- "None", "N/A", "No diseases mentioned", "The text does not mention any chemicals" and
  the like mean "nothing here": skipped, not rejected (``NO``, nitric oxide, is an item);
- items are not split at commas (``1,2-dimethylhydrazine``); duplicates keep the first.

Only :class:`Rejected` and :data:`KEPT_ABBREVIATIONS` are exported; the other names without
an underscore (``entry_lines``, ``clean_item``, ``unwrap``, ``is_none_like``, ``in_order``,
``MARKER``, ``SEPARATOR``) are the tools the other parsing modules share.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

import attrs

from cohere_medner.types import Rejected

KEPT_ABBREVIATIONS: Final = frozenset(
    {"al.", "approx.", "etc.", "inc.", "sp.", "spp.", "ssp.", "subsp.", "var.", "vs."}
)
"""Last words whose trailing period is part of the name (compared case-insensitively).

Not ``no.`` or ``co.``: ``NO.`` and ``CO.`` are nitric oxide and carbon monoxide.
"""

__all__ = ["KEPT_ABBREVIATIONS", "Rejected"]


def in_order(rejected: list[Rejected]) -> tuple[Rejected, ...]:
    """The rejects in the order of their lines."""
    return tuple(sorted(rejected, key=lambda r: r.line_number))


# One list marker: a bullet (with or without a space after it), "* " (a star needs the space,
# or it is markdown), "+ ", or a number "1." "1)" "(1)" followed by a space or a letter.
MARKER: Final = re.compile(
    r"(?:[-•‣◦▪●○■·∙\u2013\u2014]|[*+](?=\s|$)|\d{1,3}[.)](?=\s|$|[^\W\d_])|\(\d{1,3}\)(?=\s|$))\s*"
)
SEPARATOR: Final = re.compile(r"([-=_*~])(?:\s*\1){2,}")
_CHATTER: Final = re.compile(
    r"(?:here\s+(?:is|are)\b|here['\u2019]s\b|(?:sure|certainly|of course|okay|ok)(?:[,.!:]|\s*$)"
    r"|below\b|the following\b|following\s+(?:is|are)\b|based on\b|notes?\b|please\b"
    r"|let me know\b|hope this\b|i\s+(?:have|found|hope|could|can|will|identified)\b"
    r"|these are\b|this list\b|in summary\b|overall\b)",
    re.IGNORECASE,
)
# "**Name**: explanation", "**Name:** explanation", "**Name** - explanation"
_BOLD_LEAD: Final = re.compile(r"\*\*([^*]+?)(?::\s*\*\*|\*\*\s*(?::|[-\u2013\u2014]\s))\s*\S")
_WRAPPERS: Final = (("*", "*"), ("_", "_"), ("`", "`"), ('"', '"'), ("“", "”"))
_DOTTED: Final = re.compile(r"(?:[^\W\d_]{1,3}\.){2,}")

_NONE_WORD: Final = re.compile(
    r"(?:none|nil|nothing|n/a|n\.a|null|not applicable|not available|-+|\u2013|\u2014)"
    r"|(?:none|nothing)\b.*"
    r"|not\s+(?:applicable|available|mentioned|found|specified|reported|identified|given"
    r"|stated|provided|present)\b.*"
)
_NONE_NO: Final = re.compile(
    r"(?:(?:there\s+(?:are|is|were|was)|there['\u2019]s|i\s+(?:found|see|can\s+find|could\s+find))"
    r"\s+)?(?:no|not\s+any)\s+(?:\S+\s+){0,4}?"
    r"(?:diseases?|chemicals?|drugs?|compounds?|substances?|medications?|relations?"
    r"|relationships?|influences?|interactions?|associations?|links?|entities|entity"
    r"|conditions?|disorders?|mentions?|results?|matches|items?|such|specific|relevant"
    r"|explicit|clear|known|identifiable)\b"
)
_NONE_NEGATION: Final = re.compile(
    r"(?:the|this|that|these|it|i|we|there)\b.{0,80}?"
    r"(?:\bnot\b|n['\u2019]t\b|\bno\b|\bcannot\b).{0,40}?"
    r"\b(?:mention|mentioned|mentions|contain|contains|include|includes|describe|report"
    r"|list|listed|specif\w*|identif\w*|find|found|discuss\w*|present|provide\w*|any)\b"
)


@attrs.frozen
class Line:
    """A line that may hold an entry, as :func:`entry_lines` yields it."""

    number: int
    raw: str
    text: str  # stripped, without its list marker


def entry_lines(text: str, rejected: list[Rejected], *, sentences: bool = False) -> Iterator[Line]:
    """The lines that may hold an entry; the others are added to ``rejected``.

    ``sentences``: whether an unmarked sentence may be an entry (a relation, not a name).
    """
    lines = text.splitlines()
    marked_mode = any(MARKER.match(line.strip()) and _content(line) for line in lines)
    started = False
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if SEPARATOR.fullmatch(stripped):
            rejected.append(Rejected(number, raw, "separator"))
            continue
        marker = MARKER.match(stripped)
        body = stripped[marker.end() :].strip() if marker else stripped
        if not body:
            continue  # a bare marker: the tutorial's empty list
        plain = unwrap(body)
        if not plain:
            rejected.append(Rejected(number, raw, "empty item"))
            continue
        if is_none_like(plain):
            continue
        if stripped.startswith("#") or plain.endswith(":"):
            rejected.append(Rejected(number, raw, "heading" if started else "preamble"))
            continue
        if not marker and (
            marked_mode or _CHATTER.match(plain) or (not sentences and _is_sentence(plain))
        ):
            reason = "no list marker" if marked_mode else "commentary"
            rejected.append(Rejected(number, raw, reason if started else "preamble"))
            continue
        started = True
        yield Line(number, raw, body)


def _content(line: str) -> bool:
    stripped = line.strip()
    marker = MARKER.match(stripped)
    return bool(marker and stripped[marker.end() :].strip()) and not SEPARATOR.fullmatch(stripped)


def _is_sentence(text: str) -> bool:
    # A name does not end in "?" or "!", nor run to six words closed by a period.
    return text.endswith(("?", "!")) or (text.endswith(".") and len(text.split()) >= 6)


def unwrap(text: str) -> str:
    """Remove bold markers anywhere and emphasis, code or quotes around the whole text."""
    text = text.replace("**", "").replace("__", "").strip()
    while len(text) >= 2 and any(text[0] == a and text[-1] == b for a, b in _WRAPPERS):
        text = text[1:-1].strip()
    return text


def _strip_trailing(text: str) -> str:
    """Remove trailing ``,`` ``;`` and a period that is not part of an abbreviation."""
    while True:
        before = text
        text = text.rstrip(",;").rstrip()
        if text.endswith(".") and not _keeps_period(text):
            text = text.rstrip(".").rstrip()
        if text == before:
            return text


def _keeps_period(text: str) -> bool:
    last = text.split()[-1]
    return last.casefold() in KEPT_ABBREVIATIONS or _DOTTED.fullmatch(last) is not None


def clean_item(text: str) -> str:
    """One item as the model wrote it, without markdown and closing punctuation."""
    text = text.strip()
    lead = _BOLD_LEAD.match(text)
    if lead:
        text = lead.group(1)
    while True:
        before = text
        text = _strip_trailing(unwrap(text))
        if text == before:
            return text


def is_none_like(text: str) -> bool:
    """True for answers that say there is nothing to list ("None", "No diseases found")."""
    folded = " ".join(unwrap(text).split()).casefold().rstrip(".!")
    folded = folded.strip(" ()[]'")
    if not folded:
        return False
    if _NONE_WORD.fullmatch(folded) or _NONE_NEGATION.match(folded):
        return True
    # "NO" is nitric oxide: "NO donors" is a chemical, "No chemicals found" is not.
    if text.lstrip().startswith("NO ") and not text.isupper():
        return False
    return _NONE_NO.match(folded) is not None
