"""A lazily read corpus: streamed when iterated, a list when indexed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import overload

from cohere_medner._files import PathLike, open_binary
from cohere_medner.errors import CorpusFormatError, DuplicateDocumentError, EmptyCorpusError
from cohere_medner.types import Document

Place = int | str
"""Where a document starts in its file: a line number, or a description ("document at index 3")."""


def _described(place: Place) -> str:
    return f"line {place}" if isinstance(place, int) else place


def checked_documents(
    placed: Iterable[tuple[Document, Place]], source: str, what: str = "documents"
) -> Iterator[Document]:
    """The documents of one file, refusing a PMID given twice and a file with none.

    A collection is keyed by PMID: a second document under one would be merged or lost
    by whoever reads it next, and an empty one scores as a perfect nothing. ``what``
    names what was looked for in the message of an empty file ("test documents").
    """
    seen: dict[str, Place] = {}
    for document, place in placed:
        first = seen.get(document.pmid)
        if first is not None:
            raise DuplicateDocumentError(
                source,
                place,
                f"a second document with PMID {document.pmid}; the first is at "
                f"{_described(first)}. Each PMID may appear once",
            )
        seen[document.pmid] = place
        yield document
    if not seen:
        raise EmptyCorpusError(source, None, f"holds no {what}; expected at least one")


def undecodable(path: PathLike, source: str, error: UnicodeDecodeError) -> CorpusFormatError:
    """The error for a file that is not UTF-8, naming the line and column of its first bad byte."""
    with open_binary(path) as stream:
        for number, line in enumerate(stream, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as found:
                return CorpusFormatError(
                    source,
                    number,
                    f"not UTF-8 text: byte {line[found.start : found.start + 1]!r} at column "
                    f"{found.start + 1} ({found.reason}); save the file as UTF-8",
                )
    return CorpusFormatError(source, None, f"not UTF-8 text ({error.reason})")


class DocumentStream(Sequence[Document]):
    """Documents read from a file on demand.

    Iterating reads the file afresh each time, holding one document at a time, so a
    file of any size streams in constant memory. ``len()``, indexing and slicing read
    the whole file once and keep the list.
    """

    __slots__ = ("_documents", "_open", "source")

    def __init__(self, open_documents: Callable[[], Iterator[Document]], source: str) -> None:
        self._open = open_documents
        self._documents: list[Document] | None = None
        self.source = source

    def __iter__(self) -> Iterator[Document]:
        # The check runs at the first next(), not here: list(stream) asks for an iterator,
        # then for len() (which reads and keeps the list), and only then iterates, so the
        # file is read once.
        if self._documents is not None:
            yield from self._documents
        else:
            yield from self._open()

    def to_list(self) -> list[Document]:
        """All documents, read once and kept."""
        if self._documents is None:
            self._documents = list(self._open())
        return self._documents

    def __len__(self) -> int:
        return len(self.to_list())

    @overload
    def __getitem__(self, index: int) -> Document: ...
    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...
    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        return self.to_list()[index]

    def __repr__(self) -> str:
        return f"DocumentStream({self.source!r})"
