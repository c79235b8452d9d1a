"""Batch extraction: a corpus far larger than a rate limit, through Cohere's v2 batches.

:func:`submit` writes one chat request per document and unit (task, or the combined task)
as a ``batch-chat-v2-input`` dataset, creates the batch and saves a small handle file
(:class:`BatchJob`); :func:`collect`, from this process or any later one, polls the batch,
downloads its output and parses every answer exactly as the
:class:`~cohere_medner.extractor.Extractor` parses a synchronous one, into the same
:class:`~cohere_medner.extraction.Extraction` objects, in input order. A request the batch
failed, or one missing from its output, sets its document's ``error``: no document is
dropped, and every answer that came back is kept.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import cohere
import httpx
from cohere.batches import Batch as SdkBatch
from cohere.core import ApiError

from cohere_medner._files import PathLike
from cohere_medner.errors import ConfigurationError, MedNerError, UnknownTaskError
from cohere_medner.models.batches._api import (
    TRANSIENT_POLLS,
    Sleep,
    await_validation,
    create,
    forget_dataset,
    library_error,
    retrieve,
    sdk_client,
    upload,
)
from cohere_medner.models.batches._errors import (
    BatchHandleError,
    BatchInputError,
    BatchTooLargeError,
    UnknownBatchError,
)
from cohere_medner.models.batches._job import (
    COMPLETED,
    CUSTOM_ID_MAX,
    DATASET_MAX_BYTES,
    INPUT_DATASET_TYPE,
    BatchJob,
    BatchState,
    custom_id,
    default_handle_dir,
    handle_file,
    load_job,
)
from cohere_medner.models.batches._output import (
    BatchFailedError,
    BatchResult,
    BatchTimeoutError,
    FailedRequest,
    assemble,
    read_output,
)
from cohere_medner.models.batches._plan import PlannedDocument, RequestPlan
from cohere_medner.models.polling import Polling
from cohere_medner.models.retrying import is_retryable
from cohere_medner.prompts.tasks import AnyTask, CombinedTask, get_tasks

__all__ = [
    "CUSTOM_ID_MAX",
    "DATASET_MAX_BYTES",
    "INPUT_DATASET_TYPE",
    "BatchJob",
    "BatchResult",
    "BatchState",
    "FailedRequest",
    "PlannedDocument",
    "RequestPlan",
    "cancel",
    "collect",
    "custom_id",
    "default_handle_dir",
    "delete_datasets",
    "load_job",
    "resubmit",
    "status",
    "submit",
    "wait",
]

# Submitting ---------------------------------------------------------------------------------


def submit(
    plan: RequestPlan,
    *,
    name: str | None = None,
    handle: PathLike | None = None,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
    max_bytes: int = DATASET_MAX_BYTES,
    poll_interval: float = 2.0,
    sleep: Sleep = time.sleep,
) -> BatchJob:
    """Send ``plan``'s requests as one batch; returns its saved handle.

    The handle goes to :func:`default_handle_dir` under the batch id (so ``collect(batch_id)``
    works from any later process) and, if given, to ``handle`` too. A document the plan
    refused (no text) is not sent; :func:`collect` returns it with ``error`` set, as
    ``extract_many`` does. Nothing is uploaded unless every line was written.
    """
    with tempfile.TemporaryFile() as lines:
        ids, refused = _write_input(lines, plan, max_bytes)
        job = _new_job(plan, name, ids, refused)
        co = sdk_client(sdk, api_key, job.server)
        dataset_id = upload(co, job.name, lines, sleep)
    created = _create_when_valid(co, job, dataset_id, poll_interval, sleep)
    return _saved(attrs.evolve(job, batch_id=created.id or "", input_dataset_id=dataset_id), handle)


def _write_input(
    out: IO[bytes], plan: RequestPlan, max_bytes: int
) -> tuple[list[str], dict[int, str]]:
    """Write one batch line per planned request; the document ids, and the positions refused."""
    ids: list[str] = []
    refused: dict[int, str] = {}
    for index, planned in enumerate(plan.documents):
        ids.append(planned.pmid)
        if planned.refused is not None:
            refused[index] = planned.refused
            continue
        for unit, body in planned.bodies.items():
            line = {"custom_id": custom_id(index, unit, planned.pmid), "body": body}
            out.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
        if out.tell() > max_bytes:
            raise BatchTooLargeError(
                f"the batch input passed {max_bytes:,} bytes at document {index + 1} "
                f"(Cohere takes at most {DATASET_MAX_BYTES:,} bytes per dataset): "
                f"submit at most {max(index, 1):,} documents per batch"
            )
    if len(refused) == len(ids):
        raise BatchInputError("no document has text to extract from: nothing to submit")
    return ids, refused


def _new_job(
    plan: RequestPlan, name: str | None, ids: Sequence[str], refused: dict[int, str]
) -> BatchJob:
    """The handle of a batch not yet created; refuses task names whose line ids would clash."""
    job = BatchJob(
        "",
        "",
        name or f"cohere-medner-{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
        plan.model,
        plan.server,
        plan.mode,
        tuple(t.name for t in plan.tasks),
        tuple(u.name for u in plan.units),
        tuple(ids),
        refused,
    )
    if len(job.custom_ids()) != (len(ids) - len(refused)) * len(plan.units):
        raise ConfigurationError(f"task names {job.units} give clashing batch line ids")
    return job


def _create_when_valid(
    co: cohere.ClientV2, job: BatchJob, dataset_id: str, poll_interval: float, sleep: Sleep
) -> SdkBatch:
    """Create the batch once Cohere has validated its input; else delete the input and raise."""
    try:
        await_validation(co, dataset_id, Polling(poll_interval, 60.0, sleep=sleep))
        return create(co, job.name, dataset_id, job.model, sleep)
    except BaseException:
        forget_dataset(co, dataset_id)
        raise


def _saved(job: BatchJob, handle: PathLike | None) -> BatchJob:
    job.save(handle_file(job.batch_id))
    if handle is not None:
        job.save(handle)
    return job


def resubmit(
    target: BatchJob | str | PathLike,
    *,
    handle: PathLike | None = None,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
    sleep: Sleep = time.sleep,
) -> BatchJob:
    """Run a job's input dataset again as a new batch (after it FAILED or was CANCELED).

    Nothing is uploaded again; the new handle is saved as :func:`submit` saves one.
    """
    job = load_job(target)
    co = sdk_client(sdk, api_key, job.server)
    name = f"{job.name}-again-{secrets.token_hex(2)}"
    try:
        created = create(co, name, job.input_dataset_id, job.model, sleep)
    except MedNerError as error:
        raise BatchInputError(
            f"cannot rerun input dataset {job.input_dataset_id} of batch {job.batch_id} "
            f"(Cohere deletes datasets after 30 days; submit the documents again): {error}"
        ) from error
    return _saved(job.rerun(created.id or "", name), handle)


# Following ----------------------------------------------------------------------------------


def status(
    target: BatchJob | str | PathLike,
    *,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
    server: str | None = None,
) -> BatchState:
    """The batch's state now: from a job, a handle file, or a batch id (on ``server``)."""
    batch_id, server = _identify(target, server)
    return retrieve(sdk_client(sdk, api_key, server), batch_id)


