"""The batch calls to Cohere, through the SDK, each made safe to repeat.

An upload is sent whole again after a failure, a batch is never created twice (after an
unclear failure it is looked up by name first), and a 404 for a batch says the batch is
unknown rather than a model.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import IO, Final

import cohere
import httpx
from cohere.batches import Batch as SdkBatch
from cohere.core import ApiError
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from cohere_medner.errors import MedNerError
from cohere_medner.models.batches._errors import BatchInputError, UnknownBatchError
from cohere_medner.models.batches._job import INPUT_DATASET_TYPE, BatchState
from cohere_medner.models.client import URL_VARIABLE, resolve_api_key
from cohere_medner.models.polling import Polling
from cohere_medner.models.retrying import final_error, is_retryable, retry_wait

Sleep = Callable[[float], None]
TRANSIENT_POLLS: Final = 10
"""Failed status checks in a row (each already retried by the SDK) before giving up."""


def sdk_client(
    sdk: cohere.ClientV2 | None, api_key: str | None, server: str | None
) -> cohere.ClientV2:
    """``sdk``, or a client for ``server`` (else ``CO_API_URL``) with the key given or found.

    The SDK reads ``CO_API_URL`` only when it is imported, and not at all once given a
    ``base_url`` of ``None``: the variable is read here, as :class:`CohereClient` reads it.
    """
    if sdk is not None:
        return sdk
    return cohere.ClientV2(
        api_key=resolve_api_key(api_key),
        base_url=server or os.environ.get(URL_VARIABLE) or None,
        client_name="cohere-medner",
    )


def library_error(error: ApiError | httpx.HTTPError, what: str) -> MedNerError:
    """The client's error for a failed call, except that a 404 means ``what`` is unknown."""
    if isinstance(error, ApiError) and error.status_code == 404:
        return UnknownBatchError(f"Cohere knows no {what} (404)")
    return final_error(error)


def _retrying(sleep: Sleep, tries: int = 5) -> Retrying:
    """Retries of one call on failures another attempt may fix, waiting as the client does."""
    return Retrying(
        retry=retry_if_exception(is_retryable),
        wait=retry_wait,
        stop=stop_after_attempt(tries),
        sleep=sleep,
        reraise=True,
    )


def upload(co: cohere.ClientV2, name: str, lines: IO[bytes], sleep: Sleep) -> str:
    """Upload the batch input file as a dataset; returns its id."""

    def send() -> str | None:
        lines.seek(0)  # a retry sends the whole file again
        created = co.datasets.create(
            name=name,
            type=INPUT_DATASET_TYPE,
            data=(f"{name}.jsonl", lines, "application/jsonl"),
            request_options={"max_retries": 0},
        )
        found: str | None = created.id
        return found

    try:
        dataset_id = _retrying(sleep)(send)
    except (ApiError, httpx.HTTPError) as error:
        raise final_error(error) from error
    if not dataset_id:
        raise BatchInputError("Cohere accepted the batch input but returned no dataset id")
    return dataset_id


def await_validation(co: cohere.ClientV2, dataset_id: str, polling: Polling) -> None:
    """Wait until Cohere has validated an uploaded dataset; a refusal says why."""
    for pause in polling.intervals():
        try:
            dataset = co.datasets.get(dataset_id).dataset
        except (ApiError, httpx.HTTPError) as error:
            if not is_retryable(error):
                raise final_error(error) from error
        else:
            if dataset.validation_status == "validated":
                return
            if dataset.validation_status == "failed":
                raise BatchInputError(
                    f"Cohere refused the batch input dataset {dataset_id}: "
                    f"{dataset.validation_error or 'validation failed'}"
                )
        polling.sleep(pause)


def create(co: cohere.ClientV2, name: str, dataset_id: str, model: str, sleep: Sleep) -> SdkBatch:
    """Create the batch once: after an unclear failure, look for it by name before retrying."""
    request = SdkBatch(name=name, input_dataset_id=dataset_id, model=model)
    tried = False

    def send() -> SdkBatch:
        nonlocal tried
        if tried:
            found = find(co, name, dataset_id)
            if found is not None:
                return found
        tried = True
        batch: SdkBatch = co.batches.create(
            request=request, request_options={"max_retries": 0}
        ).batch
        return batch

    try:
        return _retrying(sleep)(send)
    except (ApiError, httpx.HTTPError) as error:
        raise final_error(error) from error


def find(co: cohere.ClientV2, name: str, dataset_id: str, pages: int = 5) -> SdkBatch | None:
    """The newest batch of this name and input, if Cohere lists one."""
    token: str | None = None
    try:
        for _ in range(pages):
            listed = co.batches.list(page_size=100, page_token=token, order_by="created_at desc")
            batches: list[SdkBatch] = listed.batches or []
            for batch in batches:
                if batch.name == name and batch.input_dataset_id == dataset_id:
                    return batch
            token = listed.next_page_token or None
            if token is None:
                break
    except (ApiError, httpx.HTTPError):
        pass  # the caller retries the creation
    return None


def forget_dataset(co: cohere.ClientV2, dataset_id: str) -> None:
    """Free the storage of an input no batch will read (best effort)."""
    with contextlib.suppress(ApiError, httpx.HTTPError):
        co.datasets.delete(dataset_id, request_options={"max_retries": 1})


def retrieve(co: cohere.ClientV2, batch_id: str) -> BatchState:
    """The batch's state now; a 404 is an :class:`UnknownBatchError`."""
    try:
        return BatchState.from_sdk(co.batches.retrieve(batch_id).batch)
    except (ApiError, httpx.HTTPError) as error:
        raise library_error(error, f"batch with id {batch_id!r}") from error
