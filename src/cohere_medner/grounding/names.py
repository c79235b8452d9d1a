"""Names as they are compared: name keys, and an index that finds many names in a text at once.

Grounding, the lexicon and the offline baseline all find names in text by these rules:

- **Normalization.** Text and names are cut into tokens: runs of letters and digits, and
  single punctuation characters. Whitespace and dashes (the hyphen-minus, Unicode hyphens,
  en and em dashes, the minus sign) only separate tokens, so ``beta-blocker``, ``beta
  blocker`` and ``betablocker`` are the same name. Curly apostrophes count as ``'``. A name
  matches where its tokens, joined, equal the joined tokens of a stretch of text
  (:func:`name_key`).
- **Word boundaries.** A match starts and ends at token boundaries: ``ACE`` is never found
  inside ``ACEI`` or ``place``, and a span never starts or ends with a space or a dash.
- **Case.** Case is ignored, except for names written with a capital letter inside a
  word (``NO``, ``CO``, ``ACE``, ``5-HT``, ``AzC``): those are abbreviations
  (:func:`is_abbreviation`), and ``NO`` is not ``no``.
- **Plurals.** The last word may differ by a plural ending: ``s``, ``es``, or ``y``/``ies``
  (``seizure`` finds ``seizures``, ``neuropathies`` finds ``neuropathy``), for names of four
  characters or more ending in a letter; an abbreviation only takes or loses a lowercase
  ``s`` (``NSAID``, ``NSAIDs``).

A :class:`NameIndex` finds many names, each with a value, in one pass over a text, and says
by which rule each occurrence was found: ``exact``, ``case`` (only the case differs),
``variant`` (spaces, dashes or apostrophes differ), ``plural``, or the rule the name was
indexed with.
"""

from __future__ import annotations

import functools
import re
from typing import Final, Generic, TypeVar

import attrs

__all__ = [
    "DASHES",
    "Hit",
    "NameIndex",
    "is_abbreviation",
    "name_key",
    "plural_forms",
]

DASHES: Final = "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
"""The dashes (hyphens, en and em dashes, minus signs), which only separate tokens, as spaces do."""
# A token: a run of letters and digits, or one character that is neither a separator
# (whitespace, dash) nor a letter or digit. The underscore is punctuation here.
_TOKEN: Final = re.compile(rf"[^\W_]+|[^\s\w{re.escape(DASHES)}]|_")
_QUOTES: Final = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'"})
_MIN_PLURAL: Final = 4

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
    rule: str  # "variant" (the name itself), "plural" or the rule the name was added with


class NameIndex(Generic[T]):
    """Many names, each with a value, found in texts by the rules above in one pass."""

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
