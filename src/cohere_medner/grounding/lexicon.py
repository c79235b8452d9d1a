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

A lexicon may also hold the names of vocabularies (MeSH, CTD: see
:func:`~cohere_medner.grounding.vocabulary.build_lexicon`). Such an entry says so
(``source="vocabulary"``) and has no counts: nothing was annotated with it. Where the
annotations and a vocabulary name the same form, the annotations' entry is the one kept.

:meth:`Lexicon.save` writes one entry per line (file format version 2; :meth:`Lexicon.load`
still reads version 1): a JSON header line (format, version, splits, PMIDs, vocabularies),
then each annotation entry as a JSON object, then each vocabulary entry as
``TYPE<TAB>FORM<TAB>IDS``, where ``IDS`` are the entry's identifiers, the chosen ones first,
its alternatives after them, tab-separated (the identifiers of one alternative joined by
``|``). Vocabulary entries, hundreds of thousands of them, are kept in that packed form and
made :class:`LexiconEntry` objects only when looked up, so a lexicon of the full
vocabularies (a million forms) loads in a second or two.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Final, Literal

import attrs

from cohere_medner._files import PathLike, atomic_write, checked_format, open_text
from cohere_medner.corpus import is_test_split, load_corpus, normalize_split
from cohere_medner.errors import AnnotationError, ForbiddenSplitError, LexiconFormatError
from cohere_medner.grounding.names import NameIndex, name_key, plural_forms
from cohere_medner.scoring.official import normalize_identifier
from cohere_medner.types import ENTITY_TYPES, Document, Mention

__all__ = ["SOURCES", "Lexicon", "LexiconEntry", "Source"]

_FORMAT: Final = "cohere-medner lexicon"
_VERSION: Final = 2

Ids = tuple[str, ...]
Source = Literal["annotation", "vocabulary"]
SOURCES: Final = ("annotation", "vocabulary")
"""Where an entry comes from: annotated documents, or a vocabulary's names."""
_SPACE: Final = re.compile(r"\s")
_SEPARATORS: Final = "\t|\n"
_TWO_SEPARATORS: Final = re.compile(r"[\t|\n]{2}")


def _check_source(entry: LexiconEntry, attribute: attrs.Attribute[str], source: str) -> None:
    """A vocabulary entry has identifiers and no counts; its form and ids hold no spaces."""
    if source == "annotation":
        return
    if source != "vocabulary":
        raise AnnotationError(
            f"lexicon entry {entry.form!r}: source {source!r}; expected one of {', '.join(SOURCES)}"
        )
    if entry.count or entry.total or entry.unannotated or entry.surfaces:
        raise AnnotationError(
            f"vocabulary entry {entry.form!r} has annotation counts or spellings; a "
            "vocabulary entry has none (count, total and unannotated 0, no surfaces)"
        )
    every = [entry.ids]
    for ids, count in entry.alternatives:
        if count:
            raise AnnotationError(
                f"vocabulary entry {entry.form!r}: an alternative with a count ({count}); "
                "a vocabulary's alternatives have none"
            )
        every.append(ids)
    if not all(every) or not all(every[0]):
        raise AnnotationError(f"vocabulary entry {entry.form!r}: empty identifiers")
    identifiers = "".join(i for ids in every for i in ids)
    if (
        not entry.form
        or _SPACE.search(entry.form)
        or _SPACE.search(identifiers)
        or ("|" in identifiers)
    ):
        raise AnnotationError(
            f"vocabulary entry {entry.form!r}: its form (a name key) must be non-empty and "
            "without spaces, its identifiers without spaces or '|'"
        )


