"""Fine-tuning Cohere chat models through the SDK: upload, validate, train, wait, resume.

:func:`create_finetune` takes the chat JSONL files that
:func:`~cohere_medner.prepare.prepare_finetuning` writes, checks them again, uploads
them as a ``chat-finetune-input`` dataset, waits for Cohere's validation (its verdict verbatim
in :class:`~cohere_medner.errors.DatasetRejectedError`), starts a chat fine-tuning job and,
if asked, polls with backoff until the model is ready, or has failed
(:class:`~cohere_medner.errors.FinetuneFailedError`), within a time limit. A ready model
answers chat as ``<id>-ft`` (:attr:`FinetuneResult.chat_model`, docs.cohere.com, "Starting the
Chat Fine-Tuning Run"): pass that to ``Extractor(model=...)``. Dataset and job ids are
remembered after each step (:mod:`.finetune_state`), so a repeated create after an
interruption resumes instead of uploading or creating twice, and :func:`finetune_status`
resumes waiting by id.

Cohere deprecated hosted fine-tuning on 15 September 2025 ("All fine-tuning options via
dashboard and API ... are being retired"); the SDK still carries the calls. When the platform
refuses one as retired (410, or a message saying deprecated, retired or no longer available),
:class:`~cohere_medner.errors.FinetuningRetiredError` says so and names where the same files
still serve (docs/fine-tuning.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, NoReturn, cast

import attrs
import cohere
import httpx
from cohere.core.api_error import ApiError
from cohere.finetuning import BaseModel, FinetunedModel, Settings

from .client import resolve_connection
from .errors import (
    FinetuneError,
    FinetuneFailedError,
    FinetuneTimeoutError,
    MedNerError,
)
from .files import PathLike
from .finetune_api import FinetuneApi
from .finetune_dataset import fingerprint, upload_dataset, validated_dataset
from .finetune_errors import is_retirement
from .finetune_files import check_training_files
from .finetune_state import (
    DatasetRecord,
    FinetuneState,
    JobRecord,
    job_key,
)
from .finetune_types import (
    CHAT_BASE_TYPE,
    CHAT_DATASET_TYPE,
    DEFAULT_BASE_MODEL,
    DEFAULT_TIMEOUT,
    DELETED,
    FAILED,
    FINETUNED_SUFFIX,
    JOB_SETTLED,
    LORA_TARGET_MODULES,
    REJECTED,
    FinetuneEvent,
    FinetuneRequest,
    FinetuneResult,
    Hyperparameters,
    OnStatus,
    Polling,
    StatusChange,
    chat_model_name,
)

__all__ = [
    "CHAT_BASE_TYPE",
    "CHAT_DATASET_TYPE",
    "DEFAULT_BASE_MODEL",
    "DEFAULT_TIMEOUT",
    "FINETUNED_SUFFIX",
    "LORA_TARGET_MODULES",
    "FinetuneEvent",
    "FinetuneRequest",
    "FinetuneResult",
    "Finetuner",
    "Hyperparameters",
    "Polling",
    "StatusChange",
    "chat_model_name",
    "check_training_files",
    "create_finetune",
    "finetune_events",
    "finetune_status",
    "is_retirement",
    "list_finetunes",
]

_REASON_FIELDS: Final = ("reason", "error", "message", "detail", "failure")


# Talking to the API -------------------------------------------------------------------------


def _iso(moment: object) -> str | None:
    isoformat = getattr(moment, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else None


def _result(model: FinetunedModel, **extra: Any) -> FinetuneResult:
    settings = model.settings
    return FinetuneResult(
        model_id=model.id or "",
        status=str(model.status or "STATUS_UNSPECIFIED"),
        name=model.name,
        base_model=settings.base_model.name or "",
        dataset_id=settings.dataset_id,
        created_at=_iso(model.created_at),
        completed_at=_iso(model.completed_at),
        **extra,
    )


def _job_key(request: FinetuneRequest, dataset: str) -> str:
    """The key a job asked by ``request`` on the dataset of key ``dataset`` is remembered by."""
    return job_key(dataset, request.name, request.base_model, request.hyperparameters.as_dict())


def _plain_id(model_id: str) -> str:
    """A fine-tuned model's id, also when given by its chat name (``ID-ft``)."""
    return model_id.strip().removesuffix(FINETUNED_SUFFIX)


