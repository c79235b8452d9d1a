"""Identification: a listed name -> the MeSH identifiers of the concept it names, and how.

A model lists names as the abstract writes them, and abstracts write names in more ways than
any lexicon holds. :class:`Identifier` looks a name up in a
:class:`~cohere_medner.grounding.lexicon.Lexicon` by these rules, in order, stopping at the
first that finds an entry with identifiers, and records which one did (never a guess without
saying so):

``exact``
    The name's key (case, spaces and dashes aside: :func:`~cohere_medner.grounding.names.
    name_key`) is a form of the lexicon.
``plural``
    The last word differs by a plural ending (``seizure``, ``seizures``).
``spelling``
    British and American spellings (``haematoma``, ``oedema``, ``sulphate``, ``leucopenia``,
    ``aluminium``) and possessives (``Parkinson's disease``, ``Parkinson disease``) aside.
``adjective``
    An adjective for the condition its noun names (``hyperammonemic`` -> hyperammonemia,
    ``myopathic`` -> myopathy, ``necrotic`` -> necrosis, ``paralytic`` -> paralysis); the
    adjective alone or inside a longer name.
``word order``
    ``X of (the) Y`` is ``Y X`` (``loss of hearing``, ``carcinoma of the breast``).
``salt``
    A chemical named with its salt or hydrate (``timolol maleate``, ``morphine sulfate``,
    ``sodium pentobarbital``, ``atropine sulfate monohydrate``) is the parent compound,
    where the lexicon does not know the salt itself.
``fuzzy``
    A misspelling (``propanolol``, ``isoniazide``, ``methothexate``): one edit (an insertion,
    deletion, substitution or swap of neighbours) away from exactly one form, two for long
    names; only for names of at least seven characters with a word the lexicon has never
    seen (``pain disorders`` is two known words, not a misspelling of ``panic disorders``),
    never at the first three characters, where other words differ (``neurotoxicity``,
    ``nephrotoxicity``; ``glycosuria``, ``glucosuria``), and never across ``hypo``/``hyper``.

``composite``
    Coordinated names (``hepatic and renal toxicity``, ``atrial fibrillation and flutter``,
    ``Generalised and focal seizures``) are read as their parts, the shared words given to
    each (``hepatic toxicity``, ``renal toxicity``), each part looked up by the rules above;
    the name takes the identifiers of its parts, in the first reading whose every part is
    found (a part left unknown would make the rest a guess at what the name means).

Two more rules need the document and live in :mod:`~cohere_medner.grounding.prediction`:
``abbreviation`` (a short form the document defines takes its long form's identifiers) and
``in-document`` (a name takes the identifiers of a mention of the same document it
evidently refers to).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Final

import attrs

from cohere_medner.grounding.lexicon import Ids, Lexicon, LexiconEntry
from cohere_medner.grounding.names import name_key
from cohere_medner.types import CHEMICAL, DISEASE

__all__ = [
    "IDENTIFICATION_RULES",
    "Identification",
    "Identifier",
    "Nearest",
    "composite_parts",
    "edit_distance",
    "known_words",
    "may_be_misspelt",
    "spelling_key",
    "variant_keys",
]

IDENTIFICATION_RULES: Final = (
    "exact",
    "plural",
    "spelling",
    "adjective",
    "word order",
    "salt",
    "fuzzy",
    "composite",
    "abbreviation",
    "in-document",
)
"""How an identifier was found, most literal first (see above)."""


@attrs.frozen
class Identification:
    """The identifiers found for one listed name, by which rule, from which lexicon form.

    ``form`` is the lexicon's form (a name key) that gave them, or for ``in-document``
    and ``abbreviation`` the text of the mention or long form that did; ``ambiguous`` is
    true when the form was annotated with other identifiers too; ``source`` says whether
    annotations or a vocabulary gave the form (:attr:`~cohere_medner.grounding.lexicon.
    LexiconEntry.source`).
    """

    name: str
    entity_type: str
    ids: Ids
    rule: str
    form: str
    ambiguous: bool = False
    source: str = "annotation"


# Spelling ----------------------------------------------------------------------------------

_SPELLINGS: Final = (
    ("aluminium", "aluminum"),
    ("sulph", "sulf"),
    ("tumour", "tumor"),
    ("leuc", "leuk"),
    ("haem", "hem"),
    ("aemi", "emi"),
    ("ischaem", "ischem"),
    ("anaes", "anes"),
    ("oedem", "edem"),
    ("oesoph", "esoph"),
    ("oestr", "estr"),
    ("rrhoea", "rrhea"),
    ("paed", "ped"),
    ("foet", "fet"),
    ("aetio", "etio"),
)
"""British spellings and their American ones, as they occur inside medical words."""


@functools.lru_cache(maxsize=4096)
def spelling_key(key: str) -> str:
    """A name key with American spelling and without possessives: ``haemorrhage`` -> ``hemorrhage``."""
    key = key.replace("'s", "").replace("'", "")
    changed = None
    while changed != key:
        changed = key
        for british, american in _SPELLINGS:
            key = key.replace(british, american)
    return key


# Adjectives, word order, salts ---------------------------------------------------------------

_ADJECTIVES: Final = (
    ("lytic", "lysis"),
    ("otic", "osis"),
    ("emic", "emia"),
    ("ic", "ia"),
    ("ic", "y"),
    ("ic", "ism"),
)
_MIN_STEM: Final = 4
_OF: Final = re.compile(r"^(.+?)\s+of\s+(?:the\s+)?(.+)$", re.IGNORECASE)
_SALTS: Final = frozenset(
    [
        "acetate",
        "besylate",
        "bitartrate",
        "bromide",
        "calcium",
        "chloride",
        "citrate",
        "decanoate",
        "dihydrate",
        "dihydrochloride",
        "dipropionate",
        "disodium",
        "enanthate",
        "fumarate",
        "gluconate",
        "hcl",
        "hydrate",
        "hydrobromide",
        "hydrochloride",
        "lactate",
        "magnesium",
        "maleate",
        "mesylate",
        "monohydrate",
        "nitrate",
        "palmitate",
        "pamoate",
        "phosphate",
        "potassium",
        "propionate",
        "sodium",
        "succinate",
        "sulfate",
        "sulphate",
        "tartrate",
        "tosylate",
        "trihydrate",
        "valerate",
    ]
)


def _words(name: str) -> list[str]:
    return name.lower().split()


def _adjective_keys(name: str) -> Iterator[str]:
    words = _words(name)
    for position, word in enumerate(words):
        for adjective, noun in _ADJECTIVES:
            if word.endswith(adjective) and len(word) - len(adjective) >= _MIN_STEM:
                changed = word[: -len(adjective)] + noun
                yield name_key(" ".join([*words[:position], changed, *words[position + 1 :]]))


def _word_order_keys(name: str) -> Iterator[str]:
    found = _OF.match(name.strip())
    if found:
        yield name_key(f"{found.group(2)} {found.group(1)}")


def _salt_keys(name: str) -> Iterator[str]:
    words = _words(name)
    while len(words) > 1 and name_key(words[-1]) in _SALTS:
        words = words[:-1]
        yield name_key(" ".join(words))
    words = _words(name)
    while len(words) > 1 and name_key(words[0]) in _SALTS:
        words = words[1:]
        yield name_key(" ".join(words))


# Fuzzy -------------------------------------------------------------------------------------

_MIN_FUZZY: Final = 7
_LONG_FUZZY: Final = 12
_SAME_START: Final = 3
_OPPOSITES: Final = (("hypo", "hyper"),)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b``, or ``limit + 1`` once above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def _opposite(a: str, b: str) -> bool:
    return any(
        (a.startswith(x) and b.startswith(y)) or (a.startswith(y) and b.startswith(x))
        for x, y in _OPPOSITES
    )


def variant_keys(name: str, entity_type: str) -> Iterator[tuple[str, str]]:
    """``(rule, key)``: the keys ``name`` may be found under, most literal rule first.

    All but ``fuzzy``, which needs the forms to compare with; keys of the ``spelling``,
    ``adjective``, ``word order`` and ``salt`` rules are to be compared by
    :func:`spelling_key`.
    """
    key = name_key(name)
    if not key:
        return
    yield "exact", key
    yield "spelling", spelling_key(key)
    if entity_type == DISEASE:
        for found in _adjective_keys(name):
            yield "adjective", spelling_key(found)
        for found in _word_order_keys(name):
            yield "word order", spelling_key(found)
    if entity_type == CHEMICAL:
        for found in _salt_keys(name):
            yield "salt", spelling_key(found)


def known_words(entries: Iterable[LexiconEntry]) -> frozenset[str]:
    """The words (as name keys) of every spelling the entries were annotated with."""
    return frozenset(
        word
        for entry in entries
        for surface, _ in entry.surfaces
        for word in map(name_key, re.split(r"[\s\W_]+", surface))
        if word
    )


def may_be_misspelt(name: str, words: frozenset[str]) -> bool:
    """True for a name long enough to fuzz that holds a word not among ``words``."""
    if len(name_key(name)) < _MIN_FUZZY:
        return False
    return any(word and word not in words for word in map(name_key, re.split(r"[\s\W_]+", name)))


class Nearest:
    """Keys (of forms, or of mentions) to find the one nearest a misspelt key among."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._by_length: dict[tuple[str, int], list[str]] = {}
        for key in keys:
            self._by_length.setdefault((key[:_SAME_START], len(key)), []).append(key)

    def nearest(self, key: str) -> str | None:
        """The one key a short edit away from ``key``, if exactly one is nearest."""
        limit = 2 if len(key) >= _LONG_FUZZY else 1
        best: list[str] = []
        distance = limit + 1
        for length in range(len(key) - limit, len(key) + limit + 1):
            for form in self._by_length.get((key[:_SAME_START], length), ()):
                found = edit_distance(key, form, min(limit, distance))
                if found < distance:
                    best, distance = [form], found
                elif found == distance and form not in best:
                    best.append(form)
        if distance > limit or len(best) != 1 or _opposite(key, best[0]):
            return None
        return best[0]


