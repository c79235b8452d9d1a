"""Evaluation runs through the real SDK against the loopback server's oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohere_medner.corpus import load_bc5cdr, load_sample
from cohere_medner.errors import AuthenticationError, DataLeakError
from cohere_medner.evaluation import evaluate
from cohere_medner.extractor import Extractor, Mode
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.report import NoDocumentsError
from cohere_medner.testing import FakeCohere, Fault
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Document

MODEL = "command-r-08-2024"


def run(server: FakeCohere, documents: list[Document], **options: object):  # type: ignore[no-untyped-def]
    settings: dict[str, object] = {
        "api_key": "k",
        "base_url": server.url,
        "cache": False,
        "progress": False,
        "timeout": 0.5,
        "max_concurrency": 16,
        **options,
    }
    return evaluate(Extractor(MODEL, **settings), documents)  # type: ignore[arg-type]


def assert_perfect(result, documents: list[Document]) -> None:  # type: ignore[no-untyped-def]
    summary = result.as_json()
    assert summary["documents"] == len(documents) and summary["failed"] == []
    for name in ("diseases", "chemicals", "relations"):
        figures = summary["tasks"][name]
        assert (figures["precision"], figures["recall"], figures["f1"]) == (1.0, 1.0, 1.0)
        assert figures["tp"] > 0 and figures["fp"] == figures["fn"] == 0


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_oracle_scores_one_on_the_full_test_split(bc5cdr_dir: Path, mode: Mode) -> None:
    documents = load_bc5cdr("test", bc5cdr_dir).to_list()
    if mode == "per-task":
        documents = documents[:150]
    with FakeCohere(responder=oracle(documents)) as server:
        result = run(server, documents, mode=mode, timeout=10.0)
    assert_perfect(result, documents)
    sent = result.usage["requests"] - result.usage["retries"]
    assert sent == len(documents) * (3 if mode == "per-task" else 1)


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_oracle_scores_one_through_twenty_percent_faults(mode: Mode) -> None:
    documents = load_sample().to_list()
    with FakeCohere(
        responder=oracle(documents),
        fault_rate=0.2,
        fault_kinds=list(Fault),
        retry_after=0.05,
        slow_delay=1.0,
        seed=3,
    ) as server:
        result = run(server, documents, mode=mode)
        faults = sum(n for kind, n in server.outcome_counts.items() if kind != "ok")
    assert_perfect(result, documents)
    assert faults > 0 and result.usage["retries"] >= faults - 1


def test_a_refused_key_stops_the_evaluation_before_any_score() -> None:
    documents = load_sample("test").to_list()
    with FakeCohere(responder=oracle(documents), api_keys={"other"}) as server:
        with pytest.raises(AuthenticationError, match="check CO_API_KEY"):
            run(server, documents)
        assert len(server.requests) <= 16  # the concurrency: those in flight


def test_failed_documents_are_listed_not_scored() -> None:
    documents = load_sample("test").to_list()
    with FakeCohere(responder=oracle(documents), max_input_tokens=20) as server:
        result = run(server, documents)
    summary = result.as_json()
    assert [f["document"] for f in summary["failed"]] == [d.pmid for d in documents]
    assert "too many tokens" in summary["failed"][0]["error"]
    # Nothing answered, nothing scored: no score at all rather than a misleading 0.
    assert summary["answered"] == 0 and summary["tasks"]["diseases"] is None


def test_official_levels_need_a_lexicon_for_identifiers() -> None:
    documents = load_sample("test").to_list()
    with FakeCohere(responder=oracle(documents)) as server:
        without = run(server, documents, mode="combined")
        lexicon = Extractor("lexicon", progress=False).lexicon
        with_ids = evaluate(
            Extractor(
                MODEL, api_key="k", base_url=server.url, cache=False, progress=False,
                mode="combined",
            ),
            documents,
            lexicon,
        )  # fmt: skip
    assert set(without.official) == {"mention"}
    assert set(with_ids.official) == {"mention", "id", "relation"}
    # Perfect lists grounded in the text recover nearly every gold mention.
    for kind in ("Chemical", "Disease"):
        assert with_ids.official["mention"][kind].f1 > 0.95
    assert len(with_ids.predictions) == len(documents) == len(with_ids.gold)


def test_a_lexicon_built_from_the_documents_is_refused_before_any_request() -> None:
    documents = load_sample("validation").to_list()
    lexicon = Lexicon.from_splits({"train": load_sample("train"), "validation": documents})
    with FakeCohere(responder=oracle(documents)) as server:
        extractor = Extractor(MODEL, api_key="k", base_url=server.url, cache=False, progress=False)
        with pytest.raises(DataLeakError, match=r"10 of the 10 documents .* allow_seen=True"):
            evaluate(extractor, documents, lexicon)
        assert server.requests == []
        told = evaluate(extractor, documents, lexicon, allow_seen=True)
    assert told.official["id"]["Chemical"].f1 > 0.9


def test_no_documents_is_an_error_not_a_table_of_zeros() -> None:
    with pytest.raises(NoDocumentsError, match="nothing to evaluate"):
        evaluate(Extractor("lexicon", progress=False), [])