class Finetuner:
    """The fine-tuning lifecycle over one ``cohere.ClientV2``, step by step or all at once.

    The key and address resolve as :class:`~cohere_medner.client.CohereClient`'s do (``CO_API_KEY``
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
        remembered = self._remembered_job(request)
        job = self._start(request, force, deadline, on_status)
        resumed = not force and remembered is not None and remembered.model_id == job.model_id
        state = FinetuneState.load(request.state_path)
        dataset = state.datasets.get(job.dataset_key)
        extra = {
            "dataset_warnings": dataset.warnings if dataset else (),
            "warnings": dataset.local_warnings if dataset else (),
            "state_file": str(request.state_path),
            "resumed": resumed,
        }
        try:
            model = self._fetch_model(job.model_id, wait, deadline, on_status, remembered=resumed)
        except (FinetuneFailedError, FinetuneTimeoutError) as error:
            self._remember_status(request, job, error.status)
            raise
        result = _result(model, **extra)
        self._remember_status(request, job, result.status)
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
        return self._start(request, force, self._api.deadline(timeout), on_status)

    def _start(
        self,
        request: FinetuneRequest,
        force: bool,
        deadline: float | None,
        on_status: OnStatus | None,
    ) -> JobRecord:
        state = FinetuneState.load(request.state_path)
        files = fingerprint(request, self.base_url)
        jkey = _job_key(request, files.key)
        job = state.jobs.get(jkey)
        if job is not None and not force:
            return job
        dataset = validated_dataset(
            self._api, request, state, files, deadline, on_status, force=force
        )
        kept = (
            f"The dataset {dataset.dataset_id} stays uploaded and is remembered in "
            f"{request.state_path}."
        )
        settings = Settings(
            base_model=BaseModel(name=request.base_model, base_type=CHAT_BASE_TYPE),
            dataset_id=dataset.dataset_id,
            hyperparameters=request.hyperparameters.to_sdk(),
        )
        created = self._api.call(
            lambda options: self._api.sdk.finetuning.create_finetuned_model(
                request=FinetunedModel(name=request.name, settings=settings),
                request_options=options,
            ),
            idempotent=False,
            base_model=request.base_model,
            kept=kept,
        )
        model = created.finetuned_model
        if model is None or not model.id:
            raise FinetuneError(f"Cohere answered the create without a fine-tuned model; {kept}")
        job = JobRecord(
            model_id=model.id,
            dataset_key=files.key,
            dataset_id=dataset.dataset_id,
            name=request.name,
            base_model=request.base_model,
            hyperparameters=request.hyperparameters.as_dict(),
            status=str(model.status or ""),
        )
        state.remember_job(jkey, job)
        return job

    def status(
        self,
        model_id: str,
        *,
        wait: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        on_status: OnStatus | None = None,
    ) -> FinetuneResult:
        """Where a fine-tuned model stands (its chat name ``ID-ft`` works too); ``wait`` resumes.

        A failed job raises :class:`~cohere_medner.errors.FinetuneFailedError`.
        """
        deadline = self._api.deadline(timeout) if wait else None
        return _result(
            self._fetch_model(_plain_id(model_id), wait, deadline, on_status, remembered=False)
        )

    def list_models(self) -> list[FinetuneResult]:
        """Every fine-tuned model of the account, failed ones included."""

        def fetch(token: str | None, options: Mapping[str, Any]) -> Any:
            return self._api.sdk.finetuning.list_finetuned_models(
                page_token=token, request_options=options
            )

        return [
            _result(model)
            for page in self._api.pages(fetch)
            for model in page.finetuned_models or []
        ]

    def events(self, model_id: str) -> list[FinetuneEvent]:
        """The statuses a fine-tuned model went through, oldest first."""
        plain = _plain_id(model_id)

        def fetch(token: str | None, options: Mapping[str, Any]) -> Any:
            return self._api.sdk.finetuning.list_events(
                plain, page_token=token, request_options=options
            )

        events = [
            FinetuneEvent(str(e.status or ""), _iso(e.created_at), e.user_id or None)
            for page in self._api.pages(fetch, kind="fine-tune", id=plain)
            for e in page.events or []
        ]
        return sorted(events, key=lambda e: e.created_at or "")

    # Steps --------------------------------------------------------------------------------

    def _remembered_job(self, request: FinetuneRequest) -> JobRecord | None:
        state = FinetuneState.load(request.state_path)
        return state.jobs.get(_job_key(request, fingerprint(request, self.base_url).key))

    def _fetch_model(
        self,
        model_id: str,
        wait: bool,
        deadline: float | None,
        on_status: OnStatus | None,
        *,
        remembered: bool,
    ) -> FinetunedModel:
        """The model as it stands or, with ``wait``, once it settles; a failed one raises."""
        if wait:
            return self._wait_model(model_id, deadline, on_status, remembered=remembered)
        model = self._get_model(model_id, remembered=remembered)
        if str(model.status) in (FAILED, DELETED):
            self._raise_failed(model, remembered=remembered)
        return model

    def _get_model(self, model_id: str, *, remembered: bool) -> FinetunedModel:
        found = self._api.call(
            lambda options: self._api.sdk.finetuning.get_finetuned_model(
                model_id,
                request_options=options,
            ),
            idempotent=True,
            kind="fine-tune",
            id=model_id,
            remembered=remembered,
        )
        if found.finetuned_model is None:
            raise FinetuneError(f"Cohere answered without the fine-tuned model {model_id}")
        return cast(FinetunedModel, found.finetuned_model)

    def _wait_model(
        self,
        model_id: str,
        deadline: float | None,
        on_status: OnStatus | None,
        *,
        remembered: bool,
    ) -> FinetunedModel:
        latest: list[FinetunedModel] = []

        def fetch() -> str:
            latest[:] = [self._get_model(model_id, remembered=remembered)]
            return str(latest[0].status or "STATUS_UNSPECIFIED")

        hint = (
            f"resume with finetune_status({model_id!r}, wait=True) "
            f"(cohere-medner finetune status {model_id} --wait) or by running the same create again"
        )
        status = self._api.poll(
            fetch, "fine-tune", model_id, JOB_SETTLED, deadline, on_status, hint
        )
        if status in (FAILED, DELETED):
            self._raise_failed(latest[0], remembered=remembered)
        return latest[0]

    def _raise_failed(self, model: FinetunedModel, *, remembered: bool) -> NoReturn:
        model_id = model.id or ""
        status = str(model.status)
        reasons = [
            f"{name}: {value}"
            for name, value in (model.model_extra or {}).items()
            if value and any(word in name.lower() for word in _REASON_FIELDS)
        ]
        try:
            dataset = self._api.sdk.datasets.get(
                model.settings.dataset_id,
                request_options={"max_retries": 0},
            ).dataset
            if str(dataset.validation_status) == REJECTED:
                reasons.append(
                    f"its dataset {dataset.id} failed validation: {dataset.validation_error}"
                )
        except (ApiError, httpx.HTTPError):
            pass
        try:
            history = tuple(e.status for e in self.events(model_id))
        except MedNerError:
            history = ()
        reason = "; ".join(reasons) or None
        shown = reason or "the API gives no reason"
        lines = [f"fine-tuning job {model_id} ({model.name}) ended {status}: {shown}"]
        if history:
            lines.append("its statuses: " + " -> ".join(history))
        lines.append(
            ("This job was remembered from an earlier run. " if remembered else "")
            + "Pass force=True (--force) to start a new job (a validated dataset is reused)."
        )
        raise FinetuneFailedError(
            "\n".join(lines),
            model_id=model_id,
            status=status,
            reason=reason,
            history=history,
            remembered=remembered,
        )

    def _remember_status(self, request: FinetuneRequest, job: JobRecord, status: str) -> None:
        state = FinetuneState.load(request.state_path)
        for key, found in list(state.jobs.items()):
            if found.model_id == job.model_id and found.status != status:
                state.remember_job(key, attrs.evolve(found, status=status))


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