_COORDINATION: Final = re.compile(r"\s*,\s*(?:and|or)\s+|\s*,\s*|\s+(?:and|or|and/or)\s+")


def composite_parts(name: str) -> list[list[str]]:
    """The readings of a coordinated name as its parts, shared words given to each part.

    ``A and B C`` -> ``[A, B C]``, ``[A C, B C]``; ``A B and C`` -> ``[A B, A C]``.
    """
    parts = [part.strip() for part in _COORDINATION.split(name.strip()) if part.strip()]
    if len(parts) < 2:
        return []
    readings = [parts]
    last = parts[-1].split()
    if len(last) > 1 and all(len(part.split()) == 1 for part in parts[:-1]):
        tail = " ".join(last[1:])
        readings.append([f"{part} {tail}" for part in parts[:-1]] + [parts[-1]])
    first = parts[0].split()
    if len(first) > 1 and all(len(part.split()) == 1 for part in parts[1:]):
        head = " ".join(first[:-1])
        readings.append([parts[0]] + [f"{head} {part}" for part in parts[1:]])
    return readings


class _Forms:
    """The forms of one entity type that have identifiers, by spelling key, and near ones."""

    def __init__(self, entries: Iterable[LexiconEntry]) -> None:
        self.by_spelling: dict[str, LexiconEntry] = {}
        for entry in sorted(entries, key=lambda e: (-e.total, e.form)):
            if entry.ids:
                self.by_spelling.setdefault(spelling_key(entry.form), entry)
        self.near = Nearest(self.by_spelling)


