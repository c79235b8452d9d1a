"""Fine-tuning's local parts: remembered ids, the files' check, settings, what "retired" means."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.errors import (
    ConfigurationError,
    FinetuneRequirementError,
    FinetuneStateError,
    MissingApiKeyError,
    TrainingDataError,
)
from cohere_medner.finetune import (
    Finetuner,
    FinetuneRequest,
    Hyperparameters,
    Polling,
    check_training_files,
    create_finetune,
    is_retirement,
)
from cohere_medner.finetune_state import (
    STATE_FORMAT,
    DatasetRecord,
    FinetuneState,
    JobRecord,
    dataset_key,
    default_state_path,
    job_key,
)
from cohere_medner.testing import FakeCohere

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)


def chat(question: str, answer: str = "- naloxone", role: str = "User") -> str:
    messages = [
        {"role": "System", "content": "List the chemicals."},
        {"role": role, "content": question},
        {"role": "Chatbot", "content": answer},
    ]
    return json.dumps({"messages": messages}) + "\n"


def dataset(dataset_id: str = "ds-1", status: str = "validated") -> DatasetRecord:
    return DatasetRecord(
        dataset_id=dataset_id,
        train="train.jsonl",
        train_sha256="a" * 64,
        eval=None,
        eval_sha256=None,
        base_url="http://127.0.0.1:1",
        status=status,
        warnings=["dataset has 0 valid eval rows. dataset will be auto-split"],
    )


# The files' check -----------------------------------------------------------------------------


def test_a_good_chat_file_passes_and_returns_estimate_warnings(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text(chat("a") + "\n" + chat("b " * 60_000))
    (warning,) = check_training_files(train)
    assert warning.startswith(f"{train}, line 3: a turn may have (estimated)")


def test_every_problem_is_listed_with_its_file_line(tmp_path: Path) -> None:
    train, held = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train.write_text(chat("a") + "\n" + "{not json\n" + "[1, 2]\n" + chat("b", role="Assistant"))
    held.write_text("\n")
    with pytest.raises(FinetuneRequirementError) as raised:
        check_training_files(train, held)
    assert raised.value.violations == (
        f"{train}, line 3: not JSON (Expecting property name enclosed in double quotes)",
        f"{train}, line 4: not a JSON object",
        f"{train}, line 5: message 2 has role 'Assistant'; Cohere accepts only System, User, "
        "Chatbot",
        f"{train}, line 5: the conversation has no User message",
        f"{held}: holds 0 conversations; Cohere needs at least 1 in an evaluation file",
    )


def test_a_prompt_completion_file_is_refused_before_any_request(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    record = {"prompt": "Naloxone reverses clonidine.", "completion": "- naloxone"}
    train.write_text((json.dumps(record) + "\n") * 40)
    with FakeCohere() as server:
        with pytest.raises(FinetuneRequirementError) as raised:
            create_finetune(train, name="x", api_key="k", base_url=server.url)
        assert server.requests == []
    (violation,) = raised.value.violations
    assert "prepare --format chat" in violation and "Amazon Bedrock" in violation
    assert not default_state_path(train).exists()


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no fine-tuning file"):
        check_training_files(tmp_path / "absent.jsonl")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"messages": "caf\xe9"}\n')
    with pytest.raises(FinetuneRequirementError, match="not UTF-8"):
        check_training_files(latin)


# Settings -------------------------------------------------------------------------------------


def test_hyperparameters_keep_what_is_given_and_refuse_nonsense() -> None:
    given = Hyperparameters(train_epochs=3, learning_rate=0.01, lora_alpha=16)
    assert given.as_dict() == {"train_epochs": 3, "learning_rate": 0.01, "lora_alpha": 16}
    assert Hyperparameters().to_sdk() is None
    for bad in (
        {"train_epochs": 0},
        {"train_epochs": 1.5},
        {"train_epochs": True},
        {"learning_rate": 0},
        {"early_stopping_patience": -1},
        {"lora_target_modules": "LORA_TARGET_MODULES_ALL"},
    ):
        with pytest.raises(ConfigurationError):
            Hyperparameters(**bad)


def test_requests_polling_and_the_client_refuse_bad_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError):
        FinetuneRequest(tmp_path / "t.jsonl", name=" ")
    with pytest.raises(ConfigurationError):
        Polling(interval=0)
    request = FinetuneRequest(tmp_path / "t.jsonl", name="x")
    assert request.state_path == tmp_path / "t.jsonl.cohere-medner.json"
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError):
        Finetuner()
    with Finetuner("sk-secret", base_url="http://127.0.0.1:1") as finetuner:
        assert "sk-secret" not in repr(finetuner)


@pytest.mark.parametrize(
    ("status", "message", "retired"),
    [
        (410, "Gone", True),
        (404, "fine-tuning is no longer available", True),
        (400, "This endpoint is deprecated", True),
        (403, "Fine-tuning has been retired for all customers", True),
        (404, "finetuned model with id abc not found", False),
        (400, "train_epochs must be between 1 and 10.", False),
        (429, "deprecated", False),
        (500, "retired", False),
        (None, "retired", False),
    ],
)
def test_what_counts_as_retired(status: int | None, message: str, retired: bool) -> None:
    assert is_retirement(status, message) is retired


# The state file ---------------------------------------------------------------------------------


def test_records_survive_a_round_trip_and_keys_tell_inputs_apart(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = FinetuneState.load(path)
    assert state.datasets == {} and not path.exists()
    dkey = dataset_key("a" * 64, None, "http://127.0.0.1:1")
    job = JobRecord(
        model_id="m-1",
        dataset_key=dkey,
        dataset_id="ds-1",
        name="x",
        base_model="command-r-08-2024",
        hyperparameters={"train_epochs": 2},
    )
    jkey = job_key(dkey, "x", "command-r-08-2024", {"train_epochs": 2})
    record = dataset()  # once: its upload time is now, to the second
    state.remember_dataset(dkey, record)
    state.remember_job(jkey, job)
    again = FinetuneState.load(path)
    assert again.datasets == {dkey: record} and again.jobs == {jkey: job}
    assert json.loads(path.read_text())["format"] == STATE_FORMAT

    assert dataset_key("a" * 64, "b" * 64, "http://127.0.0.1:1") != dkey
    assert dataset_key("a" * 64, None, None) != dkey
    assert job_key(dkey, "x", "command-r-08-2024", {}) != jkey
    assert job_key(dkey, "x", "command-a-03-2025", {"train_epochs": 2}) != jkey


def test_two_runs_sharing_a_file_keep_each_others_entries(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first, second = FinetuneState.load(path), FinetuneState.load(path)
    first.remember_dataset("one", dataset("ds-1"))
    second.remember_dataset("two", dataset("ds-2"))
    first.remember_dataset("one", dataset("ds-1", status="failed"))
    merged = FinetuneState.load(path)
    assert {k: d.dataset_id for k, d in merged.datasets.items()} == {"one": "ds-1", "two": "ds-2"}
    assert merged.datasets["one"].status == "failed"


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "is not JSON"),
        ('{"format": "something else"}', "not a cohere-medner fine-tuning state file"),
        (json.dumps({"format": STATE_FORMAT, "version": 99}), "state version 99"),
        (
            json.dumps({"format": STATE_FORMAT, "version": 1, "datasets": {"k": {"x": 1}}}),
            "dataset k",
        ),
        (json.dumps({"format": STATE_FORMAT, "version": 1, "jobs": []}), "'jobs' is not an object"),
    ],
)
def test_a_damaged_or_foreign_state_file_is_refused(
    tmp_path: Path, content: str, complaint: str
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(FinetuneStateError, match=complaint):
        FinetuneState.load(path)
