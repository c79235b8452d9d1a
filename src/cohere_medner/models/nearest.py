"""Worked examples chosen by meaning: for each abstract, the most similar training abstracts.

:class:`KNearest` embeds a pool of annotated documents (``search_document``) and each
document to extract (``search_query``) with Cohere Embed, takes the ``k`` pool documents of
highest cosine similarity (optionally re-ordered by Cohere Rerank), drops the least similar
until the examples fit a token budget, and hands them to the template, which shows each
with its gold answer as a worked example. It fills the same slot as the random
:class:`~cohere_medner.prompts.templates.FewShot`: anything with ``choose(document)`` does.

Examples are shown least similar first, so that the most similar one stands right before
the document (the order Liu et al., 2022, "What Makes Good In-Context Examples for GPT-3?",
found best). Ties in similarity go to the lower PMID, so a prompt never depends on the
order of the pool. Examples must never come from the documents being extracted:
:meth:`KNearest.prepare` refuses an overlap with :class:`ExampleLeakError`.
"""

from __future__ import annotations

import asyncio
import math
import operator
import weakref
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from cohere_medner.errors import ExampleError, ExampleLeakError
from cohere_medner.models.client import CohereClient, run_sync
from cohere_medner.models.embeddings import Embedder, EmbeddingCache, Reranker, open_embedding_cache
from cohere_medner.types import Document

DEFAULT_EMBED_MODEL: Final = "embed-v4.0"
DEFAULT_TOKEN_BUDGET: Final = 6000
CHARS_PER_TOKEN: Final = 4
"""Cohere's rule of thumb for English text; the budget's estimate is generous on top."""

_RELATION_CHARS: Final = 80  # "Chemical X influences disease Y" with two typical names
_FRAMING_CHARS: Final = 100  # the cue, bullets and chat turn framing of one example


def check_disjoint(pool: Iterable[Document], documents: Iterable[Document]) -> None:
    """Refuse (:class:`ExampleLeakError`) documents to extract that share a PMID with the pool."""
    pooled = {document.pmid for document in pool}
    given = list(documents)
    leaked = tuple(dict.fromkeys(d.pmid for d in given if d.pmid in pooled))
    if leaked:
        raise ExampleLeakError(leaked, len(given))


def example_tokens(document: Document) -> int:
    """A generous estimate of the tokens ``document`` adds to a prompt as a worked example.

    Its title and abstract, every distinct mention text (all that any list could name) and a
    line for each relation, plus a little framing, at :data:`CHARS_PER_TOKEN` characters a
    token: more than any built-in template and task show, so that the budget holds for all.
    """
    names = {mention.text for mention in document.mentions}
    characters = (
        len(document.title)
        + len(document.abstract)
        + sum(len(name) + 3 for name in names)
        + _RELATION_CHARS * len(document.relations)
        + _FRAMING_CHARS
    )
    return math.ceil(characters / CHARS_PER_TOKEN)


def retrieval_text(document: Document) -> str:
    """What is embedded (and reranked) for a document: its title and abstract."""
    return "\n".join(part for part in (document.title, document.abstract) if part.strip())


