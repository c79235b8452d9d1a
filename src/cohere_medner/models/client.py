"""A retrying, rate-limited wrapper over the official ``cohere`` SDK.

One retry policy governs every request: the SDK's own retrying is switched off, and
tenacity retries 429, 5xx, malformed answers, timeouts and dropped connections with
exponential backoff and jitter, honouring ``Retry-After``, within a time budget per
request; each attempt has an overall deadline of ``timeout`` seconds. While the server is
down, one shared circuit (:mod:`.circuit`) paces everyone's retries instead. 400, 401,
403, 404 and 422 fail at once with the server's message, and those that every other
request would meet too (a refused key, an unknown model: see :mod:`.refusals`) stop the
requests still waiting. The client knows nothing about diseases or prompts: it sends
messages and returns text and
token counts.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import unicodedata
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias, TypeVar

import attrs
import cohere
import httpx
from cohere.core.api_error import ApiError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
)

from cohere_medner._redact import KEY_VARIABLES, redact, remember_secret
from cohere_medner.errors import (
    CohereApiError,
    ConfigurationError,
    FatalApiError,
    InvalidApiKeyError,
    MissingApiKeyError,
    RetriesExhaustedError,
    UnexpectedAnswerError,
)
from cohere_medner.models import reading
from cohere_medner.models.circuit import Circuit
from cohere_medner.models.ratelimit import RateLimiter
from cohere_medner.models.refusals import (
    Refusals,
    Waiter,
    is_unreachable,
    refusal_scope,
    request_error,
)
from cohere_medner.models.retrying import (
    is_outage,
    is_retryable,
    retry_after,
    retry_wait,
    wait_after,
)
from cohere_medner.models.slots import AnswerTimes, Slots
from cohere_medner.models.status import RetryStatus, log_status
from cohere_medner.types import Completion

Endpoint = Literal["chat", "generate"]
Limited = Literal["chat", "embed", "rerank"]
"""The endpoints Cohere limits apart; generate shares chat's limit."""
EmbedInputType = Literal["search_document", "search_query", "classification", "clustering"]
MAX_EMBED_TEXTS = 96
"""Texts per v2 embed call, as the API documents and enforces."""
Message = Mapping[str, str]
URL_VARIABLE = "CO_API_URL"
T = TypeVar("T")
_Send: TypeAlias = Callable[[Mapping[str, Any]], Awaitable[tuple[T, int, int]]]
"""Sends one request with the given SDK request options: its value, input and output tokens."""


@attrs.define
class Usage:
    """What a client has spent: HTTP requests (retries included) and billed tokens."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)


def resolve_api_key(api_key: str | None = None) -> str:
    """The key given, else ``CO_API_KEY``, else ``COHERE_API_KEY``; never shown from now on.

    Surrounding whitespace is dropped; a key that no HTTP header can carry is refused at
    once (:func:`check_api_key`) rather than retried to the end of the budget.
    """
    found = [("api_key", api_key.strip())] if api_key and api_key.strip() else []
    found += [(variable, os.environ.get(variable, "").strip()) for variable in KEY_VARIABLES]
    for source, value in found:
        if value:
            remember_secret(value)
            return check_api_key(value, source)
    raise MissingApiKeyError(
        "no Cohere API key: pass api_key=... or set CO_API_KEY (or COHERE_API_KEY) "
        "to a key from https://dashboard.cohere.com/api-keys"
    )


def check_api_key(key: str, source: str) -> str:
    """``key``, once every character is one an HTTP header can carry (printable ASCII).

    The message names where the key came from and the character's position, never the key.
    """
    for position, character in enumerate(key, start=1):
        if not (character.isascii() and character.isprintable()) or character.isspace():
            raise InvalidApiKeyError(
                f"the API key from {source} holds {unicodedata.name(character, repr(character))} "
                f"at character {position}, which no HTTP header can carry: set {source} "
                "again to the key alone (copy it from https://dashboard.cohere.com/api-keys)"
            )
    return key


def resolve_connection(
    api_key: str | None, base_url: str | None, *, timeout: float, retry_budget: float
) -> tuple[str, str | None]:
    """The key and the address a client uses, once its timeout and retry budget are checked.

    The key as :func:`resolve_api_key` finds it; the address given, else ``CO_API_URL``, else
    ``None`` (the SDK's default, Cohere's own).
    """
    if timeout <= 0 or retry_budget < 0:
        raise ConfigurationError("timeout must be positive and retry_budget not negative")
    return resolve_api_key(api_key), base_url or os.environ.get(URL_VARIABLE) or None


DEFAULT_SERVER: Final = "https://api.cohere.com"
"""Where the SDK sends requests when no ``base_url`` or ``CO_API_URL`` says otherwise."""
UNREACHABLE_BUDGET: Final = 5.0
"""Seconds a request retries a server that has not answered once since the client started.

