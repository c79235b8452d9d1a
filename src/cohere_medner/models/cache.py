"""A persistent store of model answers, so that no paid-for answer is ever requested twice.

Answers are kept in SQLite, one committed row per answer: a run killed at any moment
keeps every answer it had received, and a re-run (or a resumed one) sends only the
requests that were never answered. The key is a hash of everything that determines the
answer: server, endpoint, model, the full request and its parameters. The API key is
never part of it, and nothing the store writes contains it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cohere_medner._files import PathLike
from cohere_medner.errors import CacheError
from cohere_medner.types import Completion

CACHE_VARIABLE = "COHERE_MEDNER_CACHE"
_SCHEMA = """
create table if not exists answers (
    key text primary key,
    request text not null,
    text text not null,
    input_tokens integer not null,
    output_tokens integer not null,
    finish_reason text
)
"""


def default_cache_path() -> Path:
    """``$COHERE_MEDNER_CACHE``, else ``$XDG_CACHE_HOME/cohere-medner/responses.sqlite3``."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cohere-medner" / "responses.sqlite3"


def request_key(request: Mapping[str, Any]) -> str:
    """A stable hash of a request description (any JSON-serialisable mapping)."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def connect(path: Path, schema: Sequence[str], what: str, variable: str) -> sqlite3.Connection:
    """An SQLite store at ``path`` (made if need be) with ``schema``, for any thread.

    Write-ahead logging lets readers and one writer work at once; every statement commits.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=normal")
        for statement in schema:
            db.execute(statement)
    except sqlite3.DatabaseError as error:
        raise CacheError(
            f"{path}: cannot use as {what} ({error}); point {variable} or cache=... elsewhere"
        ) from None
    return db


class ResponseCache:
    """Answers by request, on disk; safe to share between threads of one process."""

    def __init__(self, path: PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self._db = connect(self.path, [_SCHEMA], "a response cache", CACHE_VARIABLE)
        self._lock = threading.Lock()

    def get(self, request: Mapping[str, Any]) -> Completion | None:
        """The stored answer to ``request``, or None."""
        with self._lock:
            row = self._db.execute(
                "select text, input_tokens, output_tokens, finish_reason"
                " from answers where key = ?",
                (request_key(request),),
            ).fetchone()
        return None if row is None else Completion(*row)

    def put(self, request: Mapping[str, Any], completion: Completion) -> None:
        """Store an answer; committed before this returns."""
        with self._lock:
            self._db.execute(
                "insert or replace into answers values (?, ?, ?, ?, ?, ?)",
                (
                    request_key(request),
                    json.dumps(request, sort_keys=True, ensure_ascii=False),
                    completion.text,
                    completion.input_tokens,
                    completion.output_tokens,
                    completion.finish_reason,
                ),
            )

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("select count(*) from answers").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r})"


def open_response_cache(cache: ResponseCache | PathLike | bool) -> ResponseCache | None:
    """A cache from ``True`` (the default path), a path, a cache, or ``False`` (none)."""
    if cache is False:
        return None
    if isinstance(cache, ResponseCache):
        return cache
    return ResponseCache(None if cache is True else cache)
