"""The BioC XML form of BC5CDR, read as a stream (writing it is ``bioc_writer``).

A ``<document>`` holds an ``<id>``, a title passage at offset 0 and an abstract passage at
``len(title) + 1``; annotation locations are document-level, as in PubTator. A composite
mention ("Ocular and auditory toxicity") is a ``CompositeMention`` annotation followed by
one ``IndividualMention`` annotation per part; only the composite is a :class:`Mention`,
its parts' texts go to ``Mention.parts``.

The reader drives expat directly and keeps only the current document. It refuses entity
declarations and external entities, so a file can neither expand entities without bound
("billion laughs") nor pull in local files or remote DTDs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Final, NoReturn
from xml.parsers import expat

from ..errors import CorpusFormatError, OffsetMismatchError, UnknownEntityTypeError
from ..files import PathLike, open_binary
from ..types import ENTITY_TYPES, Document, Mention, Relation
from .stream import DocumentStream

NO_ID: Final = "-1"
MESH: Final = "MESH"
TYPE_KEY: Final = "type"
ROLE_KEY: Final = "CompositeRole"
SCORE_KEY: Final = "score"
COMPOSITE: Final = "CompositeMention"
INDIVIDUAL: Final = "IndividualMention"
# Infon keys that never name an identifier namespace.
NOT_IDS: Final = frozenset({TYPE_KEY, ROLE_KEY, SCORE_KEY})
_CHUNK: Final = 1 << 16

# How many characters XML escaping adds to each character of a title; see _abstract_offsets.
_ESCAPE_GROWTH: Final = {"&": 4, "<": 3, ">": 3, '"': 5, "'": 5}


# Reading ------------------------------------------------------------------------------


def read_bioc(path: PathLike) -> DocumentStream:
    """Documents of a BioC XML file (plain or ``.gz``), streamed when iterated."""
    source = str(path)

    def documents() -> Iterator[Document]:
        with open_binary(path) as stream:
            yield from parse_bioc(stream, source)

    return DocumentStream(documents, source)


def parse_bioc(stream: IO[bytes], source: str) -> Iterator[Document]:
    """Parse a BioC XML byte stream into documents, each as soon as its end tag is read.

    ``source`` names the stream in error messages, which also give the line.
    """
    reader = _Reader(source)
    parser = reader.parser
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
            if reader.done:
                yield from reader.done
                reader.done.clear()
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise CorpusFormatError(
            source,
            error.lineno,
            f"not well-formed XML: {expat.ErrorString(error.code)} (column {error.offset + 1})",
        ) from None
    yield from reader.done


class _Annotation:
    __slots__ = ("id", "infons", "line", "locations", "text")

    def __init__(self, id: str | None, line: int) -> None:
        self.id = id
        self.line = line
        self.infons: list[tuple[str, str]] = []
        self.locations: list[tuple[int, int]] = []
        self.text: str | None = None


class _Passage:
    __slots__ = ("infons", "line", "offset", "text")

    def __init__(self, line: int) -> None:
        self.line = line
        self.infons: list[tuple[str, str]] = []
        self.offset: str | None = None
        self.text: str | None = None


class _Relation:
    __slots__ = ("id", "infons", "line")

    def __init__(self, id: str | None, line: int) -> None:
        self.id = id
        self.line = line
        self.infons: list[tuple[str, str]] = []


class _Document:
    __slots__ = ("annotations", "infons", "line", "passages", "pmid", "relations")

    def __init__(self, line: int) -> None:
        self.line = line
        self.pmid: str | None = None
        self.infons: list[tuple[str, str]] = []
        self.passages: list[_Passage] = []
        self.annotations: list[_Annotation] = []
        self.relations: list[_Relation] = []


class _Reader:
    """The expat handlers: they gather raw strings per element, checks wait for </document>."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.done: list[Document] = []
        self._document: _Document | None = None
        self._passage: _Passage | None = None
        self._annotation: _Annotation | None = None
        self._relation: _Relation | None = None
        self._infon_key = ""
        # Character data is gathered only inside the elements whose text we keep.
        self._chars: list[str] | None = None
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start_root
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.EntityDeclHandler = self._entity_declaration
        parser.UnparsedEntityDeclHandler = self._unparsed_entity_declaration
        parser.ExternalEntityRefHandler = self._external_entity
        parser.SkippedEntityHandler = self._skipped_entity
        self.parser = parser

    def _fail(self, message: str) -> NoReturn:
        raise CorpusFormatError(self.source, self.parser.CurrentLineNumber, message)

    # Security: BioC never needs entities beyond the five predefined ones.

    def _entity_declaration(self, name: str, is_parameter: bool, *rest: object) -> NoReturn:
        self._fail(f"entity declarations are not allowed (found <!ENTITY {name}>)")

    def _unparsed_entity_declaration(self, name: str, *rest: object) -> NoReturn:
        self._fail(f"entity declarations are not allowed (found <!ENTITY {name}>)")

    def _external_entity(self, context: str | None, *rest: object) -> NoReturn:
        self._fail(f"external entities are not allowed ({context})")

    def _skipped_entity(self, name: str, is_parameter: bool) -> NoReturn:
        self._fail(f"undefined entity &{name};")

    # Elements.

    def _characters(self, data: str) -> None:
        if self._chars is not None:
            self._chars.append(data)

    def _start_root(self, name: str, attributes: dict[str, str]) -> None:
        if name != "collection":
            self._fail(f"the root element is <{name}>; expected a BioC <collection>")
        self.parser.StartElementHandler = self._start

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if self._chars is not None:
            # Mixed content would lose text silently; BioC values are plain text.
            self._fail(f"unexpected <{name}> inside an element that holds text")
        if name == "infon":
            key = attributes.get("key")
            if key is None:
                self._fail("<infon> without a key attribute")
            self._infon_key = key
            self._chars = []
        elif name == "location":
            annotation = self._annotation
            if annotation is None:
                self._fail("<location> outside an <annotation>")
            offset = attributes.get("offset", "")
            length = attributes.get("length", "")
            if not (offset.isascii() and offset.isdigit()):
                self._fail(f"location offset {offset!r} is not a non-negative integer")
            if not (length.isascii() and length.isdigit()) or length == "0" * len(length):
                self._fail(f"location length {length!r} is not a positive integer")
            annotation.locations.append((int(offset), int(length)))
        elif name == "text":
            if self._passage is not None:
                self._chars = []
        elif name == "annotation":
            if self._passage is None or self._annotation is not None:
                self._fail("<annotation> outside a <passage> or inside another <annotation>")
            self._annotation = _Annotation(attributes.get("id"), self.parser.CurrentLineNumber)
        elif name == "passage":
            if self._document is None or self._passage is not None:
                self._fail("<passage> outside a <document> or inside another <passage>")
            self._passage = _Passage(self.parser.CurrentLineNumber)
        elif name == "relation":
            if self._document is None or self._relation is not None:
                self._fail("<relation> outside a <document> or inside another <relation>")
            self._relation = _Relation(attributes.get("id"), self.parser.CurrentLineNumber)
        elif name == "document":
            if self._document is not None:
                self._fail("<document> inside another <document>")
            self._document = _Document(self.parser.CurrentLineNumber)
        elif name in ("offset", "id"):
            if self._document is not None and self._annotation is None:
                self._chars = []
        elif name == "sentence":
            self._fail("BioC sentences are not supported: expected <text> directly in <passage>")

    def _end(self, name: str) -> None:
        chars = self._chars
        self._chars = None
        if name == "infon":
            assert chars is not None
            pair = (self._infon_key, "".join(chars))
            if self._annotation is not None:
                self._annotation.infons.append(pair)
            elif self._relation is not None:
                self._relation.infons.append(pair)
            elif self._passage is not None:
                self._passage.infons.append(pair)
            elif self._document is not None:
                self._document.infons.append(pair)
        elif name == "text":
            if chars is None:
                return
            if self._annotation is not None:
                self._annotation.text = "".join(chars)
            elif self._passage is not None:
                self._passage.text = "".join(chars)
        elif name == "annotation":
            assert self._annotation is not None and self._document is not None
            self._document.annotations.append(self._annotation)
            self._annotation = None
        elif name == "passage":
            assert self._passage is not None and self._document is not None
            self._document.passages.append(self._passage)
            self._passage = None
        elif name == "relation":
            assert self._relation is not None and self._document is not None
            self._document.relations.append(self._relation)
            self._relation = None
        elif name == "document":
            assert self._document is not None
            self.done.append(_build(self._document, self.source))
            self._document = None
        elif name == "offset":
            if chars is not None and self._passage is not None:
                self._passage.offset = "".join(chars)
        elif name == "id" and chars is not None and self._passage is None:
            assert self._document is not None
            self._document.pmid = "".join(chars)


# Building a Document from one <document>'s raw strings -----------------------------------


def _build(raw: _Document, source: str) -> Document:
    pmid = raw.pmid
    if not pmid:
        raise CorpusFormatError(source, raw.line, "document without an <id> (expected its PMID)")
    where = f"document {pmid}"
    title, abstract = _passages(raw, source, where)
    text = f"{title} {abstract}"

    mentions: list[Mention | None] = []
    composites: list[tuple[int, _Annotation, str, int, int]] = []
    composite_infons: list[tuple[tuple[str, ...], float | None]] = []
    individuals: list[tuple[int, _Annotation, str]] = []
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


def _passages(raw: _Document, source: str, where: str) -> tuple[str, str]:
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


def _annotation_error(annotation: _Annotation, source: str, where: str, message: str) -> NoReturn:
    raise CorpusFormatError(
        source, annotation.line, f"{where}, annotation {annotation.id} {message}"
    )


def _annotation_infons(
    annotation: _Annotation, source: str, where: str
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
    composites: list[tuple[int, _Annotation, str, int, int]],
    individuals: list[tuple[int, _Annotation, str]],
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


def _relation(relation: _Relation, source: str, where: str) -> Relation:
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
