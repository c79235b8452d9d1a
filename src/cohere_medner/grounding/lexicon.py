"""Normalization to MeSH: a lexicon of the names annotated in training documents.

A :class:`Lexicon` is read off annotated training documents. For each entity type and form
(a name under :func:`~cohere_medner.grounding.names.name_key`: case, spaces and dashes aside) it
holds the identifiers the form was annotated with and how often, the spellings seen, and how
often the form occurs in the training text where no annotation covers it (``unannotated``:
``drug`` and ``pain`` are mostly not annotated, ``cocaine`` always is). A form annotated with
several identifiers resolves to the most frequent (ties: the smallest), and the entry records
the others. A composite mention ("ocular and auditory toxicity") gives its form the
identifiers together, and each of its parts its own identifier.

A lexicon built from the test split would score a system on its own answers: it is refused
(:class:`~cohere_medner.errors.ForbiddenSplitError`) unless ``allow_test`` is given. The
lexicon remembers the PMIDs it was built from, so that users of it can refuse those documents.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from cohere_medner._files import PathLike, atomic_write, checked_format, open_text
from cohere_medner.corpus import is_test_split, load_corpus, normalize_split
from cohere_medner.errors import ForbiddenSplitError, LexiconFormatError
from cohere_medner.grounding.names import NameIndex, name_key, plural_forms
from cohere_medner.scoring.official import normalize_identifier
from cohere_medner.types import ENTITY_TYPES, Document, Mention

__all__ = ["Lexicon", "LexiconEntry"]

_FORMAT: Final = "cohere-medner lexicon"
_VERSION: Final = 1

Ids = tuple[str, ...]


@attrs.frozen
class LexiconEntry:
    """What the training documents say about one form of one entity type.

    ``form`` is the name key; ``ids`` the most frequent identifiers (``()``: annotated
    without one, ``-1``), ``count`` how often the form was annotated with them and ``total``
    with any; ``alternatives`` the other identifiers with their counts, most frequent first;
    ``surfaces`` the spellings annotated, with counts (none for a form known only as a part
    of composite mentions); ``unannotated`` the form's occurrences in the training text that
    no annotation covers.
    """

    form: str
    entity_type: str
    ids: Ids
    count: int
    total: int
    alternatives: tuple[tuple[Ids, int], ...] = ()
    surfaces: tuple[tuple[str, int], ...] = ()
    unannotated: int = 0

    @property
    def ambiguous(self) -> bool:
        """True when the form was annotated with more than one set of identifiers."""
        return bool(self.alternatives)

    @property
    def annotated_share(self) -> float:
        """The share of the form's occurrences in the training text that were annotated."""
        return self.total / (self.total + self.unannotated) if self.total else 0.0


def _entry(
    entity_type: str, form: str, ids: Counter[Ids], surfaces: Counter[str], unannotated: int
) -> LexiconEntry:
    ranked = sorted(ids.items(), key=lambda item: (-item[1], item[0]))
    (best, count), others = ranked[0], ranked[1:]
    return LexiconEntry(
        form,
        entity_type,
        best,
        count,
        sum(ids.values()),
        tuple(others),
        tuple(sorted(surfaces.items(), key=lambda item: (-item[1], item[0]))),
        unannotated,
    )


def _identifiers(mention: Mention) -> Ids:
    return tuple(n for identifier in mention.ids for n in normalize_identifier(identifier))


