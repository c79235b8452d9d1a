"""Cohere's models: one request per prompt, answers cached under the key they always had."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.errors import EmptyAnswerError
from cohere_medner.models.base import Metered, Model, Request
from cohere_medner.models.cache import ResponseCache
from cohere_medner.models.client import CohereClient
from cohere_medner.models.cohere_api import CohereChat, CohereGenerate
from cohere_medner.models.reading import BAD_ANSWER_ATTEMPTS, AnswerLimit
from cohere_medner.prompts.tasks import DISEASES
from cohere_medner.prompts.templates import SEED
from cohere_medner.testing import FakeCohere, Fault
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Completion

MODEL = "command-r-08-2024"
DOCUMENT = load_sample("test")[0]
REQUEST = Request.render(DISEASES, DOCUMENT, SEED)


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=oracle([DOCUMENT])) as fake:
        yield fake


@pytest.mark.parametrize("kind", [CohereChat, CohereGenerate])
def test_an_answer_is_asked_once_then_read_from_the_cache(
    server: FakeCohere, tmp_path: Path, kind: type[CohereChat | CohereGenerate]
) -> None:
    model: Model = kind(MODEL, api_key="k", base_url=server.url, cache=tmp_path / "c.sqlite3")
    first = asyncio.run(model.complete(REQUEST))
    again = asyncio.run(model.complete(REQUEST))
    assert first.text == again.text == DISEASES.gold(DOCUMENT)
    assert (first.origin, again.origin) == ("request", "cache")
    assert [r.endpoint for r in server.requests] == [kind.endpoint]
    assert isinstance(model, Metered) and model.usage.requests == 1


def test_the_cache_key_is_the_one_earlier_versions_wrote(server: FakeCohere) -> None:
    # Answers cached before models were a layer of their own are still found.
    chat = CohereChat(MODEL, api_key="k", base_url=server.url, cache=False, temperature=0.5)
    generate = CohereGenerate(MODEL, api_key="k", base_url=server.url, cache=False)
    common = {"server": server.url, "model": MODEL}
    assert chat.key(REQUEST) == {
        **common,
        "endpoint": "chat",
        "parameters": {"temperature": 0.5, "max_tokens": 600},
        "messages": SEED.messages(DISEASES, DOCUMENT),
    }
    assert generate.key(REQUEST) == {
        **common,
        "endpoint": "generate",
        "parameters": {"temperature": 0.0, "max_tokens": 600},
        "prompt": SEED.prompt(DISEASES, DOCUMENT),
    }


def test_a_batch_line_body_is_the_chat_request_without_the_model(server: FakeCohere) -> None:
    chat = CohereChat(MODEL, api_key="k", base_url=server.url, cache=False, max_tokens=100)
    assert chat.body(REQUEST) == {
        "messages": SEED.messages(DISEASES, DOCUMENT),
        "temperature": 0.0,
        "max_tokens": 100,
    }


def test_a_shared_client_and_cache_are_used_as_given(server: FakeCohere, tmp_path: Path) -> None:
    client = CohereClient("k", base_url=server.url)
    cache = ResponseCache(tmp_path / "shared.sqlite3")
    chat = CohereChat(MODEL, client=client, cache=cache)
    asyncio.run(chat.complete(REQUEST))
    assert chat.client is client and chat.usage is client.usage and len(cache) == 1
    assert repr(chat).startswith(f"CohereChat({MODEL!r}, client=CohereClient(")


def test_two_processes_on_one_cache_pay_for_each_answer_once(tmp_path: Path) -> None:
    # Each model opens the file for itself, as two processes do (a resume started while the
    # first run still goes): the requests one has in flight, the other waits for.
    documents = load_sample("test")[:6]
    requests = [Request.render(DISEASES, document, SEED) for document in documents]
    with FakeCohere(responder=oracle(documents), latency=0.01) as fake:
        models = [
            CohereChat(MODEL, api_key="k", base_url=fake.url, cache=tmp_path / "shared.sqlite3")
            for _ in range(2)
        ]

        async def both() -> list[Completion]:
            return await asyncio.gather(*(m.complete(r) for r in requests for m in models))

        answers = asyncio.run(both())
    assert len(fake.requests) == len(requests)
    assert [a.text for a in answers] == [DISEASES.gold(d, SEED) for d in documents for _ in models]
    assert sorted(a.origin for a in answers) == ["cache"] * 6 + ["request"] * 6


def test_an_empty_answer_is_not_cached_and_one_cached_before_is_asked_again(
    server: FakeCohere, tmp_path: Path
) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    chat = CohereChat(MODEL, api_key="k", base_url=server.url, cache=cache)
    server.inject(Fault.EMPTY_CONTENT, count=BAD_ANSWER_ATTEMPTS)
    with pytest.raises(EmptyAnswerError, match=r"empty answer: message.content is \[\]"):
        asyncio.run(chat.complete(REQUEST))
    assert len(cache) == 0
    cache.put(chat.key(REQUEST), Completion(""))  # what earlier versions cached: "no entities"
    answer = asyncio.run(chat.complete(REQUEST))
    assert answer.origin == "request" and answer.text == DISEASES.gold(DOCUMENT)
    assert cache.get(chat.key(REQUEST)) == answer  # cached in its place


def test_an_answer_cut_at_max_tokens_is_cached_and_stays_flagged(
    server: FakeCohere, tmp_path: Path
) -> None:
    chat = CohereChat(MODEL, api_key="k", base_url=server.url, cache=tmp_path / "c.sqlite3")
    server.inject(Fault.TRUNCATED)
    first = asyncio.run(chat.complete(REQUEST))
    again = asyncio.run(chat.complete(REQUEST))
    assert first.truncated and again.truncated and again.origin == "cache"
    assert again.text == first.text and len(server.requests) == 1


def test_an_answer_far_past_max_tokens_is_never_cached(server: FakeCohere, tmp_path: Path) -> None:
    chat = CohereChat(MODEL, api_key="k", base_url=server.url, cache=tmp_path / "c.sqlite3")
    server.inject(Fault.OVERSIZED, size=1_000_000)
    first = asyncio.run(chat.complete(REQUEST))
    assert first.oversized and len(first.text) <= AnswerLimit.for_tokens(600).characters
    assert chat.cache is not None and len(chat.cache) == 0
    again = asyncio.run(chat.complete(REQUEST))  # asked again: the server now keeps to it
    assert (again.origin, again.oversized, len(chat.cache)) == ("request", False, 1)
