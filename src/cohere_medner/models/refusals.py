"""Refusals no request can get past: which answers stop a run, and how the stop reaches requests.

A refused key (401), a model the key may not use (403), an unknown model (404), a request
refused for a setting every request shares (400/422 whose message is not about the prompt),
or nothing answering at the server's address since the client started: each would meet every
other request of the run alike. :func:`request_error` words the error for such an answer
with what to fix, and :class:`Refusals` stops the requests that were waiting when it came.
A 400 or 422 about one prompt (too many tokens, empty) fails only that prompt's document.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import threading
import weakref
from typing import Final

import attrs
import httpx
from cohere.core.api_error import ApiError

from cohere_medner.errors import (
    AuthenticationError,
    CohereApiError,
    FatalApiError,
    ForbiddenError,
    InvalidRequestError,
    ModelNotFoundError,
    RequestRejectedError,
    RetriesExhaustedError,
    ServerUnreachableError,
)
from cohere_medner.models.retrying import final_error

__all__ = [
    "Refusals",
    "Waiter",
    "about_the_prompt",
    "is_unreachable",
    "refusal_scope",
    "request_error",
]

_ABOUT_THE_PROMPT: Final = re.compile(
    r"too many tokens|too (?:long|large)|exceed|at least \d+ tokens?|"
    r"context (?:length|window)|\bprompt\b",
    re.IGNORECASE,
)
"""What a refusal of one prompt says: its length, or that it is empty (Cohere's wording)."""


def about_the_prompt(message: str) -> bool:
    """Whether a 400/422 message is about the request's prompt, not a setting all requests share.

    Cohere names the prompt's tokens ("too many tokens: ... the prompt cannot exceed 128000",
    "message must be at least 1 token long") when one prompt is at fault; a refused
    setting names the setting ("max_tokens must be a non-negative integer").
    """
    return bool(_ABOUT_THE_PROMPT.search(message))


def is_unreachable(error: BaseException | None) -> bool:
    """Whether no connection could be made: refused, no route, no such host, or no reply to it."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)


def request_error(
    error: ApiError | httpx.HTTPError, *, model: str | None, server: str, reached: bool
) -> CohereApiError:
    """The library's error for a request to ``model`` at ``server`` that failed for good.

    As :func:`~.retrying.final_error` maps it, with what to fix where the run must stop;
    ``reached`` tells whether the server has ever answered this client.
    """
    if is_unreachable(error):
        cause = f"{type(error).__name__}: {error}"
        if not reached:
            return ServerUnreachableError(
                f"nothing answers at {server} ({cause}): check CO_API_URL (or base_url) "
                "and the network"
            )
        return RetriesExhaustedError(f"gave up retrying: {server} unreachable ({cause})")
    final = final_error(error)
    named = f"model {model!r}" if model else "the model"
    said = f"(the server said: {final.message})"
    if isinstance(final, ForbiddenError):
        return ForbiddenError(
            f"the API key may not use {named}: choose a model the key has access to, "
            f"or a key that may use it (CO_API_KEY) {said}",
            final.status,
        )
    if isinstance(final, ModelNotFoundError):
        if model is not None and ("model" in final.message.lower() or model in final.message):
            return ModelNotFoundError(
                f"{named} not found at {server}: check its name (the Cohere dashboard lists "
                f"the models your key can use; a fine-tuned model is named ID-ft) {said}",
                final.status,
            )
        return ModelNotFoundError(
            f"{server} has no such endpoint: is CO_API_URL (or base_url) the address of "
            f"a Cohere API? {said}",
            final.status,
        )
    if type(final) is InvalidRequestError and not about_the_prompt(final.message):
        return RequestRejectedError(
            f"every request is refused, not one document's prompt: fix the setting the "
            f"server names and run again {said}",
            final.status,
        )
    return final


def refusal_scope(error: FatalApiError, model: str | None) -> str | None:
    """The requests ``error`` stops: those for ``model``, or every one (``None``).

    A refused key and a server that never answered stop every request; a refused or
    unknown model, or a refused setting, only that model's.
    """
    if isinstance(error, ServerUnreachableError):
        return None
    if isinstance(error, AuthenticationError) and not isinstance(error, ForbiddenError):
        return None
    return model


@attrs.define
class Refusals:
    """The refusals a client has met, and the requests each stops.

    A refusal stops the requests that were waiting when it came (for a concurrency slot, a
    start from the rate limiter, or their next retry) within its scope: they raise it
    without being sent, at once, however long their wait was to be. Requests already sent
    are answered as usual (and cached). A request made after the refusal is sent: by then
    the key or the model may have been fixed (a notebook), and if not, it meets the same
    refusal for the price of one request. Safe from any thread and any event loop.
    """

    _refused: list[tuple[str | None, FatalApiError]] = attrs.field(init=False, factory=list)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)
    _wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = attrs.field(
        init=False, factory=weakref.WeakKeyDictionary, repr=False
    )

    def waiter(self, scope: str | None) -> Waiter:
        """What a request for ``scope`` (its model) waits with: refusals from now on stop it."""
        with self._lock:
            return Waiter(self, len(self._refused), scope)

    def refuse(self, scope: str | None, error: FatalApiError) -> None:
        """Stop every request waiting now within ``scope`` (``None``: all) with ``error``."""
        with self._lock:
            self._refused.append((scope, error))
            wakers = list(self._wakers.items())
            self._wakers.clear()
        for loop, event in wakers:
            with contextlib.suppress(RuntimeError):  # a closed loop: nothing waits on it
                loop.call_soon_threadsafe(event.set)

    def _first_since(self, ticket: int, scope: str | None) -> FatalApiError | None:
        with self._lock:
            return next(
                (e for s, e in self._refused[ticket:] if s is None or s == scope),
                None,
            )

    def _waker(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        """The event the next refusal sets for ``loop``'s sleepers."""
        with self._lock:
            found = self._wakers.get(loop)
            if found is None:
                found = self._wakers[loop] = asyncio.Event()
            return found


@attrs.frozen
class Waiter:
    """One request's view of :class:`Refusals`: the refusals since it was made, in its scope."""

    refusals: Refusals
    ticket: int
    scope: str | None

    def check(self) -> None:
        """Raise the refusal that stops this request, if one has come."""
        found = self.refusals._first_since(self.ticket, self.scope)
        if found is not None:
            raise copy.copy(found)  # one instance per request: tracebacks are not shared

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, unless a refusal stops this request first: then raise it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            waker = self.refusals._waker(loop)
            self.check()
            remaining = deadline - loop.time()
            if remaining <= 0:
                await asyncio.sleep(0)
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(waker.wait(), remaining)
