"""Cohere Embed and Rerank answers, each asked for once and kept on disk.

An :class:`Embedder` turns texts into vectors and a :class:`Reranker` orders candidates for a
query; both ask the client only for what their :class:`EmbeddingCache` lacks, so embedding a
training split is paid for once, and a re-run sees the very same vectors and orders (and so
builds the very same prompts, which the response cache then answers).

The cache is one SQLite file with two tables. ``vectors`` holds one row per text: ``key``
(SHA-256 of the server, model, input type, requested dimension and the text), ``model``,
``input_type``, ``dimension`` and ``vector``, the floats as little-endian float32 bytes
(``array("f")``; 6 KB for a 1536-dimension vector). ``rankings`` holds one row per rerank
call: ``key`` (SHA-256 of the server, model, query and candidate texts), ``model`` and
``ranking``, a JSON list of candidate indices, most relevant first. Texts themselves are
not stored, and neither is the API key.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from cohere_medner._files import PathLike
from cohere_medner.models.cache import connect, default_cache_path, guarded, request_key
from cohere_medner.models.client import CohereClient, EmbedInputType

EMBEDDINGS_VARIABLE: Final = "COHERE_MEDNER_EMBEDDINGS"

_SCHEMA: Final = (
    """
    create table if not exists vectors (
        key text primary key,
        model text not null,
        input_type text not null,
        dimension integer not null,
        vector blob not null
    )
    """,
    """
    create table if not exists rankings (
        key text primary key,
        model text not null,
        ranking text not null
    )
    """,
)
_FIX: Final = (
    f"use another file (cache=PATH or ${EMBEDDINGS_VARIABLE}) or none (--no-cache, cache=False)"
)
_LOOKUP_CHUNK: Final = 500  # SQLite's default limit on host parameters is 999


def default_embeddings_path() -> Path:
    """``$COHERE_MEDNER_EMBEDDINGS``, else ``embeddings.sqlite3`` beside the response cache."""
    if os.environ.get(EMBEDDINGS_VARIABLE):
        return Path(os.environ[EMBEDDINGS_VARIABLE])
    return default_cache_path().with_name("embeddings.sqlite3")


def _to_bytes(vector: array[float]) -> bytes:
    if sys.byteorder == "big":
        vector = array("f", vector)
        vector.byteswap()
    return vector.tobytes()


def _from_bytes(blob: bytes) -> array[float]:
    vector = array("f")
    vector.frombytes(blob)
    if sys.byteorder == "big":
        vector.byteswap()
    return vector


class EmbeddingCache:
    """Vectors by text and rerank orders by query, on disk; shareable between threads."""

    def __init__(self, path: PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_embeddings_path()
        self._db = connect(self.path, _SCHEMA, "an embedding cache", _FIX)
        self._lock = threading.Lock()

    def vectors(self, keys: Iterable[str]) -> dict[str, array[float]]:
        """The stored vectors among ``keys``; keys not stored are absent."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, array[float]] = {}
        with self._lock, guarded(self.path, "an embedding cache", _FIX):
            for start in range(0, len(wanted), _LOOKUP_CHUNK):
                chunk = wanted[start : start + _LOOKUP_CHUNK]
                rows = self._db.execute(
                    f"select key, vector from vectors where key in ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                found.update((key, _from_bytes(blob)) for key, blob in rows)
        return found

    def put_vectors(self, model: str, input_type: str, vectors: Mapping[str, array[float]]) -> None:
        """Store vectors by key, in one transaction committed before this returns."""
        rows = [
            (key, model, input_type, len(vector), _to_bytes(vector))
            for key, vector in vectors.items()
        ]
        with self._lock, guarded(self.path, "an embedding cache", _FIX):
            self._db.execute("begin")
            try:
                self._db.executemany("insert or replace into vectors values (?, ?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")

    def ranking(self, key: str) -> tuple[int, ...] | None:
        """The stored rerank order for ``key``, or None."""
        with self._lock, guarded(self.path, "an embedding cache", _FIX):
            row = self._db.execute("select ranking from rankings where key = ?", (key,)).fetchone()
        return None if row is None else tuple(int(index) for index in json.loads(row[0]))

    def put_ranking(self, key: str, model: str, ranking: Sequence[int]) -> None:
        """Store a rerank order (candidate indices, most relevant first)."""
        with self._lock, guarded(self.path, "an embedding cache", _FIX):
            self._db.execute(
                "insert or replace into rankings values (?, ?, ?)",
                (key, model, json.dumps(list(ranking))),
            )

    def __len__(self) -> int:
        """How many vectors are stored."""
        with self._lock, guarded(self.path, "an embedding cache", _FIX):
            (count,) = self._db.execute("select count(*) from vectors").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock, guarded(self.path, "an embedding cache", _FIX):
            self._db.close()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.path)!r})"