class Lexicon:
    """Surface forms of chemicals and diseases and their MeSH identifiers, with counts."""

    __slots__ = ("_entries", "pmids", "splits")

    def __init__(
        self,
        entries: Iterable[LexiconEntry],
        splits: Sequence[str] = (),
        pmids: Iterable[str] = (),
    ) -> None:
        self._entries = {(e.entity_type, e.form): e for e in entries}
        self.splits = tuple(splits)
        self.pmids = frozenset(pmids)

    # Building -----------------------------------------------------------------------------

    @classmethod
    def from_splits(
        cls, splits: Mapping[str, Iterable[Document]], *, allow_test: bool = False
    ) -> Lexicon:
        """A lexicon from annotated documents, by split name (``train``, ``validation``).

        Raises :class:`~cohere_medner.errors.ForbiddenSplitError` for the test split (by
        name, or an official test file given under another name) without ``allow_test``.
        """
        names = []
        for split, documents in splits.items():
            name = normalize_split(split)
            if is_test_split(name, documents) and not allow_test:
                raise ForbiddenSplitError(
                    f"refusing to build a lexicon from the test split ({split!r}): a system "
                    "that looks up the test annotations scores itself on its own answers. Use "
                    "train and validation, or pass allow_test=True if that is really meant"
                )
            names.append(name)
        documents = list({d.pmid: d for docs in splits.values() for d in docs}.values())
        return cls(_count(documents), names, (d.pmid for d in documents))

    @classmethod
    def from_documents(
        cls, documents: Iterable[Document], split: str, *, allow_test: bool = False
    ) -> Lexicon:
        """A lexicon from the documents of one named split (see :meth:`from_splits`)."""
        return cls.from_splits({split: documents}, allow_test=allow_test)

    @classmethod
    def from_data(
        cls,
        data: PathLike | None = None,
        splits: Sequence[str] = ("train", "validation"),
        *,
        allow_test: bool = False,
    ) -> Lexicon:
        """A lexicon from ``splits`` of ``data`` (default: the bundled sample).

        ``data`` is what a ``--data`` option names (see :func:`~cohere_medner.corpus.
        load_corpus`); see :meth:`from_splits` for the test split.
        """
        return cls.from_splits(
            {split: load_corpus(data, split) for split in splits}, allow_test=allow_test
        )

    # Looking up ---------------------------------------------------------------------------

    def seen(self, documents: Iterable[Document]) -> list[str]:
        """The PMIDs of ``documents`` this lexicon was built from, in their order.

        Identifiers looked up for those documents come from their own annotations, so
        scores over them measure memory, not extraction.
        """
        return [d.pmid for d in documents if d.pmid in self.pmids]

    def lookup(self, name: str, entity_type: str) -> LexiconEntry | None:
        """The entry of ``name`` as ``entity_type``; else of a plural or singular form of it."""
        key = name_key(name)
        found = self._entries.get((entity_type, key))
        if found is not None:
            return found
        for variant in plural_forms(key):
            found = self._entries.get((entity_type, variant))
            if found is not None:
                return found
        return None

    def entries(self, entity_type: str | None = None) -> Iterator[LexiconEntry]:
        """Every entry (of one entity type), in no particular order."""
        for entry in self._entries.values():
            if entity_type is None or entry.entity_type == entity_type:
                yield entry

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Lexicon({len(self)} forms from {', '.join(self.splits) or 'no split'})"

    # Files -------------------------------------------------------------------------------

    def save(self, path: PathLike) -> None:
        """Write the lexicon as JSON, atomically; :meth:`load` reads it back."""
        data = {
            "format": _FORMAT,
            "version": _VERSION,
            "splits": list(self.splits),
            "pmids": sorted(self.pmids),
            "entries": [
                {
                    "type": e.entity_type,
                    "form": e.form,
                    "ids": [[list(e.ids), e.count]] + [[list(i), n] for i, n in e.alternatives],
                    "surfaces": dict(e.surfaces),
                    "unannotated": e.unannotated,
                }
                for e in sorted(self._entries.values(), key=lambda e: (e.entity_type, e.form))
            ],
        }
        with atomic_write(path) as stream:
            json.dump(data, stream, ensure_ascii=False, indent=0)
            stream.write("\n")

    @classmethod
    def load(cls, path: PathLike) -> Lexicon:
        """A lexicon written by :meth:`save`."""
        source = str(path)
        try:
            with open_text(path) as stream:
                data = json.load(stream)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise LexiconFormatError(f"{source}: not a JSON lexicon file ({error})") from None
        data = checked_format(data, _FORMAT, _VERSION, source, LexiconFormatError)
        try:
            entries = [_read_entry(item) for item in data["entries"]]
            return cls(entries, [str(s) for s in data["splits"]], map(str, data["pmids"]))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise LexiconFormatError(f"{source}: damaged lexicon entry ({error!r})") from None


def _read_entry(item: Mapping[str, Any]) -> LexiconEntry:
    entity_type = str(item["type"])
    if entity_type not in ENTITY_TYPES:
        raise ValueError(f"unknown entity type {entity_type!r}")
    ids: Counter[Ids] = Counter({tuple(map(str, i)): int(n) for i, n in item["ids"]})
    if not ids or any(n < 1 for n in ids.values()):
        raise ValueError(f"form {item['form']!r} has no positive identifier count")
    surfaces = Counter({str(s): int(n) for s, n in item["surfaces"].items()})
    return _entry(entity_type, str(item["form"]), ids, surfaces, int(item["unannotated"]))


def _count(documents: Sequence[Document]) -> list[LexiconEntry]:
    """The entries the annotations of ``documents`` give, with unannotated occurrences."""
    ids: dict[tuple[str, str], Counter[Ids]] = {}
    surfaces: dict[tuple[str, str], Counter[str]] = {}

    def add(entity_type: str, text: str, identifiers: Ids, surface: bool) -> None:
        form = name_key(text)
        if form:
            ids.setdefault((entity_type, form), Counter())[identifiers] += 1
            seen = surfaces.setdefault((entity_type, form), Counter())
            if surface:
                seen[text] += 1

    for document in documents:
        for mention in document.mentions:
            identifiers = _identifiers(mention)
            add(mention.type, mention.text, identifiers, True)
            parts = mention.parts
            if len(parts) > 1 and len(parts) == len(identifiers):
                for part, identifier in zip(parts, identifiers, strict=True):
                    add(mention.type, part, (identifier,), False)
    unannotated = _unannotated(documents, surfaces)
    return [
        _entry(
            entity_type, form, counts, surfaces[entity_type, form], unannotated[entity_type, form]
        )
        for (entity_type, form), counts in ids.items()
    ]


def _unannotated(
    documents: Sequence[Document], surfaces: Mapping[tuple[str, str], Counter[str]]
) -> Counter[tuple[str, str]]:
    """Occurrences of each form that no annotation of its type covers.

    An occurrence inside a longer annotation of the other type ("alcohol" in "alcohol
    abuse") is not counted: longest-first matching never predicts it.
    """
    index: NameIndex[tuple[str, str]] = NameIndex()
    for slot, spellings in surfaces.items():
        for spelling in spellings:
            index.add(spelling, slot, plurals=False)
    counts: Counter[tuple[str, str]] = Counter()
    for document in documents:
        cover: list[list[Mention]] = [[] for _ in range(len(document.text) + 1)]
        for mention in document.mentions:
            for position in range(mention.start, mention.end):
                cover[position].append(mention)
        seen = set()
        for hit in index.find(document.text):
            if (hit.value, hit.start, hit.end) in seen:
                continue
            seen.add((hit.value, hit.start, hit.end))
            covering = {id(m): m for p in range(hit.start, hit.end) for m in cover[p]}.values()
            if any(m.type == hit.value[0] for m in covering) or any(
                m.start <= hit.start and hit.end <= m.end and m.end - m.start > hit.end - hit.start
                for m in covering
            ):
                continue
            counts[hit.value] += 1
    return counts