@attrs.frozen
class LexiconEntry:
    """What the training documents say about one form of one entity type.

    ``form`` is the name key; ``ids`` the most frequent identifiers (``()``: annotated
    without one, ``-1``), ``count`` how often the form was annotated with them and ``total``
    with any; ``alternatives`` the other identifiers with their counts, most frequent first;
    ``surfaces`` the spellings annotated, with counts (none for a form known only as a part
    of composite mentions); ``unannotated`` the form's occurrences in the training text that
    no annotation covers. ``source`` is ``"vocabulary"`` for a name only a vocabulary gives:
    then ``ids`` are the concept chosen for the form, ``alternatives`` the other concepts
    that share it (each with a count of 0), and every count is 0.
    """

    form: str
    entity_type: str
    ids: Ids
    count: int
    total: int
    alternatives: tuple[tuple[Ids, int], ...] = ()
    surfaces: tuple[tuple[str, int], ...] = ()
    unannotated: int = 0
    source: Source = attrs.field(default="annotation", validator=_check_source)

    @property
    def ambiguous(self) -> bool:
        """True when the form was annotated with (or names) more than one set of identifiers."""
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
    """Surface forms of chemicals and diseases and their MeSH identifiers, with counts.

    ``entries`` may mix annotation and vocabulary entries; for a form both give (same
    entity type), the annotation entry is kept. ``splits`` and ``pmids`` name the annotated
    documents, ``vocabularies`` the vocabulary files (by name) the entries come from.
    """

    __slots__ = ("_entries", "_vocabulary", "pmids", "splits", "vocabularies")

    def __init__(
        self,
        entries: Iterable[LexiconEntry],
        splits: Sequence[str] = (),
        pmids: Iterable[str] = (),
        vocabularies: Sequence[str] = (),
    ) -> None:
        annotated: dict[tuple[str, str], LexiconEntry] = {}
        vocabulary: dict[str, dict[str, str]] = {}
        for entry in entries:
            if entry.source == "annotation":
                annotated[entry.entity_type, entry.form] = entry
            else:
                vocabulary.setdefault(entry.entity_type, {})[entry.form] = _packed(entry)
        self._fill(annotated, vocabulary, splits, pmids, vocabularies)

    def _fill(
        self,
        annotated: dict[tuple[str, str], LexiconEntry],
        vocabulary: dict[str, dict[str, str]],
        splits: Sequence[str],
        pmids: Iterable[str],
        vocabularies: Sequence[str],
    ) -> None:
        """Hold the entries: annotated ones whole, vocabulary ones packed, annotations first."""
        for entity_type, form in annotated:
            vocabulary.get(entity_type, {}).pop(form, None)
        self._entries = annotated
        self._vocabulary = vocabulary
        self.splits = tuple(splits)
        self.pmids = frozenset(pmids)
        self.vocabularies = tuple(vocabularies)

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
        """The entry of ``name`` as ``entity_type``; else of a plural or singular form of it.

        Of one form, the annotation entry comes before a vocabulary's.
        """
        key = name_key(name)
        for form in (key, *plural_forms(key)):
            found = self._entries.get((entity_type, form))
            if found is not None:
                return found
            packed = self._vocabulary.get(entity_type, {}).get(form)
            if packed is not None:
                return _unpacked(form, entity_type, packed)
        return None

    def entries(
        self, entity_type: str | None = None, source: Source | None = None
    ) -> Iterator[LexiconEntry]:
        """Every entry (of one entity type, from one source), in no particular order."""
        if source != "vocabulary":
            for entry in self._entries.values():
                if entity_type is None or entry.entity_type == entity_type:
                    yield entry
        if source != "annotation":
            for kind, forms in self._vocabulary.items():
                if entity_type is None or kind == entity_type:
                    for form, packed in forms.items():
                        yield _unpacked(form, kind, packed)

    def __len__(self) -> int:
        return len(self._entries) + sum(map(len, self._vocabulary.values()))

    def __repr__(self) -> str:
        sources = ", ".join((*self.splits, *self.vocabularies)) or "no split"
        return f"Lexicon({len(self)} forms from {sources})"

    # Files -------------------------------------------------------------------------------

    def save(self, path: PathLike) -> None:
        """Write the lexicon, one entry per line, atomically; :meth:`load` reads it back."""
        header = {
            "format": _FORMAT,
            "version": _VERSION,
            "splits": list(self.splits),
            "pmids": sorted(self.pmids),
            "vocabularies": list(self.vocabularies),
        }
        with atomic_write(path) as stream:
            stream.write(json.dumps(header, ensure_ascii=False) + "\n")
            for entry in sorted(self._entries.values(), key=lambda e: (e.entity_type, e.form)):
                stream.write(json.dumps(_entry_json(entry), ensure_ascii=False) + "\n")
            for entity_type in sorted(self._vocabulary):
                forms = self._vocabulary[entity_type]
                stream.writelines(f"{entity_type}\t{f}\t{forms[f]}\n" for f in sorted(forms))

    @classmethod
    def load(cls, path: PathLike) -> Lexicon:
        """A lexicon written by :meth:`save` (this version's format, or version 1's)."""
        source = str(path)
        try:
            with open_text(path) as stream:
                first = stream.readline()
                try:
                    header = json.loads(first)
                except json.JSONDecodeError:
                    header = None
                if isinstance(header, dict) and header.get("version") == _VERSION:
                    header = checked_format(header, _FORMAT, _VERSION, source, LexiconFormatError)
                    return cls._read(header, stream, source)
                data = json.loads(first + stream.read())
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise LexiconFormatError(f"{source}: not a JSON lexicon file ({error})") from None
        # Version 1: one JSON object holding every entry.
        version = 1 if isinstance(data, dict) and data.get("version") == 1 else _VERSION
        data = checked_format(data, _FORMAT, version, source, LexiconFormatError)
        try:
            entries = [_read_entry(item) for item in data["entries"]]
            return cls(entries, [str(s) for s in data["splits"]], map(str, data["pmids"]))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise LexiconFormatError(f"{source}: damaged lexicon entry ({error!r})") from None

    @classmethod
    def _read(cls, header: Mapping[str, Any], lines: IO[str], source: str) -> Lexicon:
        """The entries after a version 2 header, each damaged line named by its number."""
        try:
            splits = [str(s) for s in header["splits"]]
            pmids = [str(p) for p in header["pmids"]]
            vocabularies = [str(v) for v in header["vocabularies"]]
        except (KeyError, TypeError) as error:
            raise LexiconFormatError(f"{source}, line 1: damaged header ({error!r})") from None
        annotated: dict[tuple[str, str], LexiconEntry] = {}
        vocabulary: dict[str, dict[str, str]] = {entity_type: {} for entity_type in ENTITY_TYPES}
        # A million lines: the loop does as little as it can for a vocabulary line, whose
        # identifiers are checked all at once after it.
        for number, line in enumerate(lines, start=2):
            kind, _, rest = line.partition("\t")
            forms = vocabulary.get(kind)
            if forms is not None:
                form, _, packed = rest.rstrip("\r\n").partition("\t")
                if form:
                    forms[form] = packed
                    continue
            elif line.startswith("{"):  # a JSON object holds no tab
                try:
                    entry = _read_entry(json.loads(line))
                except (KeyError, TypeError, ValueError, AttributeError) as error:
                    raise LexiconFormatError(
                        f"{source}, line {number}: damaged lexicon entry ({error!r})"
                    ) from None
                annotated[entry.entity_type, entry.form] = entry
                continue
            raise LexiconFormatError(
                f"{source}, line {number}: expected a JSON entry or TYPE<TAB>FORM<TAB>IDS "
                f"with TYPE one of {', '.join(ENTITY_TYPES)}; got {line[:60]!r}"
            )
        if any(forms and _damaged(forms.values()) for forms in vocabulary.values()):
            raise _first_damaged(source)
        lexicon = cls.__new__(cls)
        lexicon._fill(annotated, vocabulary, splits, pmids, vocabularies)
        return lexicon


