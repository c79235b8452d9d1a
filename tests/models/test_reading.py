"""Reading answers: text or a named error for any body, and bounded whatever its size."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from cohere import Generation, V2ChatResponse
from cohere.core.unchecked_base_model import construct_type
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import EmptyAnswerError, UnexpectedAnswerError
from cohere_medner.models.client import CohereClient
from cohere_medner.models.reading import (
    BAD_ANSWER_ATTEMPTS,
    CHARS_PER_TOKEN,
    AnswerLimit,
    Receipt,
    chat_completion,
    chat_record,
    generate_completion,
    salvaged,
    salvaged_text,
)
from cohere_medner.testing import SHAPE_FAULTS, FakeCohere, Fault, fixed
from cohere_medner.types import Completion

LIMIT = AnswerLimit.for_tokens(20)

KEYS = "message content type text generations usage billed_units input_tokens finish_reason"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from([*KEYS.split(), "meta", "tool_calls", "choices"]), inner)
    ),
    max_leaves=12,
)


def receipt_of(body: object) -> Receipt:
    return Receipt(LIMIT, 200, bytearray(json.dumps(body).encode()))


def chat(text: object, **fields: object) -> dict[str, Any]:
    content = [{"type": "text", "text": text}]
    return {"id": "x", "message": {"role": "assistant", "content": content}, **fields}


def test_a_chat_answer_gives_its_text_tokens_and_finish_reason() -> None:
    body = chat(
        "- glaucoma",
        finish_reason="COMPLETE",
        usage={"billed_units": {"input_tokens": 12, "output_tokens": 3}},
    )
    answer = chat_record(body, LIMIT)
    assert answer == Completion("- glaucoma", 12, 3, "COMPLETE")
    assert not answer.truncated and not answer.oversized


@pytest.mark.parametrize(
    ("body", "error", "says"),
    [
        ({"id": "x", "finish_reason": "COMPLETE"}, UnexpectedAnswerError, '"finish_reason"'),
        ({"choices": [{"message": {"content": "hi"}}]}, UnexpectedAnswerError, "choices"),
        ({"message": {"content": None}}, EmptyAnswerError, "message.content is null"),
        ({"message": {"content": []}}, EmptyAnswerError, "message.content is []"),
        ({"message": {"content": [{"type": "text", "text": "  \n"}]}}, EmptyAnswerError, "blank"),
        ({"message": {"tool_calls": [{"id": "t"}]}}, EmptyAnswerError, "tool calls only"),
        ({"message": {"content": [{"type": "image"}]}}, UnexpectedAnswerError, "type image"),
        ({"message": {"content": {"text": "hi"}}}, UnexpectedAnswerError, "list of text items"),
        (chat("hi", finish_reason="ERROR"), UnexpectedAnswerError, "stopped with ERROR"),
    ],
)
def test_a_chat_answer_without_text_says_what_came(
    body: dict[str, Any], error: type[Exception], says: str
) -> None:
    with pytest.raises(error) as caught:
        chat_record(body, LIMIT)
    assert type(caught.value) is error and says in str(caught.value)


def test_thinking_is_skipped_and_a_plain_string_is_read() -> None:
    thinking = {"type": "thinking", "thinking": "Let me see."}
    body = {"message": {"content": [thinking, {"type": "text", "text": "- aspirin"}]}}
    assert chat_record(body, LIMIT).text == "- aspirin"
    assert chat_record({"message": {"content": "- aspirin"}}, LIMIT).text == "- aspirin"


@given(body=json_values)
def test_any_body_gives_text_or_a_named_error(body: object) -> None:
    """Raw JSON, and the SDK's unchecked objects built from it, never raise anything else."""
    for response in (body, _sdk(V2ChatResponse, body)):
        try:
            answer = chat_completion(response, receipt_of(body))
        except UnexpectedAnswerError as error:
            assert str(error).startswith("Cohere API error: ")
        else:
            assert answer.text.strip() and answer.input_tokens >= 0
    for response in (body, _sdk(Generation, body)):
        try:
            answer = generate_completion(response, receipt_of(body))
        except UnexpectedAnswerError:
            pass
        else:
            assert answer.text.strip()


def _sdk(kind: type[Any], body: object) -> object:
    """What the SDK builds from ``body``; the body itself where the SDK raises (handled apart)."""
    try:
        return construct_type(type_=kind, object_=body)
    except Exception:
        return body


@given(text=st.text(max_size=80), width=st.integers(1, 4), ascii_only=st.booleans())
def test_the_text_of_a_body_cut_anywhere_is_a_beginning_of_the_text(
    text: str, width: int, ascii_only: bool
) -> None:
    body = json.dumps(chat(text, finish_reason="COMPLETE"), ensure_ascii=ascii_only).encode()
    for end in range(0, len(body) + 1, width):
        found, whole = salvaged_text(body[:end])
        assert text.startswith(found)
        assert not whole or found == text
    assert salvaged_text(body) == (text, True)


@given(
    lines=st.lists(st.text("abc -", max_size=30), min_size=1, max_size=400),
    tokens=st.integers(1, 8),
)
def test_an_oversized_answer_keeps_whole_lines_within_its_bound(
    lines: list[str], tokens: int
) -> None:
    text = "\n".join(f"- {line}" for line in lines)
    limit = AnswerLimit.for_tokens(tokens)
    answer = chat_completion(chat(text), Receipt(limit))
    if len(text) <= limit.characters:
        assert answer.text == text and not answer.oversized
    else:
        assert answer.oversized and len(answer.text) <= limit.characters
        assert text.startswith(answer.text + "\n") or answer.text == ""


