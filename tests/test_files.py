from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cohere_medner.files import atomic_write, open_text


def test_atomic_write_replaces_only_on_success(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    with atomic_write(path) as stream:
        stream.write("first")
    assert path.read_text() == "first"
    with pytest.raises(RuntimeError), atomic_write(path) as stream:
        stream.write("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_open_text_reads_gzip_and_keeps_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"a\r\nb\n"))
    with open_text(path) as stream:
        assert list(stream) == ["a\r\n", "b\n"]
