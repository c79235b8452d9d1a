"""KNearest: worked examples chosen by Cohere Embed (and Rerank), through FakeCohere."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.errors import ExampleError, ExampleLeakError, TemplateError
from cohere_medner.models.client import CohereClient, run_sync
from cohere_medner.models.nearest import (
    KNearest,
    check_disjoint,
    example_tokens,
    retrieval_text,
)
from cohere_medner.prompts.tasks import COMBINED, DISEASES, RELATIONS
from cohere_medner.prompts.templates import SEED, ExampleChooser, FewShot
from cohere_medner.testing import FakeCohere, Fault, embed_vector
from cohere_medner.types import Document

SAMPLE = load_sample().to_list()
TRAIN, TEST = SAMPLE[:40], SAMPLE[40:]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeCohere]:
    with FakeCohere() as fake:
        yield fake


@pytest.fixture(autouse=True)
def fresh_log(server: FakeCohere) -> None:
    server.reset()


def nearest(
    server: FakeCohere, pool: Sequence[Document], tmp_path: Path, **options: Any
) -> KNearest:
    settings: dict[str, Any] = {
        "api_key": "test-key",
        "base_url": server.url,
        "cache": tmp_path / "embeddings.sqlite3",
        "timeout": 2.0,
        "retry_budget": 20.0,
        **options,
    }
    return KNearest(pool, **settings)


def document(pmid: str, abstract: str, title: str = "") -> Document:
    return Document(pmid, title, abstract)


def embed_calls(server: FakeCohere) -> list[Mapping[str, Any]]:
    return [r.body for r in server.requests if r.endpoint == "embed"]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


# Choosing ------------------------------------------------------------------------------------

TOPICS = [
    document("1", "Naloxone reverses the hypotension induced by clonidine in rats."),
    document("2", "Lidocaine caused cardiac asystole and arrhythmia in a patient."),
    document("3", "Cisplatin nephrotoxicity: kidney injury after cisplatin treatment."),
    document("4", "Haloperidol induced tardive dyskinesia in elderly patients."),
    document("5", "Clonidine withdrawal and rebound hypotension after naloxone."),
]


def test_documents_sharing_words_are_chosen_the_most_similar_last(
    server: FakeCohere, tmp_path: Path
) -> None:
    knn = nearest(server, TOPICS, tmp_path, k=2)
    query = document("99", "Does naloxone reverse clonidine hypotension?")
    chosen = knn.choose(query)
    assert {d.pmid for d in chosen} == {"1", "5"}
    kidney = knn.choose(document("98", "Kidney injury from cisplatin"))
    assert kidney[-1].pmid == "3"
    calls = embed_calls(server)
    assert [c["input_type"] for c in calls] == ["search_document", "search_query", "search_query"]
    assert calls[0]["texts"] == [retrieval_text(d) for d in TOPICS]
    assert all(c["model"] == "embed-v4.0" for c in calls)


def test_the_choice_is_the_brute_force_top_k_on_real_abstracts(
    server: FakeCohere, tmp_path: Path
) -> None:
    knn = nearest(server, TRAIN, tmp_path, k=3, token_budget=None)
    knn.prepare_sync(TEST)
    pool = [embed_vector(retrieval_text(d), 1536) for d in TRAIN]
    for query in TEST:
        vector = embed_vector(retrieval_text(query), 1536)
        ranked = sorted(range(len(TRAIN)), key=lambda i: -cosine(vector, pool[i]))
        expected = [TRAIN[i].pmid for i in reversed(ranked[:3])]
        assert [d.pmid for d in knn.choose(query)] == expected
    # The pool in one call, the ten queries in another: choose() asked nothing more.
    assert [len(c["texts"]) for c in embed_calls(server)] == [40, 10]


def test_ties_go_to_the_lower_pmid_whatever_the_pool_order(
    server: FakeCohere, tmp_path: Path
) -> None:
    twins = [document(pmid, "Aspirin and gastric bleeding") for pmid in ("30", "9", "20")]
    pool = [*twins, document("40", "Unrelated liver text")]
    query = document("99", "gastric bleeding after aspirin")
    for seed in range(3):
        shuffled = random.Random(seed).sample(pool, len(pool))
        knn = nearest(server, shuffled, tmp_path, k=2)
        assert [d.pmid for d in knn.choose(query)] == ["20", "9"]  # "9" < "20" < "30"


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(TRAIN[:12]), st.integers(1, 4))
def test_a_choice_never_depends_on_the_pool_order(
    server: FakeCohere, tmp_path: Path, pool: list[Document], k: int
) -> None:
    first = nearest(server, TRAIN[:12], tmp_path, k=k)
    again = nearest(server, pool, tmp_path, k=k)
    for query in TEST[:3]:
        assert again.choose(query) == first.choose(query)
        assert len(first.choose(query)) <= k


def test_pool_and_queries_are_embedded_in_batches_of_at_most_96(
    server: FakeCohere, tmp_path: Path
) -> None:
    pool = [
        document(str(n), f"abstract {n} on drug {n % 7} and disease {n % 5}") for n in range(200)
    ]
    queries = [document(f"q{n}", f"does drug {n % 7} cause disease {n} ?") for n in range(100)]
    knn = nearest(server, pool, tmp_path, k=3)
    run_sync(knn.prepare(queries))
    calls = embed_calls(server)
    documents = sorted(len(c["texts"]) for c in calls if c["input_type"] == "search_document")
    asked = sorted(len(c["texts"]) for c in calls if c["input_type"] == "search_query")
    assert documents == [8, 96, 96] and asked == [4, 96]
    assert knn.client.usage.requests == 5 and knn.client.usage.input_tokens > 0
    # Everything was prepared: choosing sends nothing.
    assert all(len(knn.choose(q)) == 3 for q in queries)
    assert len(embed_calls(server)) == 5


def test_a_second_knearest_on_the_same_cache_sends_no_embed_request(
    server: FakeCohere, tmp_path: Path
) -> None:
    first = nearest(server, TRAIN, tmp_path)
    first.prepare_sync(TEST)
    chosen = [first.choose(q) for q in TEST]
    assert server.endpoint_counts["embed"] == 2
    server.reset()
    second = nearest(server, TRAIN, tmp_path)
    second.prepare_sync(TEST)
    assert [second.choose(q) for q in TEST] == chosen
    assert server.requests == []
    # Without a cache, everything is asked again.
    nearest(server, TRAIN, tmp_path, cache=False).prepare_sync(TEST)
    assert server.endpoint_counts["embed"] == 2


def test_preparing_concurrently_embeds_the_pool_once(server: FakeCohere, tmp_path: Path) -> None:
    knn = nearest(server, TRAIN, tmp_path, cache=False)

    async def each_alone() -> None:
        await asyncio.gather(*(knn.prepare([q]) for q in TEST))

    run_sync(each_alone())
    inputs = [c["input_type"] for c in embed_calls(server)]
    assert inputs.count("search_document") == 1 and inputs.count("search_query") == 10


# Rerank --------------------------------------------------------------------------------------

# The fake's embeddings count repeated words; its rerank compares word sets, favouring
# documents with fewer other words. So embeddings prefer "repeats", rerank "exact".
RERANKED_POOL = [
    document("1", "clonidine clonidine clonidine hypotension naloxone"),  # repeats
    document("2", "clonidine hypotension"),  # exact
    document("3", "lidocaine asystole"),
]
RERANK_QUERY = document("99", "clonidine clonidine clonidine hypotension")


def test_rerank_reorders_the_embedding_neighbours(server: FakeCohere, tmp_path: Path) -> None:
    plain = nearest(server, RERANKED_POOL, tmp_path, k=1)
    assert [d.pmid for d in plain.choose(RERANK_QUERY)] == ["1"]
    assert server.endpoint_counts["rerank"] == 0

    reranked = nearest(server, RERANKED_POOL, tmp_path, k=1, rerank_model="rerank-v3.5")
    assert [d.pmid for d in reranked.choose(RERANK_QUERY)] == ["2"]
    [call] = [r.body for r in server.requests if r.endpoint == "rerank"]
    assert call["query"] == retrieval_text(RERANK_QUERY)
    assert call["documents"] == [retrieval_text(RERANKED_POOL[i]) for i in (0, 1, 2)]
    assert call["model"] == "rerank-v3.5"

    # Rerank orders are cached with the embeddings.
    again = nearest(server, RERANKED_POOL, tmp_path, k=1, rerank_model="rerank-v3.5")
    assert [d.pmid for d in again.choose(RERANK_QUERY)] == ["2"]
    assert server.endpoint_counts["rerank"] == 1


def test_rerank_sees_only_the_nearest_candidates(server: FakeCohere, tmp_path: Path) -> None:
    knn = nearest(server, TRAIN, tmp_path, k=2, rerank_model="rerank-v3.5", rerank_candidates=5)
    knn.prepare_sync(TEST[:4])
    calls = [r.body for r in server.requests if r.endpoint == "rerank"]
    assert len(calls) == 4 and all(len(c["documents"]) == 5 for c in calls)
    assert all(len(knn.choose(q)) == 2 for q in TEST[:4])


# Token budget --------------------------------------------------------------------------------


def test_the_token_budget_drops_the_least_similar_examples(
    server: FakeCohere, tmp_path: Path
) -> None:
    query = TEST[0]
    full = nearest(server, TRAIN, tmp_path, k=3, token_budget=None).choose(query)
    costs = [example_tokens(d) for d in full]
    assert all(c > 100 for c in costs)  # real abstracts: hundreds of tokens each

    budget = costs[1] + costs[2]  # room for the two most similar, not for all three
    assert nearest(server, TRAIN, tmp_path, k=3, token_budget=budget).choose(query) == full[1:]
    tight = nearest(server, TRAIN, tmp_path, k=3, token_budget=costs[2] - 1)
    assert tight.choose(query) == ()


def test_the_token_estimate_is_generous() -> None:
    for example in TRAIN:
        shown = COMBINED.gold(example, SEED) + example.title + example.abstract
        assert example_tokens(example) * 4 >= len(shown)
        assert example_tokens(example) >= len(shown.split())


# Leaks ---------------------------------------------------------------------------------------


def test_an_overlap_with_the_pool_is_refused_before_any_request(
    server: FakeCohere, tmp_path: Path
) -> None:
    knn = nearest(server, TRAIN, tmp_path)
    evaluated = SAMPLE[35:]  # five training documents among fifteen
    with pytest.raises(ExampleLeakError) as raised:
        knn.check_disjoint(evaluated)
    error = raised.value
    assert error.pmids == tuple(d.pmid for d in SAMPLE[35:40]) and error.total == 15
    assert "5 of the 15 documents" in str(error)
    assert all(pmid in str(error) for pmid in error.pmids)
    assert isinstance(error, ExampleError) and isinstance(error, TemplateError)

    with pytest.raises(ExampleLeakError):
        knn.prepare_sync(evaluated)
    with pytest.raises(ExampleLeakError, match=TRAIN[0].pmid):
        knn.choose(TRAIN[0])  # a document is never its own example either
    assert server.requests == []
    knn.check_disjoint(TEST)  # the other split passes


def test_a_long_overlap_names_a_few_pmids() -> None:
    with pytest.raises(ExampleLeakError, match=r"40 of the 40 .* and 35 more") as raised:
        check_disjoint(TRAIN, TRAIN)
    assert len(raised.value.pmids) == 40


# Faults --------------------------------------------------------------------------------------


def test_injected_faults_are_retried(server: FakeCohere, tmp_path: Path) -> None:
    server.inject(Fault.SERVICE_UNAVAILABLE, count=1, endpoint="embed")
    server.inject(Fault.RATE_LIMITED, count=1, retry_after=0.05, endpoint="embed")
    server.inject(Fault.DISCONNECT, count=1, endpoint="rerank")
    knn = nearest(server, TRAIN, tmp_path, k=2, rerank_model="rerank-v3.5")
    knn.prepare_sync(TEST[:2])
    assert all(len(knn.choose(q)) == 2 for q in TEST[:2])
    assert knn.client.usage.retries == 3 and knn.client.usage.rate_limited == 1
    assert server.pending_faults == 0


def test_a_shared_client_carries_the_usage(server: FakeCohere, tmp_path: Path) -> None:
    shared = CohereClient("test-key", base_url=server.url)
    knn = KNearest(TRAIN, client=shared, cache=False)
    knn.prepare_sync(TEST[:1])
    assert knn.client is shared and shared.usage.requests == 2


# The prompt ----------------------------------------------------------------------------------


def test_chat_turns_show_the_chosen_examples_with_their_gold_answers(
    server: FakeCohere, tmp_path: Path
) -> None:
    knn = nearest(server, TRAIN, tmp_path, k=3)
    chooser: ExampleChooser = knn
    template = attrs.evolve(SEED, few_shot=chooser)
    query = TEST[1]
    chosen = knn.choose(query)
    for task in (DISEASES, RELATIONS):
        messages = template.messages(task, query)
        assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 3 + ["user"]
        shown = messages[1:-1]
        for example, user, assistant in zip(chosen, shown[::2], shown[1::2], strict=True):
            assert example.abstract in user["content"]
            assert assistant["content"] == task.gold(example, template)
        assert query.abstract in messages[-1]["content"]
        prompt = template.prompt(task, query)
        assert all(task.gold(example, template) in prompt for example in chosen)


def test_random_few_shot_fills_the_same_slot() -> None:
    chooser: ExampleChooser = FewShot(TRAIN, k=2)
    assert len(chooser.choose(TEST[0])) == 2


# Settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "options", "message"),
    [
        (TRAIN, {"k": 0}, "at least 1"),
        (TRAIN[:2], {"k": 3}, "holds only 2"),
        ([TRAIN[0], TRAIN[0]], {"k": 1}, "more than once"),
        ([document("7", " ")], {"k": 1}, "without text"),
        (TRAIN, {"k": 5, "rerank_candidates": 4}, "rerank_candidates"),
        (TRAIN, {"token_budget": 0}, "token_budget"),
    ],
)
def test_bad_settings_are_refused(
    pool: list[Document], options: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ExampleError, match=message):
        KNearest(pool, api_key="k", cache=False, **options)


def test_documents_without_text_are_left_to_the_extractor(
    server: FakeCohere, tmp_path: Path
) -> None:
    knn = nearest(server, TOPICS, tmp_path)
    knn.prepare_sync([document("0", "  ")])
    assert server.requests == []


def test_repr_names_the_settings_not_the_key(server: FakeCohere, tmp_path: Path) -> None:
    shown = repr(nearest(server, TOPICS, tmp_path, k=2, rerank_model="rerank-v3.5"))
    assert "k=2" in shown and "rerank-v3.5" in shown and "test-key" not in shown


def test_choose_without_prepare_works_inside_a_running_loop(
    server: FakeCohere, tmp_path: Path
) -> None:
    knn = nearest(server, TOPICS, tmp_path, k=1)

    async def notebook_cell() -> tuple[Document, ...]:
        return knn.choose(document("99", "clonidine hypotension and naloxone"))

    assert [d.pmid for d in asyncio.run(notebook_cell())] in (["1"], ["5"])
