"""FakeCohere: a loopback HTTP server that answers the real ``cohere`` SDK as Cohere's API would."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Literal
from urllib.parse import parse_qsl, urlsplit

import attrs

from cohere_medner.testing.batch_store import BatchStore
from cohere_medner.testing.dataset_store import DatasetStore
from cohere_medner.testing.embeddings import DEFAULT_EMBED_MODELS
from cohere_medner.testing.endpoints import find_route
from cohere_medner.testing.errors import FakeCohereConfigError, FakeCohereError, ResponderError
from cohere_medner.testing.faults import (
    STATUS_FAULTS,
    Fault,
    FaultPlan,
    FaultQueue,
    Outage,
    PlannedFault,
    SlidingWindow,
    WindowRetryAfter,
    fault_reply,
    fingerprint,
    window_retry_after,
)
from cohere_medner.testing.finetune_store import FinetuneStore
from cohere_medner.testing.flaws import flawed
from cohere_medner.testing.handling import HTTPError, Outcome
from cohere_medner.testing.jobs import Pace, check_pace
from cohere_medner.testing.rerank import DEFAULT_RERANK_MODELS
from cohere_medner.testing.responders import Responder, echo
from cohere_medner.testing.routing import Route
from cohere_medner.testing.transport import LoopbackServer
from cohere_medner.testing.wire import (
    INTERNAL_ERROR,
    INVALID_API_KEY,
    NO_API_KEY,
    PAGE_NOT_FOUND,
    RATE_LIMITED,
    FakeRequest,
    Reply,
    forbidden_model,
    invalid_json,
    is_multipart,
)

DEFAULT_MODELS: Final = frozenset(
    {
        "command-a-03-2025",
        "command-r-plus-08-2024",
        "command-r-08-2024",
        "command-r7b-12-2024",
        "command",
        "command-light",
    }
)
"""Models the fake knows unless told otherwise; any other name is answered with a 404."""

UNROUTED: Final = "unrouted"

Finetuning = Literal["available", "retired"]
"""Whether fine-tuning works, or answers as the feature Cohere retired in September 2025."""


@attrs.frozen
class Exchange:
    """A request and how it was answered: ``status`` is ``None`` when no answer was sent."""

    request: FakeRequest
    status: int | None
    outcome: str


def _latency_range(latency: float | tuple[float, float]) -> tuple[float, float]:
    low, high = latency if isinstance(latency, tuple) else (latency, latency)
    if not 0.0 <= low <= high:
        raise FakeCohereConfigError(f"latency must be >= 0 (or a (min, max) range), got {latency}")
    return float(low), float(high)


def _rate_limiter(rate_limit: int | None, rate_window: float) -> SlidingWindow | None:
    """``rate_limit`` requests per ``rate_window`` seconds for each key and endpoint, if any."""
    if rate_limit is not None and rate_limit < 1:
        raise FakeCohereConfigError(f"rate_limit must be >= 1 or None, got {rate_limit}")
    if rate_window <= 0:
        raise FakeCohereConfigError(f"rate_window must be > 0 seconds, got {rate_window}")
    return None if rate_limit is None else SlidingWindow(rate_limit, rate_window)


def _fault_plan(
    rate: float,
    kinds: Iterable[Fault],
    seed: int,
    max_consecutive: int,
    retry_after: float,
    slow_delay: float,
) -> FaultPlan:
    """The seeded random faults; refuses a rate outside [0, 1] or without kinds, and negatives."""
    faults = tuple(Fault(kind) for kind in kinds)
    if not 0.0 <= rate <= 1.0:
        raise FakeCohereConfigError(f"fault_rate must be within [0, 1], got {rate}")
    if rate > 0 and not faults:
        raise FakeCohereConfigError("fault_rate > 0 needs at least one of fault_kinds")
    if max_consecutive < 0 or retry_after < 0 or slow_delay < 0:
        raise FakeCohereConfigError(
            "max_consecutive_faults, retry_after and slow_delay must be >= 0"
        )
    return FaultPlan(rate, faults, seed, max_consecutive, retry_after, slow_delay)


def _check_finetuning(value: str) -> None:
    """Refuse a ``finetuning`` setting other than ``"available"`` or ``"retired"``."""
    if value not in ("available", "retired"):
        raise FakeCohereConfigError(f'finetuning must be "available" or "retired", got {value!r}')


class FakeCohere:
    """A Cohere API on ``http://127.0.0.1:PORT`` for the real SDK, over real HTTP.

    ``responder`` writes the model's answers. Requests need ``Authorization: Bearer KEY``
    with a key in ``api_keys`` (any non-empty key when ``None``) not since refused by
    :meth:`revoke`; models outside ``models`` get a 404, and those in ``forbidden_models``
    a 403 (the key may not use them); prompts of more than ``max_input_tokens`` tokens
    (counted as whitespace-separated words, as is usage) get a 400. ``rate_limit`` admits
    that many requests per ``rate_window`` seconds for each key and endpoint (a
    sliding-window log), answering others with 429 and a ``Retry-After`` that
    ``rate_retry_after`` chooses: the exact wait until a slot frees, a constant, or none.
    ``latency`` (seconds, or a ``(min, max)`` range) delays every answer but the rate
    limiter's 429s, which a real gateway sends at once. Faults come from :meth:`inject`
    (first) and from a random plan: ``fault_rate`` of requests fail with one of
    ``fault_kinds``, and :meth:`outage` makes every request fail for a while,
    reproducibly from ``seed``, never more than ``max_consecutive_faults`` times in a row
    for an identical request; its 429s ask to wait ``retry_after`` seconds, its slow
    answers take ``slow_delay`` seconds and its dripped answers send a byte every
    ``slow_delay`` seconds.

    Embeddings and rerank know ``embed_models`` and ``rerank_models``. Datasets, fine-tuned
    models and batches live in the server while it exists; each walks its statuses one
    stage per ``validation_delay``, ``finetune_step`` or ``batch_step`` seconds (``0``: at
    once; ``"poll"``: one stage per fetch). ``finetuning="retired"`` answers every
    fine-tuning call with 410, as for a retired feature; ``fail_finetuning`` and
    ``fail_batches`` make new jobs fail.
    """

    def __init__(
        self,
        responder: Responder = echo,
        *,
        api_keys: Iterable[str] | None = None,
        models: Iterable[str] = DEFAULT_MODELS,
        forbidden_models: Iterable[str] = (),
        max_input_tokens: int = 128_000,
        rate_limit: int | None = None,
        rate_window: float = 60.0,
        rate_retry_after: WindowRetryAfter = "exact",
        latency: float | tuple[float, float] = 0.0,
        fault_rate: float = 0.0,
        fault_kinds: Iterable[Fault] = STATUS_FAULTS,
        seed: int = 0,
        max_consecutive_faults: int = 2,
        retry_after: float = 1.0,
        slow_delay: float = 5.0,
        embed_models: Iterable[str] = DEFAULT_EMBED_MODELS,
        rerank_models: Iterable[str] = DEFAULT_RERANK_MODELS,
        validation_delay: Pace = 0.05,
        finetune_step: Pace = 0.05,
        batch_step: Pace = 0.05,
        finetuning: Finetuning = "available",
        fail_finetuning: bool = False,
        fail_batches: bool = False,
    ) -> None:
        self._responder = responder
        self._embed_models = frozenset(embed_models)
        self._rerank_models = frozenset(rerank_models)
        _check_finetuning(finetuning)
        self._datasets = DatasetStore(check_pace("validation_delay", validation_delay))
        self._finetunes = FinetuneStore(
            self._datasets,
            check_pace("finetune_step", finetune_step),
            retired=finetuning == "retired",
            fail=fail_finetuning,
        )
        self._batches = BatchStore(
            self._datasets, check_pace("batch_step", batch_step), fail=fail_batches
        )
        self._api_keys = None if api_keys is None else frozenset(api_keys)
        if self._api_keys is not None and "" in self._api_keys:
            raise FakeCohereConfigError("api_keys must not contain an empty key")
        self._models = frozenset(models)
        self._forbidden_models = frozenset(forbidden_models)
        self._revoked: set[str] = set()
        if max_input_tokens < 1:
            raise FakeCohereConfigError(f"max_input_tokens must be >= 1, got {max_input_tokens}")
        self._max_input_tokens = max_input_tokens
        self._limiter = _rate_limiter(rate_limit, rate_window)
        if isinstance(rate_retry_after, float | int) and not rate_retry_after >= 0:
            raise FakeCohereConfigError(f"rate_retry_after must be >= 0, got {rate_retry_after}")
        self._rate_retry_after = rate_retry_after
        self._outage: Outage | None = None
        self._latency = _latency_range(latency)
        self._plan = _fault_plan(
            fault_rate, fault_kinds, seed, max_consecutive_faults, retry_after, slow_delay
        )
        self._queue = FaultQueue()
        self._rng = random.Random(seed)

        self._lock = threading.Lock()
        self._requests: list[FakeRequest] = []
        self._exchanges: list[Exchange] = []
        self._endpoint_counts: Counter[str] = Counter()
        self._outcome_counts: Counter[str] = Counter()
        self._responder_errors: list[Exception] = []

        self._stopping = threading.Event()
        self._httpd: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    # What handlers read (routing.ServerView) ----------------------------------------------

    @property
    def responder(self) -> Responder:
        return self._responder

    @property
    def models(self) -> frozenset[str]:
        return self._models

    @property
    def max_input_tokens(self) -> int:
        return self._max_input_tokens

    @property
    def chat_models(self) -> frozenset[str]:
        """``models`` and every ready fine-tuned model, by the ``ID-ft`` name chat takes."""
        return self._models | self._finetunes.ready_models(time.monotonic())

    @property
    def embed_models(self) -> frozenset[str]:
        return self._embed_models

    @property
    def rerank_models(self) -> frozenset[str]:
        return self._rerank_models

    @property
    def datasets(self) -> DatasetStore:
        return self._datasets

    @property
    def finetunes(self) -> FinetuneStore:
        return self._finetunes

    @property
    def batches(self) -> BatchStore:
        return self._batches

    def record_responder_error(self, error: Exception) -> None:
        with self._lock:
            self._responder_errors.append(error)

    # Long-running jobs ------------------------------------------------------------------

    @property
    def finetuning(self) -> Finetuning:
        """``"available"`` or ``"retired"``; set it to retire fine-tuning mid-test."""
        return "retired" if self._finetunes.retired else "available"

    @finetuning.setter
    def finetuning(self, value: Finetuning) -> None:
        _check_finetuning(value)
        self._finetunes.retired = value == "retired"

    def finetune_failure_reason(self, finetuned_model_id: str) -> str | None:
        """Why a fine-tuning job failed, for tests: the API itself never says."""
        return self._finetunes.failure_reason(finetuned_model_id, time.monotonic())

    # Lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeCohere:
        """Listen on a free port of 127.0.0.1 and answer from a daemon thread."""
        if self._httpd is not None:
            raise FakeCohereError("this FakeCohere is already running")
        self._stopping.clear()
        httpd = LoopbackServer(self._answer)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.01},  # how long stop() may wait for the loop
            name=f"FakeCohere:{httpd.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering, drop open connections and wake sleeping answers; idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.drop_connections()
        thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeCohere:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        errors = self.responder_errors
        if exc_type is None and errors:
            raise ResponderError(
                f"the responder raised {len(errors)} time(s) and the client was sent a 500; "
                f"first: {errors[0]!r}"
            ) from errors[0]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the SDK's ``base_url`` (or ``CO_API_URL``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise FakeCohereError("FakeCohere is not running: use it in a with block or start()")
        return self._httpd.port

    # Faults ---------------------------------------------------------------------------------

    def inject(
        self,
        kind: Fault,
        count: int = 1,
        *,
        retry_after: float | str | None = None,
        delay: float | None = None,
        endpoint: str | None = None,
        size: int | None = None,
        prompt: str | None = None,
    ) -> None:
        """Make the next ``count`` requests (to ``endpoint`` only, if given) fail with ``kind``.

        ``retry_after`` is the wait a 429 asks for, in seconds, or a ``Retry-After`` header
        to send as it is (``"1000000000"``, ``"-5"``, an HTTP date, ``"soon"``; ``""``
        sends none); ``delay`` how long a slow answer takes, or the pause between a dripped
        answer's bytes; ``size`` the characters of an oversized answer (20 million unless
        given); ``prompt`` limits the fault to requests whose prompt holds that text (one
        document's). Queued faults apply in order, before the random plan and before
        authentication.
        """
        if count < 1:
            raise FakeCohereConfigError(f"count must be >= 1, got {count}")
        fault = PlannedFault(
            Fault(kind),
            self._plan.retry_after if retry_after is None else retry_after,
            self._plan.delay if delay is None else delay,
        )
        if size is not None:
            fault = attrs.evolve(fault, size=size)
        with self._lock:
            self._queue.push(fault, count, endpoint, prompt)

    def revoke(self, key: str) -> None:
        """Refuse ``key`` (401) from now on, as when a key is deleted in the middle of a run."""
        with self._lock:
            self._revoked.add(key)

    def _refused(self, key: str) -> bool:
        with self._lock:
            return key in self._revoked

    def outage(
        self,
        kinds: Fault | Sequence[Fault] = Fault.SERVICE_UNAVAILABLE,
        *,
        seconds: float | None = None,
        retry_after: float | str = "",
    ) -> None:
        """Go down: every request fails with ``kinds`` (in turn) for ``seconds``, or until recovered.

        Before every other fault, authentication and the rate limiter, as a load balancer
        in front of a server that is down answers. A 429 among ``kinds`` sends
        ``retry_after`` (as :meth:`inject`; by default no ``Retry-After``).
        """
        found = (kinds,) if isinstance(kinds, Fault) else tuple(Fault(kind) for kind in kinds)
        if not found or (seconds is not None and not seconds > 0):
            raise FakeCohereConfigError("an outage needs a fault kind and seconds > 0 (or None)")
        until = None if seconds is None else time.monotonic() + seconds
        with self._lock:
            self._outage = Outage(found, until, retry_after)

    def recover(self) -> None:
        """End an :meth:`outage` now."""
        with self._lock:
            self._outage = None

    @property
    def pending_faults(self) -> int:
        """How many injected faults are still waiting for requests."""
        with self._lock:
            return len(self._queue)

    # The log --------------------------------------------------------------------------------

    @property
    def requests(self) -> list[FakeRequest]:
        """Every request received, in order of arrival (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def exchanges(self) -> list[Exchange]:
        """Every answered (or dropped) request with its status and outcome, in order of answer."""
        with self._lock:
            return list(self._exchanges)

    @property
    def endpoint_counts(self) -> Counter[str]:
        """Requests received per endpoint (``"chat"``, ``"generate"``, ``"unrouted"``)."""
        with self._lock:
            return Counter(self._endpoint_counts)

    @property
    def outcome_counts(self) -> Counter[str]:
        """Answers per outcome: an :class:`Outcome` or a :class:`Fault` value."""
        with self._lock:
            return Counter(self._outcome_counts)

    @property
    def responder_errors(self) -> list[Exception]:
        """Exceptions the responder raised (each answered with a 500)."""
        with self._lock:
            return list(self._responder_errors)

    def reset(self) -> None:
        """Forget the log, counters, queued faults, rate windows and the plan's history.

        Datasets, fine-tuned models and batches stay: they are the account's, not the log's.
        """
        with self._lock:
            self._requests.clear()
            self._exchanges.clear()
            self._endpoint_counts.clear()
            self._outcome_counts.clear()
            self._responder_errors.clear()
            self._queue.clear()
            self._plan.clear()
            self._outage = None
            if self._limiter is not None:
                self._limiter.clear()

    # Answering ------------------------------------------------------------------------------

    def _answer(
        self, method: str, target: str, headers: Mapping[str, str], raw: bytes
    ) -> Reply | None:
        """The reply to one request, or ``None`` to drop the connection without one."""
        parts = urlsplit(target)
        path = parts.path
        route = find_route(method, path)
        uploaded = is_multipart(headers.get("content-type", ""))
        body, json_error = ({}, None) if uploaded else _parse_body(raw)
        request = FakeRequest(
            endpoint=route.endpoint if route else UNROUTED,
            method=method,
            path=path,
            model=body["model"] if isinstance(body.get("model"), str) else None,
            body=body,
            prompt=route.prompt_of(body) if route else "",
            headers={name: value for name, value in headers.items() if name != "authorization"},
            received_at=time.monotonic(),
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            path_params=(route.path_params(method, path) or {}) if route else {},
            raw=raw,
        )
        with self._lock:
            self._requests.append(request)
            self._endpoint_counts[request.endpoint] += 1
            fault = self._next_fault(request, route, target, uploaded) if route else None

        if route is None:
            return self._sent(request, Reply.error(404, PAGE_NOT_FOUND), Outcome.NOT_FOUND)
        if fault is not None and fault.kind is Fault.DISCONNECT:
            return self._sent(request, None, fault.kind)
        if fault is not None and fault.kind is Fault.HANG:
            self._stopping.wait()
            return self._sent(request, None, fault.kind)
        if fault is not None and fault.kind is Fault.SLOW:
            self._stopping.wait(fault.delay)
        faulty = None if fault is None else fault_reply(fault)
        outcome: Fault | Outcome
        if fault is not None and faulty is not None:
            reply, outcome = faulty, fault.kind
        else:
            reply, outcome = self._process(route, request, json_error, headers)
            if fault is not None:  # a slow answer: right, only late; a flawed one: spoilt
                outcome = fault.kind
                reply = flawed(fault, reply, request, headers.get("authorization", ""))
        if outcome is not Outcome.THROTTLED:
            # A rate-limited request is turned away at the door, as a real gateway does,
            # so its Retry-After counts from the moment the client reads it.
            self._stopping.wait(self._draw_latency())
        if self._stopping.is_set():
            return self._sent(request, None, outcome)
        if fault is not None and fault.kind is Fault.DRIP:
            reply = attrs.evolve(reply, drip=fault.delay)
        return self._sent(request, reply, outcome)

    def _process(
        self, route: Route, request: FakeRequest, json_error: str | None, headers: Mapping[str, str]
    ) -> tuple[Reply, Outcome]:
        key = _bearer_key(headers.get("authorization", ""))
        if route.authenticated and not key:
            return Reply.error(401, NO_API_KEY), Outcome.UNAUTHORIZED
        if route.authenticated and self._api_keys is not None and key not in self._api_keys:
            return Reply.error(401, INVALID_API_KEY), Outcome.UNAUTHORIZED
        if route.authenticated and self._refused(key):
            return Reply.error(401, INVALID_API_KEY), Outcome.UNAUTHORIZED
        if route.authenticated and request.model in self._forbidden_models:
            return Reply.error(403, forbidden_model(request.model)), Outcome.FORBIDDEN
        if route.authenticated and self._limiter is not None:
            caller = hashlib.sha256(key.encode()).hexdigest()[:16]
            with self._lock:
                wait = self._limiter.admit(f"{caller}:{route.endpoint}", time.monotonic())
            if wait is not None:
                said = window_retry_after(self._rate_retry_after, wait)
                return Reply.error(429, RATE_LIMITED, said), Outcome.THROTTLED
        if json_error is not None:
            return Reply.error(400, invalid_json(json_error)), Outcome.INVALID_REQUEST
        try:
            return route.handle(request, self), Outcome.OK
        except HTTPError as refusal:
            return Reply.error(refusal.status, refusal.message), refusal.outcome
        except Exception as error:
            self.record_responder_error(error)
            return Reply.error(500, INTERNAL_ERROR), Outcome.RESPONDER_ERROR

    def _next_fault(
        self, request: FakeRequest, route: Route, target: str, uploaded: bool
    ) -> PlannedFault | None:
        """Called with the lock held."""
        if self._outage is not None:
            down = self._outage.fault(request.received_at)
            if down is not None:
                return down
            self._outage = None
        queued = self._queue.pop(request.endpoint, request.prompt)
        if queued is not None:
            return queued
        # What tells requests apart beyond a JSON body: an id in the path, a query, a file.
        plain = request.path == route.path and not request.query and not uploaded
        if plain:  # leaves the fingerprints of plain JSON posts as they always were
            return self._plan.draw(fingerprint(request.endpoint, request.body))
        raw = hashlib.sha256(request.raw).hexdigest()
        identity = {"body": request.body, "target": f"{request.method} {target}", "raw": raw}
        return self._plan.draw(fingerprint(request.endpoint, identity))

    def _draw_latency(self) -> float:
        low, high = self._latency
        if low == high:
            return low
        with self._lock:
            return self._rng.uniform(low, high)

    def _sent(
        self, request: FakeRequest, reply: Reply | None, outcome: Fault | Outcome
    ) -> Reply | None:
        name = outcome.value
        with self._lock:
            self._exchanges.append(Exchange(request, None if reply is None else reply.status, name))
            self._outcome_counts[name] += 1
        return reply


def _parse_body(raw: bytes) -> tuple[dict[str, Any], str | None]:
    """The JSON object in ``raw`` (empty if none) and the parse error, if any."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {}, str(error)
    if not isinstance(value, dict):
        return {}, "the request body must be a JSON object"
    return value, None


def _bearer_key(authorization: str) -> str:
    scheme, _, key = authorization.strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""
