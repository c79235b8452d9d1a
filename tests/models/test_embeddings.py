"""The embedding cache, Embedder and Reranker, through the real SDK against FakeCohere."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import CacheError
from cohere_medner.models.cache import CACHE_VARIABLE
from cohere_medner.models.client import CohereClient, run_sync
from cohere_medner.models.embeddings import (
    EMBEDDINGS_VARIABLE,
    Embedder,
    EmbeddingCache,
    Reranker,
    default_embeddings_path,
    open_embedding_cache,
)
from cohere_medner.testing import FakeCohere, embed_vector

MODEL = "embed-v4.0"


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


def client(server: FakeCohere) -> CohereClient:
    return CohereClient("test-key", base_url=server.url, timeout=2.0, retry_budget=20.0)


def embeds(server: FakeCohere) -> list[list[str]]:
    return [r.body["texts"] for r in server.requests if r.endpoint == "embed"]


# The cache -----------------------------------------------------------------------------------


@given(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=64))
def test_vectors_round_trip_as_float32(values: list[float]) -> None:
    cache = EmbeddingCache(":memory:")
    cache.put_vectors(MODEL, "search_document", {"k": array("f", values)})
    assert cache.vectors(["k", "absent"]) == {"k": array("f", values)}


def test_the_cache_persists_and_refuses_what_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "embeddings.sqlite3"
    cache = EmbeddingCache(path)
    cache.put_vectors(MODEL, "search_query", {f"k{n}": array("f", [n, 1.0]) for n in range(1200)})
    cache.put_ranking("r", "rerank-v3.5", [2, 0, 1])
    cache.close()
    again = EmbeddingCache(path)
    assert len(again) == 1200  # more keys than SQLite takes parameters in one query
    assert len(again.vectors(f"k{n}" for n in range(1200))) == 1200
    assert again.ranking("r") == (2, 0, 1) and again.ranking("other") is None
    assert "embeddings.sqlite3" in repr(again)

    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match=EMBEDDINGS_VARIABLE):
        EmbeddingCache(junk)


def test_default_path_sits_beside_the_response_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(EMBEDDINGS_VARIABLE, raising=False)
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "responses.sqlite3"))
    assert default_embeddings_path() == tmp_path / "embeddings.sqlite3"
    monkeypatch.setenv(EMBEDDINGS_VARIABLE, str(tmp_path / "mine.db"))
    assert default_embeddings_path() == tmp_path / "mine.db"
    opened = open_embedding_cache(True)
    assert opened is not None and opened.path == tmp_path / "mine.db"
    assert open_embedding_cache(False) is None
    assert open_embedding_cache(opened) is opened


# Embedder ------------------------------------------------------------------------------------


def test_embedder_sends_each_text_once_ever(server: FakeCohere, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "e.sqlite3")
    embedder = Embedder(client(server), MODEL, cache)
    first = run_sync(embedder.embed(["aspirin", "bleeding", "aspirin"], "search_document"))
    assert embeds(server) == [["aspirin", "bleeding"]]
    assert first[0] == first[2]
    assert list(first[1]) == pytest.approx(embed_vector("bleeding", 1536), abs=1e-6)
    assert all(isinstance(v, array) and v.typecode == "f" for v in first)

    again = run_sync(embedder.embed(["bleeding", "liver", "aspirin"], "search_document"))
    assert embeds(server)[1:] == [["liver"]]
    assert again[0] == first[1] and again[2] == first[0]

    # Another input type, dimension, model or server is another vector.
    run_sync(embedder.embed(["aspirin"], "search_query"))
    run_sync(
        Embedder(client(server), MODEL, cache, dimension=256).embed(["aspirin"], "search_query")
    )
    assert embeds(server)[2:] == [["aspirin"], ["aspirin"]]
    keys = {
        embedder.key("aspirin", "search_document"),
        embedder.key("aspirin", "search_query"),
        Embedder(client(server), MODEL, cache, dimension=256).key("aspirin", "search_query"),
        Embedder(client(server), "embed-english-v3.0", cache).key("aspirin", "search_query"),
        Embedder(CohereClient("k"), MODEL, cache).key("aspirin", "search_query"),
    }
    assert len(keys) == 5
    assert "test-key" not in repr(embedder)


def test_embedder_without_a_cache_asks_every_time(server: FakeCohere) -> None:
    embedder = Embedder(client(server), MODEL)
    run_sync(embedder.embed(["a"], "clustering"))
    run_sync(embedder.embed(["a"], "clustering"))
    assert embeds(server) == [["a"], ["a"]]


# Reranker ------------------------------------------------------------------------------------


def test_reranker_orders_and_remembers(server: FakeCohere, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "e.sqlite3")
    reranker = Reranker(client(server), "rerank-v3.5", cache)
    documents = ["lidocaine asystole", "clonidine naloxone rats", "clonidine hypotension"]
    assert run_sync(reranker.order("clonidine hypotension", documents)) == (2, 1, 0)
    fresh = Reranker(client(server), "rerank-v3.5", EmbeddingCache(tmp_path / "e.sqlite3"))
    assert run_sync(fresh.order("clonidine hypotension", documents)) == (2, 1, 0)
    assert run_sync(reranker.order("clonidine hypotension", [])) == ()
    assert server.endpoint_counts["rerank"] == 1
    assert repr(reranker) == "Reranker(model='rerank-v3.5')"
