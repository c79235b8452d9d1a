"""A batch's output: downloaded with retries, read back into Extractions in input order.

``co.utils.save_dataset`` reads a dataset part with ``requests.get`` and hands whatever
came back to the Avro reader, so a transient 503 looks like a corrupt file. Here the SDK
finds the parts, and each part is fetched with its HTTP status checked: 429, 5xx and
dropped connections are retried, an expired signed link is fetched afresh, and only a file
that arrived whole and still does not read as Avro is called unreadable.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Final

import attrs
import cohere
import fastavro
import httpx
from cohere.core import ApiError

from cohere_medner.errors import BatchError, UnexpectedAnswerError
from cohere_medner.extraction import Extraction
from cohere_medner.models import reading
from cohere_medner.models.batches._errors import BatchOutputError
from cohere_medner.models.batches._job import BatchJob, BatchState
from cohere_medner.models.retrying import final_error, is_retryable, retry_after_headers
from cohere_medner.prompts.answers import build_extraction
from cohere_medner.prompts.tasks import AnyTask
from cohere_medner.types import Completion

Sleep = Callable[[float], None]
SPOOL_BYTES: Final = 64 * 1024 * 1024
"""A part larger than this is kept in a temporary file while it is read, not in memory."""


@attrs.frozen
class FailedRequest:
    """One request the batch brought back no answer for: whose, which unit, and why."""

    document: str
    position: int
    unit: str
    custom_id: str
    error: str


@attrs.frozen
class BatchResult:
    """A collected batch: one extraction per submitted document, in input order.

    ``failed`` lists each request without an answer (its document's ``error`` says the
    same); ``unexpected`` the output line ids the job never sent (from another batch?).
    """

    job: BatchJob
    state: BatchState
    extractions: tuple[Extraction, ...]
    failed: tuple[FailedRequest, ...] = ()
    unexpected: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every document was answered in full."""
        return all(e.ok for e in self.extractions)


# Reading answers -------------------------------------------------------------------------------


def assemble(
    job: BatchJob,
    state: BatchState,
    units: Sequence[AnyTask],
    records: Iterable[Mapping[str, Any]],
    missing: str,
) -> BatchResult:
    """Extractions from output records, parsed as the Extractor parses synchronous answers.

    A unit with no record says ``missing``; nothing is dropped, and the first answer for a
    line id wins over a later error for it.
    """
    known = job.custom_ids()
    answers: dict[tuple[int, str], Completion | str] = {}
    unexpected: list[str] = []
    for record in records:
        line_id = str(record.get("custom_id") or "")
        where = known.get(line_id)
        if where is None:
            unexpected.append(line_id)
        elif not isinstance(answers.get(where), Completion):
            answers[where] = _answer(record)
    line_ids = {where: line_id for line_id, where in known.items()}
    extractions: list[Extraction] = []
    failed: list[FailedRequest] = []
    for position, document in enumerate(job.documents):
        refused = job.refused.get(position)
        if refused is not None:
            extractions.append(Extraction(document, error=refused))
            continue
        found = {unit.name: answers.get((position, unit.name), missing) for unit in units}
        extraction = build_extraction(document, units, found)
        extractions.append(extraction)
        failed.extend(
            FailedRequest(document, position, unit, line_ids[position, unit], answer)
            for unit, answer in found.items()
            if isinstance(answer, str)
        )
    return BatchResult(job, state, tuple(extractions), tuple(failed), tuple(unexpected))


def _answer(record: Mapping[str, Any]) -> Completion | str:
    """A record's answer, or the reason it has none."""
    error = record.get("error")
    if error:
        if isinstance(error, Mapping):
            error = error.get("message") or json.dumps(error)
        return f"the batch failed this request: {error}"
    body = record.get("body")
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return "the batch answered with a body that is not JSON"
    if not isinstance(body, Mapping):
        return "the batch output line holds neither an answer nor an error"
    try:  # read as a synchronous answer is: no text is an error, never "no entities"
        return reading.chat_record(body, reading.AnswerLimit.for_tokens(None))
    except UnexpectedAnswerError as error:
        return f"the batch answered without text: {error.message}"


# Downloading -------------------------------------------------------------------------------