def _unit(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm > 0 else list(vector)


def _pmid_order(pmid: str) -> tuple[int, str]:
    # Numeric PMIDs in numeric order ("9" before "10"); any others after them, by text.
    return (len(pmid), pmid) if pmid.isdigit() else (1 << 30, pmid)


class KNearest:
    """Worked examples for each document: the ``k`` most similar documents of ``pool``.

    ``pool`` holds annotated documents from a split you do not evaluate (the training split).
    Similarity is the cosine of Cohere Embed vectors (``embed_model``, ``dimension``); with
    ``rerank_model``, the ``rerank_candidates`` nearest (default ``max(4k, 20)``) are
    re-ordered by Cohere Rerank before the ``k`` best are taken. ``token_budget`` (``None``:
    no limit) drops the least similar examples until the estimated size of the rest
    (:func:`example_tokens`) fits. Vectors and rerank orders are cached on disk (``cache``:
    ``True`` for the default path, a path, an :class:`EmbeddingCache`, or ``False``).

    Call :meth:`prepare` (or :meth:`prepare_sync`) with all documents to extract before
    :meth:`choose`: it embeds them in few batched calls; ``choose`` on a document not
    prepared prepares it alone.
    """

    def __init__(
        self,
        pool: Iterable[Document],
        k: int = 3,
        *,
        embed_model: str = DEFAULT_EMBED_MODEL,
        dimension: int | None = None,
        rerank_model: str | None = None,
        rerank_candidates: int | None = None,
        token_budget: int | None = DEFAULT_TOKEN_BUDGET,
        cache: EmbeddingCache | str | Path | bool = True,
        client: CohereClient | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        requests_per_minute: float | None = None,
        max_concurrency: int = 8,
        retry_budget: float = 300.0,
        timeout: float = 120.0,
    ) -> None:
        self.pool = tuple(pool)
        _check_pool(self.pool, k)
        self.k = k
        self.rerank_candidates = _rerank_candidates(k, rerank_candidates)
        self.token_budget = _token_budget(token_budget)
        self.client = client or CohereClient(
            api_key,
            base_url=base_url,
            requests_per_minute=requests_per_minute,
            max_concurrency=max_concurrency,
            retry_budget=retry_budget,
            timeout=timeout,
        )
        store = open_embedding_cache(cache)
        self.embedder = Embedder(self.client, embed_model, store, dimension=dimension)
        self.reranker = (
            Reranker(self.client, rerank_model, store) if rerank_model is not None else None
        )
        self._texts = [retrieval_text(document) for document in self.pool]
        self._costs = [example_tokens(document) for document in self.pool]
        self._pool_vectors: list[list[float]] | None = None
        self._pool_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
        self._pool_locks = weakref.WeakKeyDictionary()
        self._chosen: dict[tuple[str, str], tuple[int, ...]] = {}

    def __repr__(self) -> str:
        rerank = self.reranker.model if self.reranker else None
        return (
            f"KNearest(pool={len(self.pool)} documents, k={self.k}, "
            f"embed_model={self.embedder.model!r}, rerank_model={rerank!r}, "
            f"token_budget={self.token_budget!r})"
        )

    # The public road ----------------------------------------------------------------------

    def check_disjoint(self, documents: Iterable[Document]) -> None:
        """Refuse (:class:`ExampleLeakError`) documents to extract that are in the pool."""
        check_disjoint(self.pool, documents)

    async def prepare(self, documents: Iterable[Document]) -> None:
        """Choose the examples of every document, embedding them together in batched calls.

        Refuses documents that are in the pool; documents without text are skipped (there is
        nothing to extract from them either). Preparing a document again costs nothing.
        """
        given = list(documents)
        self.check_disjoint(given)
        todo = list(
            {
                self._key(d): d
                for d in given
                if retrieval_text(d).strip() and self._key(d) not in self._chosen
            }.values()
        )
        if not todo:
            return
        pool_vectors = await self._pool()
        queries = await self.embedder.embed([retrieval_text(d) for d in todo], "search_query")
        chosen = await asyncio.gather(
            *(self._choose(d, q, pool_vectors) for d, q in zip(todo, queries, strict=True))
        )
        for document, indices in zip(todo, chosen, strict=True):
            self._chosen[self._key(document)] = indices

    def prepare_sync(self, documents: Iterable[Document]) -> None:
        """:meth:`prepare` from synchronous code."""
        run_sync(self.prepare(documents))

    def choose(self, document: Document) -> tuple[Document, ...]:
        """The worked examples shown with ``document``, the most similar last."""
        key = self._key(document)
        if key not in self._chosen:
            self.prepare_sync([document])
        return tuple(self.pool[index] for index in self._chosen.get(key, ()))

    # Internals ----------------------------------------------------------------------------

    @staticmethod
    def _key(document: Document) -> tuple[str, str]:
        return document.pmid, retrieval_text(document)

    async def _pool(self) -> list[list[float]]:
        """The pool's unit vectors, embedded once (concurrent callers wait for the first)."""
        if self._pool_vectors is not None:
            return self._pool_vectors
        loop = asyncio.get_running_loop()
        lock = self._pool_locks.setdefault(loop, asyncio.Lock())
        async with lock:
            if self._pool_vectors is None:
                vectors = await self.embedder.embed(self._texts, "search_document")
                self._pool_vectors = [_unit(vector) for vector in vectors]
        return self._pool_vectors

    async def _choose(
        self, document: Document, query: array[float], pool_vectors: list[list[float]]
    ) -> tuple[int, ...]:
        """Pool indices of ``document``'s examples, in the order they are shown."""
        unit = _unit(query)
        scores = [sum(map(operator.mul, unit, vector)) for vector in pool_vectors]
        candidates = [i for i, d in enumerate(self.pool) if d.pmid != document.pmid]
        candidates.sort(key=lambda i: (-scores[i], *_pmid_order(self.pool[i].pmid)))
        if self.reranker is not None:
            shortlist = candidates[: self.rerank_candidates]
            order = await self.reranker.order(
                retrieval_text(document), [self._texts[i] for i in shortlist]
            )
            candidates = [shortlist[position] for position in order]
        best = candidates[: self.k]
        if self.token_budget is not None:
            while best and sum(self._costs[i] for i in best) > self.token_budget:
                best.pop()
        return tuple(reversed(best))


def _check_pool(pool: Sequence[Document], k: int) -> None:
    if k < 1:
        raise ExampleError(f"nearest-neighbour examples need k of at least 1, got k={k}")
    if len(pool) < k:
        raise ExampleError(
            f"k={k} examples per prompt but the pool holds only {len(pool)} documents; "
            "give more training documents or a smaller k"
        )
    twice = [pmid for pmid, count in Counter(d.pmid for d in pool).items() if count > 1]
    if twice:
        raise ExampleError(f"the example pool holds PMID(s) {', '.join(twice)} more than once")
    empty = [d.pmid for d in pool if not retrieval_text(d).strip()]
    if empty:
        raise ExampleError(f"pool documents without text cannot be examples: {', '.join(empty)}")


def _rerank_candidates(k: int, requested: int | None) -> int:
    """How many nearest documents rerank re-orders: ``requested``, else ``max(4k, 20)``."""
    candidates = max(4 * k, 20) if requested is None else requested
    if candidates < k:
        raise ExampleError(
            f"rerank_candidates ({candidates}) must be at least k ({k}): "
            "rerank re-orders the nearest candidates and the best k are taken"
        )
    return candidates


def _token_budget(requested: int | None) -> int | None:
    """``requested``, refused (:class:`ExampleError`) unless positive or ``None``."""
    if requested is not None and requested < 1:
        raise ExampleError(f"token_budget must be positive or None, got {requested}")
    return requested
