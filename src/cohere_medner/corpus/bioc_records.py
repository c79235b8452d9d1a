"""One BioC ``<document>`` as read, with line numbers, and the :class:`Document` built from it.

The reader (``bioc``) gathers each element's raw strings into these records and keeps the
line each element starts on, so that building can name it. Building checks the passages
(a title at offset 0, an abstract at ``len(title) + 1``), the entity types, identifiers,
scores and relations, and every mention against the document text; it folds each
``CompositeMention``'s ``IndividualMention`` annotations into the composite's
``Mention.parts``. The BioC vocabulary here is shared with ``bioc_writer``.
"""

from __future__ import annotations

from typing import Final, NoReturn

from cohere_medner.errors import CorpusFormatError, OffsetMismatchError, UnknownEntityTypeError
from cohere_medner.types import ENTITY_TYPES, Document, Mention, Relation

NO_ID: Final = "-1"
MESH: Final = "MESH"
TYPE_KEY: Final = "type"
ROLE_KEY: Final = "CompositeRole"
SCORE_KEY: Final = "score"
COMPOSITE: Final = "CompositeMention"
INDIVIDUAL: Final = "IndividualMention"
# Infon keys that never name an identifier namespace.
NOT_IDS: Final = frozenset({TYPE_KEY, ROLE_KEY, SCORE_KEY})

# How many characters XML escaping adds to each character of a title; see _abstract_offsets.
_ESCAPE_GROWTH: Final = {"&": 4, "<": 3, ">": 3, '"': 5, "'": 5}


class RawAnnotation:
    """One ``<annotation>``: its id, infons, locations and text, as read."""

    __slots__ = ("id", "infons", "line", "locations", "text")

    def __init__(self, id: str | None, line: int) -> None:
        self.id = id
        self.line = line
        self.infons: list[tuple[str, str]] = []
        self.locations: list[tuple[int, int]] = []
        self.text: str | None = None


class RawPassage:
    """One ``<passage>``: its infons, offset and text, as read."""

    __slots__ = ("infons", "line", "offset", "text")

    def __init__(self, line: int) -> None:
        self.line = line
        self.infons: list[tuple[str, str]] = []
        self.offset: str | None = None
        self.text: str | None = None


class RawRelation:
    """One ``<relation>``: its id and infons, as read."""

    __slots__ = ("id", "infons", "line")

    def __init__(self, id: str | None, line: int) -> None:
        self.id = id
        self.line = line
        self.infons: list[tuple[str, str]] = []


class RawDocument:
    """One ``<document>``: its ``<id>``, infons, passages, annotations and relations."""

    __slots__ = ("annotations", "infons", "line", "passages", "pmid", "relations")

    def __init__(self, line: int) -> None:
        self.line = line
        self.pmid: str | None = None
        self.infons: list[tuple[str, str]] = []
        self.passages: list[RawPassage] = []
        self.annotations: list[RawAnnotation] = []
        self.relations: list[RawRelation] = []


def build_document(raw: RawDocument, source: str) -> Document:
    """The checked :class:`Document` of ``raw``; errors name ``source`` and the element's line."""
    pmid = raw.pmid
    if not pmid:
        raise CorpusFormatError(source, raw.line, "document without an <id> (expected its PMID)")
    where = f"document {pmid}"
    title, abstract = _passages(raw, source, where)
    text = f"{title} {abstract}"

    mentions: list[Mention | None] = []
    composites: list[tuple[int, RawAnnotation, str, int, int]] = []
    composite_infons: list[tuple[tuple[str, ...], float | None]] = []
    individuals: list[tuple[int, RawAnnotation, str]] = []
    for annotation in raw.annotations:
        type_, role, ids, score = _annotation_infons(annotation, source, where)
        if annotation.text is None:
            _annotation_error(annotation, source, where, "has no <text>")
        if not annotation.locations:
            _annotation_error(annotation, source, where, "has no <location>")
        if role == INDIVIDUAL:
            # Parts keep only their text: the corpus's own part locations are sometimes a
            # character off, so they serve only to find the composite the part belongs to.
            individuals.append((len(mentions), annotation, type_))
            continue
        offset, end = _span(annotation, text, source, where)
        if role == COMPOSITE:
            composites.append((len(mentions), annotation, type_, offset, end))
            composite_infons.append((ids, score))
            mentions.append(None)  # built below, once its parts are known
        else:
            mentions.append(Mention(offset, end, annotation.text, type_, ids, (), score))

    parts = _assign_parts(composites, individuals, source, where)
    for (index, annotation, type_, offset, end), (ids, score) in zip(
        composites, composite_infons, strict=True
    ):
        assert annotation.text is not None
        mentions[index] = Mention(
            offset, end, annotation.text, type_, ids, tuple(parts[index]), score
        )

    relations = tuple(_relation(relation, source, where) for relation in raw.relations)
    return Document(pmid, title, abstract, tuple(m for m in mentions if m is not None), relations)


def _span(annotation: RawAnnotation, text: str, source: str, where: str) -> tuple[int, int]:
    """Where a top-level annotation lies: its one location, checked against the text."""
    if len(annotation.locations) != 1:
        _annotation_error(
            annotation,
            source,
            where,
            f"has {len(annotation.locations)} locations; expected one "
            "(only IndividualMention annotations may be discontiguous)",
        )
    offset, length = annotation.locations[0]
    end = offset + length
    if text[offset:end] != annotation.text:
        raise OffsetMismatchError(
            source,
            annotation.line,
            f"{where}, annotation {annotation.id}: {annotation.text!r} at {offset}..{end} "
            f"does not match the document text there ({text[offset:end]!r})",
        )
    return offset, end


