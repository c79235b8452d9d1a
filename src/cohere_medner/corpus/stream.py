"""A lazily read corpus: streamed when iterated, a list when indexed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import overload

from cohere_medner.types import Document


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
