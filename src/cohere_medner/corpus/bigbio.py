"""The tutorial's ``bc5cdr.json``: BigBio ``bc5cdr_source`` documents with a split key.

The file is one JSON list. Each document has a ``title`` and an ``abstract`` passage
(``document_id``, ``type``, ``text``, ``entities``, ``relations``) and a ``dataset_type``
(``train``, ``validation`` or ``test``). Entity offsets are document-level pairs
``[start, end]``; ``normalized`` lists ``{db_name, db_id}`` and is empty where BC5CDR
writes ``-1``. The relations are repeated in both passages.

The layout has lost BC5CDR's composite roles: "Ocular and auditory toxicity" is followed
by the individual mentions "Ocular"+"toxicity" and "auditory toxicity" as entities of
their own. An entity is read as an individual mention when its span lies inside a
same-type entity with more identifiers; on all three BC5CDR splits this marks exactly
the annotations the official BioC files call ``IndividualMention``. Individual mentions
become the :attr:`~cohere_medner.types.Mention.parts` of their composite, each part
being its fragments joined by one space, as the PubTator files write them. Only their
texts reach the Document, so their offsets need only lie in the composite (BC5CDR has
four a character or two off); a top-level mention must match the text exactly and be one
contiguous span.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

import attrs

from cohere_medner._files import PathLike, open_text
from cohere_medner.corpus.splits import SPLITS
from cohere_medner.corpus.stream import DocumentStream, checked_documents, undecodable
from cohere_medner.errors import (
    CorpusFormatError,
    CorpusNotFoundError,
    OffsetMismatchError,
    UnknownEntityTypeError,
    UnknownSplitError,
)
from cohere_medner.types import ENTITY_TYPES, Document, Mention, Relation

SPLIT_KEY: Final = "dataset_type"
MESH: Final = "MESH"


def read_bigbio(path: PathLike, split: str | None = None) -> DocumentStream:
    """Documents of a ``bc5cdr.json`` file, all of them or those of one split."""
    chosen = None if split is None else check_split(split)
    source = str(path)

    def documents() -> Iterator[Document]:
        what = "documents" if chosen is None else f"{chosen} documents"
        return checked_documents(_parse(_load(path, source), source, chosen), source, what)

    return DocumentStream(documents, source)


def parse_bigbio(data: object, source: str, split: str | None = None) -> Iterator[Document]:
    """Documents of already-decoded JSON; ``source`` names it in error messages."""
    placed = _parse(data, source, None if split is None else check_split(split))
    return (document for document, _ in placed)


def check_split(split: str) -> str:
    """``split`` if it is one of the file's own labels: no aliases, as they are written back."""
    if split not in SPLITS:
        raise UnknownSplitError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    return split


def _load(path: PathLike, source: str) -> object:
    try:
        with open_text(path) as stream:
            return json.loads(stream.read().removeprefix("\ufeff"))
    except FileNotFoundError:
        raise CorpusNotFoundError(f"{source}: no such corpus file") from None
    except json.JSONDecodeError as error:
        raise CorpusFormatError(
            source, error.lineno, f"invalid JSON at column {error.colno}: {error.msg}"
        ) from None
    except UnicodeDecodeError as error:
        raise undecodable(path, source, error) from None
    except RecursionError:
        raise CorpusFormatError(
            source, None, "lists or objects nested too deeply to read; expected a list of documents"
        ) from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits (sys.int_info).
        raise CorpusFormatError(
            source,
            None,
            f"a number has more than {sys.get_int_max_str_digits()} digits, more than any "
            "offset or identifier can have",
        ) from None


def _parse(data: object, source: str, split: str | None) -> Iterator[tuple[Document, str]]:
    """Documents, each with its place in the list."""
    if not isinstance(data, list):
        raise CorpusFormatError(
            source, None, f"expected a JSON list of documents, got {_kind(data)}"
        )
    for index, record in enumerate(data):
        if split is not None and _split_of(record, source, index) != split:
            continue
        yield parse_record(record, source, index), f"index {index}"


def _kind(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }
    return "null" if value is None else names.get(type(value), f"a {type(value).__name__}")


def _where(record: object, index: int) -> str:
    """'document at index 3 (PMID 227508)': the PMID wherever one can be found."""
    pmid = None
    if isinstance(record, dict) and isinstance(record.get("passages"), list):
        for passage in record["passages"]:
            if isinstance(passage, dict) and isinstance(passage.get("document_id"), str):
                pmid = passage["document_id"]
                break
    return f"document at index {index}" + (f" (PMID {pmid})" if pmid else "")


def _split_of(record: object, source: str, index: int) -> str:
    value = record.get(SPLIT_KEY) if isinstance(record, dict) else None
    if value not in SPLITS:
        found = "no" if value is None else repr(value)
        raise CorpusFormatError(
            source,
            _where(record, index),
            f"has {found} {SPLIT_KEY!r}, expected one of {', '.join(SPLITS)} to choose a split",
        )
    return str(value)


