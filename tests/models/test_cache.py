from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cohere_medner
from clocks import Clock
from cohere_medner.errors import (
    CacheAccessError,
    CacheBusyError,
    CacheCorruptError,
    CacheError,
    CacheSchemaError,
)
from cohere_medner.models import cache as cache_module
from cohere_medner.models.cache import (
    LEASE,
    ResponseCache,
    claim_holds,
    default_cache_path,
    request_key,
)
from cohere_medner.models.embeddings import EmbeddingCache
from cohere_medner.types import Completion
from permissions import as_a_user

REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "parameters": {}}


def test_answers_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    cache = ResponseCache(path)
    assert cache.get(REQUEST) is None
    cache.put(REQUEST, Completion("- a", 3, 2, "COMPLETE"))
    cache.close()
    again = ResponseCache(path)
    assert again.get(REQUEST) == Completion("- a", 3, 2, "COMPLETE")
    assert len(again) == 1


def test_answers_are_committed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    ResponseCache(path).put(REQUEST, Completion("x"))
    # Another connection (as after a crash of this process) sees the answer already.
    (count,) = sqlite3.connect(path).execute("select count(*) from answers").fetchone()
    assert count == 1


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=5))
def test_key_ignores_mapping_order(request: dict[str, object]) -> None:
    reordered = dict(reversed(list(request.items())))
    assert request_key(request) == request_key(reordered)


def test_key_changes_with_any_part_of_the_request() -> None:
    other = {**REQUEST, "parameters": {"temperature": 0.5}}
    assert request_key(REQUEST) != request_key(other)


