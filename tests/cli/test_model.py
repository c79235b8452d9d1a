from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.extraction import read_extractions
from cohere_medner.testing import FakeCohere, Fault
from command_line import run


def test_evaluate_prints_the_documented_json(
    capsys: pytest.CaptureFixture[str], fake_cohere: object
) -> None:
    argv = ["evaluate", "--model", "command-r-08-2024", "--split", "test", "--limit", "4"]
    code, out, _ = run(capsys, *argv, "--mode", "combined", "--no-progress", "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == {
        "model", "documents", "tasks", "official", "failed", "truncated", "oversized",
        "relations_listed", "relations_unresolved", "identified_by", "requests", "retries",
        "input_tokens", "output_tokens", "seconds",
    }  # fmt: skip
    assert summary["documents"] == 4 and summary["requests"] == 4
    assert summary["tasks"]["diseases"]["f1"] == 1.0
    code, out, _ = run(capsys, *argv, "--no-progress")
    assert code == 0 and "relations" in out and "1.0000" in out


def test_extract_writes_jsonl_and_reports_failures(
    capsys: pytest.CaptureFixture[str], fake_cohere: object, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    argv = ["extract", "--model", "command-r-08-2024", "--output", str(output), "--no-progress"]
    code, _, err = run(capsys, *argv, "--split", "test", "--limit", "3")
    assert (code, err) == (0, "")
    assert [e.document for e in read_extractions(output)] == [
        d.pmid for d in load_sample("test")[:3]
    ]
    code, _, err = run(capsys, *argv[:2], "unknown-model", *argv[3:], "--text", "Aspirin.")
    assert code == 3 and "not found" in err and "1 of 1 documents failed" in err
    code, _, err = run(capsys, *argv[:-2], str(tmp_path / "out.csv"), "--text", "Aspirin.")
    assert code == 1 and ".jsonl" in err
    code, _, err = run(capsys, *argv[:-2], str(tmp_path / "out.txt"), "--text", "Aspirin.")
    assert code == 1 and "numeric PMIDs" in err
    code, _, err = run(capsys, *argv, "--text", "Aspirin.", "--split", "test")
    assert code == 1 and "not both" in err


def test_extract_says_which_answers_were_cut_and_never_shows_a_key(
    capsys: pytest.CaptureFixture[str],
    fake_cohere: FakeCohere,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "out.jsonl"
    argv = ["extract", "--model", "command-r-08-2024", "--output", str(output), "--no-progress"]
    fake_cohere.inject(Fault.TRUNCATED)
    code, _, err = run(capsys, *argv, "--split", "test", "--limit", "2")
    assert code == 0
    assert err == (
        "1 of 2 documents have answers cut at max_tokens (raise --max-tokens): "
        "their lists may be incomplete\n"
    )
    assert [len(e.truncated) for e in read_extractions(output)] == [1, 0]
    monkeypatch.setenv("CO_API_KEY", "sk-cli-key\u00a00123456789")
    code, _, err = run(capsys, *argv, "--text", "Aspirin.")
    assert code == 1 and "sk-cli-key" not in err
    assert err == (
        "cohere-medner extract: error: the API key from CO_API_KEY holds NO-BREAK SPACE at "
        "character 11, which no HTTP header can carry: set CO_API_KEY again to the key alone "
        "(copy it from https://dashboard.cohere.com/api-keys)\n"
    )


def test_offline_baseline_writes_pubtator_that_scores(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    predicted = tmp_path / "pred.PubTator"
    argv = ["extract", "--model", "lexicon", "--split", "test", "--no-progress"]
    code, _, err = run(capsys, *argv, "--output", str(predicted))
    assert (code, err) == (0, "")
    gold = tmp_path / "gold.PubTator"
    run(capsys, "convert", "--split", "test", "--to", "pubtator", "--output", str(gold))
    args = ("score", "--gold", str(gold), "--pred", str(predicted), "--level", "id")
    code, out, _ = run(capsys, *args, "--type", "Chemical", "--json")
    assert code == 0 and json.loads(out)["tp"] > 0
    code, _, err = run(capsys, *argv[:-3], "--split", "train", "--output", str(predicted))
    assert code == 1 and "lexicon's training splits" in err and "--allow-seen" in err


def test_evaluate_reports_official_levels(
    capsys: pytest.CaptureFixture[str], bc5cdr_dir: Path
) -> None:
    argv = ["evaluate", "--model", "lexicon", "--data", str(bc5cdr_dir), "--split", "test"]
    code, out, _ = run(capsys, *argv, "--no-progress", "--json")
    assert code == 0
    official = json.loads(out)["official"]
    assert official["mention"]["Chemical"]["f1"] > 0.716
    assert official["mention"]["Disease"]["f1"] > 0.742
    assert official["id"]["Chemical"]["f1"] > 0.789
    assert official["id"]["Disease"]["f1"] > 0.773
    assert 0 < official["relation"]["CID"]["f1"] < 1


@pytest.mark.parametrize("how", [[], ["--nearest"]])
def test_evaluate_with_worked_examples(
    capsys: pytest.CaptureFixture[str], fake_cohere: object, how: list[str]
) -> None:
    argv = ["evaluate", "--model", "command-r-08-2024", "--split", "test", "--limit", "3"]
    argv += ["--mode", "combined", "--examples", "2", *how, "--no-progress", "--json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    summary = json.loads(out)
    # Three chat requests; nearest examples add two embed calls (pool, then queries).
    assert summary["tasks"]["chemicals"]["f1"] == 1.0
    assert summary["requests"] == 3 + (2 if how else 0)


def test_extract_as_a_batch_and_collect_it_later(
    capsys: pytest.CaptureFixture[str],
    fake_cohere: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COHERE_MEDNER_BATCHES", str(tmp_path / "handles"))
    output = tmp_path / "batch.jsonl"
    argv = ["extract", "--model", "command-r-08-2024", "--split", "test", "--limit", "3"]
    code, _, err = run(capsys, *argv, "--batch", "--no-wait", "--output", str(output))
    assert code == 0 and "submitted batch" in err and not output.exists()
    batch_id = err.split("submitted batch ")[1].split(";")[0]
    argv_collect = ["extract", "--collect", batch_id, "--poll-interval", "0.05"]
    code, _, err = run(capsys, *argv_collect, "--output", str(output))
    assert code == 0, err
    collected = list(read_extractions(output))
    synchronous = tmp_path / "sync.jsonl"
    assert run(capsys, *argv, "--no-progress", "--output", str(synchronous))[0] == 0
    expected = list(read_extractions(synchronous))
    assert [(e.document, e.entities, e.relations) for e in collected] == [
        (e.document, e.entities, e.relations) for e in expected
    ]


def test_evaluate_report_and_compare(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["evaluate", "--model", "lexicon", "--split", "test", "--no-progress"]
    assert run(capsys, *argv, "--report", str(tmp_path / "a"))[0] == 0
    argv += ["--tasks", "diseases", "--label", "diseases only"]
    assert run(capsys, *argv, "--report", str(tmp_path / "b"))[0] == 0
    code, out, _ = run(
        capsys, "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--output", str(tmp_path / "c")
    )
    assert code == 0
    assert [Path(line).name for line in out.split()] == [
        "report.json", "report.md", "f1.svg", "report.html",
    ]  # fmt: skip
    markdown = (tmp_path / "c" / "report.md").read_text()
    assert "| lexicon |" in markdown and "| diseases only |" in markdown
    code, _, err = run(
        capsys, "compare", str(tmp_path / "missing"), "--output", str(tmp_path / "d")
    )
    assert code == 1 and "missing" in err
