"""The route table: each Cohere endpoint the fake speaks, and the handler that answers it.

To add an endpoint, write a handler ``(FakeRequest, ServerView) -> Reply`` in its own module
(:mod:`.routing` says what it may read, :mod:`.handling` holds the shared checks), raise
:class:`HTTPError` for refusals, and add its :class:`Route` below; keep its state, if any, in
a store of its own below :mod:`.routing`, as datasets, fine-tuning and batches do.
Authentication, the rate limiter, faults, latency and the request log apply to every route
without further work.

=======  ================================================  ==============================
method   path                                              endpoint (module)
=======  ================================================  ==============================
POST     /v2/chat                                          chat (:mod:`.chat`)
POST     /v1/generate                                      generate (:mod:`.chat`)
POST     /v2/embed                                         embed (:mod:`.embeddings`)
POST     /v2/rerank                                        rerank (:mod:`.rerank`)
POST     /v1/datasets                                      datasets.create (:mod:`.datasets`)
GET      /v1/datasets                                      datasets.list
GET      /v1/datasets/usage                                datasets.usage
GET      /v1/datasets/{id}                                 datasets.get
DELETE   /v1/datasets/{id}                                 datasets.delete
GET      /fake-storage/datasets/{id}/parts/{n}             datasets.download (signed link)
GET      /fake-storage/datasets/{id}/originals/{n}         datasets.download (signed link)
POST     /v1/finetuning/finetuned-models                   finetuning.create (:mod:`.finetuning`)
GET      /v1/finetuning/finetuned-models                   finetuning.list
GET      /v1/finetuning/finetuned-models/{id}              finetuning.get
DELETE   /v1/finetuning/finetuned-models/{id}              finetuning.delete
GET      /v1/finetuning/finetuned-models/{id}/events       finetuning.events
GET      .../{id}/training-step-metrics                    finetuning.metrics
POST     /v2/batches                                       batches.create (:mod:`.batches`)
GET      /v2/batches                                       batches.list
GET      /v2/batches/{id}                                  batches.get
POST     /v2/batches/{id}:cancel                           batches.cancel
=======  ================================================  ==============================
"""

from __future__ import annotations

from typing import Final

from cohere_medner.testing import batches, datasets, finetuning
from cohere_medner.testing.chat import chat_prompt, generate_prompt, handle_chat, handle_generate
from cohere_medner.testing.embeddings import embed_prompt, handle_embed
from cohere_medner.testing.rerank import handle_rerank, rerank_prompt
from cohere_medner.testing.routing import Route

ROUTES: Final[tuple[Route, ...]] = (
    Route("POST", "/v2/chat", "chat", handle_chat, chat_prompt),
    Route("POST", "/v1/generate", "generate", handle_generate, generate_prompt),
    Route("POST", "/v2/embed", "embed", handle_embed, embed_prompt),
    Route("POST", "/v2/rerank", "rerank", handle_rerank, rerank_prompt),
    *datasets.ROUTES,
    *finetuning.ROUTES,
    *batches.ROUTES,
)


def find_route(method: str, path: str) -> Route | None:
    """The route serving ``method path`` (query string excluded), if any."""
    return next((route for route in ROUTES if route.matches(method, path)), None)