def test_default_path_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHERE_MEDNER_CACHE", str(tmp_path / "mine.sqlite3"))
    assert default_cache_path() == tmp_path / "mine.sqlite3"
    monkeypatch.delenv("COHERE_MEDNER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "cohere-medner" / "responses.sqlite3"


# A cache is checked when it is opened, and every problem named with the file and the fix ---


def _filled(path: Path, answers: int = 1) -> Path:
    """A response cache at ``path`` holding ``answers`` answers of 2 KB, closed."""
    cache = ResponseCache(path)
    for number in range(answers):
        cache.put({**REQUEST, "number": number}, Completion(f"- {number}\n" + "x" * 2000, 1, 1))
    cache.close()
    return path


def _write(path: Path, *statements: str) -> Path:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path


def _damaged(path: Path) -> Path:
    """A cache of 200 answers whose middle page was overwritten."""
    _filled(path, 200)
    size = path.stat().st_size
    with path.open("r+b") as stream:
        stream.seek(size // 2 // 4096 * 4096)
        stream.write(b"\xa5" * 4096)
    return path


ANSWERS = (
    "create table answers (key text primary key, request text not null, text text not null,"
    " input_tokens integer not null, output_tokens integer not null, finish_reason text)"
)
BROKEN: dict[str, tuple[Callable[[Path], Path], type[CacheError], str]] = {
    "not a database": (
        lambda p: (p.write_text("not sqlite at all" * 100), p)[1],
        CacheCorruptError,
        "not an SQLite database, or damaged inside",
    ),
    "damaged mid-file": (_damaged, CacheCorruptError, "damaged inside"),
    "another program's database": (
        lambda p: _write(p, "create table notes (id integer, body text)"),
        CacheSchemaError,
        "a database of another kind (tables notes",
    ),
    "an embedding cache": (
        lambda p: (EmbeddingCache(p).close(), p)[1],
        CacheSchemaError,
        "tables rankings, vectors, where this cache has answers, claims, owners",
    ),
    "other columns": (
        lambda p: _write(p, "create table answers (key text, answer blob)"),
        CacheSchemaError,
        "table answers has columns (key text, answer blob), where this cache has (key text,",
    ),
    "columns of other types": (
        lambda p: _write(p, ANSWERS.replace("input_tokens integer", "input_tokens text")),
        CacheSchemaError,
        "input_tokens text, output_tokens integer",
    ),
    "values of other types": (
        lambda p: _write(
            _filled(p, 3), "update answers set input_tokens = 'many', output_tokens = x'00'"
        ),
        CacheSchemaError,
        "3 rows hold other than integer in input_tokens; 3 rows hold other than integer in",
    ),
    "a directory": (lambda p: (p.mkdir(), p)[1], CacheAccessError, "a directory"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_cache_that_cannot_be_used_is_refused_when_opened(tmp_path: Path, case: str) -> None:
    make, kind, problem = BROKEN[case]
    path = make(tmp_path / "c.sqlite3")
    with pytest.raises(kind) as refused:
        ResponseCache(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: cannot use as a response cache: ")
    assert problem in message
    assert message.endswith(
        "use another file (--cache PATH, cache=PATH or $COHERE_MEDNER_CACHE)"
        " or none (--no-cache, cache=False)"
    )


def test_a_read_only_cache_is_refused_before_anything_is_paid(tmp_path: Path) -> None:
    path = _filled(tmp_path / "c.sqlite3")
    path.chmod(0o444)
    with as_a_user(), pytest.raises(CacheAccessError) as refused:
        ResponseCache(path)
    assert str(refused.value).startswith(f"{path}: cannot use as a response cache: cannot read")
    assert "readonly database" in str(refused.value) and "--no-cache" in str(refused.value)


def test_a_cache_in_a_directory_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    # SQLite writes its log beside the file: a writable file in a read-only directory fails
    # at the first write, as a read-only file does.
    folder = tmp_path / "caches"
    path = _filled(folder / "c.sqlite3")
    folder.chmod(0o555)
    try:
        with as_a_user():
            with pytest.raises(CacheAccessError, match="readonly database"):
                ResponseCache(path)
            with pytest.raises(CacheAccessError, match=r"Permission denied.*--no-cache"):
                ResponseCache(folder / "new" / "c.sqlite3")
    finally:
        folder.chmod(0o755)


def test_an_answer_of_the_wrong_types_written_later_is_a_cache_error(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    cache.put(REQUEST, Completion("- a", 1, 1))
    _write(tmp_path / "c.sqlite3", "update answers set output_tokens = 'lots'")
    with pytest.raises(CacheSchemaError, match="values of other types than an answer's"):
        cache.get(REQUEST)


def test_a_write_waits_for_another_process_then_says_what_held_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    other = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    other.execute("begin immediate")  # another process, stuck in the middle of a write
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT", 0.05)
    try:
        assert cache.get(REQUEST) is None  # reading never waits for a writer
        with pytest.raises(CacheBusyError, match=r"another process kept it locked.*--no-cache"):
            ResponseCache(tmp_path / "c.sqlite3")
    finally:
        other.execute("rollback")
    cache.put(REQUEST, Completion("- a"))
    assert cache.get(REQUEST) == Completion("- a")


def test_the_cache_keeps_a_write_ahead_log(tmp_path: Path) -> None:
    ResponseCache(tmp_path / "c.sqlite3")
    (mode,) = sqlite3.connect(tmp_path / "c.sqlite3").execute("pragma journal_mode").fetchone()
    assert mode == "wal"


def test_a_cache_written_before_claims_existed_is_read_and_kept(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "old.sqlite3",
        ANSWERS,
        f"insert into answers values ('{request_key(REQUEST)}', '{{}}', '- a', 3, 2, 'COMPLETE')",
    )
    assert ResponseCache(path).get(REQUEST) == Completion("- a", 3, 2, "COMPLETE")


# Processes sharing a cache ask for each answer once -----------------------------------------


async def _waiting(cache: ResponseCache, request: dict[str, object]) -> Completion | None:
    async with cache.claim(request) as found:
        return found


def test_a_request_another_holds_is_awaited_then_read(tmp_path: Path) -> None:
    first, second = ResponseCache(tmp_path / "c.sqlite3"), ResponseCache(tmp_path / "c.sqlite3")

    async def scene() -> Completion | None:
        async with first.claim(REQUEST) as found:
            assert found is None and second.holder(REQUEST) == first.owner
            waiter = asyncio.ensure_future(_waiting(second, REQUEST))
            await asyncio.sleep(0)  # the second has looked, and waits
            assert not waiter.done()
            first.put(REQUEST, Completion("- a", 3, 2))
        return await waiter

    assert asyncio.run(scene()) == Completion("- a", 3, 2)
    assert first.holder(REQUEST) is None


def test_every_waiter_gets_its_answer_and_one_given_up_waits_no_more(tmp_path: Path) -> None:
    first, second = ResponseCache(tmp_path / "c.sqlite3"), ResponseCache(tmp_path / "c.sqlite3")
    requests = [{**REQUEST, "number": number} for number in range(60)]

    async def scene() -> list[Completion | None]:
        async with contextlib.AsyncExitStack() as held:
            for request in requests:
                assert await held.enter_async_context(first.claim(request)) is None
            waiters = [asyncio.ensure_future(_waiting(second, r)) for r in requests]
            await asyncio.sleep(0)
            waiters[0].cancel()
            for number, request in enumerate(requests[1:], 1):
                first.put(request, Completion(f"- {number}"))
            answers = await asyncio.gather(*waiters[1:])
        # The request given up is not waited for: it was never answered, and is free.
        assert waiters[0].cancelled() and second.holder(requests[0]) is None
        return answers

    assert asyncio.run(scene()) == [Completion(f"- {n}") for n in range(1, 60)]


def test_a_cache_that_fails_while_requests_wait_fails_them_with_a_cache_error(
    tmp_path: Path,
) -> None:
    first, second = ResponseCache(tmp_path / "c.sqlite3"), ResponseCache(tmp_path / "c.sqlite3")

    async def scene() -> None:
        async with first.claim(REQUEST):
            waiter = asyncio.ensure_future(_waiting(second, REQUEST))
            await asyncio.sleep(0)
            second.close()
            with pytest.raises(CacheError, match=r"c.sqlite3: cannot use as a response cache"):
                await waiter

    asyncio.run(scene())


def test_a_claim_given_up_without_an_answer_passes_to_the_next(tmp_path: Path) -> None:
    first, second = ResponseCache(tmp_path / "c.sqlite3"), ResponseCache(tmp_path / "c.sqlite3")

    async def scene() -> str | None:
        waiter = None
        with contextlib.suppress(RuntimeError):
            async with first.claim(REQUEST):
                waiter = asyncio.ensure_future(second.claim(REQUEST).__aenter__())
                await asyncio.sleep(0)
                raise RuntimeError("the request failed")
        assert waiter is not None
        assert await waiter is None  # the second now holds the claim, and asks
        return second.holder(REQUEST)

    assert asyncio.run(scene()) == second.owner


def _claimed_by_a_process(path: Path) -> subprocess.Popen[str]:
    """Another process holding the claim on REQUEST in the cache at ``path``, then sleeping."""
    code = (
        "import asyncio, json, sys, time\n"
        "from cohere_medner.models.cache import ResponseCache\n"
        "async def hold():\n"
        "    async with ResponseCache(sys.argv[1]).claim(json.loads(sys.argv[2])):\n"
        "        print('claimed', flush=True)\n"
        "        time.sleep(600)\n"
        "asyncio.run(hold())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(cohere_medner.__file__).parents[1])}
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path), json.dumps(REQUEST)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "claimed\n"
    return holder


def test_the_claims_of_a_killed_process_lapse_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    holder = _claimed_by_a_process(path)
    cache = ResponseCache(path)
    try:
        assert (cache.holder(REQUEST) or "").split(":")[1] == str(holder.pid)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert cache.holder(REQUEST) is None
    assert asyncio.run(_waiting(cache, REQUEST)) is None  # taken over: not waited for
    # A cache opened later clears what the killed process left.
    ResponseCache(path)
    owners = sqlite3.connect(path).execute("select count(*) from claims").fetchone()
    assert owners == (0,)


def test_the_claims_of_a_process_whose_heart_stopped_lapse_after_the_lease(
    tmp_path: Path,
) -> None:
    clock = Clock(now=1000.0)
    cache = ResponseCache(tmp_path / "c.sqlite3", clock=clock)
    # A process on another machine (or frozen): only its heartbeat tells it lives.
    _write(
        tmp_path / "c.sqlite3",
        "insert into owners values ('elsewhere:7:ab', 'elsewhere', 7, 1000.0)",
        f"insert into claims values ('{request_key(REQUEST)}', 'elsewhere:7:ab')",
    )
    clock.now += LEASE
    assert cache.holder(REQUEST) == "elsewhere:7:ab"
    clock.now += 1
    assert cache.holder(REQUEST) is None


@given(
    st.sampled_from(["here", "elsewhere", None]),
    st.sampled_from([1, 2, None]),
    st.floats(min_value=-10.0, max_value=3 * LEASE) | st.none(),
)
def test_a_claim_holds_while_its_owner_is_heard_of_and_runs(
    host: str | None, pid: int | None, age: float | None
) -> None:
    now = 5000.0
    heartbeat = None if age is None else now - age
    holds = claim_holds(host, pid, heartbeat, now, this_host="here", alive=lambda p: p == 1)
    known = host is not None and pid is not None and age is not None
    assert holds == (known and age <= LEASE and (host == "elsewhere" or pid == 1))