def _packed(entry: LexiconEntry) -> str:
    """A vocabulary entry's identifiers as a file line holds them (see the module's doc)."""
    return "\t".join("|".join(ids) for ids in (entry.ids, *(i for i, _ in entry.alternatives)))


def _damaged(packed: Iterable[str]) -> bool:
    """True if any of the ``packed`` identifiers (see :func:`_packed`) has an empty one."""
    joined = "\n".join(packed)  # one search for a million: an empty one leaves two in a row
    return (
        joined[:1] in _SEPARATORS
        or joined[-1:] in _SEPARATORS
        or _TWO_SEPARATORS.search(joined) is not None
    )


def _first_damaged(source: str) -> LexiconFormatError:
    """The error naming the first vocabulary line of ``source`` with an empty identifier."""
    expected = "expected TYPE<TAB>FORM<TAB>IDS, the identifiers tab-separated (or joined by '|')"
    with open_text(source) as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.rstrip("\r\n").split("\t", 2)
            if fields[0] in ENTITY_TYPES and (len(fields) < 3 or _damaged(fields[2:])):
                return LexiconFormatError(
                    f"{source}, line {number}: an empty identifier in "
                    f"{line.rstrip()[:60]!r}; {expected}"
                )
    return LexiconFormatError(f"{source}: an empty identifier; {expected}")


def _unpacked(form: str, entity_type: str, packed: str) -> LexiconEntry:
    """The vocabulary entry of ``form`` whose identifiers :func:`_packed` packed."""
    first, *others = (tuple(ids.split("|")) for ids in packed.split("\t"))
    return LexiconEntry(
        form, entity_type, first, 0, 0, tuple((ids, 0) for ids in others), source="vocabulary"
    )


def _entry_json(entry: LexiconEntry) -> dict[str, Any]:
    """An annotation entry as both file versions hold it."""
    return {
        "type": entry.entity_type,
        "form": entry.form,
        "ids": [[list(entry.ids), entry.count]] + [[list(i), n] for i, n in entry.alternatives],
        "surfaces": dict(entry.surfaces),
        "unannotated": entry.unannotated,
    }


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
