"""Reading a batch's output: parsing records into Extractions, and downloading parts safely."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cohere
import httpx
import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.extractor import Extractor
from cohere_medner.models.batches import _submit as batch
from cohere_medner.models.batches._errors import BatchOutputError
from cohere_medner.models.batches._output import _fetch, _parts, assemble
from cohere_medner.models.batches._submit import BatchJob, BatchState
from cohere_medner.prompts.tasks import DISEASES, get_tasks
from cohere_medner.testing import POLL, FakeCohere, Fault
from cohere_medner.testing.oracle import oracle
from cohere_medner.testing.wire import chat_body

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
KEY = "test-key"
DOCUMENTS = load_sample().to_list()[:6]
UNITS = get_tasks("diseases,chemicals")


# Records into Extractions -------------------------------------------------------------------------


def job_of(documents: tuple[str, ...], refused: dict[int, str] | None = None) -> BatchJob:
    names = tuple(u.name for u in UNITS)
    return BatchJob(
        "b1", "d1", "n", MODEL, None, "per-task", names, names, documents, refused or {}
    )


def state() -> BatchState:
    return BatchState("b1", "BATCH_STATUS_COMPLETED")


def record(line_id: str, text: str | None = None, error: Any = None, **body: Any) -> dict[str, Any]:
    answer = None if text is None else {**chat_body(text, 7, len(text.split()), "COMPLETE"), **body}
    return {"custom_id": line_id, "body": answer, "error": error}


def test_every_document_comes_back_in_order_whatever_its_lines_say() -> None:
    job = job_of(("111", "222", "111", "444"), refused={3: "document 444 has no text"})
    as_text = record("0-chemicals-111", "- aspirin")
    as_text["body"] = json.dumps(as_text["body"])  # an output that keeps the body as JSON text
    records = [
        record("2-diseases-111", error={"message": "model overloaded"}),
        record("0-diseases-111", "- fever\n- rash"),
        as_text,
        record("1-diseases-222", error="prompt too long"),
        record("2-diseases-111", "- cough"),  # an answer wins over an earlier error
        {"custom_id": "2-chemicals-111", "body": None, "error": None},
        record("9-diseases-999", "- stray"),
    ]
    result = assemble(job, state(), UNITS, records, "no answer in the output of b1")
    first, second, third, fourth = result.extractions
    assert [e.document for e in result.extractions] == ["111", "222", "111", "444"]
    assert first.ok and first.entities == {"Disease": ("fever", "rash"), "Chemical": ("aspirin",)}
    assert (first.requests, first.input_tokens, first.output_tokens) == (2, 14, 6)
    assert second.error == (
        "diseases: the batch failed this request: prompt too long; "
        "chemicals: no answer in the output of b1"
    )
    assert third.entities == {"Disease": ("cough",)} and third.raw == {"diseases": "- cough"}
    assert third.error == "chemicals: the batch output line holds neither an answer nor an error"
    assert fourth.error == "document 444 has no text" and not fourth.raw
    assert [(f.position, f.unit, f.custom_id) for f in result.failed] == [
        (1, "diseases", "1-diseases-222"),
        (1, "chemicals", "1-chemicals-222"),
        (2, "chemicals", "2-chemicals-111"),
    ]
    assert result.unexpected == ("9-diseases-999",)
    assert not result.ok


def test_unreadable_lines_are_kept_as_rejects_as_synchronous_parsing_keeps_them() -> None:
    job = job_of(("1",))
    text = "- fever\nThe following diseases are mentioned:"
    result = assemble(job, state(), UNITS[:1], [record("0-diseases-1", text)], "missing")
    [extraction] = result.extractions
    assert extraction.raw == {"diseases": text}
    assert extraction.rejected == {"diseases": DISEASES.parse(text).rejected}


def test_a_line_without_text_fails_its_request_and_a_cut_one_is_flagged() -> None:
    # An empty answer used to read as "no entities": the document looked answered.
    job = job_of(("1", "2"))
    empty = record("0-diseases-1", "x")
    empty["body"]["message"]["content"] = []
    records = [
        empty,
        record("0-chemicals-1", "- aspirin"),
        record("1-diseases-2", "- fever", finish_reason="MAX_TOKENS"),
        record("1-chemicals-2", "- aspirin"),
    ]
    first, second = assemble(job, state(), UNITS, records, "missing").extractions
    assert first.error == (
        "diseases: the batch answered without text: empty answer: message.content is [] "
        "(finish_reason COMPLETE)"
    )
    assert first.entities == {"Chemical": ("aspirin",)}
    assert second.ok and second.truncated == ("diseases",)


# Downloading -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def handles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COHERE_MEDNER_BATCHES", str(tmp_path / "handles"))


@pytest.fixture
def server() -> Iterator[FakeCohere]:
    with FakeCohere(responder=oracle(DOCUMENTS), validation_delay=0, batch_step=POLL) as fake:
        yield fake


@pytest.fixture
def extractor(server: FakeCohere) -> Extractor:
    return Extractor(MODEL, api_key=KEY, base_url=server.url, cache=False, progress=False)


@pytest.fixture
def job(extractor: Extractor) -> BatchJob:
    return batch.submit(extractor.plan(DOCUMENTS), api_key=KEY, sleep=lambda s: None)


def collect(job: BatchJob, slept: list[float], **options: Any) -> batch.BatchResult:
    def sleep(seconds: float) -> None:
        slept.append(seconds)

    return batch.collect(job, api_key=KEY, poll_interval=0.01, sleep=sleep, **options)


@pytest.mark.parametrize(
    "fault", [Fault.SERVICE_UNAVAILABLE, Fault.BAD_GATEWAY, Fault.DISCONNECT, Fault.SERVER_ERROR]
)
def test_a_download_that_fails_transiently_is_retried_not_misread(
    server: FakeCohere, extractor: Extractor, job: BatchJob, fault: Fault
) -> None:
    server.inject(fault, count=2, endpoint="datasets.download")
    slept: list[float] = []
    result = collect(job, slept)
    assert result.ok
    assert list(result.extractions) == extractor.extract_many(DOCUMENTS)
    assert server.outcome_counts[fault.value] == 2
    assert slept[-2:] == [1.0, 2.0]


def test_a_rate_limited_download_waits_as_long_as_it_is_told(
    server: FakeCohere, job: BatchJob
) -> None:
    server.inject(Fault.RATE_LIMITED, count=1, retry_after=7, endpoint="datasets.download")
    slept: list[float] = []
    assert collect(job, slept).ok
    assert slept[-1] == 7.0


def test_a_download_that_keeps_failing_is_reported_and_can_be_collected_later(
    server: FakeCohere, extractor: Extractor, job: BatchJob
) -> None:
    server.inject(Fault.SERVICE_UNAVAILABLE, count=3, endpoint="datasets.download")
    with pytest.raises(BatchOutputError) as raised:
        collect(job, [], download_attempts=3)
    message = str(raised.value)
    assert "after 3 attempts (last: HTTP 503)" in message
    assert "collect again later" in message
    assert list(collect(job, []).extractions) == extractor.extract_many(DOCUMENTS)


def test_a_whole_file_that_is_not_avro_is_reported_as_such_not_retried(
    server: FakeCohere, job: BatchJob
) -> None:
    server.inject(Fault.MALFORMED, count=1, endpoint="datasets.download")
    with pytest.raises(BatchOutputError, match="part 0 is not an Avro file"):
        collect(job, [])
    assert server.endpoint_counts["datasets.download"] == 1


def test_a_link_that_no_longer_works_is_fetched_afresh(server: FakeCohere, job: BatchJob) -> None:
    co = cohere.ClientV2(api_key=KEY, base_url=server.url)
    output = batch.wait(job, sdk=co, poll_interval=0.01, sleep=lambda s: None).output_dataset_id
    assert output is not None
    links = _parts(co, output)
    expired = [re.sub(r"signature=\w+", "signature=expired", link) for link in links]
    with httpx.Client() as http, tempfile.TemporaryFile() as into:
        _fetch(http, co, output, 0, expired, 3, lambda s: None, into)
        assert into.read(4) == b"Obj\x01"
    assert expired == links
    assert server.outcome_counts["forbidden"] == 1