@attrs.frozen
class _Entity:
    """One BigBio entity, checked against the text: a top-level or an individual mention."""

    key: str
    type: str
    spans: tuple[tuple[int, int], ...]
    texts: tuple[str, ...]
    ids: tuple[str, ...]

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


def parse_record(record: object, source: str, index: int) -> Document:
    """One document record; ``index`` (its place in the list) names it in error messages."""
    where = _where(record, index)

    def fail(message: str) -> CorpusFormatError:
        return CorpusFormatError(source, where, message)

    passages = _passages(record, fail)
    title, abstract = passages["title"], passages["abstract"]
    pmid = title["document_id"]
    if abstract["document_id"] != pmid:
        raise fail(
            f"the abstract's document_id {abstract['document_id']!r} differs from "
            f"the title's {pmid!r}"
        )
    text = f"{title['text']} {abstract['text']}"
    entities = [
        _entity(entity, text, source, where)
        for passage in passages.values()
        for entity in passage["entities"]
    ]
    mentions = _fold(entities, text, source, where)
    relations = dict.fromkeys(
        _relation(relation, source, where)
        for passage in passages.values()
        for relation in passage["relations"]
    )
    return Document(pmid, title["text"], abstract["text"], tuple(mentions), tuple(relations))


def _passages(
    record: object, fail: Callable[[str], CorpusFormatError]
) -> dict[str, dict[str, Any]]:
    """The title and abstract passages, by type in the record's order, their fields checked."""
    if not isinstance(record, dict):
        raise fail(f"expected an object with 'passages', got {_kind(record)}")
    passages = record.get("passages")
    if not isinstance(passages, list):
        raise fail(f"expected 'passages' to be a list, got {_kind(passages)}")
    by_type: dict[str, dict[str, Any]] = {}
    for number, passage in enumerate(passages):
        kind = passage.get("type") if isinstance(passage, dict) else None
        if kind not in ("title", "abstract"):
            raise fail(f"passage {number} has type {kind!r}, expected 'title' or 'abstract'")
        if kind in by_type:
            raise fail(f"has two {kind} passages, expected one title and one abstract")
        by_type[kind] = passage
    for kind in ("title", "abstract"):
        if kind not in by_type:
            raise fail(f"has no {kind} passage, expected one title and one abstract")
        for key, expected in (
            ("document_id", str),
            ("text", str),
            ("entities", list),
            ("relations", list),
        ):
            value = by_type[kind].get(key)
            if not isinstance(value, expected):
                raise fail(
                    f"the {kind}'s {key!r} is {_kind(value)}, expected a {expected.__name__}"
                )
    return by_type


_Fail = Callable[[type[CorpusFormatError], str], CorpusFormatError]
"""Makes the error of a kind, with a message, for one entity."""


def _entity(entity: object, text: str, source: str, where: str) -> _Entity:
    if not isinstance(entity, dict):
        raise CorpusFormatError(source, where, f"expected an entity object, got {_kind(entity)}")
    key = str(entity.get("id", "?"))

    def fail(error: type[CorpusFormatError], message: str) -> CorpusFormatError:
        return error(source, f"{where}, entity {key}", message)

    kind = entity.get("type")
    if kind not in ENTITY_TYPES:
        raise fail(
            UnknownEntityTypeError,
            f"unknown entity type {kind!r}, expected one of {', '.join(ENTITY_TYPES)}",
        )
    # Whether the fragments' texts match the text at their offsets is checked once the
    # entity's role is known (see _fold).
    spans, texts = _fragments(entity.get("offsets"), entity.get("text"), len(text), fail)
    return _Entity(key, kind, spans, texts, _ids(entity.get("normalized"), fail))


def _fragments(
    offsets: object, texts: object, length: int, fail: _Fail
) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...]]:
    """The spans of an entity's fragments, in order and within the text, and their texts."""
    if not (isinstance(offsets, list) and offsets and isinstance(texts, list)):
        raise fail(
            CorpusFormatError,
            f"expected 'offsets' as a list of [start, end] pairs and 'text' as a list of "
            f"strings, got {offsets!r} and {texts!r}",
        )
    if len(texts) != len(offsets):
        raise fail(
            OffsetMismatchError, f"has {len(offsets)} offset pairs but {len(texts)} text fragments"
        )
    # Plain loops rather than all(...) over generators: this runs once per entity, and
    # is most of the loader's cost after json.load.
    spans: list[tuple[int, int]] = []
    previous_end = 0
    for pair, fragment in zip(offsets, texts, strict=True):
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and type(pair[0]) is int
            and type(pair[1]) is int
            and isinstance(fragment, str)
        ):
            raise fail(
                CorpusFormatError,
                f"expected 'offsets' as [start, end] pairs of integers and 'text' as strings, "
                f"got {pair!r} for {fragment!r}",
            )
        start, end = pair
        if not previous_end <= start < end <= length:
            raise fail(
                OffsetMismatchError,
                f"offsets {offsets} are not increasing, non-overlapping pairs within the "
                f"document text (0..{length})",
            )
        spans.append((start, end))
        previous_end = end
    return tuple(spans), tuple(texts)


