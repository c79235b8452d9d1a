from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.cli import main
from cohere_medner.corpus import load_sample, read_bigbio, read_file
from cohere_medner.extraction import read_extractions


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_on_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0
    assert json.loads(out) == {
        "documents": 50,
        "mentions": {"Chemical": 510, "Disease": 424},
        "relations": 123,
    }
    code, out, _ = run(capsys, "stats", "--split", "test")
    assert code == 0 and "documents  10" in out


def test_stats_on_the_full_corpus(capsys: pytest.CaptureFixture[str], bc5cdr_dir: Path) -> None:
    for data in (bc5cdr_dir, bc5cdr_dir / "bc5cdr.json", bc5cdr_dir / "CDR_TestSet.BioC.xml"):
        code, out, _ = run(capsys, "stats", "--data", str(data), "--split", "test", "--json")
        assert code == 0
        assert json.loads(out) == {
            "documents": 500,
            "mentions": {"Chemical": 5385, "Disease": 4424},
            "relations": 1066,
        }


@pytest.mark.parametrize("to", ["pubtator", "bioc", "json"])
def test_convert_round_trips_the_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, to: str
) -> None:
    output = tmp_path / f"sample.{to}"
    code, _, err = run(capsys, "convert", "--split", "train", "--to", to, "--output", str(output))
    assert (code, err) == (0, "")
    assert read_file(output, "train").to_list() == load_sample("train").to_list()


def test_convert_to_json_without_split_labels_every_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "all.json"
    assert run(capsys, "convert", "--to", "json", "--output", str(output))[0] == 0
    assert read_bigbio(output, "test").to_list() == load_sample("test").to_list()
    assert len(read_bigbio(output)) == 50


@pytest.mark.parametrize("kind", ["PubTator", "BioC.xml"])
def test_score_reproduces_the_official_evaluator(
    capsys: pytest.CaptureFixture[str], eval_sample_dir: Path, kind: str
) -> None:
    gold = str(eval_sample_dir / f"CDR_sample.gold.{kind}")
    dner = str(eval_sample_dir / f"CDR_sample.test.DNER.{kind}")
    cid = str(eval_sample_dir / f"CDR_sample.test.CID.{kind}")
    code, out, _ = run(
        capsys,
        "score",
        "--gold",
        gold,
        "--pred",
        dner,
        "--level",
        "mention",
        "--type",
        "Disease",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {
        "tp": 303,
        "fp": 105,
        "fn": 121,
        "precision": 0.7426470588235294,
        "recall": 0.714622641509434,
        "f1": 0.7283653846153848,
    }
    args = ("score", "--gold", gold, "--pred", dner, "--level", "id", "--type", "Disease", "--json")
    found = json.loads(run(capsys, *args)[1])
    assert (found["tp"], found["fp"], found["fn"]) == (149, 57, 65)
    assert found["f1"] == 0.7095238095238096
    found = json.loads(
        run(capsys, "score", "--gold", gold, "--pred", cid, "--level", "relation", "--json")[1]
    )
    assert (found["tp"], found["fp"], found["fn"]) == (90, 533, 33)
    code, out, _ = run(capsys, "score", "--gold", gold, "--pred", cid, "--level", "relation")
    assert code == 0 and "TP: 90\nFP: 533\nFN: 33\n" in out


def test_errors_go_to_stderr_with_nonzero_exit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "stats", "--data", str(tmp_path / "absent"))
    assert code == 1 and out == "" and "no such corpus" in err
    broken = tmp_path / "broken.PubTator"
    broken.write_text("1|t|Title\n1|a|Abstract\n1\t0\t5\tTitlx\tDisease\t-1\n")
    code, out, err = run(capsys, "stats", "--data", str(broken))
    assert code == 1 and f"{broken}, line 3:" in err
    with pytest.raises(SystemExit) as exited:
        main(["score", "--gold", str(broken), "--pred", str(broken), "--level", "id"])
    assert exited.value.code == 2
    assert "--type" in capsys.readouterr().err


@pytest.fixture
def fake_cohere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    from cohere_medner.testing import FakeCohere
    from cohere_medner.testing.oracle import oracle

    with FakeCohere(responder=oracle(load_sample())) as server:
        monkeypatch.setenv("CO_API_URL", server.url)
        monkeypatch.setenv("CO_API_KEY", "test-key")
        monkeypatch.setenv("COHERE_MEDNER_CACHE", str(tmp_path / "cache.sqlite3"))
        yield server


