"""Fine-tuning Cohere chat models through the SDK: upload, validate, train, wait, resume.

:func:`create_finetune` takes the chat JSONL files that
:func:`~cohere_medner.training.prepare.prepare_finetuning` writes, checks them again, uploads
them as a ``chat-finetune-input`` dataset, waits for Cohere's validation (its verdict verbatim
in :class:`~cohere_medner.models.finetuning.DatasetRejectedError`), starts a chat fine-tuning job and,
if asked, polls with backoff until the model is ready, or has failed
(:class:`~cohere_medner.models.finetuning.FinetuneFailedError`), within a time limit. A ready model
answers chat as ``<id>-ft`` (:attr:`FinetuneResult.chat_model`, docs.cohere.com, "Starting the
Chat Fine-Tuning Run"): pass that to ``Extractor(model=...)``. Dataset and job ids are
remembered after each step (:mod:`._state`), so a repeated create after an
interruption resumes instead of uploading or creating twice, and :func:`finetune_status`
resumes waiting by id.

Cohere deprecated hosted fine-tuning on 15 September 2025 ("All fine-tuning options via
dashboard and API ... are being retired"); the SDK still carries the calls. When the platform
refuses one as retired (410, or a message saying deprecated, retired or no longer available),
:class:`~cohere_medner.models.finetuning.FinetuningRetiredError` says so and names where the same files
still serve (docs/fine-tuning.md).

This module puts the steps together; each lives in a module of its own, internal to the
library: the upload and its validation in ``_dataset``, the job in ``_job``, and the
retrying, paging and polling they share in ``_api``.
"""

from __future__ import annotations

from types import TracebackType

import cohere
import httpx

from cohere_medner._files import PathLike
from cohere_medner.models.client import resolve_connection
from cohere_medner.models.finetuning import _types as finetune_types
from cohere_medner.models.finetuning._api import FinetuneApi
from cohere_medner.models.finetuning._dataset import fingerprint, upload_dataset, validated_dataset
from cohere_medner.models.finetuning._errors import FinetuneFailedError, FinetuneTimeoutError
from cohere_medner.models.finetuning._job import (
    create_job,
    fetch_model,
    finetune_result,
    finetuned_models,
    model_events,
    plain_id,
    remember_status,
    remembered_job,
)
from cohere_medner.models.finetuning._state import DatasetRecord, FinetuneState, JobRecord
from cohere_medner.models.finetuning._translate import is_retirement
from cohere_medner.models.finetuning._types import *  # noqa: F403  (what fine-tuning takes and gives is this API too)
from cohere_medner.models.finetuning._types import (
    DEFAULT_BASE_MODEL,
    DEFAULT_TIMEOUT,
    REJECTED,
    FinetuneEvent,
    FinetuneRequest,
    FinetuneResult,
    Hyperparameters,
    OnStatus,
    Polling,
)
from cohere_medner.training.checks import check_training_files

__all__ = [
    "Finetuner",
    "check_training_files",
    "create_finetune",
    "finetune_events",
    "finetune_status",
    "is_retirement",
    "list_finetunes",
]
__all__ += finetune_types.__all__


