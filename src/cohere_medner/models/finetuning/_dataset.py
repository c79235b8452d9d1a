"""Fine-tuning's first step: the files checked, uploaded once as a dataset, and validated.

Files are known by their contents (:func:`fingerprint`); the dataset uploaded from them is
remembered under that key, so that a repeated run finds it instead of uploading again, and a
dataset Cohere rejected is reported again, verbatim, until the files change or an upload is
forced. Internal: the public API is :mod:`cohere_medner.models.finetuning`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from cohere_medner.errors import FinetuneError, TrainingDataError
from cohere_medner.models.finetuning._api import FinetuneApi
from cohere_medner.models.finetuning._errors import DatasetRejectedError, UnknownFinetuneError
from cohere_medner.models.finetuning._state import (
    DatasetRecord,
    FinetuneState,
    dataset_key,
    file_sha256,
)
from cohere_medner.models.finetuning._types import (
    CHAT_DATASET_TYPE,
    DATASET_SETTLED,
    DATASET_USABLE,
    REJECTED,
    FinetuneRequest,
    OnStatus,
)
from cohere_medner.training.checks import check_training_files

__all__ = ["Fingerprint", "fingerprint", "upload_dataset", "validated_dataset"]


@attrs.frozen
class Fingerprint:
    """Fine-tuning files by their contents, and the key their dataset is remembered by."""

    key: str
    train_sha256: str
    eval_sha256: str | None


def fingerprint(request: FinetuneRequest, base_url: str | None) -> Fingerprint:
    """The fingerprint of ``request``'s files, for the API at ``base_url``."""
    try:
        train_sha = file_sha256(request.train)
        eval_sha = None if request.eval is None else file_sha256(request.eval)
    except FileNotFoundError as error:
        raise TrainingDataError(f"no fine-tuning file at {error.filename}") from None
    return Fingerprint(dataset_key(train_sha, eval_sha, base_url), train_sha, eval_sha)


def upload_dataset(
    api: FinetuneApi, request: FinetuneRequest, state: FinetuneState, files: Fingerprint
) -> DatasetRecord:
    """Check the files and upload them as a chat fine-tuning dataset; remember it."""
    local = check_training_files(request.train, request.eval)

    def send(options: Mapping[str, Any]) -> Any:
        with contextlib.ExitStack() as opened:
            return api.sdk.datasets.create(
                name=request.name,
                type=CHAT_DATASET_TYPE,
                data=_jsonl_part(request.train, opened),
                eval_data=None if request.eval is None else _jsonl_part(request.eval, opened),
                request_options=options,
            )

    created = api.call(send, idempotent=False, kept="Nothing was uploaded.")
    if not getattr(created, "id", None):
        raise FinetuneError("Cohere answered the upload without a dataset id")
    record = DatasetRecord(
        dataset_id=created.id,
        train=str(request.train),
        train_sha256=files.train_sha256,
        eval=None if request.eval is None else str(request.eval),
        eval_sha256=files.eval_sha256,
        base_url=api.base_url,
        status="queued",
        local_warnings=local,
    )
    state.remember_dataset(files.key, record)
    return record


def validated_dataset(
    api: FinetuneApi,
    request: FinetuneRequest,
    state: FinetuneState,
    files: Fingerprint,
    deadline: float | None,
    on_status: OnStatus | None,
    *,
    force: bool,
) -> DatasetRecord:
    """The files' dataset once Cohere has validated it, uploaded and waited for as needed.

    A remembered rejection raises :class:`~cohere_medner.models.finetuning.DatasetRejectedError`, and a
    remembered dataset Cohere no longer knows :class:`~cohere_medner.models.finetuning.UnknownFinetuneError`,
    unless ``force``: then the files are uploaded again.
    """
    record = state.datasets.get(files.key)
    if record is not None and record.status == REJECTED and not force:
        raise _rejected(record, remembered=True)
    if record is None or record.status == REJECTED:
        record = upload_dataset(api, request, state, files)
    elif record.status in DATASET_USABLE:
        return record
    try:
        return _settle(api, record, state, files.key, deadline, on_status)
    except UnknownFinetuneError as error:
        if not force:
            raise UnknownFinetuneError(
                f"{error}; it was remembered in {request.state_path} from an earlier "
                "upload. Pass force=True (--force) to upload the files again",
                kind=error.kind,
                id=error.id,
            ) from None
    record = upload_dataset(api, request, state, files)
    return _settle(api, record, state, files.key, deadline, on_status)


def _jsonl_part(path: Path, opened: contextlib.ExitStack) -> tuple[str, IO[bytes], str]:
    """A JSONL file as a part of the upload, open as long as ``opened`` is."""
    return path.name, opened.enter_context(open(path, "rb")), "application/jsonl"


def _settle(
    api: FinetuneApi,
    record: DatasetRecord,
    state: FinetuneState,
    key: str,
    deadline: float | None,
    on_status: OnStatus | None,
) -> DatasetRecord:
    """Wait for the dataset's validation; remember the verdict; raise if rejected."""
    latest: list[Any] = []

    def fetch() -> str:
        found = api.call(
            lambda options: api.sdk.datasets.get(
                record.dataset_id,
                request_options=options,
            ),
            idempotent=True,
            kind="dataset",
            id=record.dataset_id,
        )
        latest[:] = [found.dataset]
        return str(found.dataset.validation_status)

    hint = "run the same create again to go on waiting"
    status = api.poll(
        fetch, "dataset", record.dataset_id, DATASET_SETTLED, deadline, on_status, hint
    )
    dataset = latest[0]
    settled = attrs.evolve(
        record,
        status=status,
        validation_error=dataset.validation_error or None,
        warnings=tuple(dataset.validation_warnings or ()),
    )
    state.remember_dataset(key, settled)
    if status == REJECTED:
        raise _rejected(settled, remembered=False)
    return settled


def _rejected(record: DatasetRecord, *, remembered: bool) -> DatasetRejectedError:
    error = record.validation_error or "(Cohere gave no validation error)"
    files = record.train + (f" and {record.eval}" if record.eval else "")
    lines = [f"Cohere rejected dataset {record.dataset_id} ({files}): {error}"]
    lines += [f"  warning: {w}" for w in record.warnings]
    lines.append(
        ("This verdict was remembered from an earlier upload. " if remembered else "")
        + "Fix the file and run again (a changed file is uploaded anew), or pass "
        "force=True (--force) to upload the same file again."
    )
    return DatasetRejectedError(
        "\n".join(lines),
        dataset_id=record.dataset_id,
        validation_error=error,
        warnings=record.warnings,
        remembered=remembered,
    )
