"""The client wrapper, driven through the real SDK against the loopback server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import attrs
import pytest

from clocks import Clock
from cohere_medner.errors import (
    AuthenticationError,
    ConfigurationError,
    FatalApiError,
    ForbiddenError,
    InvalidApiKeyError,
    InvalidRequestError,
    MissingApiKeyError,
    ModelNotFoundError,
    RequestRejectedError,
    RetriesExhaustedError,
    ServerUnreachableError,
)
from cohere_medner.models.client import (
    UNREACHABLE_BUDGET,
    CohereClient,
    resolve_api_key,
    run_sync,
)
from cohere_medner.testing import FLAWED_ANSWERS, FakeCohere, FakeRequest, Fault, Responder
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


SLOW_FAULTS = (Fault.SLOW, Fault.DRIP, Fault.HANG)


@pytest.mark.parametrize("fault", [f for f in Fault if f not in FLAWED_ANSWERS])
def test_every_retryable_fault_is_retried_to_success(server: FakeCohere, fault: Fault) -> None:
    # Only the slow answers need a short timeout: a long one keeps the attempt that is
    # answered from timing out on a busy machine. A dripped answer sends a byte every
    # 0.2 s: no read ever times out, and only the attempt's deadline ends it.
    server.inject(fault, count=2, retry_after=0.1, delay=0.2 if fault is Fault.DRIP else 5.0)
    co = client(server, timeout=1.0 if fault in SLOW_FAULTS else 5.0)
    assert co.chat_sync(MODEL, HELLO).text == ANSWER
    assert co.usage.retries == 2 and co.usage.requests == 3


def test_a_hung_request_does_not_hold_its_slot_until_its_deadline(server: FakeCohere) -> None:
    # One slot: the others used to wait the hung request's whole timeout behind it.
    co = client(server, max_concurrency=1, timeout=30.0)

    async def scenario() -> int:
        for _ in range(10):  # answers to time: the hung one straggles past 5x their median
            await co.chat(MODEL, HELLO)
        server.inject(Fault.HANG)
        hung = asyncio.ensure_future(co.chat(MODEL, HELLO))
        answers = await asyncio.gather(*(co.chat(MODEL, HELLO) for _ in range(5)))
        assert [a.text for a in answers] == [ANSWER] * 5 and not hung.done()
        retries = co.usage.retries  # the hung one's deadline has not come: no retry yet
        hung.cancel()
        return retries

    assert run_sync(scenario()) == 0
    assert len(server.requests) == 10 + 1 + 5


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
        (MODEL, "bad-key", "hi", AuthenticationError, "the API key was refused: check CO_API_KEY"),
        ("no-such-model", "good-key", "hi", ModelNotFoundError, "model 'no-such-model' not found"),
        ("forbidden", "good-key", "hi", ForbiddenError, "may not use model 'forbidden'"),
        (MODEL, "good-key", "word " * 200_000, InvalidRequestError, "too many tokens"),
    ],
)
def test_non_retryable_errors_fail_at_once(
    model: str, key: str, content: str, error: type[Exception], message: str
) -> None:
    with FakeCohere(api_keys={"good-key"}, forbidden_models={"forbidden"}) as server:
        co = CohereClient(key, base_url=server.url, retry_budget=30.0)
        with pytest.raises(error, match=message):
            co.chat_sync(model, [{"role": "user", "content": content}])
    assert len(server.requests) == 1 and co.usage.retries == 0


def gathered(co: CohereClient, *calls: tuple[str, list[dict[str, str]]]) -> list[object]:
    """Each chat's answer or error, sent concurrently through ``co``."""

    async def run() -> list[object]:
        chats = (co.chat(model, messages) for model, messages in calls)
        return await asyncio.gather(*chats, return_exceptions=True)

    return run_sync(run())


def test_a_refused_key_stops_the_requests_still_waiting(server: FakeCohere) -> None:
    co = CohereClient("bad-key", base_url=server.url, max_concurrency=2)
    results = gathered(co, *[(MODEL, HELLO)] * 40)
    assert all(isinstance(r, AuthenticationError) for r in results)
    # The two in flight were refused; the 38 waiting for a slot were never sent.
    assert len(server.requests) == 2 and co.usage.retries == 0


def test_a_refused_model_stops_its_own_requests_not_the_others(server: FakeCohere) -> None:
    co = client(server, max_concurrency=1)
    results = gathered(co, *[("no-such-model", HELLO)] * 10, *[(MODEL, HELLO)] * 5)
    assert all(isinstance(r, ModelNotFoundError) for r in results[:10])
    assert [getattr(r, "text", r) for r in results[10:]] == [ANSWER] * 5
    assert len(server.requests) == 1 + 5


