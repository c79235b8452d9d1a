"""Reading and writing BC5CDR corpora: PubTator, BioC XML and the tutorial's JSON."""

from __future__ import annotations

from collections.abc import Iterable

from cohere_medner._files import PathLike
from cohere_medner.corpus.bc5cdr import (
    load_bc5cdr,
    load_corpus,
    load_sample,
    load_splits,
    official_path,
    read_file,
)
from cohere_medner.corpus.bigbio import read_bigbio
from cohere_medner.corpus.bigbio_writer import write_bigbio
from cohere_medner.corpus.bioc import read_bioc
from cohere_medner.corpus.bioc_writer import write_bioc
from cohere_medner.corpus.detect import FORMATS, Format, detect_format
from cohere_medner.corpus.pubtator import read_pubtator, write_pubtator
from cohere_medner.corpus.splits import SPLITS, is_test_split, normalize_split
from cohere_medner.corpus.stats import CorpusStats, corpus_stats
from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.errors import UnknownFormatError
from cohere_medner.types import Document


def write_corpus(
    documents: Iterable[Document], path: PathLike, format: Format, split: str | None = None
) -> None:
    """Write documents in ``format``, atomically; the tutorial's JSON needs their split."""
    if format == "pubtator":
        write_pubtator(documents, path)
    elif format == "bioc":
        write_bioc(documents, path)
    elif format == "json":
        write_bigbio(documents, path, normalize_split(split) if split else None)
    else:
        raise UnknownFormatError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "SPLITS",
    "CorpusStats",
    "DocumentStream",
    "Format",
    "corpus_stats",
    "detect_format",
    "is_test_split",
    "load_bc5cdr",
    "load_corpus",
    "load_sample",
    "load_splits",
    "normalize_split",
    "official_path",
    "read_bigbio",
    "read_bioc",
    "read_file",
    "read_pubtator",
    "write_bigbio",
    "write_bioc",
    "write_corpus",
    "write_pubtator",
]
