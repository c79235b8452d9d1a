"""What a batch is to cohere-medner: its line ids, its handle file and its state."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cohere.batches import Batch as SdkBatch
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.models.batches._errors import BatchHandleError
from cohere_medner.models.batches._job import (
    HANDLES_VARIABLE,
    BatchJob,
    BatchState,
    custom_id,
    handle_file,
    load_job,
)

MODEL = "command-r-08-2024"

# Custom ids -------------------------------------------------------------------------------------

task_names = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_éß", min_size=1, max_size=80)


@given(
    st.lists(st.text(max_size=120), min_size=1, max_size=30),
    st.lists(task_names, min_size=1, max_size=4, unique=True),
)
def test_custom_ids_fit_every_batch_api_and_map_back(
    documents: list[str], units: list[str]
) -> None:
    job = BatchJob("b", "d", "n", MODEL, None, "per-task", units, units, documents)
    ids = job.custom_ids()
    if len(ids) < len(documents) * len(units):
        return  # clashing (cut-off) task names: submit refuses them (test_batch.py)
    for line_id, (position, unit) in ids.items():
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", line_id)
        assert line_id.startswith(f"{position}-")
        assert custom_id(position, unit, documents[position]) == line_id


def test_a_pmid_and_task_name_are_readable_in_the_id() -> None:
    assert custom_id(12, "diseases", "6794356") == "12-diseases-6794356"
    assert custom_id(3, "chemicals", "doc 7/\u03b1") == "3-chemicals-doc_7__"
    assert len(custom_id(10**8, "relations", "x" * 200)) == 64


def test_refused_documents_send_no_lines() -> None:
    job = BatchJob(
        "b", "d", "n", MODEL, None, "combined", ["diseases"], ["combined"], ["1", "2"], {0: "empty"}
    )
    assert job.custom_ids() == {"1-combined-2": (1, "combined")}


# Handle files -----------------------------------------------------------------------------------

words = st.text(max_size=20)
jobs = st.builds(
    BatchJob,
    words,
    words,
    words,
    words,
    st.none() | words,
    st.sampled_from(["per-task", "combined"]),
    st.lists(words, max_size=3),
    st.lists(words, max_size=3),
    st.lists(words, max_size=5),
    st.dictionaries(st.integers(0, 4), words, max_size=2),
    words,
)


@given(jobs)
def test_a_handle_reads_back_as_the_job_saved(job: BatchJob) -> None:
    assert BatchJob.from_json(json.loads(json.dumps(job.to_json()))) == job


def test_a_handle_is_found_by_path_or_by_batch_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HANDLES_VARIABLE, str(tmp_path / "handles"))
    job = BatchJob("batch/1", "ds", "run", MODEL, None, "per-task", ["diseases"], ["d"], ["7"])
    saved = job.save(handle_file(job.batch_id))
    assert saved == tmp_path / "handles" / "batch_1.json"
    assert load_job(saved) == load_job("batch/1") == load_job(job) == job
    assert [p.name for p in saved.parent.iterdir()] == ["batch_1.json"]  # no temporary files


def test_a_damaged_handle_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(BatchHandleError, match=r"bad\.json: not a readable batch handle"):
        load_job(bad)
    with pytest.raises(BatchHandleError, match="neither a file nor a batch id"):
        load_job(tmp_path / "missing.json")


# States -----------------------------------------------------------------------------------------


def test_a_state_reads_the_sdks_batch_and_says_how_far_it_is() -> None:
    sdk = SdkBatch(
        id="b1",
        name="run",
        input_dataset_id="ds",
        model=MODEL,
        status="BATCH_STATUS_FAILED",
        num_records=10,
        num_successful_records=6,
        num_failed_records=4,
        status_reason="quota exceeded",
    )
    state = BatchState.from_sdk(sdk)
    assert state == BatchState("b1", "BATCH_STATUS_FAILED", 10, 6, 4, reason="quota exceeded")
    assert state.ended
    assert str(state) == "batch b1 failed (10/10 records, 4 failed): quota exceeded"
    running = BatchState("b2", "BATCH_STATUS_IN_PROGRESS", 10, 3)
    assert not running.ended and str(running) == "batch b2 in progress (3/10 records)"