def _ids(normalized: object, fail: _Fail) -> tuple[str, ...]:
    """An entity's identifiers: a MeSH one bare, any other as ``db_name:db_id``."""
    ids: list[str] = []
    for item in normalized if isinstance(normalized, list) else ():
        name = item.get("db_name") if isinstance(item, dict) else None
        value = item.get("db_id") if isinstance(item, dict) else None
        if not (isinstance(name, str) and isinstance(value, str)):
            break
        ids.append(value if name == MESH else f"{name}:{value}")
    if not isinstance(normalized, list) or len(ids) != len(normalized):
        raise fail(
            CorpusFormatError,
            f"expected 'normalized' as a list of {{db_name, db_id}}, got {normalized!r}",
        )
    return tuple(ids)


def _fold(entities: Sequence[_Entity], text: str, source: str, where: str) -> list[Mention]:
    """Top-level mentions, with the individual mentions folded into their composite's parts."""
    containers = _containers(entities)
    top = [not inside for inside in containers]
    parts = _parts(entities, containers, top, text, source, where)
    return [
        _top_level(entity, tuple(parts[number]), text, source, where)
        for number, entity in enumerate(entities)
        if top[number]
    ]


def _containers(entities: Sequence[_Entity]) -> list[list[int]]:
    """For each entity, the same-type entities with more identifiers whose span holds it."""
    # Entities richest in identifiers first: an entity can only lie in those before it.
    richest = sorted(range(len(entities)), key=lambda j: -len(entities[j].ids))
    containers: list[list[int]] = []
    for entity in entities:
        inside = []
        for j in richest:
            other = entities[j]
            if len(other.ids) <= len(entity.ids):
                break
            if (
                other.type == entity.type
                and other.start <= entity.start
                and entity.end <= other.end
            ):
                inside.append(j)
        containers.append(inside)
    return containers


def _parts(
    entities: Sequence[_Entity],
    containers: Sequence[Sequence[int]],
    top: Sequence[bool],
    text: str,
    source: str,
    where: str,
) -> list[list[str]]:
    """For each entity, the parts a composite has: its individual mentions' texts."""
    parts: list[list[str]] = [[] for _ in entities]
    for number, entity in enumerate(entities):
        if top[number]:
            continue
        # The corpus lists individual mentions right after their composite: the nearest
        # containing top-level entity before it (or else after it) is that composite. One
        # always exists: the widest entity of a chain of containers is top-level.
        owner = min(
            (j for j in containers[number] if top[j]),
            key=lambda j: (j > number, abs(j - number)),
        )
        composite = entities[owner]
        # Only the texts of an individual mention's fragments reach the Document. BC5CDR's
        # own offsets for four of them are one or two characters off (in its BioC files
        # too), so a fragment need only be found in its composite's text.
        composite_text = text[composite.start : composite.end]
        for fragment in entity.texts:
            if fragment not in composite_text:
                raise OffsetMismatchError(
                    source,
                    f"{where}, entity {entity.key}",
                    f"the individual mention fragment {fragment!r} is not in the text of its "
                    f"composite {composite_text!r} at {composite.start}..{composite.end}",
                )
        parts[owner].append(" ".join(entity.texts))
    return parts


def _top_level(
    entity: _Entity, parts: tuple[str, ...], text: str, source: str, where: str
) -> Mention:
    """A top-level entity's mention, checked to be one span that matches the text."""
    here = f"{where}, entity {entity.key}"
    if len(entity.spans) > 1:
        raise CorpusFormatError(
            source,
            here,
            f"{' '.join(entity.texts)!r} has {len(entity.spans)} fragments but lies in no "
            "same-type entity with more identifiers; a top-level mention must be one "
            "contiguous span",
        )
    surface, found = entity.texts[0], text[entity.start : entity.end]
    if surface != found:
        raise OffsetMismatchError(
            source,
            here,
            f"{surface!r} at {entity.start}..{entity.end} does not match the document text "
            f"there ({found!r})",
        )
    return Mention(entity.start, entity.end, surface, entity.type, entity.ids, parts)


def _relation(relation: object, source: str, where: str) -> Relation:
    fields = [
        relation.get(key) if isinstance(relation, dict) else None
        for key in ("type", "arg1_id", "arg2_id")
    ]
    kind, chemical, disease = fields
    if not (isinstance(kind, str) and isinstance(chemical, str) and isinstance(disease, str)):
        raise CorpusFormatError(
            source,
            where,
            f"expected a relation with string type, arg1_id, arg2_id, got {relation!r}",
        )
    return Relation(chemical, disease, kind)
