"""POST /v2/rerank: documents ordered by how many of the query's words they share.

A document's relevance is the cosine of the query's and the document's sets of lower-cased
words, ``|Q & D| / sqrt(|Q| |D|)``: within ``[0, 1]``, higher for documents that hold more
of the query and fewer other words; ties keep the documents' order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from cohere_medner.testing.embeddings import words
from cohere_medner.testing.handling import check_model, invalid
from cohere_medner.testing.routing import ServerView
from cohere_medner.testing.wire import FakeRequest, Reply, new_id, truncate_tokens

DEFAULT_RERANK_MODELS: Final = frozenset(
    {"rerank-v3.5", "rerank-english-v3.0", "rerank-multilingual-v3.0"}
)
"""Rerank models the fake knows unless told otherwise."""

DEFAULT_MAX_TOKENS_PER_DOC: Final = 4096
DOCUMENTS_PER_SEARCH_UNIT: Final = 100
"""Cohere bills one search unit per query with up to 100 documents."""


def relevance(query: str, document: str) -> float:
    """The cosine of the two texts' word sets: 0 when they share no word, 1 when equal."""
    asked, found = set(words(query)), set(words(document))
    if not asked or not found:
        return 0.0
    return len(asked & found) / math.sqrt(len(asked) * len(found))


def rerank_prompt(body: Mapping[str, Any]) -> str:
    query = body.get("query")
    return query if isinstance(query, str) else ""


def handle_rerank(request: FakeRequest, view: ServerView) -> Reply:
    body = request.body
    check_model(body.get("model"), view.rerank_models)
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise invalid("query must be a non-empty string.")
    documents = body.get("documents")
    if not isinstance(documents, list) or not documents:
        raise invalid("documents must be a non-empty list.")
    if not all(isinstance(document, str) for document in documents):
        raise invalid("documents must be strings (format structured data as YAML strings).")
    top_n = body.get("top_n")
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise invalid("top_n must be a positive integer.")
    limit = body.get("max_tokens_per_doc") or DEFAULT_MAX_TOKENS_PER_DOC
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise invalid("max_tokens_per_doc must be a positive integer.")

    scores = [relevance(query, truncate_tokens(document, limit)) for document in documents]
    ranked = sorted(range(len(documents)), key=lambda index: (-scores[index], index))
    results = [{"index": index, "relevance_score": scores[index]} for index in ranked]
    search_units = math.ceil(len(documents) / DOCUMENTS_PER_SEARCH_UNIT)
    return Reply.json(
        200,
        {
            "id": new_id(),
            "results": results[:top_n] if top_n is not None else results,
            "meta": {
                "api_version": {"version": "2"},
                "billed_units": {"search_units": search_units},
            },
        },
    )
