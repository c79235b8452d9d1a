"""Opening corpus files (plain or gzip) and writing files atomically."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

PathLike = str | os.PathLike[str]


def checked_format(
    data: object, kind: str, version: int, source: str, error: Callable[[str], Exception]
) -> dict[str, Any]:
    """A decoded cohere-medner JSON file, once it says it is ``kind`` at ``version``.

    Every file the library writes for itself to read back (lexicons, saved runs, batch
    handles, fine-tuning state) starts ``{"format": kind, "version": N, ...}``; anything
    else raises ``error`` with a message naming ``source``.
    """
    if not isinstance(data, dict) or data.get("format") != kind:
        raise error(f"{source}: not a {kind} file")
    if data.get("version") != version:
        raise error(
            f"{source}: {kind} version {data.get('version')!r}; "
            f"this cohere-medner reads version {version}"
        )
    return data


def open_binary(path: PathLike) -> IO[bytes]:
    """Open a file for reading bytes, decompressing it if its name ends in ``.gz``."""
    if str(path).endswith(".gz"):
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return open(path, "rb")


def open_text(path: PathLike) -> IO[str]:
    """Open a UTF-8 text file (plain or ``.gz``) keeping line endings as written."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", newline="")


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path: PathLike, *, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Write a text file so that the final name only ever holds a complete file.

    The content goes to a temporary file in the same directory, which is flushed,
    synced and renamed over ``path`` only when the ``with`` block ends without error;
    an interrupted write leaves the previous file (or nothing) under the final name.
    A missing directory is made, as every writer of results wants.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        # mkstemp makes the file private (0600); a written file gets the mode any new file
        # would, or keeps the one it replaces.
        os.chmod(temporary, _mode_for(target))
        with open(handle, "w", encoding=encoding, newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
