from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.extraction import read_extractions
from cohere_medner.models.cache import ResponseCache
from cohere_medner.prompts.tasks import CHEMICALS, DISEASES, RELATIONS
from cohere_medner.prompts.templates import SEED, TITLED, Template
from cohere_medner.testing import FakeCohere, Fault
from command_line import run
from permissions import as_a_user


def test_evaluate_prints_the_documented_json(
    capsys: pytest.CaptureFixture[str], fake_cohere: object
) -> None:
    argv = ["evaluate", "--model", "command-r-08-2024", "--split", "test", "--limit", "4"]
    code, out, _ = run(capsys, *argv, "--mode", "combined", "--no-progress", "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == {
        "model", "documents", "answered", "provenance", "tasks", "official", "failed",
        "truncated", "oversized", "relations_listed", "relations_unresolved", "identified_by",
        "requests", "retries",
        "input_tokens", "output_tokens", "seconds",
    }  # fmt: skip
    assert summary["documents"] == 4 and summary["requests"] == 4
    assert summary["tasks"]["diseases"]["f1"] == 1.0
    code, out, _ = run(capsys, *argv, "--no-progress")
    assert code == 0 and "relations" in out and "1.0000" in out


def test_evaluate_over_no_documents_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--model", "lexicon", "--split", "test", "--limit", "0", "--no-progress"]
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == "" and "nothing to evaluate" in err


@pytest.mark.parametrize(
    ("flags", "template"), [((), TITLED), (("--template", "seed"), SEED)], ids=["default", "seed"]
)
def test_extract_and_evaluate_show_the_title_unless_seed_is_asked(
    capsys: pytest.CaptureFixture[str],
    fake_cohere: FakeCohere,
    tmp_path: Path,
    flags: tuple[str, ...],
    template: Template,
) -> None:
    document = load_sample("test")[0]
    expected = sorted(
        json.dumps(template.messages(task, document)) for task in (DISEASES, CHEMICALS, RELATIONS)
    )
    common = ["--model", "command-r-08-2024", "--split", "test", "--limit", "1", "--no-progress"]
    output = ["--output", str(tmp_path / "out.jsonl")]
    for command in (["extract", *output], ["evaluate", "--json"]):
        fake_cohere.reset()
        code, out, err = run(capsys, *command, *common, *flags, "--no-cache")
        assert code == 0 and err in ("", f"wrote 1 document to {output[1]} (0 failed; 3 "
            "answered by Cohere, 0 from the response cache)\n"), err  # fmt: skip
        assert sorted(json.dumps(r.body["messages"]) for r in fake_cohere.requests) == expected
    # The oracle answers the gold of what the prompts show: perfect either way.
    assert json.loads(out)["tasks"]["diseases"]["f1"] == 1.0


def test_an_unknown_template_names_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["evaluate", "--model", "lexicon", "--split", "test", "--template", "sead"]
    with pytest.raises(SystemExit):
        run(capsys, *argv)
    assert "'seed', 'titled'" in capsys.readouterr().err