def _identify(target: BatchJob | str | PathLike, server: str | None) -> tuple[str, str | None]:
    """The batch id and its server; a bare id without a handle is still asked about."""
    try:
        job = load_job(target)
    except BatchHandleError:
        batch_id = _bare_id(target)
        if batch_id is not None:
            return batch_id, server
        raise
    return job.batch_id, job.server


def _bare_id(target: BatchJob | str | PathLike) -> str | None:
    """``target`` as a batch id, where it cannot name a handle file (no file, no suffix)."""
    if isinstance(target, BatchJob):
        return None
    path = Path(target)
    return str(target) if not path.suffix and not path.exists() else None


def cancel(
    target: BatchJob | str | PathLike,
    *,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
    server: str | None = None,
) -> BatchState:
    """Ask Cohere to cancel the batch; returns its state just after (CANCELING, or ended)."""
    batch_id, server = _identify(target, server)
    co = sdk_client(sdk, api_key, server)
    try:
        co.batches.cancel(batch_id)
    except (ApiError, httpx.HTTPError) as error:
        raise library_error(error, f"batch with id {batch_id!r}") from error
    return retrieve(co, batch_id)


def wait(
    target: BatchJob | str | PathLike,
    *,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
    server: str | None = None,
    timeout: float | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 300.0,
    on_status: Callable[[BatchState], None] | None = None,
    sleep: Sleep = time.sleep,
) -> BatchState:
    """Poll until the batch ends (COMPLETED, FAILED or CANCELED); returns its final state.

    Polls start ``poll_interval`` seconds apart and grow to ``max_poll_interval`` (never
    below ``poll_interval``);
    ``on_status`` sees every state polled. A status check that fails transiently is tried
    again; after ``timeout`` seconds (``0``: check once) a :class:`BatchTimeoutError`
    carries the last state: the batch runs on, and a later call picks it up.
    """
    batch_id, server = _identify(target, server)
    co = sdk_client(sdk, api_key, server)
    pauses = Polling(poll_interval, max_poll_interval).intervals()
    deadline = None if timeout is None else time.monotonic() + timeout
    state = BatchState(batch_id, "BATCH_STATUS_UNSPECIFIED")
    misses = 0
    while True:
        try:
            state = BatchState.from_sdk(co.batches.retrieve(batch_id).batch)
            misses = 0
        except (ApiError, httpx.HTTPError) as error:
            misses += 1
            if not is_retryable(error) or misses >= TRANSIENT_POLLS:
                raise library_error(error, f"batch with id {batch_id!r}") from error
        else:
            if on_status is not None:
                on_status(state)
            if state.ended:
                return state
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise BatchTimeoutError(
                f"{state} after waiting {timeout:g} s; it runs on: collect it again later", state
            )
        pause = next(pauses)
        sleep(pause if left is None else min(pause, left))


