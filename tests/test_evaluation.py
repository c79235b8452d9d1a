"""Evaluation runs through the real SDK against the loopback server's oracle."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohere_medner.corpus import load_bc5cdr, load_sample
from cohere_medner.errors import AuthenticationError, DataLeakError
from cohere_medner.evaluation import evaluate
from cohere_medner.extractor import Extractor, Mode
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.report import NoDocumentsError, load_run, save_run, write_report
from cohere_medner.testing import FLAWED_ANSWERS, FakeCohere, Fault
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
        fault_kinds=[f for f in Fault if f not in FLAWED_ANSWERS],  # those a client undoes
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


KEY = "sk-never-shown-0123456789"


def test_no_key_reaches_a_run_a_saved_run_or_a_report(tmp_path: Path) -> None:
    # A proxy that echoes the key in its errors had it copied into every report.
    documents = load_sample("test").to_list()[:3]
    with FakeCohere(responder=oracle(documents)) as server:
        server.inject(Fault.KEY_ECHOED, count=50, prompt=documents[0].abstract[:80])
        result = run(server, documents, api_key=KEY, retry_budget=1.0, timeout=10.0)
    [(pmid, error)] = result.failed
    assert pmid == documents[0].pmid and "refused the key [redacted]" in error
    assert "Bearer [redacted]" in error and KEY not in error
    saved = tmp_path / "run"
    save_run(result, saved)
    write_report([result], saved)
    files = sorted(saved.iterdir())
    assert len(files) == 6 and not [f.name for f in files if KEY in f.read_text()]


def test_a_key_saved_by_an_earlier_version_is_not_shown_again(tmp_path: Path) -> None:
    documents = load_sample("test").to_list()[:2]
    with FakeCohere(responder=oracle(documents)) as server:
        server.inject(Fault.KEY_ECHOED, count=50, prompt=documents[0].abstract[:80])
        result = run(server, documents, api_key=KEY, retry_budget=1.0, timeout=10.0)
    saved = tmp_path / "old"
    save_run(result, saved)
    for name in ("run.json", "extractions.jsonl"):  # as a version without redaction wrote it
        path = saved / name
        path.write_text(path.read_text().replace("[redacted]", KEY))
        assert KEY in path.read_text()
    loaded = load_run(saved)
    assert KEY not in str(loaded.failed) and KEY not in str(loaded.extractions)
    write_report([loaded], tmp_path / "report")
    assert not [f for f in (tmp_path / "report").iterdir() if KEY in f.read_text()]


def test_answers_cut_at_max_tokens_are_flagged_in_the_run() -> None:
    documents = load_sample("test").to_list()[:3]
    with FakeCohere(responder=oracle(documents)) as server:
        server.inject(Fault.TRUNCATED, endpoint="chat", prompt=documents[1].abstract[:80])
        result = run(server, documents, mode="combined")
    assert not result.failed and result.truncated == {documents[1].pmid: ("combined",)}
    assert result.as_json()["truncated"] == {documents[1].pmid: ["combined"]}
    assert result.as_json()["oversized"] == {}
    assert f"answers cut at max_tokens in 1 document (PMIDs {documents[1].pmid})" in (
        result.summary()
    )