def open_embedding_cache(cache: EmbeddingCache | PathLike | bool) -> EmbeddingCache | None:
    """A cache from ``True`` (the default path), a path, a cache, or ``False`` (none)."""
    if cache is False:
        return None
    if isinstance(cache, EmbeddingCache):
        return cache
    return EmbeddingCache(None if cache is True else cache)


class Embedder:
    """Vectors for texts from one embedding model, each text sent to Cohere once ever.

    ``dimension`` asks for a shorter vector where the model offers several (``embed-v4.0``:
    256, 512, 1024 or 1536, the default). Vectors come back as float32 arrays, also when
    fresh from the API, so a first run and a cached re-run compute with identical numbers.
    """

    def __init__(
        self,
        client: CohereClient,
        model: str,
        cache: EmbeddingCache | None = None,
        *,
        dimension: int | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.cache = cache
        self.dimension = dimension

    def key(self, text: str, input_type: EmbedInputType) -> str:
        """The cache key of ``text`` embedded as ``input_type``."""
        return request_key(
            {
                "server": self.client.server,
                "model": self.model,
                "input_type": input_type,
                "dimension": self.dimension,
                "text": text,
            }
        )

    async def embed(self, texts: Sequence[str], input_type: EmbedInputType) -> list[array[float]]:
        """One vector per text, in order; only texts the cache lacks are sent (once each)."""
        keys = [self.key(text, input_type) for text in texts]
        found = self.cache.vectors(keys) if self.cache is not None else {}
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            floats = await self.client.embed(
                self.model, list(missing.values()), input_type, output_dimension=self.dimension
            )
            fresh = {key: array("f", vector) for key, vector in zip(missing, floats, strict=True)}
            if self.cache is not None:
                self.cache.put_vectors(self.model, input_type, fresh)
            found.update(fresh)
        return [found[key] for key in keys]

    def __repr__(self) -> str:
        return f"Embedder(model={self.model!r}, dimension={self.dimension!r})"


class Reranker:
    """Candidate orders from one rerank model, each (query, candidates) sent once ever."""

    def __init__(self, client: CohereClient, model: str, cache: EmbeddingCache | None = None):
        self.client = client
        self.model = model
        self.cache = cache

    def key(self, query: str, documents: Sequence[str]) -> str:
        """The cache key of reranking ``documents`` for ``query``."""
        request: dict[str, Any] = {
            "server": self.client.server,
            "model": self.model,
            "query": query,
            "documents": list(documents),
        }
        return request_key(request)

    async def order(self, query: str, documents: Sequence[str]) -> tuple[int, ...]:
        """Indices of ``documents``, most relevant to ``query`` first (ties: given order)."""
        if not documents:
            return ()
        key = self.key(query, documents)
        if self.cache is not None:
            stored = self.cache.ranking(key)
            if stored is not None:
                return stored
        ranked = await self.client.rerank(self.model, query, documents)
        named = [index for index, _ in ranked if 0 <= index < len(documents)]
        # Every candidate once: any the answer left out follow, in the given order.
        order = tuple(dict.fromkeys([*named, *range(len(documents))]))
        if self.cache is not None:
            self.cache.put_ranking(key, self.model, order)
        return order

    def __repr__(self) -> str:
        return f"Reranker(model={self.model!r})"
