"""FakeCohere, driven by the real ``cohere`` SDK over real HTTP: nothing here is mocked."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cohere
import httpx
import pytest
from cohere.core.api_error import ApiError
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import MedNerError
from cohere_medner.testing import (
    STATUS_FAULTS,
    FakeCohere,
    FakeRequest,
    Fault,
    count_tokens,
    echo,
    fixed,
    from_mapping,
)
from cohere_medner.testing.errors import (
    FakeCohereConfigError,
    FakeCohereError,
    ResponderError,
    UnmappedPromptError,
)
from cohere_medner.testing.faults import Outage, PlannedFault, WindowRetryAfter
from cohere_medner.testing.wire import truncate_tokens

# The SDK's pydantic models use a v1 attribute that pydantic 2 deprecates: noise, not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
NO_RETRY: Any = {"max_retries": 0}
ABSTRACT = "Naloxone reverses the hypotensive effect of clonidine ."


def user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def chat_text(response: Any) -> str:
    return str(response.message.content[0].text)


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=echo) as fake:
        yield fake


@pytest.fixture
def co(server: FakeCohere) -> cohere.ClientV2:
    return cohere.ClientV2(api_key="test-key", base_url=server.url)


# Answers ---------------------------------------------------------------------------------


def test_chat_returns_the_responders_text_and_usage() -> None:
    answer = "Chemicals: naloxone; clonidine\nDiseases: hypotensive"
    with FakeCohere(responder=fixed(answer)) as server:
        co = cohere.ClientV2(api_key="test-key", base_url=server.url)
        messages: list[Any] = [
            {"role": "system", "content": "You extract chemicals and diseases."},
            {"role": "user", "content": [{"type": "text", "text": ABSTRACT}]},
        ]
        response = co.chat(model=MODEL, messages=messages, temperature=0.0)

    assert chat_text(response) == answer
    assert response.finish_reason == "COMPLETE"
    assert response.message.role == "assistant"
    assert response.id
    input_tokens = count_tokens("You extract chemicals and diseases.") + count_tokens(ABSTRACT)
    assert response.usage is not None and response.usage.billed_units is not None
    assert response.usage.billed_units.input_tokens == input_tokens
    assert response.usage.billed_units.output_tokens == count_tokens(answer)
    assert response.usage.tokens is not None
    assert response.usage.tokens.output_tokens == count_tokens(answer)


def test_the_request_is_logged_without_the_api_key(server: FakeCohere) -> None:
    co = cohere.ClientV2(api_key="secret-key-123", base_url=server.url)
    messages: list[Any] = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": ABSTRACT},
    ]
    assert chat_text(co.chat(model=MODEL, messages=messages)) == ABSTRACT  # echo

    [request] = server.requests
    assert (request.endpoint, request.method, request.path) == ("chat", "POST", "/v2/chat")
    assert request.model == MODEL
    assert request.last_user_message == ABSTRACT
    assert request.messages[0] == ("system", "Be terse.")
    assert request.prompt == f"Be terse.\n\nfirst\n\nok\n\n{ABSTRACT}"
    assert request.body["messages"] == messages
    assert "authorization" not in request.headers
    assert request.headers["user-agent"].startswith("cohere/")
    assert "secret-key-123" not in repr(request)


def test_generate_through_the_legacy_client(server: FakeCohere) -> None:
    co = cohere.Client(api_key="test-key", base_url=server.url)
    response = co.generate(model="command", prompt=ABSTRACT, max_tokens=100, temperature=0.3)

    [generation] = response.generations
    assert generation.text == ABSTRACT
    assert getattr(generation, "finish_reason", None) == "COMPLETE"
    assert response.prompt == ABSTRACT
    assert response.meta is not None and response.meta.billed_units is not None
    assert response.meta.billed_units.input_tokens == count_tokens(ABSTRACT)
    assert response.meta.billed_units.output_tokens == count_tokens(ABSTRACT)
    assert server.requests[0].endpoint == "generate"
    assert server.requests[0].last_user_message == ABSTRACT

    several = co.generate(prompt="two words", num_generations=3)  # model defaults to command
    assert [g.text for g in several.generations] == ["two words"] * 3
    assert [g.index for g in several.generations] == [0, 1, 2]


def test_max_tokens_cuts_the_answer_as_the_api_does(co: cohere.ClientV2) -> None:
    response = co.chat(model=MODEL, messages=user("one  two three four"), max_tokens=2)
    assert chat_text(response) == "one  two"
    assert response.finish_reason == "MAX_TOKENS"
    assert response.usage is not None and response.usage.billed_units is not None
    assert response.usage.billed_units.output_tokens == 2


def test_from_mapping_answers_by_last_user_message() -> None:
    responder = from_mapping({ABSTRACT: "naloxone; clonidine"}, default="none")
    with FakeCohere(responder=responder) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        assert chat_text(co.chat(model=MODEL, messages=user(ABSTRACT))) == "naloxone; clonidine"
        assert chat_text(co.chat(model=MODEL, messages=user("other"))) == "none"


def test_a_raising_responder_is_a_500_and_fails_the_with_block() -> None:
    server = FakeCohere(responder=from_mapping({}))
    with pytest.raises(ResponderError) as raised, server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        with pytest.raises(cohere.InternalServerError):
            co.chat(model=MODEL, messages=user("unmapped"), request_options=NO_RETRY)
        assert server.outcome_counts["responder_error"] == 1
    assert isinstance(raised.value.__cause__, UnmappedPromptError)
    assert raised.value.__cause__.prompt == "unmapped"


def test_co_api_url_in_a_subprocess_environment(server: FakeCohere) -> None:
    # The SDK reads CO_API_URL when cohere is imported, hence a fresh interpreter.
    script = (
        "import cohere; co = cohere.ClientV2();"
        "r = co.chat(model='command', messages=[{'role': 'user', 'content': 'via env'}]);"
        "print(r.message.content[0].text)"
    )
    env = {**os.environ, "CO_API_URL": server.url, "CO_API_KEY": "env-key"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "via env"


# Refusals, as the real API words them ------------------------------------------------------


def test_unknown_model_is_a_404(co: cohere.ClientV2, server: FakeCohere) -> None:
    with pytest.raises(cohere.NotFoundError) as raised:
        co.chat(model="gpt-4", messages=user("hi"))
    assert raised.value.status_code == 404
    assert raised.value.body["message"].startswith("model 'gpt-4' not found")
    assert server.outcome_counts["unknown_model"] == 1


def test_bad_key_is_a_401() -> None:
    with FakeCohere(api_keys={"k1"}) as server:
        good = cohere.ClientV2(api_key="k1", base_url=server.url)
        assert chat_text(good.chat(model=MODEL, messages=user("hi"))) == "hi"
        bad = cohere.ClientV2(api_key="k2", base_url=server.url)
        with pytest.raises(cohere.UnauthorizedError) as raised:
            bad.chat(model=MODEL, messages=user("hi"))
        assert raised.value.body == {"message": "invalid api token"}
        empty = cohere.ClientV2(api_key="", base_url=server.url)
        with pytest.raises(cohere.UnauthorizedError) as raised:
            empty.chat(model=MODEL, messages=user("hi"))
        assert raised.value.body == {"message": "no api key supplied"}
        assert server.outcome_counts == {"ok": 1, "unauthorized": 2}


def test_a_revoked_key_is_a_401_from_then_on() -> None:
    with FakeCohere() as server:
        co = cohere.ClientV2(api_key="k1", base_url=server.url)
        assert chat_text(co.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY))
        server.revoke("k1")
        with pytest.raises(cohere.UnauthorizedError):
            co.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY)
        other = cohere.ClientV2(api_key="k2", base_url=server.url)
        assert chat_text(other.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY))
        assert server.outcome_counts == {"ok": 2, "unauthorized": 1}


def test_a_forbidden_model_is_a_403_naming_it() -> None:
    with FakeCohere(forbidden_models={"command-a-03-2025"}) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        with pytest.raises(cohere.ForbiddenError) as raised:
            co.chat(model="command-a-03-2025", messages=user("hi"), request_options=NO_RETRY)
        assert "'command-a-03-2025'" in raised.value.body["message"]
        assert chat_text(co.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY))
        assert server.outcome_counts == {"forbidden": 1, "ok": 1}


def test_a_prompt_over_the_input_limit_is_a_400() -> None:
    with FakeCohere(max_input_tokens=5) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        assert chat_text(co.chat(model=MODEL, messages=user("a b c d e"))) == "a b c d e"
        with pytest.raises(cohere.BadRequestError) as raised:
            co.chat(model=MODEL, messages=user("a b c d e f"))
    message = raised.value.body["message"]
    assert message.startswith("too many tokens: total number of tokens in the prompt cannot")
    assert "exceed 5 - received 6" in message


def test_unrouted_endpoints_are_404s(co: cohere.ClientV2, server: FakeCohere) -> None:
    with pytest.raises(cohere.NotFoundError) as raised:
        co.classify(inputs=["x"], examples=[])  # /v1/classify: retired, and never routed
    assert raised.value.body == {"message": "404 page not found"}
    assert server.endpoint_counts == {"unrouted": 1}


def test_streaming_is_refused_plainly(co: cohere.ClientV2) -> None:
    with pytest.raises(cohere.BadRequestError):
        list(co.chat_stream(model=MODEL, messages=user("hi")))


# Faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        (Fault.RATE_LIMITED, cohere.TooManyRequestsError, 429),
        (Fault.SERVER_ERROR, cohere.InternalServerError, 500),
        (Fault.BAD_GATEWAY, ApiError, 502),  # an HTML body: the SDK has no class for 502
        (Fault.SERVICE_UNAVAILABLE, cohere.ServiceUnavailableError, 503),
        (Fault.GATEWAY_TIMEOUT, cohere.GatewayTimeoutError, 504),
        (Fault.MALFORMED, ApiError, 200),  # the SDK cannot parse the body
        (Fault.DISCONNECT, httpx.RemoteProtocolError, None),
        (Fault.SLOW, httpx.ReadTimeout, None),
        (Fault.DRIP, httpx.ReadTimeout, None),  # a byte every 2 s, read with a 0.2 s timeout
        (Fault.HANG, httpx.ReadTimeout, None),
    ],
)
def test_each_fault_raises_what_the_sdk_raises_against_the_real_api(
    server: FakeCohere,
    co: cohere.ClientV2,
    kind: Fault,
    error: type[Exception],
    status: int | None,
) -> None:
    server.inject(kind, retry_after=0.25, delay=2.0)
    options: Any = {"max_retries": 0, "timeout_in_seconds": 0.2}
    with pytest.raises(error) as raised:
        co.chat(model=MODEL, messages=user("hi"), request_options=options)
    if status is not None:
        assert isinstance(raised.value, ApiError)
        assert raised.value.status_code == status
        assert type(raised.value) is error
    if kind is Fault.RATE_LIMITED:
        headers = raised.value.headers if isinstance(raised.value, ApiError) else None
        assert headers is not None
        assert (headers["retry-after"], headers["retry-after-ms"]) == ("1", "250")
    assert server.pending_faults == 0
    assert chat_text(co.chat(model=MODEL, messages=user("after"), request_options=NO_RETRY)) == (
        "after"
    )


@pytest.mark.parametrize("said", ["1000000000", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "soon", ""])
def test_a_429_can_send_any_retry_after_header(
    server: FakeCohere, co: cohere.ClientV2, said: str
) -> None:
    server.inject(Fault.RATE_LIMITED, retry_after=said)
    with pytest.raises(cohere.TooManyRequestsError) as raised:
        co.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY)
    headers = raised.value.headers or {}
    assert "retry-after-ms" not in headers
    assert headers.get("retry-after") == (said or None)  # "": none at all


def test_an_outage_fails_every_request_until_the_server_recovers(
    server: FakeCohere, co: cohere.ClientV2
) -> None:
    server.inject(Fault.SERVER_ERROR)  # queued faults wait for the server to come back
    server.outage([Fault.SERVICE_UNAVAILABLE, Fault.RATE_LIMITED, Fault.DISCONNECT])
    raised: list[type[Exception]] = []
    for n in range(6):
        with pytest.raises(Exception) as failure:
            co.chat(model=MODEL, messages=user(f"{n}"), request_options=NO_RETRY)
        raised.append(type(failure.value))
    down = [cohere.ServiceUnavailableError, cohere.TooManyRequestsError, httpx.RemoteProtocolError]
    assert raised == down * 2
    server.recover()
    with pytest.raises(cohere.InternalServerError):
        co.chat(model=MODEL, messages=user("back"), request_options=NO_RETRY)
    assert chat_text(co.chat(model=MODEL, messages=user("up"), request_options=NO_RETRY)) == "up"
    with pytest.raises(FakeCohereConfigError):
        server.outage([])


def test_a_timed_outage_ends_by_itself() -> None:
    outage = Outage((Fault.BAD_GATEWAY,), until=10.0, retry_after="")
    assert outage.fault(9.9) == PlannedFault(Fault.BAD_GATEWAY, "")
    assert outage.fault(10.0) is None


def test_the_sdks_own_retries_get_through_injected_429s(
    server: FakeCohere, co: cohere.ClientV2
) -> None:
    server.inject(Fault.RATE_LIMITED, count=2, retry_after=0.05)
    assert chat_text(co.chat(model=MODEL, messages=user("hi"))) == "hi"  # 2 retries by default
    assert server.outcome_counts == {"rate_limited": 2, "ok": 1}
    assert len(server.requests) == 3


def test_the_sdk_retries_a_dropped_connection_only_when_asked(
    server: FakeCohere, co: cohere.ClientV2
) -> None:
    server.inject(Fault.DISCONNECT)
    options: Any = {"max_retries": 1, "retry_remote_protocol_errors": True}
    assert chat_text(co.chat(model=MODEL, messages=user("hi"), request_options=options)) == "hi"
    assert server.outcome_counts == {"disconnect": 1, "ok": 1}


def test_injected_faults_can_target_one_endpoint(server: FakeCohere) -> None:
    server.inject(Fault.SERVER_ERROR, endpoint="generate")
    co = cohere.ClientV2(api_key="k", base_url=server.url)
    assert chat_text(co.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY)) == "hi"
    with pytest.raises(cohere.InternalServerError):
        co.generate(prompt="hi", request_options=NO_RETRY)
    assert server.endpoint_counts == {"chat": 1, "generate": 1}


def test_a_dripped_answer_is_the_whole_right_answer(
    server: FakeCohere, co: cohere.ClientV2
) -> None:
    server.inject(Fault.DRIP, delay=0.001)
    assert chat_text(co.chat(model=MODEL, messages=user("hi"), request_options=NO_RETRY)) == "hi"
    assert server.outcome_counts == {"drip": 1}


def test_stop_is_quick_while_an_answer_sleeps(co: cohere.ClientV2, server: FakeCohere) -> None:
    server.inject(Fault.SLOW, delay=30.0)
    with pytest.raises(httpx.TimeoutException):
        co.chat(
            model=MODEL,
            messages=user("hi"),
            request_options={"max_retries": 0, "timeout_in_seconds": 0.1},
        )
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0


def _outcomes(seed: int, prompts: list[str], *, concurrent: bool) -> dict[str, str]:
    """Send each prompt once (no retries) and map it to the outcome the server recorded."""
    with FakeCohere(fault_rate=0.5, fault_kinds=STATUS_FAULTS, seed=seed) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)

        def send(prompt: str) -> None:
            with contextlib.suppress(ApiError):
                co.chat(model=MODEL, messages=user(prompt), request_options=NO_RETRY)

        if concurrent:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(send, prompts))
        else:
            for prompt in prompts:
                send(prompt)
        return {e.request.last_user_message: e.outcome for e in server.exchanges}


def test_a_seeded_fault_plan_replays_exactly_even_under_concurrency() -> None:
    prompts = [f"abstract {n}" for n in range(40)]
    first = _outcomes(7, prompts, concurrent=False)
    assert set(first) == set(prompts)
    assert 5 < sum(outcome != "ok" for outcome in first.values()) < 35
    assert _outcomes(7, prompts, concurrent=True) == first
    assert _outcomes(8, prompts, concurrent=False) != first


def test_the_plan_never_faults_a_request_more_than_the_cap_in_a_row() -> None:
    with FakeCohere(
        fault_rate=1.0,
        fault_kinds=(Fault.RATE_LIMITED,),
        max_consecutive_faults=2,
        retry_after=0.01,
    ) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        for n in range(3):  # the SDK retries twice by default: every call gets through
            assert chat_text(co.chat(model=MODEL, messages=user(f"doc {n}"))) == f"doc {n}"
        assert server.outcome_counts == {"rate_limited": 6, "ok": 3}
        statuses = [e.status for e in server.exchanges]
    assert statuses == [429, 429, 200] * 3


# Rate limit, latency, counters ---------------------------------------------------------------


def test_the_rate_limit_answers_429_with_the_wait_until_a_slot_frees() -> None:
    with FakeCohere(rate_limit=3, rate_window=0.4) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        for n in range(3):
            co.chat(model=MODEL, messages=user(f"{n}"), request_options=NO_RETRY)
        with pytest.raises(cohere.TooManyRequestsError) as raised:
            co.chat(model=MODEL, messages=user("3"), request_options=NO_RETRY)
        headers = raised.value.headers or {}
        wait_ms = int(headers["retry-after-ms"])
        assert 0 < wait_ms <= 400
        assert headers["retry-after"] == "1"
        assert raised.value.body["message"].startswith("You are past the per minute request limit")

        other = cohere.ClientV2(api_key="another-key", base_url=server.url)
        other.chat(model=MODEL, messages=user("own window"), request_options=NO_RETRY)

        time.sleep(wait_ms / 1000 + 0.02)
        co.chat(model=MODEL, messages=user("4"), request_options=NO_RETRY)
        assert server.outcome_counts == {"ok": 5, "throttled": 1}


@pytest.mark.parametrize(
    ("said", "headers"),
    [("exact", {"retry-after": "60"}), (1.0, {"retry-after": "1", "retry-after-ms": "1000"}),
     (None, {})],
)  # fmt: skip
def test_the_rate_limit_s_retry_after_is_exact_constant_or_absent(
    said: WindowRetryAfter, headers: dict[str, str]
) -> None:
    with FakeCohere(rate_limit=1, rate_window=60.0, rate_retry_after=said) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        co.chat(model=MODEL, messages=user("first"), request_options=NO_RETRY)
        with pytest.raises(cohere.TooManyRequestsError) as raised:
            co.chat(model=MODEL, messages=user("second"), request_options=NO_RETRY)
    found = raised.value.headers or {}
    for name, value in headers.items():
        assert found[name] == value
    assert ("retry-after" in found) is bool(headers)
    with pytest.raises(FakeCohereConfigError):
        FakeCohere(rate_retry_after=-1.0)


def test_latency_delays_each_answer() -> None:
    with FakeCohere(latency=(0.1, 0.15)) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        started = time.monotonic()
        co.chat(model=MODEL, messages=user("hi"))
        assert time.monotonic() - started >= 0.1


def test_a_rate_limited_request_is_turned_away_at_once() -> None:
    # Its Retry-After must count from when the client reads it, not a latency earlier.
    with FakeCohere(latency=2.0, rate_limit=1, rate_window=60.0) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        co.chat(model=MODEL, messages=user("first"), request_options=NO_RETRY)
        started = time.monotonic()
        with pytest.raises(cohere.TooManyRequestsError):
            co.chat(model=MODEL, messages=user("second"), request_options=NO_RETRY)
        assert time.monotonic() - started < 1.5


def test_counters_log_and_reset(server: FakeCohere, co: cohere.ClientV2) -> None:
    server.inject(Fault.SERVICE_UNAVAILABLE)
    with pytest.raises(cohere.ServiceUnavailableError):
        co.chat(model=MODEL, messages=user("a"), request_options=NO_RETRY)
    co.chat(model=MODEL, messages=user("b"))
    cohere.Client(api_key="k", base_url=server.url).generate(prompt="c")
    with pytest.raises(cohere.NotFoundError):
        co.chat(model="nope", messages=user("d"))

    assert server.endpoint_counts == {"chat": 3, "generate": 1}
    assert server.outcome_counts == {"service_unavailable": 1, "ok": 2, "unknown_model": 1}
    assert [(e.status, e.outcome) for e in server.exchanges] == [
        (503, "service_unavailable"),
        (200, "ok"),
        (200, "ok"),
        (404, "unknown_model"),
    ]
    assert all(isinstance(r, FakeRequest) for r in server.requests)

    server.inject(Fault.SERVER_ERROR, count=3)
    server.reset()
    assert server.requests == [] and server.exchanges == []
    assert not server.endpoint_counts and not server.outcome_counts
    assert server.pending_faults == 0


def test_the_wire_shape_over_plain_http(server: FakeCohere) -> None:
    def post(path: str, payload: bytes) -> tuple[int, dict[str, Any], str]:
        request = urllib.request.Request(
            server.url + path,
            data=payload,
            headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.loads(answer.read()), answer.headers["Content-Type"]
        except urllib.error.HTTPError as refusal:
            return refusal.code, json.loads(refusal.read()), refusal.headers["Content-Type"]

    body = {"model": MODEL, "messages": user("x y"), "stream": False}
    status, answer, content_type = post("/v2/chat", json.dumps(body).encode())
    assert (status, content_type) == (200, "application/json")
    assert set(answer) == {"id", "message", "finish_reason", "usage"}
    assert answer["message"] == {"role": "assistant", "content": [{"type": "text", "text": "x y"}]}
    assert answer["usage"]["billed_units"] == {"input_tokens": 2, "output_tokens": 2}

    status, answer, _ = post("/v1/generate", b'{"prompt": "x", "model": "command"}')
    assert status == 200
    assert set(answer) == {"id", "generations", "prompt", "meta"}
    assert set(answer["generations"][0]) == {"id", "text", "finish_reason"}
    assert answer["meta"]["api_version"] == {"version": "1"}

    status, answer, _ = post("/v2/chat", b"{not json")
    assert status == 400 and answer["message"].startswith("invalid json syntax")
    status, answer, _ = post("/v2/chat", b'{"messages": []}')
    assert status == 400
    assert answer == {"message": "a model parameter is required for this endpoint."}


# Settings and helpers --------------------------------------------------------------------------


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(FakeCohereConfigError):
        FakeCohere(fault_rate=1.5)
    with pytest.raises(ValueError, match="latency"):
        FakeCohere(latency=(0.3, 0.1))
    with pytest.raises(FakeCohereConfigError):
        FakeCohere(fault_rate=0.1, fault_kinds=())
    with pytest.raises(MedNerError):
        FakeCohere(rate_limit=0)


def test_url_needs_a_running_server() -> None:
    fake = FakeCohere()
    with pytest.raises(FakeCohereError):
        _ = fake.url
    fake.start()
    try:
        assert fake.url.startswith("http://127.0.0.1:")
    finally:
        fake.stop()
    fake.stop()  # idempotent


@given(st.text(alphabet=" \n\tab", max_size=40), st.integers(min_value=0, max_value=12))
def test_truncation_keeps_a_prefix_of_at_most_the_limit(text: str, limit: int) -> None:
    cut = truncate_tokens(text, limit)
    assert text.startswith(cut)
    assert count_tokens(cut) == min(limit, count_tokens(text))


# Plumbing the job endpoints stand on ---------------------------------------------------------

_AVRO_RECORD = {
    "type": "record",
    "name": "Row",
    "fields": [
        {"name": "custom_id", "type": "string"},
        {"name": "n", "type": "long"},
        {"name": "score", "type": "double"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "metrics", "type": {"type": "map", "values": "double"}},
        {"name": "error", "type": ["null", "string"]},
    ],
}


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "custom_id": st.text(),
                "n": st.integers(min_value=-(2**62), max_value=2**62),
                "score": st.floats(allow_nan=False),
                "tags": st.lists(st.text(max_size=5), max_size=3),
                "metrics": st.dictionaries(
                    st.text(max_size=5), st.floats(allow_nan=False), max_size=3
                ),
                "error": st.none() | st.text(),
            }
        ),
        max_size=5,
    )
)
def test_the_avro_writer_round_trips_through_the_sdks_reader(rows: list[dict[str, Any]]) -> None:
    import io

    import fastavro

    from cohere_medner.testing.avro import container

    assert list(fastavro.reader(io.BytesIO(container(_AVRO_RECORD, rows)))) == rows


def test_multipart_bodies_as_httpx_writes_them() -> None:
    from cohere_medner.testing.wire import parse_multipart

    body = httpx.Request(
        "POST",
        "http://x/",
        files={
            "data": ("train.jsonl", b'{"a": 1}\r\n\r\n--x', "application/jsonl"),
            "eval_data": b"e",
        },
    )
    body.read()
    parts = parse_multipart(body.headers["content-type"], body.content)
    assert parts["data"].filename == "train.jsonl"
    assert parts["data"].content == b'{"a": 1}\r\n\r\n--x'
    assert parts["eval_data"].content == b"e"
    assert parse_multipart("application/json", b"{}") == {}


def test_a_timeline_moves_by_the_clock_or_by_polls() -> None:
    from cohere_medner.testing.jobs import Timeline

    timed = Timeline(2, 1.0, 100.0)
    assert [timed.stage(t) for t in (100.0, 100.9, 101.0, 102.5, 500.0)] == [0, 0, 1, 2, 2]
    assert timed.poll(100.5) == 0 and timed.stage(100.5) == 0  # polls do not move a clock
    assert timed.reached_at(2) == 102.0
    assert Timeline(2, 0.0, 5.0).stage(5.0) == 2

    polled = Timeline(2, "poll", 0.0)
    assert [polled.poll(t) for t in (1.0, 2.0, 3.0, 4.0)] == [0, 1, 2, 2]
    assert [polled.reached_at(s) for s in range(3)] == [0.0, 1.0, 2.0]
    assert polled.done(9.0)


def test_requests_carry_their_query_and_path_params(server: FakeCohere) -> None:
    co = cohere.ClientV2(api_key="k", base_url=server.url)
    with pytest.raises(cohere.NotFoundError):
        co.datasets.get("abc-123")
    co.datasets.list(dataset_type="embed-input", limit=5)
    got, listed = server.requests
    assert (got.endpoint, got.path_params) == ("datasets.get", {"id": "abc-123"})
    assert listed.endpoint == "datasets.list"
    assert listed.query == (("datasetType", "embed-input"), ("limit", "5"))
    assert listed.param("limit") == "5" and listed.param("offset") is None