def read_output(
    co: cohere.ClientV2, dataset_id: str, *, attempts: int = 6, sleep: Sleep
) -> Iterator[Mapping[str, Any]]:
    """Every record of an output dataset, part after part, each part fetched with retries."""
    parts = _parts(co, dataset_id)
    with httpx.Client(timeout=httpx.Timeout(300.0, connect=30.0), follow_redirects=True) as http:
        for index in range(len(parts)):
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as content:
                _fetch(http, co, dataset_id, index, parts, attempts, sleep, content)
                yield from _records(content, dataset_id, index)


def _parts(co: cohere.ClientV2, dataset_id: str) -> list[str]:
    """The download links of a dataset's parts (signed: they expire, so fetch them fresh)."""
    try:
        dataset = co.datasets.get(dataset_id).dataset
    except (ApiError, httpx.HTTPError) as error:
        raise BatchOutputError(
            f"cannot read output dataset {dataset_id}: {final_error(error)}"
        ) from error
    links = [part.url or "" for part in dataset.dataset_parts or []]
    if not links or not all(links):
        raise BatchOutputError(
            f"output dataset {dataset_id} lists no downloadable parts "
            f"(validation status: {dataset.validation_status})"
        )
    return links


def _fetch(
    http: httpx.Client,
    co: cohere.ClientV2,
    dataset_id: str,
    index: int,
    parts: list[str],
    attempts: int,
    sleep: Sleep,
    into: IO[bytes],
) -> None:
    """One part's bytes, whole, written to ``into``; retried as the client retries."""
    wait = 1.0
    last = ""
    for attempt in range(max(attempts, 1)):
        if attempt:
            sleep(wait)
            wait = min(wait * 2, 30.0)
        status: int | None = None
        try:
            with http.stream("GET", parts[index]) as response:
                status = response.status_code
                if status == 200:
                    into.seek(0)
                    into.truncate()  # what an earlier, broken-off attempt wrote
                    for chunk in response.iter_bytes():
                        into.write(chunk)
                    into.seek(0)
                    return
                retry_after = _retry_after(response.headers)
        except httpx.HTTPError as error:
            if not is_retryable(error):
                raise BatchOutputError(
                    f"cannot download {dataset_id} part {index}: {error}"
                ) from error
            last = f"{type(error).__name__}: {error}"
            continue
        last = f"HTTP {status}"
        if status in (401, 403):
            parts[:] = _parts(co, dataset_id)  # an expired link: ask for fresh ones
        elif status == 429 or status >= 500 or status == 408:
            wait = max(wait, retry_after)
        else:
            raise BatchOutputError(f"cannot download {dataset_id} part {index}: HTTP {status}")
    raise BatchOutputError(
        f"cannot download output dataset {dataset_id} part {index} after {attempts} attempts "
        f"(last: {last}); the output stays on Cohere for 30 days: collect again later"
    )


def _retry_after(headers: httpx.Headers) -> float:
    """The wait a 429 or 503 asks for, as the client reads it, at most five minutes."""
    return min(retry_after_headers(headers) or 0.0, 300.0)


def _records(content: IO[bytes], dataset_id: str, index: int) -> Iterator[Mapping[str, Any]]:
    try:
        records = fastavro.reader(content)
    except Exception as error:  # fastavro raises many types for a bad header
        raise BatchOutputError(
            f"output dataset {dataset_id} part {index} is not an Avro file ({error})"
        ) from error
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as error:  # ... and for a bad block
            raise BatchOutputError(
                f"output dataset {dataset_id} part {index} is damaged ({error})"
            ) from error
        if isinstance(record, Mapping):
            yield record


class BatchTimeoutError(BatchError, TimeoutError):
    """The batch was still running when the wait ended; collect it again later.

    ``state`` is the batch's last known :class:`~cohere_medner.models.batches.BatchState`.
    """

    def __init__(self, message: str, state: BatchState) -> None:
        self.state = state
        super().__init__(message)


class BatchFailedError(BatchError):
    """The batch ended FAILED or CANCELED.

    ``state`` is its last :class:`~cohere_medner.models.batches.BatchState`; ``result`` the
    :class:`~cohere_medner.models.batches.BatchResult` of what could be kept (answered requests of
    any partial output, every other document with ``error`` set), and the input dataset
    stays on Cohere, so :func:`~cohere_medner.models.batches.resubmit` can run it again unchanged.
    """

    def __init__(self, message: str, state: BatchState, result: BatchResult) -> None:
        self.state = state
        self.result = result
        super().__init__(message)
