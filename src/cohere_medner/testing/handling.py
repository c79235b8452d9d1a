"""What handlers and stores share: the refusal they raise, the outcomes logged, the common checks.

Handlers (:mod:`.routing` says what they read and how requests reach them) and the stores
they call raise :class:`HTTPError` to refuse a request with Cohere's error body. Nothing here
knows the server or its stores, so that both can build on it.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from typing import Any

from cohere_medner.testing.wire import (
    MODEL_REQUIRED,
    FakeRequest,
    count_tokens,
    too_many_tokens,
    unknown_model,
)


class Outcome(str, enum.Enum):
    """How the server answered a request, besides the faults (which count under their own name)."""

    OK = "ok"
    THROTTLED = "throttled"
    """429 from the rate limiter (an injected 429 counts as ``rate_limited``)."""
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    """403: a download link whose signature does not match, or a model the key may not use."""
    NOT_FOUND = "not_found"
    """404: an unknown path, or an unknown dataset, fine-tuned model or batch id."""
    UNKNOWN_MODEL = "unknown_model"
    TOO_MANY_TOKENS = "too_many_tokens"
    INVALID_REQUEST = "invalid_request"
    RETIRED = "retired"
    """410: a feature Cohere has retired (fine-tuning, with ``finetuning="retired"``)."""
    RESPONDER_ERROR = "responder_error"


class HTTPError(Exception):
    """Raised by handlers and stores to refuse a request with Cohere's error body."""

    def __init__(self, status: int, message: str, outcome: Outcome) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.outcome = outcome


# Shared checks -----------------------------------------------------------------------------


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
