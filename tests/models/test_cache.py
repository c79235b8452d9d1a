from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import CacheError
from cohere_medner.models.cache import ResponseCache, default_cache_path, request_key
from cohere_medner.types import Completion

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


def test_not_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not sqlite at all" * 100)
    with pytest.raises(CacheError, match="cannot use as a response cache"):
        ResponseCache(path)


def test_default_path_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHERE_MEDNER_CACHE", str(tmp_path / "mine.sqlite3"))
    assert default_cache_path() == tmp_path / "mine.sqlite3"
    monkeypatch.delenv("COHERE_MEDNER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_path() == tmp_path / "cohere-medner" / "responses.sqlite3"
