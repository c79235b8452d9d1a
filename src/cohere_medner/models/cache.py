"""A persistent store of model answers, so that no paid-for answer is ever requested twice.

Answers are kept in SQLite, one committed row per answer: a run killed at any moment
keeps every answer it had received, and a re-run (or a resumed one) sends only the
requests that were never answered. The key is a hash of everything that determines the
answer: server, endpoint, model, the full request and its parameters. The API key is
never part of it, and nothing the store writes contains it.

Several processes may share one cache (a resume started while the first run still goes):
a process claims a request before asking for it (:meth:`ResponseCache.claim`), and
another that needs the same answer waits for it rather than paying for it again. A claim
lasts while its process runs and beats its heart (:data:`LEASE`); those of a process that
died, ``kill -9`` included, are taken over at once.

A cache is checked when it is opened, before anything is sent: that it is an SQLite
database, undamaged, of this kind (tables, columns, the types of the values in them), and
writable. Every problem, then or later, is a :class:`~cohere_medner.errors.CacheError`
naming the file and the way on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import os
import secrets
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from cohere_medner._files import PathLike, process_alive
from cohere_medner.errors import (
    CacheAccessError,
    CacheBusyError,
    CacheCorruptError,
    CacheError,
    CacheSchemaError,
)
from cohere_medner.types import Completion

CACHE_VARIABLE = "COHERE_MEDNER_CACHE"
RESPONSE_CACHE_FIX: Final = (
    f"use another file (--cache PATH, cache=PATH or ${CACHE_VARIABLE}) "
    "or none (--no-cache, cache=False)"
)
"""What to do when the response cache cannot be used."""
BUSY_TIMEOUT: Final = 30.0
"""Seconds a write waits for another process's write to end before giving up."""
LEASE: Final = 60.0
"""Seconds a process's claims outlive its last heartbeat (a frozen or vanished process)."""
HEARTBEAT: Final = 10.0
"""Seconds between the heartbeats of a process that holds claims."""
_POLL: Final = (0.05, 1.0)
"""The first and the longest wait between two looks at requests other processes claimed."""
_LOOKUP_CHUNK: Final = 500  # SQLite's default limit on host parameters is 999

_SCHEMA: Final = (
    """
    create table if not exists answers (
        key text primary key,
        request text not null,
        text text not null,
        input_tokens integer not null,
        output_tokens integer not null,
        finish_reason text
    )
    """,
    """
    create table if not exists owners (
        owner text primary key,
        host text not null,
        pid integer not null,
        heartbeat real not null
    )
    """,
    """
    create table if not exists claims (
        key text primary key,
        owner text not null
    )
    """,
)
_TYPES: Final = {"text": ("text",), "integer": ("integer",), "real": ("real", "integer")}
"""The types (SQLite's ``typeof``) a value may have in a column declared with each type."""


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


# Opening and checking a store -------------------------------------------------------------


