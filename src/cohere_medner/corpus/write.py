"""Writing a corpus in the format asked for: PubTator, BioC XML or the tutorial's JSON."""

from __future__ import annotations

from collections.abc import Iterable

from cohere_medner._files import PathLike
from cohere_medner.corpus.bigbio_writer import write_bigbio
from cohere_medner.corpus.bioc_writer import write_bioc
from cohere_medner.corpus.detect import FORMATS, Format
from cohere_medner.corpus.pubtator import write_pubtator
from cohere_medner.corpus.splits import normalize_split
from cohere_medner.errors import UnknownFormatError
from cohere_medner.types import Document

__all__ = ["write_corpus"]


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
