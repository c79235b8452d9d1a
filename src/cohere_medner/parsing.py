"""Model text -> items, relation triples and headed sections, keeping what could not be read.

The gold format is the tutorial's: ``"- " + "\\n- ".join(items)``, relations written as
``- Chemical <chemical> influences disease <disease>``. Models write more than that: other
list markers, a preamble, markdown, trailing periods, "None", other verbs and arrows. The
readers accept all of these; a line they cannot read goes to ``rejected`` with the reason,
and no input string makes them raise.

Rules, line by line (lines as :meth:`str.splitlines` counts them, 1-based):

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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Final

import attrs

Triple = tuple[str, str, str]
"""A relation as ``(chemical, "influences", disease)``."""

INFLUENCES: Final = "influences"
"""The middle element of every triple, whatever verb the model wrote."""

KEPT_ABBREVIATIONS: Final = frozenset(
    {"al.", "approx.", "etc.", "inc.", "sp.", "spp.", "ssp.", "subsp.", "var.", "vs."}
)
"""Last words whose trailing period is part of the name (compared case-insensitively).

Not ``no.`` or ``co.``: ``NO.`` and ``CO.`` are nitric oxide and carbon monoxide.
"""

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


@attrs.frozen
class Rejected:
    """A line of model text that could not be read, with why.

    Reasons: ``preamble`` (text before the first item or heading), ``heading``,
    ``no list marker``, ``commentary``, ``separator``, ``empty item``, ``not a relation``,
    ``ambiguous`` (several arrows or dashes), ``negated`` ("X does not cause Y"),
    ``empty name``.
    """

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


# Formatting -----------------------------------------------------------------------------


def format_list(items: Sequence[str]) -> str:
    """The tutorial's gold completion: ``"- " + "\\n- ".join(items)`` (``"- "`` for none)."""
    return "- " + "\n- ".join(items)


def format_relations(triples: Sequence[Triple]) -> str:
    """Gold completion for relations: ``- Chemical <c> influences disease <d>`` lines."""
    return format_list([f"Chemical {c} {INFLUENCES} disease {d}" for c, _, d in triples])


# Lines ----------------------------------------------------------------------------------

# One list marker: a bullet (with or without a space after it), "* " (a star needs the space,
# or it is markdown), "+ ", or a number "1." "1)" "(1)" followed by a space or a letter.
_MARKER: Final = re.compile(
    r"(?:[-•‣◦▪●○■·∙\u2013\u2014]|[*+](?=\s|$)|\d{1,3}[.)](?=\s|$|[^\W\d_])|\(\d{1,3}\)(?=\s|$))\s*"
)
_SEPARATOR: Final = re.compile(r"([-=_*~])(?:\s*\1){2,}")
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
class _Line:
    number: int
    raw: str
    text: str  # stripped, without its list marker
    marked: bool


def _lines(text: str, rejected: list[Rejected], *, sentences: bool = False) -> Iterator[_Line]:
    """The lines that may hold an entry; the others are added to ``rejected``.

    ``sentences``: whether an unmarked sentence may be an entry (a relation, not a name).
    """
    lines = text.splitlines()
    marked_mode = any(_MARKER.match(line.strip()) and _content(line) for line in lines)
    started = False
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if _SEPARATOR.fullmatch(stripped):
            rejected.append(Rejected(number, raw, "separator"))
            continue
        marker = _MARKER.match(stripped)
        body = stripped[marker.end() :].strip() if marker else stripped
        if not body:
            continue  # a bare marker: the tutorial's empty list
        plain = _unwrap(body)
        if not plain:
            rejected.append(Rejected(number, raw, "empty item"))
            continue
        if _is_none_like(plain):
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
        yield _Line(number, raw, body, marker is not None)


def _content(line: str) -> bool:
    stripped = line.strip()
    marker = _MARKER.match(stripped)
    return bool(marker and stripped[marker.end() :].strip()) and not _SEPARATOR.fullmatch(stripped)


def _is_sentence(text: str) -> bool:
    # A name does not end in "?" or "!", nor run to six words closed by a period.
    return text.endswith(("?", "!")) or (text.endswith(".") and len(text.split()) >= 6)