def test_evaluate_prints_the_documented_json(
    capsys: pytest.CaptureFixture[str], fake_cohere: object
) -> None:
    argv = ["evaluate", "--model", "command-r-08-2024", "--split", "test", "--limit", "4"]
    code, out, _ = run(capsys, *argv, "--mode", "combined", "--no-progress", "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == {
        "model", "documents", "tasks", "official", "failed", "requests", "retries",
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


def test_prepare_writes_the_same_file_from_every_corpus_form(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sample = tmp_path / "sample.json"
    assert run(capsys, "convert", "--to", "json", "--output", str(sample))[0] == 0
    bioc = tmp_path / "train.BioC.xml"
    assert run(capsys, "convert", "--split", "train", "--to", "bioc", "--output", str(bioc))[0] == 0
    written = []
    for data in (None, sample, bioc):
        output = tmp_path / f"out{len(written)}.jsonl"
        argv = ["prepare", "--task", "diseases,chemicals,relations", "--format", "chat"]
        argv += ["--output", str(output), "--seed", "5"]
        code, out, err = run(capsys, *argv, *(["--data", str(data)] if data else []))
        assert (code, err) == (0, ""), err
        assert "wrote 90 chat records (30 documents x diseases, chemicals, relations)" in out
        written.append(output.read_bytes())
    assert written[0] == written[1] == written[2]
    first = json.loads(written[0].splitlines()[0])
    assert [m["role"] for m in first["messages"]] == ["System", "User", "Chatbot"]


def test_prepare_refuses_the_test_split_and_unknown_tasks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "prepare", "--split", "test", "--output", str(output))
    assert code == 1 and "--allow-test" in err and not output.exists()
    code, _, err = run(capsys, "prepare", "--task", "genes", "--output", str(output))
    assert code == 1 and "unknown task 'genes'" in err
    argv = ["prepare", "--split", "train,validation", "--output", str(output)]
    code, out, _ = run(capsys, *argv, "--eval-output", str(tmp_path / "eval.jsonl"))
    assert code == 0 and "evaluation records" in out


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


def test_finetune_lifecycle_from_the_command_line(
    capsys: pytest.CaptureFixture[str], fake_cohere: object, tmp_path: Path
) -> None:
    train = tmp_path / "train.jsonl"
    argv = ["prepare", "--task", "diseases,chemicals", "--format", "chat", "--output", str(train)]
    assert run(capsys, *argv)[0] == 0
    argv = ["finetune", "create", "--train", str(train), "--name", "bc5cdr", "--wait", "--json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    created = json.loads(out.strip().splitlines()[-1])
    assert set(created) == {"model_id", "status"} and created["status"] == "STATUS_READY"
    assert "STATUS_QUEUED" in err and "STATUS_READY" in err
    code, out, _ = run(capsys, "finetune", "status", created["model_id"])
    assert code == 0 and f"--model {created['model_id']}-ft" in out
    code, out, _ = run(capsys, "finetune", "list", "--json")
    assert [r["model_id"] for r in json.loads(out)] == [created["model_id"]]
    code, out, _ = run(capsys, "finetune", "events", created["model_id"])
    assert code == 0 and "STATUS_READY" in out
    # A repeated create finds the job it started instead of uploading again.
    code, out, _ = run(capsys, *argv)
    assert json.loads(out.strip().splitlines()[-1])["model_id"] == created["model_id"]
    code, _, err = run(capsys, "finetune", "status", "no-such-id")
    assert code == 1 and "no-such-id" in err


def test_a_retired_finetuning_endpoint_is_said_plainly(
    capsys: pytest.CaptureFixture[str], fake_cohere: object, tmp_path: Path
) -> None:
    fake_cohere.finetuning = "retired"  # type: ignore[attr-defined]
    train = tmp_path / "train.jsonl"
    run(capsys, "prepare", "--format", "chat", "--output", str(train))
    code, _, err = run(capsys, "finetune", "create", "--train", str(train), "--name", "x")
    assert code == 1 and "Traceback" not in err and "KNearest" in err


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
