"""Opening corpus files (plain or gzip) and writing files atomically."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import socket
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


HOST_TAG = hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:6]
"""This machine, in the names of temporary files: a process id means something only here."""


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine; a killed one not yet reaped does not.

    Where that cannot be told (Windows, where signal 0 is not a probe), every process is
    taken to be alive: what it holds is then never taken from it.
    """
    if os.name == "nt":
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process
    try:
        handle = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except OSError:
        return True  # no /proc (macOS): os.kill's answer stands
    try:
        stat = os.read(handle, 4096)
    finally:
        os.close(handle)
    # "PID (COMMAND) STATE ...": a command may hold ") ", so the state follows the last one.
    state = stat.rpartition(b")")[2].split()[:1]
    return state not in ([b"Z"], [b"X"])


def temporary_prefix(target: Path) -> str:
    """The start of the name of a temporary file :func:`atomic_write` writes for ``target``.

    ``.NAME.HOST-PID.``, then a random part and ``.tmp``: whoever finds the file left over
    can tell whose it was, and whether that writer is gone.
    """
    return f".{target.name}.{HOST_TAG}-{os.getpid()}."


def temporary_writer(name: str, target: Path) -> tuple[str, int] | None:
    """The host tag and process id in ``name``, if it names a temporary file for ``target``."""
    found = re.fullmatch(
        rf"\.{re.escape(target.name)}\.([0-9a-f]{{6}})-([0-9]+)\.[a-z0-9_]+\.tmp", name
    )
    return None if found is None else (found[1], int(found[2]))


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files for ``target`` whose writers died (``kill -9``) mid-write.

    Only files this machine's processes wrote, and only those of processes no longer
    running, are removed: a write under way elsewhere is never disturbed. Returns them.
    """
    removed: list[Path] = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        writer = temporary_writer(name, target)
        if writer is None or writer[0] != HOST_TAG or process_alive(writer[1]):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target.parent / name)
            removed.append(target.parent / name)
    return removed


@contextlib.contextmanager
def atomic_write(path: PathLike, *, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Write a text file so that the final name only ever holds a complete file.

    The content goes to a temporary file in the same directory, which is flushed,
    synced and renamed over ``path`` only when the ``with`` block ends without error;
    an interrupted write leaves the previous file (or nothing) under the final name.
    A missing directory is made, as every writer of results wants. A temporary file a
    killed writer left for the same ``path`` is removed (:func:`remove_stale_temporaries`).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    handle, temporary = tempfile.mkstemp(
        prefix=temporary_prefix(target), suffix=".tmp", dir=target.parent
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