def cache_error(path: Path, what: str, fix: str, error: sqlite3.Error | OSError) -> CacheError:
    """The :class:`CacheError` for what SQLite (or the file system) said about ``path``."""
    name = getattr(error, "sqlite_errorname", "") or ""
    detail = str(error) if isinstance(error, sqlite3.Error) else (error.strerror or str(error))
    if isinstance(error, OSError) or name.startswith(
        ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_IOERR", "SQLITE_FULL")
    ):
        problem = "cannot read and write it, or make it in its directory"
        advice = "check the permissions of the file and its directory, and the free space"
        return CacheAccessError(
            f"{path}: cannot use as {what}: {problem} ({detail}; {advice}); {fix}"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        problem = "not an SQLite database, or damaged inside"
        return CacheCorruptError(f"{path}: cannot use as {what}: {problem} ({detail}); {fix}")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        problem = f"another process kept it locked for over {BUSY_TIMEOUT:.0f} s"
        return CacheBusyError(
            f"{path}: cannot use as {what}: {problem} ({detail}); wait for it to finish, or {fix}"
        )
    return CacheError(f"{path}: cannot use as {what} ({detail}); {fix}")


@contextlib.contextmanager
def guarded(path: Path, what: str, fix: str) -> Iterator[None]:
    """Turn any SQLite or file-system error inside the block into a :class:`CacheError`."""
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        raise cache_error(path, what, fix, error) from None


def connect(path: Path, schema: Sequence[str], what: str, fix: str) -> sqlite3.Connection:
    """An SQLite store at ``path`` (made if need be) with ``schema``, for any thread.

    Checked before it is used: an undamaged database (``quick_check``), whose tables of
    ``schema``'s names have ``schema``'s columns and values of their types, holding at least
    one of them if it holds any table, and writable. Write-ahead logging lets readers and
    one writer work at once; a write waits up to :data:`BUSY_TIMEOUT` for another process's;
    every statement commits. ``what`` and ``fix`` word the errors.
    """
    with guarded(path, what, fix):
        if path.is_dir():
            problem = "a directory, not a file"
            raise CacheAccessError(f"{path}: cannot use as {what}: {problem}; {fix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level=None
        )
        try:
            db.execute("pragma journal_mode=wal")
            db.execute("pragma synchronous=normal")
            damage = [row[0] for row in db.execute("pragma quick_check")]
            if damage != ["ok"]:
                raise CacheCorruptError(
                    f"{path}: cannot use as {what}: damaged inside ({'; '.join(damage[:3])}); {fix}"
                )
            _check_schema(db, schema, f"{path}: cannot use as {what}", fix)
            for statement in schema:
                db.execute(statement)
            # A write that reaches the disk: a read-only file, directory or full disk shows
            # now, not after the first answer was paid for.
            (version,) = db.execute("pragma user_version").fetchone()
            db.execute("begin immediate")
            db.execute(f"pragma user_version = {int(version)}")
            db.execute("commit")
        except BaseException:
            db.close()
            raise
    return db


def _columns(db: sqlite3.Connection, table: str) -> list[tuple[str, str, int, int]]:
    """``(name, declared type, not null, primary key)`` of each column of ``table``."""
    rows = db.execute(f'pragma table_info("{table}")').fetchall()
    return [(name, kind.lower(), notnull, pk) for _, name, kind, notnull, _, pk in rows]


def _check_schema(db: sqlite3.Connection, schema: Sequence[str], where: str, fix: str) -> None:
    """Raise :class:`CacheSchemaError` unless ``db`` is empty or a store of ``schema``."""
    model = sqlite3.connect(":memory:")
    for statement in schema:
        model.execute(statement)
    expected = {
        name: _columns(model, name)
        for (name,) in model.execute("select name from sqlite_master where type = 'table'")
    }
    model.close()
    found = {
        name
        for (name,) in db.execute("select name from sqlite_master where type = 'table'")
        if not name.startswith("sqlite_")
    }
    if found and not found & set(expected):
        raise CacheSchemaError(
            f"{where}: a database of another kind (tables {', '.join(sorted(found))}, where "
            f"this cache has {', '.join(sorted(expected))}); {fix}"
        )
    for table in sorted(found & set(expected)):
        columns = _columns(db, table)
        if columns != expected[table]:
            shown = ", ".join(f"{name} {kind}" for name, kind, _, _ in columns)
            wanted = ", ".join(f"{name} {kind}" for name, kind, _, _ in expected[table])
            raise CacheSchemaError(
                f"{where}: table {table} has columns ({shown}), where this cache has "
                f"({wanted}); {fix}"
            )
        _check_values(db, table, expected[table], where, fix)


def _check_values(
    db: sqlite3.Connection,
    table: str,
    columns: Sequence[tuple[str, str, int, int]],
    where: str,
    fix: str,
) -> None:
    """Raise :class:`CacheSchemaError` if a value of ``table`` is not of its column's type."""
    tests = []
    for name, kind, notnull, pk in columns:
        allowed = _TYPES.get(kind, (kind,)) + (() if notnull or pk else ("null",))
        listed = ", ".join(f"'{value}'" for value in allowed)
        tests.append(f'coalesce(sum(typeof("{name}") not in ({listed})), 0)')
    # One pass over the table, however many columns.
    counts = db.execute(f'select {", ".join(tests)} from "{table}"').fetchone()
    wrong = [
        f"{count} rows hold other than {kind} in {name}"
        for (name, kind, _, _), count in zip(columns, counts, strict=True)
        if count
    ]
    if wrong:
        raise CacheSchemaError(f"{where}: table {table}: {'; '.join(wrong)}; {fix}")


# Who may ask for what ---------------------------------------------------------------------


def claim_holds(
    host: str | None,
    pid: int | None,
    heartbeat: float | None,
    now: float,
    *,
    this_host: str,
    alive: Callable[[int], bool] = process_alive,
) -> bool:
    """Whether a claim of the owner ``host``, ``pid``, last heard of at ``heartbeat``, holds.

    It holds while the owner's heart beat within :data:`LEASE` seconds, and, on this
    machine, while its process runs: a killed process's claims lapse at once, a frozen one's
    (or one on another machine sharing the file) after the lease. An owner that left no
    trace (``None``) holds nothing.
    """
    if host is None or pid is None or heartbeat is None or now - heartbeat > LEASE:
        return False
    return host != this_host or alive(pid)


_Mine = Literal["mine"]
_Theirs = Literal["theirs"]


@attrs.define
class _Watch:
    """The requests a cache's tasks on one event loop wait for, and the task looking at them."""

    waiting: dict[str, list[asyncio.Future[None]]] = attrs.field(factory=dict)
    task: asyncio.Task[None] | None = None


def _owner_row(
    owner: str, host: str, pid: int, clock: Callable[[], float]
) -> tuple[str, str, int, float]:
    """The row of ``owners`` saying ``owner`` lives now."""
    return (owner, host, pid, clock())


def _beat(
    db: sqlite3.Connection,
    lock: threading.Lock,
    row: Callable[[], tuple[str, str, int, float]],
    stop: threading.Event,
) -> None:
    """Tell other processes this one lives, every :data:`HEARTBEAT` seconds until ``stop``."""
    while not stop.wait(HEARTBEAT):
        with lock, contextlib.suppress(sqlite3.Error):
            db.execute("insert or replace into owners values (?, ?, ?, ?)", row())


def _retire(
    db: sqlite3.Connection, lock: threading.Lock, owner: str, stop: threading.Event
) -> None:
    """Give up ``owner``'s claims and close ``db`` (when its cache is closed or collected)."""
    stop.set()
    with lock:
        with contextlib.suppress(sqlite3.Error):
            db.execute("delete from claims where owner = ?", (owner,))
            db.execute("delete from owners where owner = ?", (owner,))
        db.close()


class ResponseCache:
    """Answers by request, on disk; safe to share between threads and between processes.

    ``clock`` (wall-clock seconds) dates the heartbeats that keep this process's claims.
    """

    def __init__(self, path: PathLike | None = None, *, clock: Callable[[], float] = time.time):
        self.path = Path(path) if path is not None else default_cache_path()
        self._clock = clock
        self._db = connect(self.path, _SCHEMA, "a response cache", RESPONSE_CACHE_FIX)
        self._lock = threading.Lock()
        self._host = socket.gethostname()
        self._pid = os.getpid()
        self.owner = f"{self._host}:{self._pid}:{secrets.token_hex(4)}"
        """Who this cache's claims belong to: the machine, the process, and this cache."""
        self._stop = threading.Event()
        self._heart: threading.Thread | None = None
        self._watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watch] = (
            weakref.WeakKeyDictionary()
        )
        try:
            self._register()
        except BaseException:
            self._db.close()
            raise
        self._retire = weakref.finalize(self, _retire, self._db, self._lock, self.owner, self._stop)

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        with self._lock, guarded(self.path, "a response cache", RESPONSE_CACHE_FIX):
            yield

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, begun before its first read (no other writer in between)."""
        with self._guarded():
            self._db.execute("begin immediate")
            try:
                yield self._db
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")

    def _owner_row(self) -> tuple[str, str, int, float]:
        return _owner_row(self.owner, self._host, self._pid, self._clock)

    def _register(self) -> None:
        """Enter this cache as an owner, and clear the claims of owners gone."""
        with self._transaction() as db:
            owners = db.execute("select owner, host, pid, heartbeat from owners").fetchall()
            now = self._clock()
            for owner, host, pid, heartbeat in owners:
                if not claim_holds(host, pid, heartbeat, now, this_host=self._host):
                    db.execute("delete from owners where owner = ?", (owner,))
            db.execute("delete from claims where owner not in (select owner from owners)")
            db.execute("insert or replace into owners values (?, ?, ?, ?)", self._owner_row())

    def get(self, request: Mapping[str, Any]) -> Completion | None:
        """The stored answer to ``request``, or None."""
        with self._guarded():
            return self._answer(request_key(request))

    def _answer(self, key: str) -> Completion | None:
        """The stored answer under ``key`` (the lock held), its values checked."""
        row = self._db.execute(
            "select text, input_tokens, output_tokens, finish_reason from answers where key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        text, input_tokens, output_tokens, finish_reason = row
        if not (
            isinstance(text, str)
            and type(input_tokens) is int
            and type(output_tokens) is int
            and (finish_reason is None or isinstance(finish_reason, str))
        ):
            raise CacheSchemaError(
                f"{self.path}: cannot use as a response cache: the answer under {key} holds "
                f"values of other types than an answer's; {RESPONSE_CACHE_FIX}"
            )
        return Completion(text, input_tokens, output_tokens, finish_reason)

    def holder(self, request: Mapping[str, Any]) -> str | None:
        """The owner whose claim on ``request`` holds (this cache's own included), or None."""
        with self._guarded():
            return self._holder(request_key(request))

    def _holder(self, key: str) -> str | None:
        row = self._db.execute(
            "select claims.owner, host, pid, heartbeat from claims"
            " left join owners on owners.owner = claims.owner where key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        owner, host, pid, heartbeat = row
        holds = claim_holds(host, pid, heartbeat, self._clock(), this_host=self._host)
        return str(owner) if holds else None

    @contextlib.asynccontextmanager
    async def claim(self, request: Mapping[str, Any]) -> AsyncIterator[Completion | None]:
        """The stored answer to ``request``; or None, and the claim to ask for it, held meanwhile.

        While another process (or another task of this one) holds the claim, waits: for its
        answer, or for the claim to lapse (its owner gave up, failed or died), and then takes
        it. Whoever holds the claim stores the answer with :meth:`put`; leaving the block
        without one gives the claim up for the next to take.
        """
        key = request_key(request)
        while (taken := self._take(key)) == "theirs":
            await self._freed(key)
        if isinstance(taken, Completion):
            yield taken
            return
        try:
            yield None
        finally:
            with self._guarded():
                self._db.execute(
                    "delete from claims where key = ? and owner = ?", (key, self.owner)
                )

    async def _freed(self, key: str) -> None:
        """Return once ``key`` has an answer or nobody's claim on it holds any more."""
        loop = asyncio.get_running_loop()
        watch = self._watches.get(loop)
        if watch is None:
            watch = self._watches[loop] = _Watch()
        future: asyncio.Future[None] = loop.create_future()
        watch.waiting.setdefault(key, []).append(future)
        if watch.task is None or watch.task.done():
            watch.task = loop.create_task(self._watch(watch))
        try:
            await future
        finally:
            futures = watch.waiting.get(key, [])
            if future in futures:
                futures.remove(future)
            if not futures:
                watch.waiting.pop(key, None)

    async def _watch(self, watch: _Watch) -> None:
        """Look at every request this loop's tasks wait for at once, until none waits.

        One look for them all, however many wait (a second process waits for all the
        first one's requests at once): at first often, then once every second or so.
        """
        pause = _POLL[0]
        try:
            while watch.waiting:
                await asyncio.sleep(pause)
                pause = min(pause * 2, _POLL[1])
                try:
                    freed = self._free_of(list(watch.waiting))
                except CacheError as error:
                    for futures in watch.waiting.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(error)
                    return
                for key in freed:
                    for future in watch.waiting.get(key, []):
                        if not future.done():
                            future.set_result(None)
        finally:
            watch.task = None  # nor keep the loop from being collected once it has ended

    def _free_of(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` that have an answer, or whose claims no longer hold."""
        free: set[str] = set()
        holders: dict[str, str] = {}
        owners: dict[str, tuple[str | None, int | None, float | None]] = {}
        with self._guarded():
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start : start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                free.update(
                    key
                    for (key,) in self._db.execute(
                        f"select key from answers where key in ({marks})", chunk
                    )
                )
                for key, owner, host, pid, heartbeat in self._db.execute(
                    "select key, claims.owner, host, pid, heartbeat from claims left join owners"
                    f" on owners.owner = claims.owner where key in ({marks})",
                    chunk,
                ):
                    holders[key] = owner
                    owners[owner] = (host, pid, heartbeat)
        now = self._clock()
        # Each owner is looked at once, however many claims it holds.
        gone = {
            owner
            for owner, (host, pid, heartbeat) in owners.items()
            if not claim_holds(host, pid, heartbeat, now, this_host=self._host)
        }
        return free | {key for key in keys if key not in holders or holders[key] in gone}

    def _take(self, key: str) -> Completion | _Mine | _Theirs:
        """The answer under ``key``, else its claim if nobody holds it (``"mine"``)."""
        with self._guarded():
            found = self._answer(key)
            if found is not None:
                return found
            if self._holder(key) is not None:
                return "theirs"
        with self._transaction():
            # Looked at again with the write lock held: taken by one process only.
            found = self._answer(key)
            if found is not None:
                return found
            if self._holder(key) is not None:
                return "theirs"
            self._db.execute("insert or replace into claims values (?, ?)", (key, self.owner))
            self._db.execute("insert or replace into owners values (?, ?, ?, ?)", self._owner_row())
        self._start_heart()
        return "mine"

    def _start_heart(self) -> None:
        """Beat this owner's heart from a thread of its own, from its first claim on."""
        if self._heart is None:
            self._heart = threading.Thread(
                target=_beat,
                # Nothing of the cache itself: the thread must not keep it from being collected.
                args=(
                    self._db,
                    self._lock,
                    functools.partial(_owner_row, self.owner, self._host, self._pid, self._clock),
                    self._stop,
                ),
                name=f"cohere-medner cache heartbeat {self.owner}",
                daemon=True,
            )
            self._heart.start()

    def put(self, request: Mapping[str, Any], completion: Completion) -> None:
        """Store an answer, giving up this cache's claim on it; committed before this returns."""
        key = request_key(request)
        with self._transaction() as db:
            db.execute(
                "insert or replace into answers values (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    json.dumps(request, sort_keys=True, ensure_ascii=False),
                    completion.text,
                    completion.input_tokens,
                    completion.output_tokens,
                    completion.finish_reason,
                ),
            )
            db.execute("delete from claims where key = ? and owner = ?", (key, self.owner))

    def __len__(self) -> int:
        with self._guarded():
            (count,) = self._db.execute("select count(*) from answers").fetchone()
        return int(count)

    def close(self) -> None:
        """Give up this cache's claims and close the file."""
        self._retire()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r})"


def open_response_cache(cache: ResponseCache | PathLike | bool) -> ResponseCache | None:
    """A cache from ``True`` (the default path), a path, a cache, or ``False`` (none)."""
    if cache is False:
        return None
    if isinstance(cache, ResponseCache):
        return cache
    return ResponseCache(None if cache is True else cache)