def test_a_refused_setting_stops_the_run_and_a_prompt_too_long_does_not(
    server: FakeCohere,
) -> None:
    co = client(server, max_concurrency=1)
    long = [{"role": "user", "content": "word " * 200_000}]
    results = gathered(co, (MODEL, long), *[(MODEL, HELLO)] * 3)
    assert isinstance(results[0], InvalidRequestError)
    assert not isinstance(results[0], FatalApiError)
    assert [getattr(r, "text", r) for r in results[1:]] == [ANSWER] * 3

    async def refused_settings() -> list[object]:
        sends = (co.chat(MODEL, HELLO, max_tokens=-1) for _ in range(5))
        return await asyncio.gather(*sends, return_exceptions=True)

    server.reset()
    results = run_sync(refused_settings())
    assert all(isinstance(r, RequestRejectedError) for r in results)
    assert "max_tokens" in str(results[0]) and len(server.requests) == 1


def test_a_request_made_after_a_refusal_is_sent(server: FakeCohere) -> None:
    # A notebook: the model was misspelt, then fixed on the same client.
    co = client(server)
    with pytest.raises(ModelNotFoundError):
        co.chat_sync("no-such-model", HELLO)
    assert co.chat_sync(MODEL, HELLO).text == ANSWER
    with pytest.raises(ModelNotFoundError):
        co.chat_sync("no-such-model", HELLO)  # asked again, and refused again
    assert len(server.requests) == 3


def unused_address() -> str:
    """An address of this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_nothing_listening_fails_within_the_short_budget_naming_the_address() -> None:
    said: list[str] = []
    address = unused_address()
    co = CohereClient("k", base_url=address, retry_budget=300.0, on_status=said.append)
    assert co.unreachable_budget == UNREACHABLE_BUDGET < co.retry_budget
    co.unreachable_budget = 2.0  # the test's patience; the point is that 300 s is not spent
    with pytest.raises(ServerUnreachableError, match=f"nothing answers at {address}"):
        co.chat_sync(MODEL, HELLO)
    assert co.usage.retries >= 1
    assert said == [f"server unreachable at {address}, retrying for up to 2 s"]


def test_a_server_that_answered_then_went_away_is_an_outage() -> None:
    with FakeCohere(responder=fixed(ANSWER)) as server:
        co = client(server, retry_budget=1.5)
        assert co.chat_sync(MODEL, HELLO).text == ANSWER
        address = server.url
    co.unreachable_budget = 0.0  # would give up at once, were this not an outage
    with pytest.raises(RetriesExhaustedError, match=address) as raised:
        co.chat_sync(MODEL, HELLO)
    assert not isinstance(raised.value, ServerUnreachableError)
    assert co.usage.retries >= 1


def test_what_is_retried_is_said_once_per_episode(server: FakeCohere) -> None:
    said: list[str] = []
    co = client(server, on_status=said.append)
    server.inject(Fault.SERVER_ERROR, count=3)  # the first attempt of each request
    results = gathered(co, *[(MODEL, HELLO)] * 3)
    assert [getattr(r, "text", r) for r in results] == [ANSWER] * 3
    assert co.usage.retries == 3
    assert said == [f"server errors from {server.url} (500), retrying for up to 20 s"]


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


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("sk-0123\n456789", "'\\n' at character 8"),
        ("sk-0123 456789", "SPACE at character 8"),
        ("sk-cl\u00e9-456789", "LATIN SMALL LETTER E WITH ACUTE at character 6"),
        ("sk-0123\x7f456789", "'\\x7f' at character 8"),
    ],
)
def test_a_key_no_header_can_carry_fails_at_once_without_showing_it(
    server: FakeCohere, monkeypatch: pytest.MonkeyPatch, key: str, what: str
) -> None:
    # It used to be retried for the whole budget, then printed: Illegal header value b'Bearer ...'
    with pytest.raises(InvalidApiKeyError) as given:
        CohereClient(f"  {key}\n", base_url=server.url)
    monkeypatch.setenv("CO_API_KEY", key)
    with pytest.raises(InvalidApiKeyError) as from_environment:
        CohereClient(base_url=server.url)
    for error, source in ((given.value, "api_key"), (from_environment.value, "CO_API_KEY")):
        assert f"the API key from {source} holds {what}" in str(error)
        assert key not in str(error) and key.split()[0] not in str(error)
    assert server.requests == []


def test_surrounding_whitespace_is_not_part_of_the_key(server: FakeCohere) -> None:
    assert client(server).chat_sync(MODEL, HELLO).text == ANSWER  # good-key, as given
    co = CohereClient(" good-key\n", base_url=server.url, retry_budget=0.0)
    assert co.chat_sync(MODEL, HELLO).text == ANSWER


def test_a_key_a_proxy_echoes_is_never_shown(server: FakeCohere) -> None:
    key = "sk-echoed-by-a-proxy-0123456789"
    server.inject(Fault.KEY_ECHOED, count=10)
    co = CohereClient(key, base_url=server.url, retry_budget=0.0)
    with pytest.raises(RetriesExhaustedError) as raised:
        co.chat_sync(MODEL, HELLO)
    shown = f"{raised.value}\n{raised.value!r}\n{raised.value.message}"
    assert "proxy error: the upstream refused the key [redacted]" in shown
    assert "Bearer [redacted]" in shown and key not in shown
    assert raised.value.__cause__ is None  # a traceback would show the SDK's error, key and all


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