def _passages(raw: RawDocument, source: str, where: str) -> tuple[str, str]:
    types = [_infon(passage.infons, TYPE_KEY) for passage in raw.passages]
    if types != ["title", "abstract"]:
        raise CorpusFormatError(
            source,
            raw.line,
            f"{where} has passages of types {types}; expected a title passage and an "
            "abstract passage, in that order",
        )
    title_passage, abstract_passage = raw.passages
    title, abstract = title_passage.text, abstract_passage.text
    for passage, kind, value in (
        (title_passage, "title", title),
        (abstract_passage, "abstract", abstract),
    ):
        if value is None:
            raise CorpusFormatError(source, passage.line, f"{where}: {kind} passage has no <text>")
    assert title is not None and abstract is not None
    if title_passage.offset != "0":
        raise CorpusFormatError(
            source,
            title_passage.line,
            f"{where}: title passage offset is {title_passage.offset!r}; expected 0",
        )
    expected = _abstract_offsets(title)
    if abstract_passage.offset not in expected:
        raise CorpusFormatError(
            source,
            abstract_passage.line,
            f"{where}: abstract passage offset is {abstract_passage.offset!r}; expected "
            f"{len(title) + 1} (the title's length plus one)",
        )
    return title, abstract


def _abstract_offsets(title: str) -> tuple[str, ...]:
    """The abstract offsets accepted for ``title``: ``len(title) + 1``, and one known slip.

    The evaluation kit's sample files (``CDR_sample.*.BioC.xml``) count the title's length
    after XML escaping (``'`` as ``&apos;`` adds 5). Their annotation offsets are right, and
    every mention is checked against the text, so that one value is accepted as well.
    """
    plain = len(title) + 1
    growth = sum(title.count(char) * extra for char, extra in _ESCAPE_GROWTH.items())
    return (str(plain), str(plain + growth)) if growth else (str(plain),)


def _infon(infons: list[tuple[str, str]], key: str) -> str | None:
    for name, value in infons:
        if name == key:
            return value
    return None


def _annotation_error(annotation: RawAnnotation, source: str, where: str, message: str) -> NoReturn:
    raise CorpusFormatError(
        source, annotation.line, f"{where}, annotation {annotation.id} {message}"
    )


def _annotation_infons(
    annotation: RawAnnotation, source: str, where: str
) -> tuple[str, str | None, tuple[str, ...], float | None]:
    type_: str | None = None
    role: str | None = None
    score: float | None = None
    ids: list[str] = []
    for key, value in annotation.infons:
        if key == TYPE_KEY:
            type_ = value
        elif key == ROLE_KEY:
            role = value
        elif key == SCORE_KEY:
            score = _score(value, source, annotation.line, where)
        else:
            ids.extend(_ids(key, value, source, annotation.line, where))
    if type_ is None:
        _annotation_error(annotation, source, where, 'has no <infon key="type">')
    if type_ not in ENTITY_TYPES:
        raise UnknownEntityTypeError(
            source,
            annotation.line,
            f"{where}, annotation {annotation.id}: entity type {type_!r}; "
            f"expected one of {', '.join(ENTITY_TYPES)}",
        )
    if role not in (None, COMPOSITE, INDIVIDUAL):
        _annotation_error(
            annotation,
            source,
            where,
            f"has CompositeRole {role!r}; expected {COMPOSITE} or {INDIVIDUAL}",
        )
    return type_, role, tuple(ids), score


def _ids(key: str, value: str, source: str, line: int, where: str) -> list[str]:
    if value == NO_ID:
        return []
    ids = value.split("|")
    if "" in ids:
        raise CorpusFormatError(
            source, line, f"{where}: {key} infon {value!r} holds an empty identifier"
        )
    return ids if key == MESH else [f"{key}:{id}" for id in ids]


def _score(value: str, source: str, line: int, where: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise CorpusFormatError(source, line, f"{where}: score {value!r} is not a number") from None


def _assign_parts(
    composites: list[tuple[int, RawAnnotation, str, int, int]],
    individuals: list[tuple[int, RawAnnotation, str]],
    source: str,
    where: str,
) -> dict[int, list[str]]:
    """Give each IndividualMention to the composite of its type whose span holds it.

    Where several composites hold it, the nearest one before it in the file wins (parts
    follow their composite), else the first one after it.
    """
    parts: dict[int, list[str]] = {index: [] for index, *_ in composites}
    for position, annotation, type_ in individuals:
        holders = [
            index
            for index, _, composite_type, start, end in composites
            if composite_type == type_
            and all(start <= o and o + n <= end for o, n in annotation.locations)
        ]
        if not holders:
            _annotation_error(
                annotation,
                source,
                where,
                f"is an {INDIVIDUAL} at {annotation.locations} that lies in no "
                f"{type_} {COMPOSITE}; expected it inside its composite's span",
            )
        before = [index for index in holders if index < position]
        owner = before[-1] if before else holders[0]
        assert annotation.text is not None
        parts[owner].append(annotation.text)
    return parts


def _relation(relation: RawRelation, source: str, where: str) -> Relation:
    values = dict(relation.infons)
    missing = [key for key in ("relation", "Chemical", "Disease") if not values.get(key)]
    if missing:
        raise CorpusFormatError(
            source,
            relation.line,
            f"{where}, relation {relation.id} has no {', '.join(missing)} infon; expected "
            "infons relation, Chemical and Disease",
        )
    score = values.get(SCORE_KEY)
    return Relation(
        values["Chemical"],
        values["Disease"],
        values["relation"],
        None if score is None else _score(score, source, relation.line, where),
    )
