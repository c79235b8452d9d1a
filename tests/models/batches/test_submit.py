"""Batch extraction end to end: the real SDK over real HTTP, FakeCohere running the batches."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import cohere
import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.errors import ConfigurationError, ExampleLeakError, ModelNotFoundError
from cohere_medner.extraction import read_extractions
from cohere_medner.extractor import Extractor, Mode
from cohere_medner.models.batches import _submit as batch
from cohere_medner.models.batches._errors import (
    BatchHandleError,
    BatchInputError,
    BatchTooLargeError,
    UnknownBatchError,
)
from cohere_medner.models.batches._output import BatchFailedError, BatchTimeoutError
from cohere_medner.models.batches._submit import BatchJob, BatchState
from cohere_medner.models.client import CohereClient
from cohere_medner.models.cohere_api import CohereGenerate
from cohere_medner.models.nearest import KNearest
from cohere_medner.prompts.tasks import Task
from cohere_medner.prompts.templates import SEED, TITLED, ExampleChooser, FewShot, Template
from cohere_medner.testing import POLL, FakeCohere, Fault
from cohere_medner.testing.oracle import oracle
from cohere_medner.testing.wire import count_tokens
from cohere_medner.types import Document

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
KEY = "test-key"
DOCUMENTS = load_sample().to_list()
FAST: dict[str, Any] = {"api_key": KEY, "poll_interval": 0.01, "sleep": lambda seconds: None}


@pytest.fixture(autouse=True)
def handles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps its batch handles to itself."""
    directory = tmp_path / "handles"
    monkeypatch.setenv("COHERE_MEDNER_BATCHES", str(directory))
    return directory


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=oracle(DOCUMENTS), validation_delay=0, batch_step=POLL) as fake:
        yield fake


def extractor(server: FakeCohere, **options: Any) -> Extractor:
    settings: dict[str, Any] = {
        "api_key": KEY,
        "base_url": server.url,
        "cache": False,
        "progress": False,
        **options,
    }
    return Extractor(MODEL, **settings)


def submit(ex: Extractor, documents: list[Any] = DOCUMENTS, **options: Any) -> BatchJob:
    return batch.submit(ex.plan(documents), api_key=KEY, sleep=lambda s: None, **options)


# The happy path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_a_batch_gives_the_extractions_synchronous_extraction_gives(
    server: FakeCohere, mode: Mode
) -> None:
    ex = extractor(server, mode=mode)
    job = submit(ex)
    assert server.endpoint_counts["chat"] == 0  # nothing synchronous yet
    result = batch.collect(job, **FAST)
    assert result.state.status == "BATCH_STATUS_COMPLETED"
    assert result.ok and not result.failed and not result.unexpected
    synchronous = ex.extract_many(DOCUMENTS)
    assert list(result.extractions) == synchronous
    assert [e.document for e in result.extractions] == [d.pmid for d in DOCUMENTS]


@pytest.mark.parametrize(
    ("options", "template"), [({}, TITLED), ({"template": "seed"}, SEED)], ids=["default", "seed"]
)
def test_the_input_holds_one_chat_request_per_document_and_unit(
    server: FakeCohere, options: dict[str, str], template: Template
) -> None:
    ex = extractor(server, **options)
    assert ex.template is template  # the title is shown unless the tutorial's seed is asked
    job = submit(ex, DOCUMENTS[:4])
    lines = server.datasets.records(job.input_dataset_id)
    assert [line["custom_id"] for line in lines] == list(job.custom_ids())
    assert lines[0]["custom_id"] == f"0-diseases-{DOCUMENTS[0].pmid}"
    for line, (position, unit) in zip(lines, job.custom_ids().values(), strict=True):
        task = next(u for u in ex.units if u.name == unit)
        body = json.loads(line["body"])
        assert body == {
            "messages": template.messages(task, DOCUMENTS[position]),
            "temperature": 0.0,
            "max_tokens": 600,
        }
    assert job.units == ("diseases", "chemicals", "relations")
    assert job.documents == tuple(d.pmid for d in DOCUMENTS[:4])


def test_on_status_sees_every_state_and_polls_back_off(server: FakeCohere) -> None:
    ex = extractor(server)
    job = submit(ex, DOCUMENTS[:2])
    seen: list[BatchState] = []
    slept: list[float] = []
    result = batch.collect(job, api_key=KEY, on_status=seen.append, sleep=slept.append)
    assert [s.status.removeprefix("BATCH_STATUS_") for s in seen] == [
        "QUEUED",
        "IN_PROGRESS",
        "COMPLETED",
    ]
    assert slept == [10.0, 15.0]
    assert str(seen[-1]) == f"batch {job.batch_id} completed (6/6 records)"
    assert result.state == seen[-1]


