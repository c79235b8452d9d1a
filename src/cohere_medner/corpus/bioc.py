"""The BioC XML form of BC5CDR, read as a stream (writing it is ``bioc_writer``).

A ``<document>`` holds an ``<id>``, a title passage at offset 0 and an abstract passage at
``len(title) + 1``; annotation locations are document-level, as in PubTator. A composite
mention ("Ocular and auditory toxicity") is a ``CompositeMention`` annotation followed by
one ``IndividualMention`` annotation per part; only the composite is a :class:`Mention`,
its parts' texts go to ``Mention.parts``.

The reader drives expat directly and keeps only the current document, whose raw strings
``bioc_records`` checks and builds into a :class:`Document`. The reader refuses entity
declarations and external entities, so a file can neither expand entities without bound
("billion laughs") nor pull in local files or remote DTDs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, NoReturn
from xml.parsers import expat

from cohere_medner._files import PathLike, open_binary
from cohere_medner._xml import CHUNK, entity_free_parser
from cohere_medner.corpus.bioc_records import (
    RawAnnotation,
    RawDocument,
    RawPassage,
    RawRelation,
    build_document,
)
from cohere_medner.corpus.stream import DocumentStream, checked_documents
from cohere_medner.errors import CorpusFormatError
from cohere_medner.types import Document

_OFFSET_DIGITS = 9
"""Digits an offset or length may have: no abstract is a billion characters long."""


def read_bioc(path: PathLike) -> DocumentStream:
    """Documents of a BioC XML file (plain or ``.gz``), streamed when iterated."""
    source = str(path)

    def documents() -> Iterator[Document]:
        with open_binary(path) as stream:
            yield from checked_documents(_parse(stream, source), source)

    return DocumentStream(documents, source)


def parse_bioc(stream: IO[bytes], source: str) -> Iterator[Document]:
    """Parse a BioC XML byte stream into documents, each as soon as its end tag is read.

    ``source`` names the stream in error messages, which also give the line.
    """
    for document, _ in _parse(stream, source):
        yield document


def _parse(stream: IO[bytes], source: str) -> Iterator[tuple[Document, int]]:
    """Documents, each with the line its ``<document>`` starts on."""
    reader = _Reader(source)
    parser = reader.parser
    try:
        while chunk := stream.read(CHUNK):
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


class _Reader:
    """The expat handlers: they gather raw strings per element, checks wait for </document>."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.done: list[tuple[Document, int]] = []
        self._document: RawDocument | None = None
        self._passage: RawPassage | None = None
        self._annotation: RawAnnotation | None = None
        self._relation: RawRelation | None = None
        self._infon_key = ""
        # Character data is gathered only inside the elements whose text we keep.
        self._chars: list[str] | None = None
        parser = entity_free_parser(self._fail)
        parser.StartElementHandler = self._start_root
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        self.parser = parser

    def _fail(self, message: str) -> NoReturn:
        raise CorpusFormatError(self.source, self.parser.CurrentLineNumber, message)

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
                self._fail(f"location offset {offset[:20]!r} is not a non-negative integer")
            if not (length.isascii() and length.isdigit()) or length == "0" * len(length):
                self._fail(f"location length {length[:20]!r} is not a positive integer")
            if len(offset) > _OFFSET_DIGITS or len(length) > _OFFSET_DIGITS:
                self._fail(
                    f"location offset {offset[:12]!r} or length {length[:12]!r} has more "
                    f"digits than any place in a document can have ({_OFFSET_DIGITS})"
                )
            annotation.locations.append((int(offset), int(length)))
        elif name == "text":
            if self._passage is not None:
                self._chars = []
        elif name == "annotation":
            if self._passage is None or self._annotation is not None:
                self._fail("<annotation> outside a <passage> or inside another <annotation>")
            self._annotation = RawAnnotation(attributes.get("id"), self.parser.CurrentLineNumber)
        elif name == "passage":
            if self._document is None or self._passage is not None:
                self._fail("<passage> outside a <document> or inside another <passage>")
            self._passage = RawPassage(self.parser.CurrentLineNumber)
        elif name == "relation":
            if self._document is None or self._relation is not None:
                self._fail("<relation> outside a <document> or inside another <relation>")
            self._relation = RawRelation(attributes.get("id"), self.parser.CurrentLineNumber)
        elif name == "document":
            if self._document is not None:
                self._fail("<document> inside another <document>")
            self._document = RawDocument(self.parser.CurrentLineNumber)
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
            self.done.append((build_document(self._document, self.source), self._document.line))
            self._document = None
        elif name == "offset":
            if chars is not None and self._passage is not None:
                self._passage.offset = "".join(chars)
        elif name == "id" and chars is not None and self._passage is None:
            assert self._document is not None
            self._document.pmid = "".join(chars)
