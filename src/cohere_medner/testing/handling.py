"""What every handler shares: the refusal it raises, what it may read, and the common checks.

A handler is ``(FakeRequest, ServerView) -> Reply``; it raises :class:`HTTPError` to refuse
a request with Cohere's error body. :class:`Route` ties one to a method and path. The route
table itself lives in :mod:`.endpoints`, above every feature module.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from cohere_medner.testing.responders import Responder
from cohere_medner.testing.wire import (
    MODEL_REQUIRED,
    FakeRequest,
    Reply,
    count_tokens,
    too_many_tokens,
    truncate_tokens,
    unknown_model,
)

if TYPE_CHECKING:
    from cohere_medner.testing.batches import BatchStore
    from cohere_medner.testing.datasets import DatasetStore
    from cohere_medner.testing.finetuning import FinetuneStore


class Outcome(str, enum.Enum):
    """How the server answered a request, besides the faults (which count under their own name)."""

    OK = "ok"
    THROTTLED = "throttled"
    """429 from the rate limiter (an injected 429 counts as ``rate_limited``)."""
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    """403: a download link whose signature does not match."""
    NOT_FOUND = "not_found"
    """404: an unknown path, or an unknown dataset, fine-tuned model or batch id."""
    UNKNOWN_MODEL = "unknown_model"
    TOO_MANY_TOKENS = "too_many_tokens"
    INVALID_REQUEST = "invalid_request"
    RETIRED = "retired"
    """410: a feature Cohere has retired (fine-tuning, with ``finetuning="retired"``)."""
    RESPONDER_ERROR = "responder_error"


class HTTPError(Exception):
    """Raised by handlers to refuse a request with Cohere's error body."""

    def __init__(self, status: int, message: str, outcome: Outcome) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.outcome = outcome


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


# Shared checks -----------------------------------------------------------------------------

CHAT_ROLES: Final = frozenset({"system", "user", "assistant", "tool"})


def invalid(message: str) -> HTTPError:
    return HTTPError(400, f"invalid request: {message}", Outcome.INVALID_REQUEST)


def not_found(message: str) -> HTTPError:
    return HTTPError(404, message, Outcome.NOT_FOUND)


def check_model(model: object, known: Collection[str]) -> str:
    if model is None or model == "":
        raise HTTPError(400, MODEL_REQUIRED, Outcome.INVALID_REQUEST)
    if not isinstance(model, str):
        raise invalid("model must be a string.")
    if model not in known:
        raise HTTPError(404, unknown_model(model), Outcome.UNKNOWN_MODEL)
    return model


def check_input(prompt: str, limit: int) -> int:
    tokens = count_tokens(prompt)
    if tokens > limit:
        raise HTTPError(400, too_many_tokens(limit, tokens), Outcome.TOO_MANY_TOKENS)
    return tokens


def check_max_tokens(body: Mapping[str, Any]) -> int | None:
    value = body.get("max_tokens")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("max_tokens must be a non-negative integer.")
    return value


def check_not_streaming(body: Mapping[str, Any]) -> None:
    if body.get("stream"):
        raise invalid("FakeCohere does not stream yet; call chat() or generate(), not *_stream().")


def answer(
    request: FakeRequest, view: ServerView, max_tokens: int | None, complete: str
) -> tuple[str, str]:
    """The responder's text, cut to ``max_tokens``, and the finish reason that goes with it."""
    text = view.responder(request)
    if max_tokens is not None and count_tokens(text) > max_tokens:
        return truncate_tokens(text, max_tokens), "MAX_TOKENS"
    return text, complete


def page(items: list[dict[str, Any]], request: FakeRequest) -> tuple[list[dict[str, Any]], str]:
    """One page of a list (``page_size``, default 50) from the offset ``page_token`` holds.

    ``items`` come oldest first; an ``order_by`` ending in ``desc`` lists them newest first.
    Returns the page and the next page's token, ``""`` after the last page, as the API does.
    """
    if (request.param("order_by") or "").strip().lower().endswith("desc"):
        items = items[::-1]
    try:
        size = int(request.param("page_size") or 50)
        start = int(request.param("page_token") or 0)
    except ValueError:
        raise invalid("page_size and page_token must be whole numbers.") from None
    if size < 1 or start < 0:
        raise invalid("page_size must be >= 1 and page_token >= 0.")
    end = start + size
    return items[start:end], str(end) if end < len(items) else ""
