"""The client wrapper, driven through the real SDK against the loopback server."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import attrs
import pytest

from clocks import Clock
from cohere_medner.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    MissingApiKeyError,
    ModelNotFoundError,
    RetriesExhaustedError,
)
from cohere_medner.models.client import CohereClient, resolve_api_key, run_sync
from cohere_medner.testing import FakeCohere, FakeRequest, Fault, Responder
from cohere_medner.testing.responders import fixed

MODEL = "command-r-08-2024"
HELLO = [{"role": "user", "content": "List the diseases in: glaucoma causes blindness"}]
ANSWER = "- glaucoma\n- blindness"


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=fixed(ANSWER), api_keys={"good-key"}) as fake:
        yield fake


def client(server: FakeCohere, **options: object) -> CohereClient:
    settings: dict[str, object] = {"timeout": 2.0, "retry_budget": 20.0, **options}
    return CohereClient("good-key", base_url=server.url, **settings)  # type: ignore[arg-type]


def on_clock(co: CohereClient, clock: Clock) -> CohereClient:
    """``co`` with its chat limiter (whose clock times pacing and retry budgets) on ``clock``."""
    co.limiters["chat"] = attrs.evolve(co.limiter, clock=clock)
    return co


def answering_in(seconds: float, clock: Clock) -> Responder:
    """Answers :data:`ANSWER`, ``seconds`` after the request on ``clock``."""

    def respond(request: FakeRequest) -> str:
        clock.now += seconds
        return ANSWER

    return respond


def test_chat_returns_text_and_billed_tokens(server: FakeCohere) -> None:
    co = client(server)
    completion = co.chat_sync(MODEL, HELLO, temperature=0.0, max_tokens=200)
    assert completion.text == ANSWER
    assert completion.input_tokens > 0 and completion.output_tokens == 4
    assert co.usage.requests == 1 and co.usage.retries == 0
    body = server.requests[0].body
    assert body["model"] == MODEL and body["temperature"] == 0.0 and body["max_tokens"] == 200


def test_legacy_generate(server: FakeCohere) -> None:
    completion = client(server).generate_sync("command", "List the diseases")
    assert completion.text == ANSWER
    assert server.requests[0].endpoint.endswith("generate")


@pytest.mark.parametrize("fault", list(Fault))
def test_every_retryable_fault_is_retried_to_success(server: FakeCohere, fault: Fault) -> None:
    # Only the slow answer needs a short timeout: a long one keeps the attempt that is
    # answered from timing out on a busy machine.
    server.inject(fault, count=2, retry_after=0.1, delay=5.0)
    co = client(server, timeout=1.0 if fault is Fault.SLOW else 5.0)
    assert co.chat_sync(MODEL, HELLO).text == ANSWER
    assert co.usage.retries == 2 and co.usage.requests == 3


def test_sdk_retries_are_off_so_one_policy_governs(server: FakeCohere) -> None:
    server.inject(Fault.SERVICE_UNAVAILABLE, count=5)
    co = client(server, retry_budget=0.0)
    with pytest.raises(RetriesExhaustedError, match="503"):
        co.chat_sync(MODEL, HELLO)
    assert len(server.requests) == 1


def test_retry_after_is_honoured(server: FakeCohere) -> None:
    server.inject(Fault.RATE_LIMITED, count=1, retry_after=1.0)
    co = client(server)
    start = time.monotonic()
    co.chat_sync(MODEL, HELLO)
    assert time.monotonic() - start >= 0.95
    assert co.usage.rate_limited == 1


def test_retry_budget_bounds_the_time_spent(server: FakeCohere) -> None:
    # On a clock that stands still only the waits spend the budget, however long each
    # attempt really takes: the first wait (0.5 to 1 s) fits in 1 s, the second (1 to
    # 1.5 s) would end past it and is not begun.
    server.inject(Fault.SERVER_ERROR, count=1000)
    co = on_clock(client(server, retry_budget=1.0), Clock())
    with pytest.raises(RetriesExhaustedError, match="gave up retrying"):
        co.chat_sync(MODEL, HELLO)
    assert co.usage.retries == 1


@pytest.mark.parametrize(
    ("model", "key", "content", "error", "message"),
    [
        (MODEL, "bad-key", "hi", AuthenticationError, "CO_API_KEY"),
        ("no-such-model", "good-key", "hi", ModelNotFoundError, "no-such-model"),
        (MODEL, "good-key", "word " * 200_000, InvalidRequestError, "too many tokens"),
    ],
)
def test_non_retryable_errors_fail_at_once(
    server: FakeCohere, model: str, key: str, content: str, error: type[Exception], message: str
) -> None:
    co = CohereClient(key, base_url=server.url, retry_budget=30.0)
    with pytest.raises(error, match=message):
        co.chat_sync(model, [{"role": "user", "content": content}])
    assert len(server.requests) == 1 and co.usage.retries == 0


def test_key_and_url_from_the_environment(
    server: FakeCohere, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.setenv("COHERE_API_KEY", "good-key")
    monkeypatch.setenv("CO_API_URL", server.url)
    co = CohereClient()
    assert co.chat_sync(MODEL, HELLO).text == ANSWER
    monkeypatch.setenv("CO_API_KEY", "bad-key")
    assert resolve_api_key() == "bad-key"


def test_missing_key_fails_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError, match="CO_API_KEY"):
        CohereClient()


def test_repr_never_shows_the_key(server: FakeCohere) -> None:
    assert "good-key" not in repr(client(server))


def test_bad_settings() -> None:
    with pytest.raises(ConfigurationError):
        CohereClient("k", max_concurrency=0)
    with pytest.raises(ConfigurationError):
        CohereClient("k", requests_per_minute=-5)


def test_rate_limit_paces_requests_and_adapts_to_429(server: FakeCohere) -> None:
    co = client(server, requests_per_minute=600, rate_window=1.0)
    assert co.limiter is not None
    configured = co.limiter.rate
    server.inject(Fault.RATE_LIMITED, count=1, retry_after=0.0)

    async def many() -> list[str]:
        answers = await asyncio.gather(*(co.chat(MODEL, HELLO) for _ in range(30)))
        return [a.text for a in answers]

    start = time.monotonic()
    assert run_sync(many()) == [ANSWER] * 30
    # 31 requests at most 600 a second (0.97 of it): at least 50 ms apart in all.
    assert time.monotonic() - start >= 30 / 600
    assert co.limiter.rate <= configured


def learned_from_a_429(requests_per_minute: float | None) -> CohereClient:
    """A client after 30 answers, sent one at a time 1/16 s apart on its clock, then a 429.

    The limit is learned from what got through in the second before the refused request
    was sent: 15 answers (the one sent at that second's very start is not in it). The
    concurrent case, against a server that counts, is simulated in test_ratelimit.py.
    """
    clock = Clock()
    with FakeCohere(responder=answering_in(1 / 16, clock)) as server:
        co = client(server, requests_per_minute=requests_per_minute, rate_window=1.0)
        co = on_clock(co, clock)

        async def one_at_a_time() -> list[str]:
            return [(await co.chat(MODEL, HELLO)).text for _ in range(30)]

        assert run_sync(one_at_a_time()) == [ANSWER] * 30
        # A wait of 60 s would end past the 20 s budget: the request fails at once.
        server.inject(Fault.RATE_LIMITED, count=1, retry_after=60.0)
        with pytest.raises(RetriesExhaustedError, match="429"):
            co.chat_sync(MODEL, HELLO)
    assert co.usage.rate_limited == 1 and co.usage.retries == 0
    # Everyone waits out the Retry-After, but no longer than a window (a second here): a
    # limit counted per window frees a slot within one.
    assert co.limiter.reserve() == pytest.approx(1.0)
    return co


def test_a_limit_configured_too_high_is_learned_from_429s() -> None:
    co = learned_from_a_429(40.0)  # the client was told 40 a second
    assert co.limiter.rate < 0.75 * co.limiter.ceiling
    assert co.limiter.rate == pytest.approx(0.97 * 15)


def test_without_a_configured_limit_the_limit_is_learned_from_429s() -> None:
    co = learned_from_a_429(None)  # requests go out at once until the server says 429
    assert co.limiter.rate == pytest.approx(0.97 * 15)


def test_time_queued_behind_other_requests_is_not_retry_time() -> None:
    # A request that waited its turn longer than the retry budget used to give up on its
    # first 429 without a single retry: in a long run, most requests wait that long.
    clock = Clock()
    slow = answering_in(10.0, clock)  # 10 s on the client's clock; the budget is 0.8 s

    def slow_then_refuse_the_next(request: FakeRequest) -> str:
        if len(server.requests) == 1:
            server.inject(Fault.RATE_LIMITED, count=1, retry_after=0.0)
        return slow(request)

    with FakeCohere(responder=slow_then_refuse_the_next) as server:
        co = on_clock(client(server, max_concurrency=1, retry_budget=0.8), clock)

        async def queued() -> list[str]:
            # The second waits for the first's answer, then meets the 429.
            answers = await asyncio.gather(*(co.chat(MODEL, HELLO) for _ in range(2)))
            return [a.text for a in answers]

        assert run_sync(queued()) == [ANSWER] * 2
    assert co.usage.retries == 1 and co.usage.rate_limited == 1


def test_a_retry_after_beyond_the_budget_fails_at_once(server: FakeCohere) -> None:
    # Waiting 5 s and then trying again would spend five times the 1 s budget.
    server.inject(Fault.RATE_LIMITED, count=1, retry_after=5.0)
    co = client(server, retry_budget=1.0)
    with pytest.raises(RetriesExhaustedError, match="429"):
        co.chat_sync(MODEL, HELLO)
    assert co.usage.retries == 0


def test_a_huge_retry_after_holds_no_one_for_long(server: FakeCohere) -> None:
    # Retry-After: 1000000000 froze every request behind a hold of 31 years. The refused
    # request gives up at once (the wait would end past its budget); the others wait no
    # longer than a window (a second here) and go on.
    server.inject(Fault.RATE_LIMITED, count=1, retry_after="1000000000")
    co = client(server, rate_window=1.0)
    with pytest.raises(RetriesExhaustedError, match="429"):
        co.chat_sync(MODEL, HELLO)
    assert co.limiter.reserve() <= 1.0
    assert co.chat_sync(MODEL, HELLO).text == ANSWER


@pytest.mark.parametrize("said", ["0", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_retry_after_of_no_wait_still_backs_off(server: FakeCohere, said: str) -> None:
    # Retry-After: 0 (or -5, or a date past) was retried at once, again and again: 1,241
    # requests in 20 s for 3 documents. On a clock that stands still only the waits spend
    # the 0.3 s budget: 0.05 s, then 0.1 s, then 0.2 s would end past it.
    server.inject(Fault.RATE_LIMITED, count=3, retry_after=said)
    co = on_clock(client(server, retry_budget=0.3, rate_window=1.0), Clock())
    with pytest.raises(RetriesExhaustedError, match="429"):
        co.chat_sync(MODEL, HELLO)
    assert co.usage.retries == 2 and len(server.requests) == 3


def test_time_queued_between_retries_is_not_retry_time() -> None:
    # A request refused once waits for its slot while another takes 10 s: that is not
    # time spent retrying, and its second 429 is retried, not the end of it.
    clock = Clock()
    slow = answering_in(10.0, clock)

    def slow_then_refuse_the_next(request: FakeRequest) -> str:
        server.inject(Fault.RATE_LIMITED, count=1, retry_after=0.0)
        return slow(request)

    with FakeCohere(responder=slow_then_refuse_the_next) as server:
        server.inject(Fault.RATE_LIMITED, count=1, retry_after=0.0)
        co = on_clock(client(server, max_concurrency=1, retry_budget=0.8, rate_window=1.0), clock)

        async def queued() -> list[str]:
            answers = await asyncio.gather(*(co.chat(MODEL, HELLO) for _ in range(2)))
            return [a.text for a in answers]

        assert run_sync(queued()) == [ANSWER] * 2
    assert co.usage.rate_limited == 2 and co.usage.retries == 2


def test_an_outage_is_one_shared_backoff_not_one_per_request() -> None:
    # 600 pending documents each backing off on their own sent 60 requests a second at a
    # server that was down. Here 40 are pending: once the circuit has opened, nothing is
    # sent until its pause ends (4 s, at a rate window of four minutes), then one probe.
    with FakeCohere(responder=fixed(ANSWER)) as server:
        server.outage(Fault.SERVICE_UNAVAILABLE)
        co = client(server, rate_window=240.0, retry_budget=60.0)
        done: list[list[str]] = []

        async def pending() -> list[str]:
            answers = await asyncio.gather(*(co.chat(MODEL, HELLO) for _ in range(40)))
            return [a.text for a in answers]

        worker = threading.Thread(target=lambda: done.append(run_sync(pending())), daemon=True)
        worker.start()
        while not co.circuit.is_open:
            time.sleep(0.01)
        time.sleep(0.1)  # those sent when it opened are on their way
        opened = co.usage.requests  # counted as sent (the server may see one a SYN later)
        time.sleep(1.0)  # within the pause; each request's own backoff would be over
        assert co.usage.requests == opened <= 2 * 8
        server.recover()
        worker.join()
    assert done == [[ANSWER] * 40]
    assert co.usage.requests == opened + 40


def test_a_429_from_one_endpoint_does_not_slow_the_others(server: FakeCohere) -> None:
    # Rerank (10 a minute on a trial key) used to share chat's limiter: every reranked
    # document waited its turn behind --rpm, and a rerank 429 cut the chat rate.
    co = client(server, requests_per_minute=600, rate_window=1.0)
    assert co.limiters["chat"] is co.limiter and co.limiter.per_minute == 600
    assert co.limiters["rerank"].per_minute is None and co.limiters["embed"].per_minute is None
    server.inject(Fault.RATE_LIMITED, count=1, retry_after=0.0, endpoint="rerank")
    assert run_sync(co.rerank("rerank-v3.5", "glaucoma", ["blindness", "glaucoma"]))
    assert co.limiters["rerank"].epoch == 1  # held by its own 429
    assert co.limiter.epoch == 0 and co.limiters["embed"].epoch == 0


def test_sync_call_inside_a_running_event_loop(server: FakeCohere) -> None:
    co = client(server)

    async def notebook_cell() -> str:
        # A Jupyter cell runs inside a loop; the synchronous API must still work there.
        return co.chat_sync(MODEL, HELLO).text

    assert asyncio.run(notebook_cell()) == ANSWER


# Embed and rerank --------------------------------------------------------------------------

EMBED_MODEL = "embed-v4.0"


def test_embed_batches_within_the_api_limit_and_keeps_order(server: FakeCohere) -> None:
    from cohere_medner.testing import embed_vector

    texts = [f"abstract number {n} about aspirin" for n in range(200)]
    co = client(server)
    vectors = run_sync(co.embed(EMBED_MODEL, texts, "search_document"))
    embeds = [r for r in server.requests if r.endpoint == "embed"]
    assert sorted(len(r.body["texts"]) for r in embeds) == [8, 96, 96]
    assert {r.body["input_type"] for r in embeds} == {"search_document"}
    assert len(vectors) == 200
    for text, vector in zip(texts, vectors, strict=True):
        assert vector == pytest.approx(embed_vector(text, 1536))
    assert co.usage.requests == 3
    assert co.usage.input_tokens == sum(len(t.split()) for t in texts)


def test_embed_options_and_refusals(server: FakeCohere) -> None:
    co = client(server)
    [vector] = run_sync(co.embed(EMBED_MODEL, ["x"], "search_query", output_dimension=256))
    assert len(vector) == 256 and server.requests[-1].body["input_type"] == "search_query"
    assert run_sync(co.embed(EMBED_MODEL, [], "search_query")) == []
    assert len(server.requests) == 1
    with pytest.raises(ConfigurationError, match="96"):
        run_sync(co.embed(EMBED_MODEL, ["x"], "search_query", batch_size=97))
    with pytest.raises(ModelNotFoundError):
        run_sync(co.embed("embed-v99", ["x"], "search_query"))
    with pytest.raises(InvalidRequestError, match="output_dimension"):
        run_sync(co.embed(EMBED_MODEL, ["x"], "search_query", output_dimension=300))


@pytest.mark.parametrize("fault", [Fault.RATE_LIMITED, Fault.SERVER_ERROR, Fault.MALFORMED])
def test_embed_and_rerank_are_retried_like_chat(server: FakeCohere, fault: Fault) -> None:
    co = client(server)
    server.inject(fault, count=2, retry_after=0.05, endpoint="embed")
    server.inject(fault, count=1, retry_after=0.05, endpoint="rerank")
    assert len(run_sync(co.embed(EMBED_MODEL, ["a", "b"], "search_document"))) == 2
    assert run_sync(co.rerank("rerank-v3.5", "a", ["b", "a"]))[0][0] == 1
    assert co.usage.retries == 3 and co.usage.requests == 5


def test_rerank_orders_by_relevance(server: FakeCohere) -> None:
    co = client(server)
    documents = ["lidocaine asystole", "clonidine and naloxone", "clonidine hypotension"]
    ranked = run_sync(co.rerank("rerank-v3.5", "clonidine hypotension", documents))
    assert [index for index, _ in ranked] == [2, 1, 0]
    assert ranked[0][1] == pytest.approx(1.0) and ranked[-1][1] == 0.0
    top = run_sync(co.rerank("rerank-v3.5", "clonidine", documents, top_n=1))
    assert len(top) == 1
    assert server.requests[-1].body["top_n"] == 1
    with pytest.raises(ModelNotFoundError):
        run_sync(co.rerank("rerank-v99", "q", ["d"]))