class Finetuner:
    """The fine-tuning lifecycle over one ``cohere.ClientV2``, step by step or all at once.

    The key and address resolve as :class:`~cohere_medner.models.client.CohereClient`'s do (``CO_API_KEY``
    or ``COHERE_API_KEY``, ``CO_API_URL``). Reads are retried on 429, 5xx and dropped
    connections within ``retry_budget`` seconds; creates only on 429, so that nothing is
    uploaded or created twice. Use it in a ``with`` block (or call :meth:`close`).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        polling: Polling | None = None,
        timeout: float = 300.0,
        retry_budget: float = 300.0,
    ) -> None:
        key, url = resolve_connection(api_key, base_url, timeout=timeout, retry_budget=retry_budget)
        self._http = httpx.Client(timeout=timeout, follow_redirects=True)
        sdk = cohere.ClientV2(
            api_key=key,
            base_url=url,
            client_name="cohere-medner",
            timeout=timeout,
            httpx_client=self._http,
        )
        self._api = FinetuneApi(sdk, url, polling or Polling(), retry_budget)

    @property
    def base_url(self) -> str | None:
        """The API's address; ``None`` for Cohere's own."""
        return self._api.base_url

    @property
    def polling(self) -> Polling:
        """How waiting polls."""
        return self._api.polling

    @property
    def retry_budget(self) -> float:
        """How long, in seconds, one call may spend retrying."""
        return self._api.retry_budget

    def __repr__(self) -> str:
        return f"Finetuner(base_url={self.base_url!r})"  # never the key

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Finetuner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # The lifecycle ---------------------------------------------------------------------------

    def create(
        self,
        request: FinetuneRequest,
        *,
        wait: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        on_status: OnStatus | None = None,
        force: bool = False,
    ) -> FinetuneResult:
        """Upload (unless remembered), wait for validation, start the job (unless remembered).

        With ``wait``, poll until the model is ready; ``timeout`` bounds the whole call.
        A remembered job is resumed: its status fetched (and waited for). A remembered
        rejected dataset or failed job is reported, not retried, unless ``force``: then a new
        job is started, on the same dataset if it was validated, else on a new upload.
        """
        deadline = self._api.deadline(timeout)
        job, resumed = self._start(request, force, deadline, on_status)
        state = FinetuneState.load(request.state_path)
        dataset = state.datasets.get(job.dataset_key)
        extra = {
            "dataset_warnings": dataset.warnings if dataset else (),
            "warnings": dataset.local_warnings if dataset else (),
            "state_file": str(request.state_path),
            "resumed": resumed,
        }
        try:
            model = fetch_model(
                self._api, job.model_id, wait, deadline, on_status, remembered=resumed
            )
        except (FinetuneFailedError, FinetuneTimeoutError) as error:
            remember_status(request.state_path, job.model_id, error.status)
            raise
        result = finetune_result(model, **extra)
        remember_status(request.state_path, job.model_id, result.status)
        return result

    def upload(self, request: FinetuneRequest, *, force: bool = False) -> DatasetRecord:
        """Check the files and upload them as a chat fine-tuning dataset, once.

        A dataset remembered for the same file contents is returned as it is (even one
        rejected, unless ``force``), without a request.
        """
        state = FinetuneState.load(request.state_path)
        files = fingerprint(request, self.base_url)
        found = state.datasets.get(files.key)
        if found is not None and not (force and found.status == REJECTED):
            return found
        return upload_dataset(self._api, request, state, files)

    def start(
        self,
        request: FinetuneRequest,
        *,
        force: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        on_status: OnStatus | None = None,
    ) -> JobRecord:
        """Make sure the job exists: upload and validate the dataset as needed, then create.

        Returns the remembered job (without a request) when there is one and not ``force``.
        """
        job, _ = self._start(request, force, self._api.deadline(timeout), on_status)
        return job

    def _start(
        self,
        request: FinetuneRequest,
        force: bool,
        deadline: float | None,
        on_status: OnStatus | None,
    ) -> tuple[JobRecord, bool]:
        """The job, and whether it is one an earlier run started (resumed, not created)."""
        state = FinetuneState.load(request.state_path)
        files = fingerprint(request, self.base_url)
        job = remembered_job(state, request, files.key)
        if job is not None and not force:
            return job, True
        dataset = validated_dataset(
            self._api, request, state, files, deadline, on_status, force=force
        )
        return create_job(self._api, request, state, dataset, files.key), False

    def status(
        self,
        model_id: str,
        *,
        wait: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        on_status: OnStatus | None = None,
    ) -> FinetuneResult:
        """Where a fine-tuned model stands (its chat name ``ID-ft`` works too); ``wait`` resumes.

        A failed job raises :class:`~cohere_medner.models.finetuning.FinetuneFailedError`.
        """
        deadline = self._api.deadline(timeout) if wait else None
        model = fetch_model(
            self._api, plain_id(model_id), wait, deadline, on_status, remembered=False
        )
        return finetune_result(model)

    def list_models(self) -> list[FinetuneResult]:
        """Every fine-tuned model of the account, failed ones included."""
        return finetuned_models(self._api)

    def events(self, model_id: str) -> list[FinetuneEvent]:
        """The statuses a fine-tuned model went through, oldest first."""
        return model_events(self._api, model_id)


# One call per command -------------------------------------------------------------------------


def create_finetune(
    train: PathLike,
    eval: PathLike | None = None,
    *,
    name: str,
    base_model: str = DEFAULT_BASE_MODEL,
    hyperparameters: Hyperparameters | None = None,
    wait: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    state: PathLike | None = None,
    force: bool = False,
    on_status: OnStatus | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    polling: Polling | None = None,
) -> FinetuneResult:
    """Fine-tune a chat model on ``train`` (and ``eval``) files; see :meth:`Finetuner.create`."""
    request = FinetuneRequest(
        train,
        eval=eval,
        name=name,
        base_model=base_model,
        hyperparameters=hyperparameters or Hyperparameters(),
        state=state,
    )
    with Finetuner(api_key, base_url=base_url, polling=polling) as finetuner:
        return finetuner.create(
            request, wait=wait, timeout=timeout, on_status=on_status, force=force
        )


def finetune_status(
    model_id: str,
    *,
    wait: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    on_status: OnStatus | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    polling: Polling | None = None,
) -> FinetuneResult:
    """Where a fine-tuned model stands; with ``wait``, until it is ready or has failed."""
    with Finetuner(api_key, base_url=base_url, polling=polling) as finetuner:
        return finetuner.status(model_id, wait=wait, timeout=timeout, on_status=on_status)


def list_finetunes(
    *, api_key: str | None = None, base_url: str | None = None
) -> list[FinetuneResult]:
    """Every fine-tuned model of the account."""
    with Finetuner(api_key, base_url=base_url) as finetuner:
        return finetuner.list_models()


def finetune_events(
    model_id: str, *, api_key: str | None = None, base_url: str | None = None
) -> list[FinetuneEvent]:
    """The statuses a fine-tuned model went through, oldest first."""
    with Finetuner(api_key, base_url=base_url) as finetuner:
        return finetuner.events(model_id)