def delete_datasets(
    target: BatchJob | str | PathLike,
    *,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
) -> tuple[str, ...]:
    """Delete an ended batch's input and output datasets from Cohere; returns their ids.

    Cohere keeps at most 10 GB of datasets per organisation: a corpus run as many batches
    frees each batch's datasets once its extractions are written. The handle stays.
    """
    job = load_job(target)
    co = sdk_client(sdk, api_key, job.server)
    state = retrieve(co, job.batch_id)
    if not state.ended:
        raise BatchInputError(f"{state}: cancel it or let it end before deleting its datasets")
    deleted: list[str] = []
    for dataset_id in (job.input_dataset_id, state.output_dataset_id):
        if dataset_id:
            try:
                co.datasets.delete(dataset_id)
            except (ApiError, httpx.HTTPError) as error:
                if not (isinstance(error, ApiError) and error.status_code == 404):
                    raise library_error(error, f"dataset {dataset_id!r}") from error
                continue  # already gone (Cohere deletes datasets after 30 days)
            deleted.append(dataset_id)
    return tuple(deleted)


# Collecting ---------------------------------------------------------------------------------


def collect(
    target: BatchJob | str | PathLike,
    *,
    plan: RequestPlan | None = None,
    sdk: cohere.ClientV2 | None = None,
    api_key: str | None = None,
    timeout: float | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 300.0,
    on_status: Callable[[BatchState], None] | None = None,
    sleep: Sleep = time.sleep,
    download_attempts: int = 6,
) -> BatchResult:
    """Wait for a batch, then read its answers into one Extraction per document, in order.

    ``target`` is a :class:`BatchJob`, its handle file, or its batch id. The answers are
    parsed by the ``plan``'s units (``Extractor.plan()``), or by the tasks the handle names. A request the
    batch failed or never answered sets its document's ``error`` (naming the unit and why);
    a batch that FAILED or was CANCELED raises :class:`BatchFailedError` carrying what
    could be kept. See :func:`wait` for the polling arguments.
    """
    job = _job_to_collect(target, sdk, api_key, plan)
    units = _units(job, plan)
    co = sdk_client(sdk, api_key, job.server)
    state = wait(
        job,
        sdk=co,
        timeout=timeout,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        on_status=on_status,
        sleep=sleep,
    )
    records = (
        read_output(co, state.output_dataset_id, attempts=download_attempts, sleep=sleep)
        if state.output_dataset_id
        else iter(())
    )
    if state.status == COMPLETED:
        return assemble(job, state, units, records, f"no answer in the output of {state.batch_id}")
    raise _failure(job, state, units, records)


