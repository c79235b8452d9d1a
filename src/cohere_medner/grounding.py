"""Grounding: predicted names -> their occurrences in the document's text (character offsets).

A model answers with names, not offsets; the corpus annotates every occurrence of an entity.
:func:`ground` finds each name in ``document.text`` (title and abstract, the text PubTator
offsets refer to) and turns the occurrences into mentions. The rules:

- **Normalization.** Text and names are cut into tokens: runs of letters and digits, and
  single punctuation characters. Whitespace and dashes (the hyphen-minus, Unicode hyphens,
  en and em dashes, the minus sign) only separate tokens, so ``beta-blocker``, ``beta
  blocker`` and ``betablocker`` are the same name. Curly apostrophes count as ``'``. A name
  matches where its tokens, joined, equal the joined tokens of a stretch of text
  (:func:`name_key`).
- **Word boundaries.** A match starts and ends at token boundaries: ``ACE`` is never found
  inside ``ACEI`` or ``place``, and a span never starts or ends with a space or a dash.
- **Case.** Case is ignored, except for names written with a capital letter inside a
  word (``NO``, ``CO``, ``ACE``, ``5-HT``, ``AzC``): those are abbreviations, and ``NO`` is not
  ``no``. Such a name of four characters or more that is found nowhere with its own case is
  looked for again ignoring case (``L-DOPA`` for ``L-dopa``).
- **Plurals.** The last word may differ by a plural ending: ``s``, ``es``, or ``y``/``ies``
  (``seizure`` finds ``seizures``, ``neuropathies`` finds ``neuropathy``), for names of four
  characters or more ending in a letter; an abbreviation only takes or loses a lowercase
  ``s`` (``NSAID``, ``NSAIDs``).
- **Abbreviations.** ``X (Y)`` with a space before the parenthesis is two names, ``X`` and
  ``Y``, as the corpus annotates them. Abbreviations defined in the text as ``long form
  (SF)`` (:func:`find_abbreviations`, after Schwartz and Hearst 2003) extend a name equal to
  the long form to the short form's occurrences (the corpus annotates both). Not the other
  way round: a long form is often not one mention (in "heparin-induced thrombocytopenia
  (HIT)" the corpus annotates "heparin" and "thrombocytopenia").
- **Overlaps.** Of overlapping matches (of one entity type), the longest is kept, then the
  first in the text, then the most literal (exact before case, variant, plural, abbreviation),
  then the name listed first. Every occurrence of a grounded name that survives becomes a
  mention, since the corpus annotates every occurrence.
- **Ungrounded names** (found nowhere: likely hallucinations) are kept, flagged, never
  dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Generic, TypeVar

import attrs

from .extraction import Extraction
from .types import Document, Mention

__all__ = [
    "RULES",
    "Abbreviation",
    "GroundedName",
    "Grounding",
    "Hit",
    "Match",
    "NameIndex",
    "find_abbreviations",
    "ground",
    "ground_extraction",
    "is_abbreviation",
    "name_key",
    "plural_forms",
]

RULES: Final = ("exact", "case", "variant", "plural", "abbreviation")
"""How a match was found, most literal first (see the module's docstring)."""
_RANK: Final = {rule: rank for rank, rule in enumerate(RULES)}

_DASHES: Final = "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
# A token: a run of letters and digits, or one character that is neither a separator
# (whitespace, dash) nor a letter or digit. The underscore is punctuation here.
_TOKEN: Final = re.compile(rf"[^\W_]+|[^\s\w{re.escape(_DASHES)}]|_")
_QUOTES: Final = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'"})
_MIN_PLURAL: Final = 4
_MIN_CASE_FALLBACK: Final = 4

T = TypeVar("T")


# Tokens and keys ----------------------------------------------------------------------------


@attrs.frozen
class _Tokens:
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    cased: tuple[str, ...]
    lower: tuple[str, ...]


@functools.lru_cache(maxsize=1024)
def _tokens(text: str) -> _Tokens:
    found = list(_TOKEN.finditer(text.translate(_QUOTES)))
    cased = tuple(m.group() for m in found)
    return _Tokens(
        tuple(m.start() for m in found),
        tuple(m.end() for m in found),
        cased,
        tuple(t.lower() for t in cased),
    )


def name_key(name: str) -> str:
    """The form names are compared in: tokens joined, lowercase, no spaces or dashes."""
    return "".join(_tokens(name).lower)


def _cased_key(name: str) -> str:
    return "".join(_tokens(name).cased)


def is_abbreviation(name: str) -> bool:
    """True for a name with a capital inside a word (``NO``, ``5-HT``, ``AzC``): matched by case."""
    return any(
        any(c.isupper() for c in token[1:]) for token in _tokens(name).cased if token.isalnum()
    )


def plural_forms(key: str, *, abbreviation: bool = False) -> list[str]:
    """Other forms of a name key that differ in the last word's plural ending (see above)."""
    if len(key) < _MIN_PLURAL or not key[-1].isalpha():
        return []
    if abbreviation:
        # An abbreviation only takes or loses a lowercase s: NSAID, NSAIDs; AIDS stays.
        variants = [key[:-1]] if key.endswith("s") and not key[-2:-1].islower() else [key + "s"]
    else:
        variants = [key + "s", key + "es"]
        if key.endswith("s") and not key.endswith("ss"):
            variants.append(key[:-1])
        if key.endswith("es"):
            variants.append(key[:-2])
        if key.endswith("y"):
            variants.append(key[:-1] + "ies")
        if key.endswith("ies"):
            variants.append(key[:-3] + "y")
    return [v for v in variants if len(v) >= _MIN_PLURAL]


def _rule(found: str, name: str, base: str) -> str:
    """The most literal rule that relates the text ``found`` to ``name``."""
    if base != "variant":
        return base
    if found == name:
        return "exact"
    if found.lower() == name.lower():
        return "case"
    return "variant"


# Many names at once ----------------------------------------------------------------------------


@attrs.frozen
class Hit(Generic[T]):
    """One occurrence of an indexed name: where, the value stored with it, and by which rule."""

    start: int
    end: int
    value: T
    rule: str


@attrs.frozen
class _Entry(Generic[T]):
    value: T
    name: str
    cased: str | None  # the key with its case, for names matched by case
    rule: str  # "variant" (the name itself), "plural" or "abbreviation"


class NameIndex(Generic[T]):
    """Many names, each with a value, found in texts by the grounding rules in one pass."""

    def __init__(self) -> None:
        self._entries: dict[str, list[_Entry[T]]] = {}
        self._prefixes: set[str] = set()

    def __len__(self) -> int:
        """The number of distinct forms indexed (names and their plural forms)."""
        return len(self._entries)

    def add(
        self,
        name: str,
        value: T,
        *,
        case_sensitive: bool | None = None,
        plurals: bool = True,
        rule: str = "variant",
    ) -> None:
        """Index ``name`` (and its plural forms) with ``value``.

        ``case_sensitive`` defaults to :func:`is_abbreviation`; ``rule`` is what hits of the
        name itself report when they are not exact, case or spacing variants.
        """
        key = name_key(name)
        if not key:
            return
        cased = case_sensitive if case_sensitive is not None else is_abbreviation(name)
        case_key = _cased_key(name) if cased else None
        self._put(key, _Entry(value, name, case_key, rule))
        if not plurals:
            return
        source = case_key if case_key is not None else key
        for variant in plural_forms(source, abbreviation=case_key is not None):
            self._put(
                variant.lower(),
                _Entry(value, name, variant if case_key is not None else None, "plural"),
            )

    def _put(self, key: str, entry: _Entry[T]) -> None:
        entries = self._entries.setdefault(key, [])
        if entry not in entries:
            entries.append(entry)
        self._prefixes.update(key[:i] for i in range(1, len(key) + 1))

    def find(self, text: str) -> list[Hit[T]]:
        """Every occurrence of every indexed name in ``text``, overlapping ones included."""
        tokens = _tokens(text)
        hits: list[Hit[T]] = []
        count = len(tokens.lower)
        prefixes, entries = self._prefixes, self._entries
        for first in range(count):
            key = ""
            for last in range(first, count):
                key += tokens.lower[last]
                if key not in prefixes:
                    break
                for entry in entries.get(key, ()):
                    start, end = tokens.starts[first], tokens.ends[last]
                    if entry.cased is not None and (
                        "".join(tokens.cased[first : last + 1]) != entry.cased
                    ):
                        continue
                    rule = _rule(text[start:end], entry.name, entry.rule)
                    hits.append(Hit(start, end, entry.value, rule))
        return hits


# Abbreviations ------------------------------------------------------------------------------------


@attrs.frozen
class Abbreviation:
    """A short form defined in the text as ``long form (SF)``, with both offsets."""

    short: str
    long: str
    short_start: int
    long_start: int

    @property
    def short_end(self) -> int:
        return self.short_start + len(self.short)

    @property
    def long_end(self) -> int:
        return self.long_start + len(self.long)


_PARENTHESIS: Final = re.compile(r"\(([^()]{1,40})\)")
_SENTENCE_END: Final = re.compile(r"[.!?]\s+(?=[A-Z0-9(])")


def _valid_short(short: str) -> bool:
    return (
        2 <= len(short) <= 10
        and len(short.split()) <= 2
        and any(c.isalpha() for c in short)
        and short[0].isalnum()
    )


def _best_long_form(short: str, candidate: str) -> int | None:
    """Where in ``candidate`` the long form of ``short`` starts (Schwartz and Hearst), if any.

    Every letter and digit of the short form, right to left, must be found in the candidate,
    right to left; the first one at the start of a word.
    """
    s, position = len(short) - 1, len(candidate) - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while position >= 0 and (
            candidate[position].lower() != char
            or (s == 0 and position > 0 and candidate[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return None
        position -= 1
        s -= 1
    return candidate.rfind(" ", 0, position + 1) + 1


@functools.lru_cache(maxsize=1024)
def find_abbreviations(text: str) -> tuple[Abbreviation, ...]:
    """Abbreviations the text defines as ``long form (SF)``, in text order."""
    found: list[Abbreviation] = []
    for parenthesis in _PARENTHESIS.finditer(text):
        inner = re.split(r"[;,]\s", parenthesis.group(1), maxsplit=1)[0]
        short = inner.strip()
        if not _valid_short(short):
            continue
        short_start = parenthesis.start(1) + len(inner) - len(inner.lstrip())
        # The candidate long form: at most min(|SF| + 5, 2 |SF|) words, in the same sentence.
        end = parenthesis.start()
        sentence_start = 0
        for boundary in _SENTENCE_END.finditer(text, 0, end):
            sentence_start = boundary.end()
        words = list(re.finditer(r"\S+", text[sentence_start:end]))
        limit = min(len(short) + 5, 2 * len(short))
        if not words:
            continue
        window = sentence_start + words[-limit:][0].start()
        # A long form holds no parenthesis or semicolon: "infarction (ANT-MI) and ...".
        window = max(window, *(text.rfind(c, window, end) + 1 for c in "();"))
        candidate = text[window:end].rstrip()
        offset = _best_long_form(short, candidate)
        if offset is None:
            continue
        long = candidate[offset:].lstrip(_DASHES)
        offset = len(candidate) - len(long)
        if len(long) <= len(short) or short.lower() in long.lower().split():
            continue
        found.append(Abbreviation(short, long, short_start, window + offset))
    return tuple(found)


# Grounding ------------------------------------------------------------------------------------------


@attrs.frozen
class Match:
    """One occurrence of a name in the text; ``kept`` is false when a longer match took its place."""

    start: int
    end: int
    rule: str
    kept: bool = True


@attrs.frozen
class GroundedName:
    """A predicted name as written, and where it was found (nowhere: ``grounded`` is false)."""

    name: str
    matches: tuple[Match, ...] = ()

    @property
    def grounded(self) -> bool:
        return bool(self.matches)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` of every occurrence found, kept or not."""
        return tuple((m.start, m.end) for m in self.matches)


@attrs.frozen
class Grounding:
    """The names predicted for one document and entity type, and the mentions they give."""

    document: str
    entity_type: str
    names: tuple[GroundedName, ...] = ()
    mentions: tuple[Mention, ...] = ()

    @property
    def ungrounded(self) -> tuple[str, ...]:
        """The names found nowhere in the text: likely hallucinations."""
        return tuple(n.name for n in self.names if not n.grounded)


_SPLIT: Final = re.compile(r"^(.*\S)\s+\(([^()]+)\)$")


def _parts(name: str) -> list[str]:
    """``X (Y)`` is two names, X and Y; any other name is itself."""
    found = _SPLIT.match(name)
    return [found.group(1), found.group(2)] if found else [name]


def ground(
    names: Sequence[str],
    document: Document,
    entity_type: str,
    *,
    abbreviations: bool = True,
) -> Grounding:
    """Find each name in ``document.text`` and turn its occurrences into mentions.

    One :class:`GroundedName` per name given, in order, found or not. ``abbreviations``
    switches off the ties between long and short forms that the text defines.
    """
    text = document.text
    cleaned = [" ".join(name.split()) for name in names]
    index: NameIndex[int] = NameIndex()
    defined = find_abbreviations(text) if abbreviations else ()
    for number, name in enumerate(cleaned):
        for part in _parts(name):
            index.add(part, number)
            _add_abbreviations(index, part, number, defined)
    hits = index.find(text)
    # A name with capitals inside a word that is nowhere with its own case: ignore case.
    found = {hit.value for hit in hits}
    fallback: NameIndex[int] = NameIndex()
    for number, name in enumerate(cleaned):
        if number not in found:
            for part in _parts(name):
                if is_abbreviation(part) and len(name_key(part)) >= _MIN_CASE_FALLBACK:
                    fallback.add(part, number, case_sensitive=False)
    if len(fallback):
        hits.extend(fallback.find(text))
    return _resolve(document, entity_type, names, hits)


def _add_abbreviations(
    index: NameIndex[int], name: str, number: int, defined: Iterable[Abbreviation]
) -> None:
    key = name_key(name)
    for abbreviation in defined:
        if key == name_key(abbreviation.long):
            index.add(abbreviation.short, number, case_sensitive=True, rule="abbreviation")


def _resolve(
    document: Document, entity_type: str, names: Sequence[str], hits: Sequence[Hit[int]]
) -> Grounding:
    """Keep the longest of overlapping matches; one mention per kept span."""
    best: dict[tuple[int, int, int], Hit[int]] = {}
    for hit in hits:
        slot = (hit.value, hit.start, hit.end)
        if slot not in best or _RANK[hit.rule] < _RANK[best[slot].rule]:
            best[slot] = hit
    ordered = sorted(
        best.values(),
        key=lambda h: (h.start - h.end, h.start, _RANK[h.rule], h.value),
    )
    taken = bytearray(len(document.text))
    kept: set[tuple[int, int, int]] = set()
    for hit in ordered:
        if not any(taken[hit.start : hit.end]):
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
            kept.add((hit.value, hit.start, hit.end))
    matches: dict[int, list[Match]] = {}
    for hit in sorted(best.values(), key=lambda h: (h.start, h.end)):
        slot = (hit.value, hit.start, hit.end)
        matches.setdefault(hit.value, []).append(Match(hit.start, hit.end, hit.rule, slot in kept))
    text = document.text
    mentions = tuple(
        Mention(start, end, text[start:end], entity_type)
        for _, start, end in sorted(kept, key=lambda k: (k[1], k[2]))
    )
    grounded = tuple(
        GroundedName(name, tuple(matches.get(number, ()))) for number, name in enumerate(names)
    )
    return Grounding(document.pmid, entity_type, grounded, mentions)


def ground_extraction(
    extraction: Extraction | Mapping[str, Sequence[str]],
    document: Document,
    *,
    abbreviations: bool = True,
) -> dict[str, Grounding]:
    """:func:`ground` every entity type of an extraction (or of a ``type -> names`` mapping)."""
    entities = extraction.entities if isinstance(extraction, Extraction) else extraction
    return {
        entity_type: ground(names, document, entity_type, abbreviations=abbreviations)
        for entity_type, names in entities.items()
    }