def test_a_first_poll_interval_longer_than_the_usual_longest_is_kept(server: FakeCohere) -> None:
    # `extract --batch --poll-interval 600` gives only the first interval: it must not be
    # refused for exceeding the default longest one, at submit or while waiting.
    ex = extractor(server)
    job = submit(ex, DOCUMENTS[:2], poll_interval=90.0)
    slept: list[float] = []
    batch.collect(job, api_key=KEY, poll_interval=600.0, sleep=slept.append)
    assert slept == [600.0, 600.0]


def test_documents_without_text_come_back_with_the_error_extract_many_gives(
    server: FakeCohere,
) -> None:
    items: list[str | Document] = [DOCUMENTS[0], Document("999", "", "  "), "   ", DOCUMENTS[1]]
    ex = extractor(server)
    job = submit(ex, items)
    assert set(job.refused) == {1, 2}
    assert len(server.datasets.records(job.input_dataset_id)) == 2 * 3
    result = batch.collect(job, **FAST)
    assert list(result.extractions) == ex.extract_many(items)
    assert not result.extractions[1].ok and not result.failed


# Failures: lines, batches, ids ------------------------------------------------------------------


def test_failed_lines_are_reported_by_document_and_unit_and_the_rest_kept() -> None:
    documents = DOCUMENTS[:12]
    probe = Extractor(MODEL, api_key=KEY, cache=False)
    sizes = {
        (position, unit.name): count_tokens(
            "\n\n".join(m["content"] for m in probe.template.messages(unit, document))
        )
        for position, document in enumerate(documents)
        for unit in probe.units
    }
    limit = sorted(sizes.values())[len(sizes) // 2]
    too_long = {key for key, size in sizes.items() if size > limit}
    assert 0 < len(too_long) < len(sizes)
    with FakeCohere(
        responder=oracle(documents), validation_delay=0, batch_step=0, max_input_tokens=limit
    ) as server:
        ex = extractor(server)
        result = batch.collect(submit(ex, documents), **FAST)
        synchronous = ex.extract_many(documents)
    assert result.state.failed == len(too_long)
    assert {(f.position, f.unit) for f in result.failed} == too_long
    for failure in result.failed:
        assert failure.document == documents[failure.position].pmid
        assert failure.error.startswith("the batch failed this request: ")
        assert "too long" in failure.error or "tokens" in failure.error
        assert failure.custom_id == batch.custom_id(
            failure.position, failure.unit, failure.document
        )
    for position, (got, expected) in enumerate(zip(result.extractions, synchronous, strict=True)):
        failed_units = sorted(unit for (p, unit) in too_long if p == position)
        if not failed_units:
            assert got == expected
            continue
        assert got.error is not None and expected.error is not None
        assert [part.split(":")[0] for part in got.error.split("; ")] == [
            u.name for u in ex.units if u.name in failed_units
        ]
        # What was answered is kept, as synchronous extraction keeps it.
        assert got.raw == expected.raw and got.entities == expected.entities


def test_a_failed_batch_says_so_keeps_what_it_can_and_can_be_rerun() -> None:
    with FakeCohere(
        responder=oracle(DOCUMENTS), validation_delay=0, batch_step=0, fail_batches=True
    ) as server:
        ex = extractor(server)
        job = submit(ex, DOCUMENTS[:5])
        with pytest.raises(BatchFailedError) as raised:
            batch.collect(job.batch_id, **FAST)
        failure = raised.value
        assert failure.state.status == "BATCH_STATUS_FAILED"
        assert failure.state.reason == "batch failed (FakeCohere(fail_batches=True))"
        assert f"resubmit runs input dataset {job.input_dataset_id} again" in str(failure)
        kept = failure.result
        assert [e.document for e in kept.extractions] == list(job.documents)
        assert all(
            not e.ok and "ended BATCH_STATUS_FAILED" in (e.error or "") for e in kept.extractions
        )
        assert len(kept.failed) == 5 * 3

        server.batches.fail = False
        again = batch.resubmit(job.batch_id, api_key=KEY, sleep=lambda s: None)
        assert again.batch_id != job.batch_id
        assert again.input_dataset_id == job.input_dataset_id
        assert server.endpoint_counts["datasets.create"] == 1  # nothing uploaded twice
        result = batch.collect(again.batch_id, **FAST)
        assert list(result.extractions) == ex.extract_many(DOCUMENTS[:5])


def test_a_cancelled_batch_is_a_failed_batch(server: FakeCohere) -> None:
    job = submit(extractor(server), DOCUMENTS[:2])
    assert batch.cancel(job, api_key=KEY).status == "BATCH_STATUS_CANCELING"
    with pytest.raises(BatchFailedError, match="ended BATCH_STATUS_CANCELED"):
        batch.collect(job, **FAST)


def test_an_unknown_batch_id_is_named_as_unknown(server: FakeCohere, tmp_path: Path) -> None:
    ex = extractor(server)
    with pytest.raises(UnknownBatchError, match=r"Cohere knows no batch with id 'no-such-batch'"):
        batch.collect("no-such-batch", plan=ex.plan(), **FAST)
    with pytest.raises(UnknownBatchError, match="404"):
        batch.status("no-such-batch", api_key=KEY, server=server.url)
    stale = attrs.evolve(submit(ex, DOCUMENTS[:1]), batch_id="from-another-account")
    with pytest.raises(UnknownBatchError):
        batch.collect(stale.save(tmp_path / "stale.json"), **FAST)


def test_a_known_batch_without_its_handle_asks_for_the_handle(
    server: FakeCohere, handles: Path
) -> None:
    ex = extractor(server)
    job = submit(ex, DOCUMENTS[:1])
    for path in handles.iterdir():
        path.unlink()
    with pytest.raises(BatchHandleError, match="its handle is not in") as raised:
        batch.collect(job.batch_id, plan=ex.plan(), **FAST)
    assert not isinstance(raised.value, UnknownBatchError)


def test_collecting_with_other_tasks_is_refused(server: FakeCohere) -> None:
    job = submit(extractor(server), DOCUMENTS[:1])
    other = extractor(server, tasks="diseases")
    with pytest.raises(BatchHandleError, match="collect with the same tasks and mode"):
        batch.collect(job, plan=other.plan(), **FAST)


def test_a_batch_still_running_at_the_deadline_times_out_and_runs_on() -> None:
    with FakeCohere(responder=oracle(DOCUMENTS), validation_delay=0, batch_step=60) as server:
        job = submit(extractor(server), DOCUMENTS[:1])
        with pytest.raises(BatchTimeoutError) as raised:
            batch.collect(job, api_key=KEY, timeout=0.05, poll_interval=0.01)
        assert raised.value.state.status == "BATCH_STATUS_QUEUED"
        assert "collect it again later" in str(raised.value)
        with pytest.raises(BatchTimeoutError):
            batch.wait(job, api_key=KEY, timeout=0)  # one look


def test_status_checks_that_fail_transiently_are_tried_again(server: FakeCohere) -> None:
    job = submit(extractor(server), DOCUMENTS[:1])
    server.inject(Fault.SERVICE_UNAVAILABLE, count=3, endpoint="batches.get")
    no_retries = cohere.ClientV2(api_key=KEY, base_url=server.url, max_retries=0)
    result = batch.collect(job, sdk=no_retries, poll_interval=0.01, sleep=lambda s: None)
    assert result.ok
    assert server.outcome_counts["service_unavailable"] == 3


def test_an_ended_batch_s_datasets_can_be_deleted_its_handle_kept(server: FakeCohere) -> None:
    job = submit(extractor(server), DOCUMENTS[:1])
    with pytest.raises(BatchInputError, match="let it end before deleting"):
        batch.delete_datasets(job, api_key=KEY)
    output = batch.collect(job, **FAST).state.output_dataset_id
    assert batch.delete_datasets(job, api_key=KEY) == (job.input_dataset_id, output)
    assert server.datasets.describe_all(time.monotonic(), server.url) == []
    assert batch.delete_datasets(job.batch_id, api_key=KEY) == ()  # gone already: no error


# Submitting safely -------------------------------------------------------------------------------


def test_an_input_too_large_for_one_dataset_is_refused_before_uploading(
    server: FakeCohere,
) -> None:
    ex = extractor(server)
    with pytest.raises(BatchTooLargeError, match=r"submit at most (\d+) documents") as raised:
        submit(ex, DOCUMENTS, max_bytes=20_000)
    assert server.endpoint_counts["datasets.create"] == 0
    fits = int(re.search(r"at most (\d+) documents", str(raised.value)).group(1))  # type: ignore[union-attr]
    assert 1 < fits < len(DOCUMENTS)
    submit(ex, DOCUMENTS[:fits], max_bytes=20_000)  # as many as it says fit, fit


def test_only_chat_extractors_batch(server: FakeCohere) -> None:
    generate = CohereGenerate(MODEL, api_key=KEY, base_url=server.url, cache=False)
    with pytest.raises(ConfigurationError, match="v2 chat"):
        submit(Extractor(generate, progress=False), DOCUMENTS[:1])
    with pytest.raises(ConfigurationError, match="v2 chat"):
        submit(Extractor("lexicon", progress=False), DOCUMENTS[:1])


def test_task_names_that_would_give_clashing_line_ids_are_refused(server: FakeCohere) -> None:
    long = "a" * 70
    tasks = [
        Task(long + suffix, "List the genes.", "Genes:", entity_type="Gene") for suffix in "xy"
    ]
    with pytest.raises(ConfigurationError, match="clashing batch line ids"):
        submit(extractor(server, tasks=tasks), DOCUMENTS[:1])
    assert server.endpoint_counts["datasets.create"] == 0


@pytest.mark.parametrize("kind", ["random", "nearest"])
def test_documents_in_the_examples_pool_are_refused_before_anything_is_sent(
    server: FakeCohere, tmp_path: Path, kind: str
) -> None:
    # extract_many refused them; a batch of the same documents was sent with each one
    # shown as its own neighbours' worked example.
    train, test = DOCUMENTS[:30], DOCUMENTS[30:]
    client = CohereClient(KEY, base_url=server.url)
    examples: ExampleChooser = (
        FewShot(train, k=2)
        if kind == "random"
        else KNearest(train, k=2, client=client, cache=False)
    )
    ex = extractor(server, client=client, examples=examples, mode="combined")
    with pytest.raises(ExampleLeakError, match="example pool"):
        submit(ex, [*test, train[3]])
    assert server.endpoint_counts["datasets.create"] == 0
    embedded = server.endpoint_counts["embed"]
    job = submit(ex, test)  # the documents to score themselves are fine
    assert len(job.documents) == len(test)
    if kind == "nearest":  # the pool, then the queries together: not a call per document
        assert server.endpoint_counts["embed"] - embedded == 2


def test_a_refused_batch_leaves_no_input_dataset_behind(server: FakeCohere) -> None:
    with pytest.raises(ModelNotFoundError):
        batch.submit(
            Extractor("no-such-model", api_key=KEY, base_url=server.url, cache=False).plan(
                DOCUMENTS[:1]
            ),
            api_key=KEY,
        )
    assert server.endpoint_counts["datasets.delete"] == 1
    assert server.datasets.describe_all(time.monotonic(), server.url) == []


def test_a_transient_failure_creating_the_batch_is_retried_once(server: FakeCohere) -> None:
    server.inject(Fault.SERVICE_UNAVAILABLE, count=1, endpoint="batches.create")
    job = submit(extractor(server), DOCUMENTS[:1])
    listed = cohere.ClientV2(api_key=KEY, base_url=server.url).batches.list().batches or []
    assert [b.id for b in listed] == [job.batch_id]


def test_a_batch_created_behind_a_timeout_is_found_not_created_twice(
    server: FakeCohere,
) -> None:
    server.inject(Fault.SLOW, delay=0.3, endpoint="batches.create")
    impatient = cohere.ClientV2(api_key=KEY, base_url=server.url, timeout=0.1)
    job = batch.submit(
        extractor(server).plan(DOCUMENTS[:1]), sdk=impatient, sleep=lambda s: time.sleep(0.6)
    )
    listed = cohere.ClientV2(api_key=KEY, base_url=server.url).batches.list().batches or []
    assert [b.id for b in listed] == [job.batch_id]


# Handles and resuming -----------------------------------------------------------------------------


def test_the_handle_is_saved_under_the_id_and_where_asked_and_holds_no_key(
    server: FakeCohere, handles: Path, tmp_path: Path
) -> None:
    job = submit(extractor(server), DOCUMENTS[:3], handle=tmp_path / "run" / "job.json")
    saved = handles / f"{job.batch_id}.json"
    for path in (saved, tmp_path / "run" / "job.json"):
        text = path.read_text(encoding="utf-8")
        assert KEY not in text
        data = json.loads(text)
        assert (data["format"], data["version"]) == ("cohere-medner batch", 1)
        assert data["documents"] == [d.pmid for d in DOCUMENTS[:3]]
        assert batch.load_job(path) == job
    assert batch.load_job(job.batch_id) == job
    assert sorted(p.name for p in handles.iterdir()) == [saved.name]  # no temporary files


COLLECT = """
import sys
from cohere_medner.models.batches._submit import collect
from cohere_medner.extraction import write_extractions

result = collect(sys.argv[1], poll_interval=0.01)
write_extractions(result.extractions, sys.argv[2])
print(result.state.status)
"""


@pytest.mark.parametrize("by", ["id", "handle file"])
def test_a_new_process_collects_by_id_or_handle(
    server: FakeCohere, handles: Path, tmp_path: Path, by: str
) -> None:
    ex = extractor(server, mode="combined")
    job = submit(ex, DOCUMENTS[:10], handle=tmp_path / "job.json")
    target = job.batch_id if by == "id" else str(tmp_path / "job.json")
    env = {
        **os.environ,
        "CO_API_KEY": KEY,
        "COHERE_MEDNER_BATCHES": str(handles if by == "id" else tmp_path / "elsewhere"),
    }
    output = tmp_path / "out.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", COLLECT, target, str(output)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "BATCH_STATUS_COMPLETED"
    assert list(read_extractions(output)) == ex.extract_many(DOCUMENTS[:10])