Nothing listening at the address (a wrong ``CO_API_URL``, no network) is not an outage:
the run fails in seconds, naming the address, rather than after the whole retry budget.
"""


def _billed(units: object) -> tuple[int, int]:
    """Input and output tokens of the answer's billed units (absent: none)."""
    return (
        int(getattr(units, "input_tokens", 0) or 0),
        int(getattr(units, "output_tokens", 0) or 0),
    )


def _unread(
    error: Exception, receipt: reading.Receipt, expected: str
) -> tuple[Completion, int, int]:
    """What an answer that could not be read whole gives: its salvaged beginning, or an error.

    A body cut off at its limit keeps its first lines; one the SDK failed to read raises
    :class:`~cohere_medner.errors.UnexpectedAnswerError`; any other error is raised as it is.
    """
    if isinstance(error, reading.AnswerTooLarge):
        return reading.salvaged(receipt), 0, 0
    unexpected = reading.unreadable(error, receipt, expected)
    if unexpected is None:
        raise error
    raise unexpected from None


class CohereClient:
    """Sends chat (v2) or legacy generate (v1) requests, retried and rate-limited.

    ``requests_per_minute`` paces chat and generate requests (a Cohere trial key allows 20
    chat calls a minute, production keys 500) and adapts down on 429 (see
    :mod:`.ratelimit`); it counts per ``rate_window`` seconds, a minute unless a test
    scales time down. Embed and rerank calls, limited apart by Cohere, have limiters of
    their own (:attr:`limiters`), which learn their limits as below.
    ``None`` sends as fast as ``max_concurrency`` allows until the server answers 429: a
    429 holds every request for its Retry-After, and one after a busy window sets the rate
    to what got through. ``retry_budget`` bounds the time one request may spend retrying:
    its attempts and the waits between them, not its time queued behind others
    (:data:`UNREACHABLE_BUDGET` while the server has never answered). Requests to every
    endpoint share one :attr:`circuit`, which paces them while the server is down (its time
    constants are ``rate_window`` / 60 and / 6) and gives up once the server has failed
    everything for ``retry_budget``. ``timeout`` bounds each attempt, however slowly the
    answer trickles in, and a request far slower than the others gives its
    ``max_concurrency`` slot to the next meanwhile (see :mod:`.slots`). ``on_status`` is
    told, once per episode, what is being retried and for how long (by default a warning of
    the ``cohere_medner`` logger). Usable from any event loop, and from synchronous code
    through :meth:`chat_sync` / :meth:`generate_sync`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        requests_per_minute: float | None = None,
        max_concurrency: int = 8,
        timeout: float = 120.0,
        retry_budget: float = 300.0,
        rate_window: float = 60.0,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self._api_key, self.base_url = resolve_connection(
            api_key, base_url, timeout=timeout, retry_budget=retry_budget
        )
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.max_concurrency = max_concurrency
        # Cohere limits each endpoint on its own (a trial key: chat 20 a minute, rerank 10):
        # a 429 from one must not slow the others.
        self.limiters: dict[Limited, RateLimiter] = {
            "chat": RateLimiter(requests_per_minute or None, rate_window),
            "embed": RateLimiter(None, rate_window),
            "rerank": RateLimiter(None, rate_window),
        }
        self.circuit = Circuit(
            cooldown=rate_window / 60, longest=rate_window / 6, give_up=retry_budget
        )
        self.usage = Usage()
        self._usage_lock = threading.Lock()
        self.refusals = Refusals()
        self.status = RetryStatus(self.server, timeout, on_status or log_status)
        self.unreachable_budget = min(retry_budget, UNREACHABLE_BUDGET)
        self._reached = False  # has the server answered anything yet?
        # The SDK's async clients hold an httpx pool bound to one event loop: one per loop.
        self._per_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[cohere.AsyncClientV2, Slots]
        ] = weakref.WeakKeyDictionary()
        self._answer_times = AnswerTimes()

    @property
    def limiter(self) -> RateLimiter:
        """The pace of chat and generate requests: ``requests_per_minute``, or learned."""
        return self.limiters["chat"]

    @property
    def server(self) -> str:
        """Where requests go: ``base_url``, or Cohere's own API. Part of every cache key."""
        return self.base_url or DEFAULT_SERVER

    def __repr__(self) -> str:
        # Never show the key.
        rpm = self.limiter.per_minute
        return f"CohereClient(base_url={self.base_url!r}, requests_per_minute={rpm})"

    def _for_this_loop(self) -> tuple[cohere.AsyncClientV2, Slots]:
        loop = asyncio.get_running_loop()
        found = self._per_loop.get(loop)
        if found is None:
            sdk = cohere.AsyncClientV2(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self.timeout,
                client_name="cohere-medner",
                # The tap bounds what is read of a chat or generate answer (see .reading).
                httpx_client=httpx.AsyncClient(
                    timeout=self.timeout, event_hooks={"response": [reading.tap]}
                ),
            )
            found = (sdk, Slots(self.max_concurrency, self._answer_times))
            self._per_loop[loop] = found
        return found

    async def chat(self, model: str, messages: Sequence[Message], **params: Any) -> Completion:
        """One v2 chat request; ``params`` go to the API (``temperature``, ``max_tokens`` ...).

        Its answer is read as :mod:`.reading` says: bounded by ``max_tokens``, and an error
        (retried a few times) where it holds no text.
        """
        sdk, _ = self._for_this_loop()
        limit = reading.AnswerLimit.for_tokens(params.get("max_tokens"))

        async def send(options: Mapping[str, Any]) -> tuple[Completion, int, int]:
            with reading.receiving(limit) as receipt:
                try:
                    response = await sdk.chat(
                        model=model,
                        messages=[dict(m) for m in messages],  # type: ignore[misc]
                        request_options=options,  # type: ignore[arg-type]
                        **params,
                    )
                except Exception as error:
                    return _unread(error, receipt, reading.CHAT_ANSWER)
                completion = reading.chat_completion(response, receipt)
            return completion, completion.input_tokens, completion.output_tokens

        return await self._send(send, model=model)

    async def generate(self, model: str, prompt: str, **params: Any) -> Completion:
        """One legacy v1 generate request, for the tutorial's generative fine-tuned models."""
        sdk, _ = self._for_this_loop()
        limit = reading.AnswerLimit.for_tokens(params.get("max_tokens"))

        async def send(options: Mapping[str, Any]) -> tuple[Completion, int, int]:
            with reading.receiving(limit) as receipt:
                try:
                    response = await sdk.generate(
                        model=model,
                        prompt=prompt,
                        request_options=options,  # type: ignore[arg-type]
                        **params,
                    )
                except Exception as error:
                    return _unread(error, receipt, reading.GENERATE_ANSWER)
                completion = reading.generate_completion(response, receipt)
            return completion, completion.input_tokens, completion.output_tokens

        return await self._send(send, model=model)

    async def _send(
        self, send: _Send[T], endpoint: Limited = "chat", *, model: str | None = None
    ) -> T:
        """``send(options)``'s value, retried and paced by ``endpoint``'s limiter.

        Its billed tokens count towards :attr:`usage`; a failure that is not retried (any
        more) becomes the library's error for it. One that no request to ``model`` can get
        past also stops the requests still waiting (see :class:`.refusals.Refusals`).
        """
        limiter = self.limiters[endpoint]
        budget = _RetryBudget(self.retry_budget, limiter.clock)
        waiter = self.refusals.waiter(model)
        bad_answers = reading.BadAnswers()
        retrying = AsyncRetrying(
            # An answer without text is retried too, but only a few times (reading.BadAnswers).
            retry=retry_if_exception(is_retryable) | retry_if_exception_type(UnexpectedAnswerError),
            wait=self._retry_wait,
            stop=lambda state: bad_answers(state) | self._exhausted(budget, state),
            sleep=waiter.sleep,
            before_sleep=functools.partial(self._before_retry, limiter, budget),
            reraise=True,
        )
        try:
            value: T = await retrying(self._attempt, send, limiter, budget, waiter)
        except (ApiError, httpx.HTTPError) as error:
            failure = request_error(error, model=model, server=self.server, reached=self._reached)
            if isinstance(failure, FatalApiError):
                self.refusals.refuse(refusal_scope(failure, model), failure)
            # Not chained to an error whose text holds a key: a traceback would show it.
            raise failure from (error if redact(str(error)) == str(error) else None)
        return value

    async def _attempt(
        self, send: _Send[T], limiter: RateLimiter, budget: _RetryBudget, waiter: Waiter
    ) -> T:
        """One send, once a slot, the :attr:`circuit` and ``limiter`` let it start, within
        :attr:`timeout`.

        Its outcome teaches ``limiter`` and the circuit, and its billed tokens are counted.
        A refusal that came while it waited stops it unsent.
        """
        _, slots = self._for_this_loop()
        async with slots.held() as slot:
            probe = await self._admitted()
            try:
                started = await _paced(limiter, waiter.sleep)
                waiter.check()
            except BaseException:  # cancelled or refused while waiting: another probe is due
                self.circuit.released(probe=probe)
                raise
            budget.sent(started)
            self._count(requests=1)
            sent = _Sent(started, self.circuit.clock(), probe)
            try:
                value, input_tokens, output_tokens = await slot.run(
                    _within(
                        self.timeout, send({"max_retries": 0, "timeout_in_seconds": self.timeout})
                    )
                )
            except BaseException as error:
                budget.ended()
                self._learn_failure(error, limiter, sent)
                if isinstance(error, ApiError):
                    self._reached = True
                elif isinstance(error, httpx.HTTPError):
                    self._reached = self._reached or not is_unreachable(error)
                raise
            budget.ended()
        self._reached = True
        limiter.succeeded(started)
        self.circuit.succeeded()
        self._count(input_tokens=input_tokens, output_tokens=output_tokens)
        return value

    def _exhausted(self, budget: _RetryBudget, state: RetryCallState) -> bool:
        """Tenacity's stop: the budget is spent, or that for a server never reached."""
        if budget.exhausted(state):
            return True
        error = state.outcome.exception() if state.outcome else None
        if self._reached or not is_unreachable(error):
            return False
        return budget.spent + state.upcoming_sleep > self.unreachable_budget

    async def _admitted(self) -> bool:
        """Wait until the :attr:`circuit` lets a request go; True when it goes as the probe."""
        while True:
            admission = self.circuit.admit()
            if admission.refused:
                raise RetriesExhaustedError(
                    f"gave up retrying: {self.server} has failed every request for "
                    f"{self.circuit.down_for():.0f} s; rerun to send what is left"
                )
            if admission.wait <= 0:
                return admission.probe
            await asyncio.sleep(admission.wait)

    def _learn_failure(self, error: BaseException, limiter: RateLimiter, sent: _Sent) -> None:
        """Tell ``limiter`` and the :attr:`circuit` what a failed send says."""
        if isinstance(error, ApiError) and error.status_code == 429:
            self._count(rate_limited=1)
            limiter.rate_limited(retry_after(error), started=sent.paced)
            self.circuit.released(probe=sent.probe)
        elif is_outage(error):
            limiter.failed(sent.paced)
            self.circuit.failed(sent.at, probe=sent.probe)
        elif isinstance(error, (ApiError, httpx.HTTPError)):
            self.circuit.succeeded()  # an answer, if not the one hoped for: the server is up
        else:
            self.circuit.released(probe=sent.probe)

    def _retry_wait(self, state: RetryCallState) -> float:
        """The wait before a retry: the policy's, or only the least while the circuit paces."""
        error = state.outcome.exception() if state.outcome else None
        if error is not None and is_outage(error) and self.circuit.is_open:
            return wait_after(0.0, state.attempt_number)
        return retry_wait(state)

    def _before_retry(
        self, limiter: RateLimiter, budget: _RetryBudget, state: RetryCallState
    ) -> None:
        """Count a retry and its wait, and say what is retried; ``limiter`` is told the client
        stays busy through it."""
        limiter.expect(state.upcoming_sleep)
        budget.spent += state.upcoming_sleep
        self._count(retries=1)
        error = state.outcome.exception() if state.outcome else None
        unreachable = not self._reached and is_unreachable(error)
        self.status.retrying(error, self.unreachable_budget if unreachable else self.retry_budget)

    def _count(
        self,
        *,
        requests: int = 0,
        retries: int = 0,
        rate_limited: int = 0,
        input_tokens: int = 0,
        output_tokens: int = 0,
    ) -> None:
        """Add to :attr:`usage`, which requests on every thread's event loop share."""
        with self._usage_lock:
            self.usage.requests += requests
            self.usage.retries += retries
            self.usage.rate_limited += rate_limited
            self.usage.input_tokens += input_tokens
            self.usage.output_tokens += output_tokens

    def chat_sync(self, model: str, messages: Sequence[Message], **params: Any) -> Completion:
        """:meth:`chat` from synchronous code (also inside a running Jupyter loop)."""
        return run_sync(self.chat(model, messages, **params))

    def generate_sync(self, model: str, prompt: str, **params: Any) -> Completion:
        """:meth:`generate` from synchronous code."""
        return run_sync(self.generate(model, prompt, **params))

    async def embed(
        self,
        model: str,
        texts: Sequence[str],
        input_type: EmbedInputType,
        *,
        output_dimension: int | None = None,
        batch_size: int = MAX_EMBED_TEXTS,
    ) -> list[list[float]]:
        """One float vector per text, in order: v2 embed calls of at most ``batch_size`` texts.

        ``input_type`` is ``"search_document"`` for what is searched and ``"search_query"``
        for what searches it. The calls go out concurrently, each retried and rate-limited
        like a chat request (paced apart from chat: embed has a limit of its own); their
        billed tokens count towards :attr:`usage`.
        """
        if not 1 <= batch_size <= MAX_EMBED_TEXTS:
            raise ConfigurationError(
                f"batch_size must be within 1..{MAX_EMBED_TEXTS} (the API's limit), got {batch_size}"
            )
        sdk, _ = self._for_this_loop()
        extra: dict[str, Any] = {}
        if output_dimension is not None:
            extra["output_dimension"] = output_dimension

        async def one(batch: list[str]) -> list[list[float]]:
            async def send(options: Mapping[str, Any]) -> tuple[list[list[float]], int, int]:
                response = await sdk.embed(
                    model=model,
                    texts=batch,
                    input_type=input_type,
                    embedding_types=["float"],
                    request_options=options,  # type: ignore[arg-type]
                    **extra,
                )
                found = response.embeddings.float_ or []
                if len(found) != len(batch):
                    raise CohereApiError(
                        f"embed answered {len(found)} vectors for {len(batch)} texts"
                    )
                input_tokens, _ = _billed(response.meta.billed_units if response.meta else None)
                return found, input_tokens, 0

            return await self._send(send, "embed", model=model)

        batches = [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        answers = await asyncio.gather(*(one(batch) for batch in batches))
        return [vector for answer in answers for vector in answer]

    async def rerank(
        self, model: str, query: str, documents: Sequence[str], *, top_n: int | None = None
    ) -> list[tuple[int, float]]:
        """``(index, relevance)`` of ``documents`` for ``query``, most relevant first.

        One v2 rerank call, retried and rate-limited like a chat request (paced apart from
        chat: rerank has a limit of its own); ties keep the
        documents' order. Cohere bills search units, not tokens: :attr:`usage` counts the
        request only.
        """
        sdk, _ = self._for_this_loop()
        extra: dict[str, Any] = {} if top_n is None else {"top_n": top_n}

        async def send(options: Mapping[str, Any]) -> tuple[list[tuple[int, float]], int, int]:
            response = await sdk.rerank(
                model=model,
                query=query,
                documents=list(documents),
                request_options=options,  # type: ignore[arg-type]
                **extra,
            )
            results = [(r.index, float(r.relevance_score)) for r in response.results]
            return sorted(results, key=lambda pair: (-pair[1], pair[0])), 0, 0

        return await self._send(send, "rerank", model=model)


@attrs.frozen
class _Sent:
    """When a request was sent, on its limiter's clock and on the circuit's; if as the probe."""

    paced: float
    at: float
    probe: bool


@attrs.define
class _RetryBudget:
    """The time one request may spend retrying: its attempts and the waits between them.

    Time queued (for a concurrency slot, for the rate limiter's pacing and holds, for the
    circuit while the server is down) is not time spent retrying. A wait that would end
    past the budget (a long Retry-After) is not begun.
    """

    seconds: float
    clock: Callable[[], float]
    #: Seconds spent so far: attempts ended, and waits begun.
    spent: float = 0.0
    _sending_since: float | None = None

    def sent(self, at: float) -> None:
        """An attempt was sent at ``at`` (on :attr:`clock`)."""
        self._sending_since = at

    def ended(self) -> None:
        """The attempt sent last has ended: its time is spent."""
        if self._sending_since is not None:
            self.spent += max(0.0, self.clock() - self._sending_since)
            self._sending_since = None

    def exhausted(self, state: RetryCallState) -> bool:
        """Tenacity's stop: the wait ahead would end past the budget."""
        return self.spent + state.upcoming_sleep > self.seconds


async def _paced(
    limiter: RateLimiter, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> float:
    """Wait for a start from ``limiter``; returns it, on its clock, to report the outcome with."""
    while True:
        epoch = limiter.epoch
        start = limiter.claim()
        await sleep(max(0.0, start - limiter.clock()))
        # A 429 while waiting voids the start (the rate was cut, or a hold set): take another.
        if limiter.epoch == epoch:
            return start


async def _within(seconds: float, attempt: Awaitable[T]) -> T:
    """``attempt``'s value, or a timeout (retried as one) once ``seconds`` have passed.

    httpx's timeout bounds each read, not the answer: a server that drips a byte a second
    would hold the request for good.
    """
    try:
        return await asyncio.wait_for(attempt, seconds)
    except asyncio.TimeoutError:
        raise httpx.TimeoutException(f"no complete answer within {seconds:g} s") from None


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code.

    Where no event loop runs in this thread, ``asyncio.run``; inside a running loop (a
    Jupyter notebook), in a fresh loop on a helper thread, so the caller simply blocks.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target, name="cohere-medner-sync", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