def test_extract_writes_jsonl_and_reports_failures(
    capsys: pytest.CaptureFixture[str], fake_cohere: object, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    argv = ["extract", "--model", "command-r-08-2024", "--output", str(output), "--no-progress"]
    code, _, err = run(capsys, *argv, "--split", "test", "--limit", "3")
    assert (code, err) == (0, f"wrote 3 documents to {output} (0 failed; 9 answered by Cohere, "
        "0 from the response cache)\n")  # fmt: skip
    assert [e.document for e in read_extractions(output)] == [
        d.pmid for d in load_sample("test")[:3]
    ]
    # A rerun answered from the cache says so (it said nothing; evaluate said "tokens 0 in").
    code, _, err = run(capsys, *argv, "--split", "test", "--limit", "3")
    assert (code, err) == (0, f"wrote 3 documents to {output} (0 failed; all 9 answers from "
        "the response cache, none asked of Cohere)\n")  # fmt: skip
    code, _, err = run(capsys, *argv[:2], "unknown-model", *argv[3:], "--text", "Aspirin.")
    assert code == 4 and "model 'unknown-model' not found" in err and "failed" not in err
    code, _, err = run(capsys, *argv[:-2], str(tmp_path / "out.csv"), "--text", "Aspirin.")
    assert code == 1 and ".jsonl" in err
    code, _, err = run(capsys, *argv[:-2], str(tmp_path / "out.txt"), "--text", "Aspirin.")
    assert code == 1 and "numeric PMIDs" in err
    code, _, err = run(capsys, *argv, "--text", "Aspirin.", "--split", "test")
    assert code == 1 and "not both" in err


def test_a_refused_key_stops_evaluate_with_one_line_and_no_scores(
    capsys: pytest.CaptureFixture[str], fake_cohere: FakeCohere, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CO_API_KEY", "revoked-key")
    fake_cohere.revoke("revoked-key")
    argv = ["evaluate", "--model", "command-r-08-2024", "--split", "test", "--no-progress"]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (4, "")
    assert err.splitlines() == [
        "cohere-medner evaluate: stopped: Cohere API error 401: the API key was refused: "
        "check CO_API_KEY (the server said: invalid api token)"
    ]
    assert len(fake_cohere.requests) <= 8  # in flight at the first answer; none after


def test_nothing_listening_stops_in_seconds_naming_the_address(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # It used to retry in silence for 298 s, then say "gave up retrying: ConnectError".
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("CO_API_URL", address)
    monkeypatch.setenv("CO_API_KEY", "k")
    argv = ["extract", "--model", "command-r-08-2024", "--text", "Aspirin.", "--no-cache"]
    code, _, err = run(capsys, *argv, "--no-progress", "--output", str(tmp_path / "x.jsonl"))
    assert code == 4
    assert err.splitlines() == [
        f"server unreachable at {address}, retrying for up to 5 s",
        f"cohere-medner extract: stopped: Cohere API error: nothing answers at {address} "
        "(ConnectError: All connection attempts failed): check CO_API_URL (or base_url) "
        "and the network",
    ]


def test_timeout_and_retry_budget_reach_the_client(
    capsys: pytest.CaptureFixture[str], fake_cohere: FakeCohere, tmp_path: Path
) -> None:
    argv = ["extract", "--model", "command-r-08-2024", "--text", "Aspirin.", "--no-progress"]
    argv += ["--no-cache", "--output", str(tmp_path / "x.jsonl"), "--tasks", "chemicals"]
    fake_cohere.inject(Fault.HANG)  # held for good: only the attempt's deadline ends it
    code, _, err = run(capsys, *argv, "--timeout", "0.5")
    assert code == 0
    assert err == (
        f"no complete answer from {fake_cohere.url} within 0.5 s, retrying for up to 5 min\n"
        f"wrote 1 document to {tmp_path / 'x.jsonl'} (0 failed; 1 answered by Cohere, 0 from "
        "the response cache)\n"
    )
    fake_cohere.inject(Fault.SERVICE_UNAVAILABLE)
    code, _, err = run(capsys, *argv, "--retry-budget", "0")
    assert code == 3 and "503" in err
    assert len(fake_cohere.requests) == 2 + 1


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
    assert err.splitlines()[0] == (
        "1 of 2 documents have answers cut at max_tokens (raise --max-tokens): "
        "their lists may be incomplete"
    )
    assert err.splitlines()[1].startswith(f"wrote 2 documents to {output} (0 failed;")
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
    assert (code, err) == (0, f"wrote 10 documents to {predicted} (0 failed; nothing asked "
        "of Cohere)\n")  # fmt: skip
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
    assert summary["provenance"]["examples"] == ("2 nearest" if how else "2 random (seed 0)")


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
    assert "Not comparable" not in markdown and "| test | 10 |" in markdown
    argv = ["evaluate", "--model", "lexicon", "--split", "test", "--no-progress", "--limit", "3"]
    assert run(capsys, *argv, "--report", str(tmp_path / "few"))[0] == 0
    code, _, err = run(
        capsys,
        "compare",
        str(tmp_path / "a"),
        str(tmp_path / "few"),
        "--output",
        str(tmp_path / "e"),
    )
    assert code == 0 and "warning: runs not ranked: they evaluated different documents" in err
    assert "Not comparable, not ranked" in (tmp_path / "e" / "report.md").read_text()
    code, _, err = run(
        capsys, "compare", str(tmp_path / "missing"), "--output", str(tmp_path / "d")
    )
    assert code == 1 and "missing" in err


def test_a_cache_that_cannot_be_written_stops_the_run_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str], fake_cohere: FakeCohere, tmp_path: Path
) -> None:
    cache = tmp_path / "read-only.sqlite3"
    ResponseCache(cache).close()
    cache.chmod(0o444)
    output = tmp_path / "out.jsonl"
    argv = ["extract", "--model", "command-r-08-2024", "--output", str(output), "--no-progress"]
    with as_a_user():
        code, _, err = run(capsys, *argv, "--split", "test", "--limit", "3", "--cache", str(cache))
    assert code == 1 and fake_cohere.requests == [] and not output.exists()
    assert err.startswith(f"cohere-medner extract: error: {cache}: cannot use as a response cache")
    assert "(--no-cache, cache=False)" in err and len(err.splitlines()) == 1


def test_evaluate_lexicon_without_split_scores_the_split_the_lexicon_was_not_built_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It refused: "40 of the documents to extract ... are in the lexicon's training splits".
    code, out, err = run(capsys, "evaluate", "--model", "lexicon", "--no-progress", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["documents"] == 10 and summary["provenance"]["split"] == "test"
    assert "test split" in err
