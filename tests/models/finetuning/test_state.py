"""The file of remembered fine-tuning ids: round trips, sharing, damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.models.finetuning._errors import FinetuneStateError
from cohere_medner.models.finetuning._state import (
    STATE_FORMAT,
    DatasetRecord,
    FinetuneState,
    JobRecord,
    dataset_key,
    job_key,
)


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