def _unwrap(text: str) -> str:
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


def _clean_item(text: str) -> str:
    """One item as the model wrote it, without markdown and closing punctuation."""
    text = text.strip()
    lead = _BOLD_LEAD.match(text)
    if lead:
        text = lead.group(1)
    while True:
        before = text
        text = _strip_trailing(_unwrap(text))
        if text == before:
            return text


def _is_none_like(text: str) -> bool:
    """True for answers that say there is nothing to list ("None", "No diseases found")."""
    folded = " ".join(_unwrap(text).split()).casefold().rstrip(".!")
    folded = folded.strip(" ()[]'")
    if not folded:
        return False
    if _NONE_WORD.fullmatch(folded) or _NONE_NEGATION.match(folded):
        return True
    # "NO" is nitric oxide: "NO donors" is a chemical, "No chemicals found" is not.
    if text.lstrip().startswith("NO ") and not text.isupper():
        return False
    return _NONE_NO.match(folded) is not None


# Lists ----------------------------------------------------------------------------------


def is_listable_item(item: str) -> bool:
    """True if ``parse_list(format_list([item]))`` gives ``[item]`` back.

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
        and _MARKER.match(item) is None
        and _SEPARATOR.fullmatch(f"- {item}") is None
        and not item.endswith(":")
        and not _is_none_like(item)
        and _clean_item(item) == item
    )


def read_list(text: str) -> ParsedItems:
    """Read a list answer into items; lines that are not items go to ``rejected``."""
    rejected: list[Rejected] = []
    items: dict[str, None] = {}
    for line in _lines(text, rejected):
        item = _clean_item(line.text)
        if not item:
            rejected.append(Rejected(line.number, line.raw, "empty item"))
        elif not _is_none_like(item):
            items.setdefault(item)
    return ParsedItems(tuple(items), _in_order(rejected))


def parse_list(text: str) -> list[str]:
    """The items of :func:`read_list`, as a list."""
    return list(read_list(text).items)


def _in_order(rejected: list[Rejected]) -> tuple[Rejected, ...]:
    return tuple(sorted(rejected, key=lambda r: r.line_number))


# Relations ------------------------------------------------------------------------------

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
    """True if ``parse_relations(format_relations([triple]))`` gives ``[triple]`` back.

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


def read_relations(text: str) -> ParsedRelations:
    """Read a relation answer into ``(chemical, "influences", disease)`` triples."""
    rejected: list[Rejected] = []
    triples: dict[Triple, None] = {}
    for line in _lines(text, rejected, sentences=True):
        found = _relation(_unwrap(line.text))
        if isinstance(found, str):
            rejected.append(Rejected(line.number, line.raw, found))
            continue
        chemical, disease = (_clean_item(name) for name in found)
        if _is_placeholder(chemical) or _is_placeholder(disease):
            rejected.append(Rejected(line.number, line.raw, "empty name"))
        else:
            triples.setdefault((chemical, INFLUENCES, disease))
    return ParsedRelations(tuple(triples), _in_order(rejected))


def parse_relations(text: str) -> list[Triple]:
    """The triples of :func:`read_relations`, as a list."""
    return list(read_relations(text).triples)


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
    if {_unwrap(cell).casefold() for cell in cells} & _TABLE_HEADERS:
        return "heading"
    if len(cells) == 3 and re.fullmatch(_AUXILIARY + _ACTIVE_VERB, cells[1], re.I):
        return cells[0], cells[2]
    if len(cells) == 2:
        return cells[0], cells[1]
    return "not a relation"


# Sections -------------------------------------------------------------------------------


def _heading_text(text: str) -> str:
    """A line as a heading would read: no markdown, marker, trailing colon or case."""
    text = text.strip().lstrip("#").replace("**", "").replace("__", "").strip()
    marker = _MARKER.match(text)
    if marker:
        text = text[marker.end() :]
    text = _unwrap(text).rstrip().rstrip(":").strip()
    return " ".join(text.split()).casefold()


def read_sections(text: str, headings: Mapping[str, Sequence[str]]) -> Sections:
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