class Identifier:
    """Looks listed names up in a lexicon by the rules above, and says which rule found them.

    ``fuzzy=False`` leaves misspellings unidentified. Answers are remembered per name.
    """

    def __init__(self, lexicon: Lexicon, *, fuzzy: bool = True) -> None:
        self.lexicon = lexicon
        self.fuzzy = fuzzy
        self._forms: dict[str, _Forms] = {}
        self._words: frozenset[str] | None = None
        self._known: dict[tuple[str, str], Identification | None] = {}

    def _forms_of(self, entity_type: str) -> _Forms:
        if entity_type not in self._forms:
            self._forms[entity_type] = _Forms(self.lexicon.entries(entity_type))
        return self._forms[entity_type]

    @property
    def words(self) -> frozenset[str]:
        """The words of every annotated spelling in the lexicon: what is not misspelt."""
        if self._words is None:
            self._words = known_words(self.lexicon.entries(source="annotation"))
        return self._words

    def identify(self, name: str, entity_type: str) -> Identification | None:
        """The identifiers of ``name`` as ``entity_type``, with the rule that found them."""
        slot = (name, entity_type)
        if slot not in self._known:
            self._known[slot] = self._identify(name, entity_type)
        return self._known[slot]

    def _identify(
        self, name: str, entity_type: str, *, composite: bool = True
    ) -> Identification | None:
        for rule, key in variant_keys(name, entity_type):
            entry = self._entry(key, entity_type, rule)
            if entry is not None and entry.ids:
                if rule == "exact" and entry.form != key:
                    rule = "plural"
                return Identification(
                    name, entity_type, entry.ids, rule, entry.form, entry.ambiguous, entry.source
                )
        if self.fuzzy and may_be_misspelt(name, self.words):
            forms = self._forms_of(entity_type)
            nearest = forms.near.nearest(spelling_key(name_key(name)))
            if nearest is not None:
                entry = forms.by_spelling[nearest]
                return Identification(
                    name, entity_type, entry.ids, "fuzzy", entry.form, entry.ambiguous, entry.source
                )
        if composite:
            return self._composite(name, entity_type)
        return None

    def _composite(self, name: str, entity_type: str) -> Identification | None:
        best: list[Identification] = []
        for reading in composite_parts(name):
            found = [self._identify(part, entity_type, composite=False) for part in reading]
            known = [part for part in found if part is not None]
            if len(known) == len(found):
                best = known
                break
        if not best:
            return None
        ids = tuple(dict.fromkeys(i for part in best for i in part.ids))
        forms = " | ".join(part.form for part in best)
        ambiguous = any(part.ambiguous for part in best)
        sources = {part.source for part in best}
        source = sources.pop() if len(sources) == 1 else "vocabulary"
        return Identification(name, entity_type, ids, "composite", forms, ambiguous, source)

    def _entry(self, key: str, entity_type: str, rule: str) -> LexiconEntry | None:
        if rule == "exact":
            # The lexicon's own lookup: the name key, else a plural or singular form of it.
            return self.lexicon.lookup(key, entity_type)
        return self._forms_of(entity_type).by_spelling.get(key)
