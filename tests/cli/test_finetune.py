from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.prompts.tasks import DISEASES
from cohere_medner.prompts.templates import SEED, TITLED, Template
from command_line import run


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


@pytest.mark.parametrize(
    ("flags", "template"), [((), TITLED), (("--template", "seed"), SEED)], ids=["default", "seed"]
)
def test_prepare_lays_prompts_out_as_the_extractor_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flags: tuple[str, ...], template: Template
) -> None:
    output = tmp_path / "diseases.jsonl"
    argv = ["prepare", "--split", "train,validation", "--output", str(output)]
    code, out, err = run(capsys, *argv, *flags)
    assert (code, err) == (0, ""), err
    train = [*load_sample("train"), *load_sample("validation")]
    assert [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] == [
        {"prompt": template.prompt(DISEASES, d), "completion": DISEASES.gold(d, template)}
        for d in train
    ]
    assert f"--template {template.name}" in out


def test_prepare_with_examples_and_an_evaluation_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    train, held = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    argv = ["prepare", "--format", "chat", "--examples", "2", "--output", str(train)]
    code, out, err = run(capsys, *argv, "--eval-output", str(held))
    assert (code, err) == (0, ""), err
    assert "evaluation records" in out


def test_prepare_refuses_the_test_split_and_unknown_tasks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "prepare", "--split", "test", "--output", str(output))
    assert code == 1 and "or pass --allow-test if" in err and not output.exists()
    assert "allow_test" not in err  # the Python name, which the command line has not
    code, _, err = run(capsys, "prepare", "--task", "genes", "--output", str(output))
    assert code == 1 and "unknown task 'genes'" in err
    argv = ["prepare", "--split", "train,validation", "--output", str(output)]
    code, out, _ = run(capsys, *argv, "--eval-output", str(tmp_path / "eval.jsonl"))
    assert code == 0 and "evaluation records" in out


def test_finetune_lifecycle_from_the_command_line(
    capsys: pytest.CaptureFixture[str], fake_cohere: object, tmp_path: Path
) -> None:
    train = tmp_path / "train.jsonl"
    argv = ["prepare", "--task", "diseases,chemicals", "--format", "chat", "--output", str(train)]
    assert run(capsys, *argv)[0] == 0
    argv = ["finetune", "create", "--train", str(train), "--name", "bc5cdr", "--wait", "--json"]
    argv += ["--poll-interval", "0.01"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    created = json.loads(out.strip().splitlines()[-1])
    assert created["status"] == "STATUS_READY"
    assert created["chat_model"] == f"{created['model_id']}-ft"  # what --model takes
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