def test_a_body_cut_at_its_limit_keeps_its_first_whole_lines() -> None:
    text = "- glaucoma\n- blindness\n" * 10_000
    limit = AnswerLimit.for_tokens(5)
    body = json.dumps(chat(text)).encode()[: limit.bytes]
    answer = salvaged(Receipt(limit, 200, bytearray(body)))
    assert answer.oversized and answer.text.endswith("- blindness")
    assert len(answer.text) <= 5 * CHARS_PER_TOKEN and text.startswith(answer.text)


def test_the_limit_follows_max_tokens() -> None:
    assert AnswerLimit.for_tokens(600).characters == 600 * CHARS_PER_TOKEN
    assert (
        AnswerLimit.for_tokens(None) == AnswerLimit.for_tokens("600") == AnswerLimit.for_tokens(0)
    )
    assert AnswerLimit.for_tokens(600).bytes > 6 * AnswerLimit.for_tokens(600).characters


# Through the client, the real SDK and the loopback server ---------------------------------

MODEL = "command-r-08-2024"
HELLO = [{"role": "user", "content": "List the diseases"}]
ANSWER = "- glaucoma\n- blindness\n- ocular hypertension"


def client(server: FakeCohere) -> CohereClient:
    return CohereClient("reading-key-0123456789", base_url=server.url, timeout=10.0)


def ask(co: CohereClient, endpoint: str, **params: Any) -> Completion:
    if endpoint == "chat":
        return co.chat_sync(MODEL, HELLO, **params)
    return co.generate_sync("command", "List the diseases", **params)


async def persistently(kind: Fault, endpoint: str) -> tuple[Exception | Completion, int]:
    """What a request meeting ``kind`` on every attempt ends with, and the requests it sent."""
    with FakeCohere(responder=fixed(ANSWER)) as server:
        server.inject(kind, count=BAD_ANSWER_ATTEMPTS + 5)
        co = client(server)
        try:
            if endpoint == "chat":
                result: Exception | Completion = await co.chat(MODEL, HELLO)
            else:
                result = await co.generate("command", "List the diseases")
        except Exception as error:
            result = error
        return result, len(server.requests)


@pytest.mark.parametrize("endpoint", ["chat", "generate"])
def test_an_answer_without_text_is_retried_a_few_times_then_fails_saying_what_came(
    endpoint: str,
) -> None:
    async def every_shape() -> list[tuple[Exception | Completion, int]]:
        return await asyncio.gather(*(persistently(kind, endpoint) for kind in SHAPE_FAULTS))

    results = dict(zip(SHAPE_FAULTS, asyncio.run(every_shape()), strict=True))
    for kind, (result, sent) in results.items():
        assert isinstance(result, UnexpectedAnswerError), (kind, result)
        assert sent == BAD_ANSWER_ATTEMPTS, kind
        empty = kind in (Fault.NULL_CONTENT, Fault.EMPTY_CONTENT, Fault.TOOL_CALLS_ONLY)
        if empty or (endpoint == "generate" and kind is Fault.UNKNOWN_CONTENT):
            assert type(result) is EmptyAnswerError and "empty answer: " in str(result)
        elif kind is not Fault.UNKNOWN_CONTENT:
            assert f"expected a {'v2 chat' if endpoint == 'chat' else 'v1 generate'} answer" in (
                str(result)
            )
    if endpoint == "chat":
        assert "got content items of type image" in str(results[Fault.UNKNOWN_CONTENT][0])
        assert '"object": "chat.completion"' in str(results[Fault.OPENAI_SHAPE][0])
        assert str(results[Fault.ERROR_AS_200][0]).endswith(
            'got {"message": "upstream request timeout"} (unreadable: TypeError)'
        )


@pytest.mark.parametrize("endpoint", ["chat", "generate"])
def test_an_answer_cut_at_max_tokens_is_kept_and_flagged(endpoint: str) -> None:
    with FakeCohere(responder=fixed(ANSWER)) as server:
        co = client(server)
        cut = ask(co, endpoint, max_tokens=4)  # the fake cuts as the API does
        server.inject(Fault.TRUNCATED)
        halved = ask(co, endpoint)
    assert (cut.text, cut.finish_reason, cut.truncated) == (
        "- glaucoma\n- blindness",
        "MAX_TOKENS",
        True,
    )
    assert halved.truncated and ANSWER.startswith(halved.text)
    assert not cut.oversized and len(server.requests) == 2  # not retried


@pytest.mark.parametrize("endpoint", ["chat", "generate"])
def test_an_answer_far_past_max_tokens_keeps_only_its_first_whole_lines(endpoint: str) -> None:
    bound = AnswerLimit.for_tokens(20)
    with FakeCohere(responder=fixed(ANSWER)) as server:
        co = client(server)
        # Far past: the body is cut off as it is read, and its beginning salvaged.
        server.inject(Fault.OVERSIZED, size=20_000_000)
        far = ask(co, endpoint, max_tokens=20)
        # Past the text's bound, within the body's: read whole, then cut.
        server.inject(Fault.OVERSIZED, size=bound.characters + 500)
        near = ask(co, endpoint, max_tokens=20)
    for answer in (far, near):
        assert answer.oversized and 0 < len(answer.text) <= bound.characters
        assert ((ANSWER + "\n") * 1000).startswith(answer.text + "\n")
    assert (far.finish_reason, far.output_tokens) == (None, 0)  # never read
    assert near.finish_reason == "COMPLETE" and near.output_tokens > 20
    assert len(server.requests) == 2