def _job_to_collect(
    target: BatchJob | str | PathLike,
    sdk: cohere.ClientV2 | None,
    api_key: str | None,
    plan: RequestPlan | None,
) -> BatchJob:
    """The handle of the batch to collect; for a bare batch id without one, why it is missing."""
    try:
        return load_job(target)
    except BatchHandleError:
        batch_id = _bare_id(target)
        if batch_id is not None:
            _raise_if_unknown(batch_id, sdk, api_key, plan)
        raise


def _failure(
    job: BatchJob,
    state: BatchState,
    units: Sequence[AnyTask],
    records: Iterable[Mapping[str, Any]],
) -> BatchFailedError:
    """The error of a batch that FAILED or was CANCELED, carrying the answers it kept."""
    ended = f"batch {state.batch_id} ended {state.status}" + (
        f" ({state.reason})" if state.reason else ""
    )
    kept = assemble(job, state, units, records, f"{ended} before answering")
    return BatchFailedError(
        f"{ended}; {sum(e.ok for e in kept.extractions)} of {len(kept.extractions)} documents "
        f"were answered in full; resubmit runs input dataset {job.input_dataset_id} again",
        state,
        kept,
    )


def _raise_if_unknown(
    batch_id: str, sdk: cohere.ClientV2 | None, api_key: str | None, plan: RequestPlan | None
) -> None:
    """Say whether a batch id without a handle is unknown to Cohere, or only to us."""
    server = plan.server if plan is not None else None
    try:
        state = retrieve(sdk_client(sdk, api_key, server), batch_id)
    except UnknownBatchError:
        raise UnknownBatchError(
            f"Cohere knows no batch with id {batch_id!r} (404), and there is no handle for it "
            f"in {default_handle_dir()}"
        ) from None
    except MedNerError:
        return  # cannot tell: the missing handle is the error to report
    raise BatchHandleError(
        f"{state}, but its handle is not in {default_handle_dir()}: pass the handle file "
        "that submit wrote (it holds the document ids the answers belong to)"
    )


def _units(job: BatchJob, plan: RequestPlan | None) -> tuple[AnyTask, ...]:
    if plan is not None:
        units = plan.units
    else:
        try:
            tasks = get_tasks(list(job.tasks))
        except UnknownTaskError as error:
            raise BatchHandleError(
                f"batch {job.batch_id} used tasks {', '.join(job.tasks)}: {error}; "
                "collect it with the Extractor that submitted it (extractor.collect_batch)"
            ) from None
        single = tuple(s for t in tasks for s in t.tasks)
        units = (CombinedTask(single),) if job.mode == "combined" else tasks
    names = tuple(u.name for u in units)
    if names != job.units:
        raise BatchHandleError(
            f"batch {job.batch_id} asked for {', '.join(job.units)} per document; the answers "
            f"cannot be read as {', '.join(names)}: collect with the same tasks and mode"
        )
    return units
