from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cohere_medner.corpus.detect import detect_format
from cohere_medner.errors import CorpusFormatError, CorpusNotFoundError, UnknownFormatError


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"123|t|Title\n123|a|Abstract\n", "pubtator"),
        (b"\xef\xbb\xbf\n\n123|t|Title\n", "pubtator"),
        (b"<?xml version='1.0'?><collection>", "bioc"),
        (b'  [{"passages": []}]', "json"),
    ],
)
def test_detects_by_content(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    assert detect_format(path) == expected
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(content))
    assert detect_format(packed) == expected


def test_empty_unknown_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(CorpusFormatError, match="empty"):
        detect_format(empty)
    other = tmp_path / "notes.txt"
    other.write_text("Some notes\n")
    with pytest.raises(UnknownFormatError, match="cannot tell the corpus format"):
        detect_format(other)
    with pytest.raises(CorpusNotFoundError):
        detect_format(tmp_path / "absent")
    with pytest.raises(CorpusNotFoundError, match="is a directory"):
        detect_format(tmp_path)
