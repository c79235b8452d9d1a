"""FakeCohere's /v2/embed and /v2/rerank, driven by the real SDK over real HTTP."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator, Sequence
from typing import Any

import cohere
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.testing import FakeCohere, embed_vector, relevance
from cohere_medner.testing.embeddings import MAX_TEXTS, words

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

NO_RETRY: Any = {"max_retries": 0}
ABSTRACTS = [
    "Naloxone reverses the hypotensive effect of clonidine",
    "Clonidine lowers blood pressure; naloxone reverses it",
    "Lidocaine induced cardiac asystole in a patient",
]


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


@pytest.fixture
def co(server: FakeCohere) -> cohere.ClientV2:
    return cohere.ClientV2(api_key="test-key", base_url=server.url)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def floats(co: cohere.ClientV2, texts: list[str], **options: Any) -> list[list[float]]:
    options.setdefault("input_type", "search_document")
    response = co.embed(model="embed-v4.0", texts=texts, **options)
    assert response.embeddings.float_ is not None
    return response.embeddings.float_


# Embed ---------------------------------------------------------------------------------------


def test_texts_sharing_words_are_closer(co: cohere.ClientV2) -> None:
    [first, second, third] = floats(co, ABSTRACTS)
    assert cosine(first, second) > cosine(first, third)
    assert cosine(first, second) > 0.3
    for vector in (first, second, third):
        assert len(vector) == 1536
        assert math.isclose(cosine(vector, vector), 1.0)

    [query] = floats(co, ["does naloxone reverse clonidine?"], input_type="search_query")
    ranked = sorted(range(3), key=lambda i: -cosine(query, [first, second, third][i]))
    assert ranked[-1] == 2  # the lidocaine abstract shares no word with the query


def test_embeddings_are_deterministic_and_match_the_public_helper(co: cohere.ClientV2) -> None:
    once = floats(co, ABSTRACTS[:1])
    again = floats(co, ABSTRACTS[:1])
    assert once == again
    assert once[0] == pytest.approx(embed_vector(ABSTRACTS[0], 1536))


def test_response_shape_usage_and_model_dimensions(co: cohere.ClientV2) -> None:
    response = co.embed(
        model="embed-english-v3.0", texts=["a b c", "d"], input_type="classification"
    )
    assert response.response_type == "embeddings_by_type"
    assert response.texts == ["a b c", "d"]
    assert response.embeddings.float_ is not None
    assert [len(v) for v in response.embeddings.float_] == [1024, 1024]
    assert response.meta is not None and response.meta.billed_units is not None
    assert response.meta.billed_units.input_tokens == 4
    assert response.meta.api_version is not None and response.meta.api_version.version == "2"

    light = co.embed(model="embed-english-light-v3.0", texts=["x"], input_type="clustering")
    assert light.embeddings.float_ is not None and len(light.embeddings.float_[0]) == 384
    small = floats(co, ["x"], output_dimension=256)
    assert len(small[0]) == 256
    with pytest.raises(cohere.BadRequestError):
        co.embed(
            model="embed-english-v3.0",
            texts=["x"],
            input_type="search_document",
            output_dimension=256,
            request_options=NO_RETRY,
        )


def test_each_embedding_type_derives_from_the_float_vector(co: cohere.ClientV2) -> None:
    response = co.embed(
        model="embed-v4.0",
        texts=["naloxone clonidine"],
        input_type="search_document",
        embedding_types=["float", "int8", "uint8", "binary", "ubinary", "base64"],
    )
    embeddings = response.embeddings
    assert embeddings.float_ is not None and embeddings.int8 is not None
    assert embeddings.uint8 is not None and embeddings.binary is not None
    assert embeddings.ubinary is not None and embeddings.base64 is not None
    vector = embeddings.float_[0]
    assert all(-128 <= v <= 127 for v in embeddings.int8[0])
    assert [v + 128 for v in embeddings.int8[0]] == embeddings.uint8[0]
    assert len(embeddings.ubinary[0]) == len(vector) // 8
    assert [v - 128 for v in embeddings.ubinary[0]] == embeddings.binary[0]
    first_bits = [(embeddings.ubinary[0][0] >> (7 - i)) & 1 for i in range(8)]
    assert first_bits == [int(v > 0) for v in vector[:8]]
    decoded = struct.unpack(f"<{len(vector)}f", base64.b64decode(embeddings.base64[0]))
    assert list(decoded) == pytest.approx(vector, abs=1e-6)

    only_int8 = co.embed(
        model="embed-v4.0", texts=["x"], input_type="search_query", embedding_types=["int8"]
    )
    assert only_int8.embeddings.float_ is None and only_int8.embeddings.int8 is not None


def test_at_most_96_texts_per_call(co: cohere.ClientV2, server: FakeCohere) -> None:
    assert len(floats(co, [f"text {n}" for n in range(MAX_TEXTS)])) == MAX_TEXTS
    with pytest.raises(cohere.BadRequestError) as raised:
        floats(co, [f"text {n}" for n in range(MAX_TEXTS + 1)], request_options=NO_RETRY)
    assert raised.value.body == {
        "message": "invalid request: total number of texts must be at most 96 - received 97"
    }
    assert server.outcome_counts == {"ok": 1, "invalid_request": 1}


def test_input_type_is_required_and_checked(co: cohere.ClientV2) -> None:
    with pytest.raises(cohere.BadRequestError) as raised:
        co.embed(model="embed-v4.0", texts=["x"], input_type=None, request_options=NO_RETRY)
    assert raised.value.body == {
        "message": "invalid request: valid input_type must be provided with the provided model"
    }
    with pytest.raises(cohere.BadRequestError):
        co.embed(model="embed-v4.0", texts=["x"], input_type="poetry", request_options=NO_RETRY)


def test_unknown_embed_models_are_404s_and_chat_models_do_not_embed(co: cohere.ClientV2) -> None:
    for model in ("embed-english-v9.0", "command-r-08-2024"):
        with pytest.raises(cohere.NotFoundError) as raised:
            co.embed(model=model, texts=["x"], input_type="search_document")
        assert raised.value.body["message"].startswith(f"model '{model}' not found")


def test_truncation_of_long_texts() -> None:
    with FakeCohere(embed_models={"embed-english-v3.0"}) as server:
        co = cohere.ClientV2(api_key="k", base_url=server.url)
        long_text = " ".join(f"w{n}" for n in range(600))
        options: Any = {"model": "embed-english-v3.0", "input_type": "search_document"}
        end = co.embed(texts=[long_text], **options)  # truncate defaults to END
        assert end.meta is not None and end.meta.billed_units is not None
        assert end.meta.billed_units.input_tokens == 512
        start = co.embed(texts=[long_text], truncate="START", **options)
        assert start.embeddings.float_ is not None and end.embeddings.float_ is not None
        assert start.embeddings.float_[0] != end.embeddings.float_[0]
        with pytest.raises(cohere.BadRequestError) as raised:
            co.embed(texts=[long_text], truncate="NONE", request_options=NO_RETRY, **options)
        assert "600 tokens" in raised.value.body["message"]
        capped = co.embed(texts=["a b c d"], max_tokens=2, **options)
        assert capped.meta is not None and capped.meta.billed_units is not None
        assert capped.meta.billed_units.input_tokens == 2


def test_an_output_dimension_that_is_not_a_whole_number_is_a_400(server: FakeCohere) -> None:
    body = {"model": "embed-v4.0", "texts": ["x"], "input_type": "search_query"}
    for dimension in (256.0, "256", True):
        answer = httpx.post(
            server.url + "/v2/embed",
            json={**body, "output_dimension": dimension},
            headers={"Authorization": "Bearer k"},
        )
        assert answer.status_code == 400, dimension


def test_inputs_with_text_content_embed_like_texts(co: cohere.ClientV2) -> None:
    inputs: Any = [{"content": [{"type": "text", "text": ABSTRACTS[0]}]}]
    response = co.embed(model="embed-v4.0", inputs=inputs, input_type="search_document")
    assert response.embeddings.float_ == floats(co, ABSTRACTS[:1])


@given(st.lists(st.sampled_from(["aspirin", "bleeding", "rat", "liver", "dose"]), max_size=6))
def test_word_order_and_case_do_not_change_a_vector(tokens: list[str]) -> None:
    text = " ".join(tokens)
    shuffled = " ".join(reversed(tokens)).upper()
    assert embed_vector(text, 64) == pytest.approx(embed_vector(shuffled, 64))
    assert math.isclose(sum(v * v for v in embed_vector(text, 64)), 1.0)


# Rerank --------------------------------------------------------------------------------------


def test_rerank_orders_documents_by_shared_words(co: cohere.ClientV2) -> None:
    documents = [
        "Lidocaine and cardiac arrest",
        "Naloxone reverses clonidine hypotension",
        "Clonidine causes hypotension",
    ]
    response = co.rerank(model="rerank-v3.5", query="clonidine hypotension", documents=documents)
    assert [r.index for r in response.results] == [2, 1, 0]
    scores = [r.relevance_score for r in response.results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[0] == pytest.approx(relevance("clonidine hypotension", documents[2]))
    assert scores[-1] == 0.0
    assert response.meta is not None and response.meta.billed_units is not None
    assert response.meta.billed_units.search_units == 1

    top = co.rerank(model="rerank-english-v3.0", query="clonidine", documents=documents, top_n=1)
    assert [r.index for r in top.results] == [2]  # fewer other words: more focused

    tied = co.rerank(model="rerank-v3.5", query="dose", documents=["dose a", "dose b", "c"])
    assert [r.index for r in tied.results] == [0, 1, 2]  # equal scores keep the input order


def test_rerank_refusals(co: cohere.ClientV2) -> None:
    with pytest.raises(cohere.NotFoundError):
        co.rerank(model="rerank-v99", query="q", documents=["d"])
    with pytest.raises(cohere.BadRequestError):
        co.rerank(model="rerank-v3.5", query="q", documents=[], request_options=NO_RETRY)
    with pytest.raises(cohere.BadRequestError):
        co.rerank(model="rerank-v3.5", query="q", documents=["d"], top_n=0)


def test_word_splitting_ignores_case_and_punctuation() -> None:
    assert words("Naloxone, CLONIDINE; naloxone.") == ["naloxone", "clonidine", "naloxone"]
