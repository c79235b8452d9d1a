"""Fine-tuning's second step: the job started once on a validated dataset, then followed.

A job and the model it trains share one id. :func:`create_job` starts the job and remembers
it under a key of its dataset and settings (:func:`remembered_job` finds it again);
:func:`fetch_model` reads where it stands or waits until it settles, and a job that ended
badly raises with every reason there is to give: the model's own fields, its dataset's
verdict, the statuses it went through. Internal: the public API is
:mod:`cohere_medner.models.finetuning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NoReturn, cast

import attrs
import httpx
from cohere.core.api_error import ApiError
from cohere.finetuning import BaseModel, FinetunedModel, Settings

from cohere_medner.errors import FinetuneError, MedNerError
from cohere_medner.models.finetuning._api import FinetuneApi
from cohere_medner.models.finetuning._errors import FinetuneFailedError
from cohere_medner.models.finetuning._state import DatasetRecord, FinetuneState, JobRecord, job_key
from cohere_medner.models.finetuning._types import (
    CHAT_BASE_TYPE,
    DELETED,
    FAILED,
    FINETUNED_SUFFIX,
    JOB_SETTLED,
    REJECTED,
    FinetuneEvent,
    FinetuneRequest,
    FinetuneResult,
    OnStatus,
)

__all__ = [
    "create_job",
    "fetch_model",
    "finetune_result",
    "finetuned_models",
    "model_events",
    "plain_id",
    "remember_status",
    "remembered_job",
]

_REASON_FIELDS: Final = ("reason", "error", "message", "detail", "failure")


def remembered_job(
    state: FinetuneState, request: FinetuneRequest, dataset_key: str
) -> JobRecord | None:
    """The job ``request`` asked for on the dataset of key ``dataset_key``, if remembered."""
    return state.jobs.get(_job_key(request, dataset_key))


def create_job(
    api: FinetuneApi,
    request: FinetuneRequest,
    state: FinetuneState,
    dataset: DatasetRecord,
    dataset_key: str,
) -> JobRecord:
    """Start the job ``request`` asks for on a validated dataset; remember it."""
    kept = (
        f"The dataset {dataset.dataset_id} stays uploaded and is remembered in "
        f"{request.state_path}."
    )
    settings = Settings(
        base_model=BaseModel(name=request.base_model, base_type=CHAT_BASE_TYPE),
        dataset_id=dataset.dataset_id,
        hyperparameters=request.hyperparameters.to_sdk(),
    )
    created = api.call(
        lambda options: api.sdk.finetuning.create_finetuned_model(
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
        dataset_key=dataset_key,
        dataset_id=dataset.dataset_id,
        name=request.name,
        base_model=request.base_model,
        hyperparameters=request.hyperparameters.as_dict(),
        status=str(model.status or ""),
    )
    state.remember_job(_job_key(request, dataset_key), job)
    return job


def fetch_model(
    api: FinetuneApi,
    model_id: str,
    wait: bool,
    deadline: float | None,
    on_status: OnStatus | None,
    *,
    remembered: bool,
) -> FinetunedModel:
    """The model as it stands or, with ``wait``, once it settles; a failed one raises."""
    if wait:
        return _wait_model(api, model_id, deadline, on_status, remembered=remembered)
    model = _get_model(api, model_id, remembered=remembered)
    if str(model.status) in (FAILED, DELETED):
        _raise_failed(api, model, remembered=remembered)
    return model


def remember_status(state_path: Path, model_id: str, status: str) -> None:
    """Keep the job's last known status in the state file, under each key it has."""
    state = FinetuneState.load(state_path)
    for key, found in list(state.jobs.items()):
        if found.model_id == model_id and found.status != status:
            state.remember_job(key, attrs.evolve(found, status=status))


def finetuned_models(api: FinetuneApi) -> list[FinetuneResult]:
    """Every fine-tuned model of the account, failed ones included."""

    def fetch(token: str | None, options: Mapping[str, Any]) -> Any:
        return api.sdk.finetuning.list_finetuned_models(page_token=token, request_options=options)

    return [
        finetune_result(model) for page in api.pages(fetch) for model in page.finetuned_models or []
    ]


def model_events(api: FinetuneApi, model_id: str) -> list[FinetuneEvent]:
    """The statuses a fine-tuned model went through, oldest first."""
    plain = plain_id(model_id)

    def fetch(token: str | None, options: Mapping[str, Any]) -> Any:
        return api.sdk.finetuning.list_events(plain, page_token=token, request_options=options)

    events = [
        FinetuneEvent(str(e.status or ""), _iso(e.created_at), e.user_id or None)
        for page in api.pages(fetch, kind="fine-tune", id=plain)
        for e in page.events or []
    ]
    return sorted(events, key=lambda e: e.created_at or "")


def finetune_result(model: FinetunedModel, **extra: Any) -> FinetuneResult:
    """What the SDK says of a fine-tuned model, as the library gives it back."""
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


def plain_id(model_id: str) -> str:
    """A fine-tuned model's id, also when given by its chat name (``ID-ft``)."""
    return model_id.strip().removesuffix(FINETUNED_SUFFIX)


def _job_key(request: FinetuneRequest, dataset_key: str) -> str:
    return job_key(dataset_key, request.name, request.base_model, request.hyperparameters.as_dict())


def _iso(moment: object) -> str | None:
    isoformat = getattr(moment, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else None


def _get_model(api: FinetuneApi, model_id: str, *, remembered: bool) -> FinetunedModel:
    found = api.call(
        lambda options: api.sdk.finetuning.get_finetuned_model(
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
    api: FinetuneApi,
    model_id: str,
    deadline: float | None,
    on_status: OnStatus | None,
    *,
    remembered: bool,
) -> FinetunedModel:
    latest: list[FinetunedModel] = []

    def fetch() -> str:
        latest[:] = [_get_model(api, model_id, remembered=remembered)]
        return str(latest[0].status or "STATUS_UNSPECIFIED")

    hint = (
        f"resume with finetune_status({model_id!r}, wait=True) "
        f"(cohere-medner finetune status {model_id} --wait) or by running the same create again"
    )
    status = api.poll(fetch, "fine-tune", model_id, JOB_SETTLED, deadline, on_status, hint)
    if status in (FAILED, DELETED):
        _raise_failed(api, latest[0], remembered=remembered)
    return latest[0]


def _raise_failed(api: FinetuneApi, model: FinetunedModel, *, remembered: bool) -> NoReturn:
    model_id = model.id or ""
    status = str(model.status)
    reasons = [
        f"{name}: {value}"
        for name, value in (model.model_extra or {}).items()
        if value and any(word in name.lower() for word in _REASON_FIELDS)
    ]
    try:
        dataset = api.sdk.datasets.get(
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
        history = tuple(e.status for e in model_events(api, model_id))
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
