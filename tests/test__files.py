from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from cohere_medner._files import atomic_write, checked_format, open_text


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


def test_atomic_write_makes_the_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "2026-11-23" / "out.txt"
    with atomic_write(path) as stream:
        stream.write("kept")
    assert path.read_text() == "kept"


def test_open_text_reads_gzip_and_keeps_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"a\r\nb\n"))
    with open_text(path) as stream:
        assert list(stream) == ["a\r\n", "b\n"]


def test_written_files_get_the_usual_mode(tmp_path: Path) -> None:
    # mkstemp's private 0600 once stuck to every report and training file written.
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "new.txt") as stream:
            stream.write("x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        existing = tmp_path / "existing.txt"
        existing.write_text("old")
        existing.chmod(0o640)
        with atomic_write(existing) as stream:
            stream.write("new")
        assert existing.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "x.json: not a cohere-medner thing file"),
        ({"format": "other"}, "not a cohere-medner thing file"),
        ({"format": "cohere-medner thing", "version": 2}, "version 2; this cohere-medner reads"),
    ],
)
def test_checked_format_names_the_file_and_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        checked_format(data, "cohere-medner thing", 1, "x.json", ValueError)
    good = {"format": "cohere-medner thing", "version": 1, "x": 0}
    assert checked_format(good, "cohere-medner thing", 1, "x.json", ValueError) is good
