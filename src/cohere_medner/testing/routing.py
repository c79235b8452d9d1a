"""What a handler reads and how a request reaches it: the :class:`ServerView` protocol and Route.

A handler is ``(FakeRequest, ServerView) -> Reply``; it raises :class:`.handling.HTTPError`
to refuse a request. :class:`Route` ties one to a method and path. The stores a view hands
out sit below this module and the route table (:mod:`.endpoints`) above every handler, so
imports run one way: stores, routing, handlers, route table, server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs

from cohere_medner.testing.batch_store import BatchStore
from cohere_medner.testing.dataset_store import DatasetStore
from cohere_medner.testing.finetune_store import FinetuneStore
from cohere_medner.testing.responders import Responder
from cohere_medner.testing.wire import FakeRequest, Reply


class ServerView(Protocol):
    """What handlers may read from the server."""

    @property
    def responder(self) -> Responder: ...

    @property
    def models(self) -> frozenset[str]:
        """The generative models (chat, generate)."""
        ...

    @property
    def chat_models(self) -> frozenset[str]:
        """``models`` and the ready fine-tuned models (``ID-ft``) that chat accepts."""
        ...

    @property
    def embed_models(self) -> frozenset[str]: ...

    @property
    def rerank_models(self) -> frozenset[str]: ...

    @property
    def max_input_tokens(self) -> int: ...

    @property
    def url(self) -> str:
        """The server's base URL, for the links it hands out (dataset downloads)."""
        ...

    @property
    def datasets(self) -> DatasetStore: ...

    @property
    def finetunes(self) -> FinetuneStore: ...

    @property
    def batches(self) -> BatchStore: ...

    def record_responder_error(self, error: Exception) -> None:
        """Log a responder exception caught outside a request (a batch line)."""
        ...


Handler = Callable[[FakeRequest, ServerView], Reply]


@attrs.frozen
class Route:
    """One endpoint: method, path (a regular expression for the whole path) and handler.

    Named groups in ``path`` reach the handler as ``request.path_params``. A route that is
    not ``authenticated`` (a signed download link) skips the API key and the rate limiter.
    """

    method: str
    path: str
    endpoint: str
    handle: Handler
    prompt_of: Callable[[Mapping[str, Any]], str] = lambda body: ""
    authenticated: bool = True

    def matches(self, method: str, path: str) -> bool:
        return self.path_params(method, path) is not None

    def path_params(self, method: str, path: str) -> dict[str, str] | None:
        """The named path segments if this route serves ``method path``, else ``None``."""
        if method != self.method:
            return None
        found = re.fullmatch(self.path, path)
        return None if found is None else found.groupdict()
