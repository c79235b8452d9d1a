"""The fake's answers that are not what they seem, as they come over the wire and to the SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import cohere
import httpx
import pytest

from cohere_medner.testing import FLAWED_ANSWERS, SHAPE_FAULTS, FakeCohere, Fault, fixed

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
ANSWER = "- glaucoma\n- blindness\n- ocular hypertension"
KEY = "sk-echoed-0123456789"


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=fixed(ANSWER)) as fake:
        yield fake


def post(server: FakeCohere, endpoint: str, **body: Any) -> httpx.Response:
    path = {"chat": "/v2/chat", "generate": "/v1/generate", "embed": "/v2/embed"}[endpoint]
    headers = {"Authorization": f"Bearer {KEY}"}
    return httpx.post(server.url + path, json=body, headers=headers, timeout=30)


def chat(server: FakeCohere, **body: Any) -> httpx.Response:
    return post(server, "chat", model=MODEL, messages=[{"role": "user", "content": "x"}], **body)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Fault.NO_MESSAGE, lambda b: set(b) == {"id", "finish_reason"}),
        (Fault.OTHER_API, lambda b: b["generations"][0]["text"] == ANSWER),
        (Fault.ERROR_AS_200, lambda b: b == {"message": "upstream request timeout"}),
        (Fault.OPENAI_SHAPE, lambda b: b["choices"][0]["message"]["content"] == ANSWER),
        (Fault.NULL_CONTENT, lambda b: b["message"]["content"] is None),
        (Fault.EMPTY_CONTENT, lambda b: b["message"]["content"] == []),
        (Fault.UNKNOWN_CONTENT, lambda b: b["message"]["content"][0]["type"] == "image"),
        (
            Fault.TOOL_CALLS_ONLY,
            lambda b: "content" not in b["message"] and b["finish_reason"] == "TOOL_CALL",
        ),
    ],
)
def test_each_shape_fault_answers_200_without_the_text(
    server: FakeCohere, kind: Fault, expected: Any
) -> None:
    assert set(SHAPE_FAULTS) >= {kind}
    server.inject(kind)
    answer = chat(server)
    assert answer.status_code == 200 and expected(answer.json())
    assert chat(server).json()["message"]["content"][0]["text"] == ANSWER  # once only
    assert server.outcome_counts == {kind.value: 1, "ok": 1}


@pytest.mark.parametrize("kind", SHAPE_FAULTS)
def test_on_generate_a_shape_fault_holds_no_generation_text(
    server: FakeCohere, kind: Fault
) -> None:
    server.inject(kind, endpoint="generate")
    answer = post(server, "generate", model="command", prompt="x")
    assert answer.status_code == 200
    assert not (answer.json().get("generations") or [{}])[0].get("text")


def test_a_truncated_answer_is_cut_with_max_tokens_as_its_reason(server: FakeCohere) -> None:
    server.inject(Fault.TRUNCATED, count=2)
    body = chat(server).json()
    assert body["finish_reason"] == "MAX_TOKENS"
    assert body["message"]["content"][0]["text"] == "- glaucoma\n-"  # 3 of its 7 words
    generation = post(server, "generate", model="command", prompt="x").json()["generations"][0]
    assert generation["finish_reason"] == "MAX_TOKENS" and ANSWER.startswith(generation["text"])


def test_an_oversized_answer_runs_to_its_size_whatever_max_tokens_says(
    server: FakeCohere,
) -> None:
    assert Fault.OVERSIZED in FLAWED_ANSWERS
    server.inject(Fault.OVERSIZED, count=2, size=1_000_000)
    body = chat(server).json()
    text = body["message"]["content"][0]["text"]
    assert 1_000_000 <= len(text) < 1_000_000 + 2 * len(ANSWER)
    assert text.startswith(ANSWER + "\n" + ANSWER) and body["finish_reason"] == "COMPLETE"
    cut = chat(server, max_tokens=2).json()  # the answer as cut, then repeated past the cut
    assert cut["message"]["content"][0]["text"].startswith("- glaucoma\n- glaucoma\n")
    assert cut["finish_reason"] == "COMPLETE" and len(str(cut)) > 1_000_000


def test_a_proxy_echoes_the_key_on_every_endpoint(server: FakeCohere) -> None:
    server.inject(Fault.KEY_ECHOED, count=2)
    for answer in (chat(server), post(server, "embed", model="embed-v4.0", texts=["x"])):
        assert answer.status_code == 502
        assert f"key {KEY}" in answer.json()["message"]
        assert f"Bearer {KEY}" in answer.json()["message"]


def test_refusals_and_other_endpoints_are_answered_as_they_would_be(server: FakeCohere) -> None:
    server.inject(Fault.EMPTY_CONTENT, count=2)
    assert post(server, "chat", model="no-such-model", messages=[]).status_code == 404
    vectors = post(server, "embed", model="embed-v4.0", texts=["x"], input_type="search_query")
    assert vectors.status_code == 200 and "embeddings" in vectors.json()


def test_what_the_sdk_makes_of_answers_of_another_shape(server: FakeCohere) -> None:
    # What the library's reader must cope with: the SDK builds its objects unchecked, with
    # None where the answer belongs, or raises while building them.
    co = cohere.ClientV2(api_key=KEY, base_url=server.url)
    messages: Any = [{"role": "user", "content": "x"}]
    server.inject(Fault.OPENAI_SHAPE)
    assert co.chat(model=MODEL, messages=messages).message is None
    server.inject(Fault.NULL_CONTENT)
    assert co.chat(model=MODEL, messages=messages).message.content is None
    server.inject(Fault.ERROR_AS_200)
    with pytest.raises(TypeError):
        co.chat(model=MODEL, messages=messages)
    assert json.loads(server.requests[-1].raw)["model"] == MODEL


def test_a_fault_can_wait_for_the_requests_of_one_document(server: FakeCohere) -> None:
    server.inject(Fault.EMPTY_CONTENT, count=2, prompt="abstract two")
    for text in ("abstract one", "abstract two", "abstract one", "the abstract two, again"):
        post(server, "chat", model=MODEL, messages=[{"role": "user", "content": text}])
    assert [e.outcome for e in server.exchanges] == ["ok", "empty_content", "ok", "empty_content"]
    assert server.pending_faults == 0
