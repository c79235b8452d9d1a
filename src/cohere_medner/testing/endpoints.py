"""The route table: each Cohere endpoint the fake speaks, and the handler that answers it.

To add an endpoint (``/v2/embed``, ``/v1/datasets`` ...), write a handler
``(FakeRequest, ServerView) -> Reply`` that raises :class:`HTTPError` for refusals, and
append a :class:`Route` to ``ROUTES``. Authentication, the rate limiter, faults, latency
and the request log apply to every route without further work.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final, Protocol

import attrs

from .responders import Responder
from .wire import (
    MODEL_REQUIRED,
    FakeRequest,
    Reply,
    chat_body,
    chat_messages,
    count_tokens,
    generate_body,
    too_many_tokens,
    truncate_tokens,
    unknown_model,
)


class Outcome(str, enum.Enum):
    """How the server answered a request, besides the faults (which count under their own name)."""

    OK = "ok"
    THROTTLED = "throttled"
    """429 from the rate limiter (an injected 429 counts as ``rate_limited``)."""
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    UNKNOWN_MODEL = "unknown_model"
    TOO_MANY_TOKENS = "too_many_tokens"
    INVALID_REQUEST = "invalid_request"
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
    def models(self) -> frozenset[str]: ...

    @property
    def max_input_tokens(self) -> int: ...


Handler = Callable[[FakeRequest, ServerView], Reply]


@attrs.frozen
class Route:
    """One endpoint: method, path (a regular expression for the whole path) and handler."""

    method: str
    path: str
    endpoint: str
    handle: Handler
    prompt_of: Callable[[Mapping[str, Any]], str] = lambda body: ""

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.path, path) is not None


# Shared checks -----------------------------------------------------------------------------

CHAT_ROLES: Final = frozenset({"system", "user", "assistant", "tool"})


def invalid(message: str) -> HTTPError:
    return HTTPError(400, f"invalid request: {message}", Outcome.INVALID_REQUEST)


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


# POST /v2/chat ----------------------------------------------------------------------------


def chat_prompt(body: Mapping[str, Any]) -> str:
    return "\n\n".join(text for _, text in chat_messages(body))


def handle_chat(request: FakeRequest, view: ServerView) -> Reply:
    body = request.body
    check_model(body.get("model"), view.models)
    check_not_streaming(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid("messages must be a non-empty list.")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in CHAT_ROLES:
            raise invalid(
                f"message at index {index} must have a role of system, user, assistant or tool."
            )
    input_tokens = check_input(request.prompt, view.max_input_tokens)
    if input_tokens == 0:
        raise invalid("message must be at least 1 token long or tool results must be specified.")
    max_tokens = check_max_tokens(body)
    text, finish_reason = answer(request, view, max_tokens, "COMPLETE")
    return Reply.json(200, chat_body(text, input_tokens, count_tokens(text), finish_reason))


# POST /v1/generate (legacy) ---------------------------------------------------------------

GENERATE_DEFAULT_MODEL: Final = "command"


def generate_prompt(body: Mapping[str, Any]) -> str:
    prompt = body.get("prompt")
    return prompt if isinstance(prompt, str) else ""


def handle_generate(request: FakeRequest, view: ServerView) -> Reply:
    body = request.body
    check_model(body.get("model") or GENERATE_DEFAULT_MODEL, view.models)
    check_not_streaming(body)
    if count_tokens(request.prompt) == 0:
        raise invalid("prompt must be at least 1 token long.")
    input_tokens = check_input(request.prompt, view.max_input_tokens)
    count = body.get("num_generations") or 1
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5:
        raise invalid("num_generations must be between 1 and 5.")
    max_tokens = check_max_tokens(body)
    texts = [answer(request, view, max_tokens, "COMPLETE") for _ in range(count)]
    output_tokens = sum(count_tokens(text) for text, _ in texts)
    return Reply.json(200, generate_body(request.prompt, texts, input_tokens, output_tokens))


ROUTES: Final[tuple[Route, ...]] = (
    Route("POST", "/v2/chat", "chat", handle_chat, chat_prompt),
    Route("POST", "/v1/generate", "generate", handle_generate, generate_prompt),
)


def find_route(method: str, path: str) -> Route | None:
    """The route serving ``method path`` (query string excluded), if any."""
    return next((route for route in ROUTES if route.matches(method, path)), None)
