"""DocumentStream: a corpus read afresh when iterated, and read once when indexed."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.types import Document
from strategies import documents


class Source:
    """Documents handed out as a file reader would, counting how often it is opened."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = docs
        self.opened = 0

    def __call__(self) -> Iterator[Document]:
        self.opened += 1
        yield from self.docs


corpora = st.lists(documents(), max_size=5)


@given(corpora)
def test_iterating_reads_afresh_each_time(docs: list[Document]) -> None:
    source = Source(docs)
    stream = DocumentStream(source, "corpus.txt")
    assert list(iter(stream)) == docs
    assert list(iter(stream)) == docs
    assert source.opened == 2


@given(corpora)
def test_len_indexing_and_lists_read_once(docs: list[Document]) -> None:
    source = Source(docs)
    stream = DocumentStream(source, "corpus.txt")
    assert len(stream) == len(docs)
    assert stream[:] == docs and list(stream) == docs and stream.to_list() == docs
    if docs:
        assert stream[-1] == docs[-1]
    assert source.opened == 1


def test_list_of_a_stream_reads_the_file_once() -> None:
    source = Source([Document("1", "t", "a")])
    assert list(DocumentStream(source, "corpus.txt")) == source.docs
    assert source.opened == 1


def test_nothing_is_read_until_asked() -> None:
    source = Source([])
    stream = DocumentStream(source, "corpus.txt")
    iterator = iter(stream)
    assert source.opened == 0
    assert list(iterator) == []
    assert source.opened == 1


def test_repr_names_the_source() -> None:
    assert repr(DocumentStream(Source([]), "CDR_TestSet.BioC.xml")) == (
        "DocumentStream('CDR_TestSet.BioC.xml')"
    )
