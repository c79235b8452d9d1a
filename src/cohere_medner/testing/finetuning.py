"""/v1/finetuning/finetuned-models: chat fine-tuning jobs, their events, and the retirement.

A job (``co.finetuning.create_finetuned_model``) waits in ``STATUS_QUEUED`` until its
``chat-finetune-input`` dataset is validated, then walks ``STATUS_FINETUNING`` ->
``STATUS_DEPLOYING_API`` -> ``STATUS_READY``, one stage per ``finetune_step`` seconds (or
per fetch). A failed (or deleted) dataset sends it to ``STATUS_FAILED``, as does
``fail_finetuning=True`` after training starts. Every status change is an event. Once
ready, chat accepts the model as ``ID-ft``, the fine-tuned model's id with ``-ft`` appended
(docs.cohere.com/docs/chat-starting-the-training, "Calling your Chat Model").

The API has no field for why a job failed; the fake keeps the reason for tests
(:meth:`FinetuneStore.failure_reason`, ``FakeCohere.finetune_failure_reason``).

Cohere retired fine-tuning on 15 September 2025 ("All fine-tuning options via dashboard and
API ... are being retired. Previously fine-tuned models will no longer be accessible.").
With ``finetuning="retired"`` every fine-tuning call is answered ``410 Gone`` with a message
saying so (the SDK raises its base ``ApiError`` with ``status_code == 410``), and chat no
longer knows any fine-tuned model (404, as for any unknown model). 410 rather than 404:
a retired feature is gone for good, and a client must be able to tell it from a mistyped id.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from cohere_medner.testing.dataset_files import CHAT_FINETUNE
from cohere_medner.testing.datasets import DatasetStore
from cohere_medner.testing.handling import (
    HTTPError,
    Outcome,
    Route,
    ServerView,
    invalid,
    not_found,
    page,
)
from cohere_medner.testing.jobs import Pace, Timeline, timestamp
from cohere_medner.testing.wire import FakeRequest, Reply

QUEUED: Final = "STATUS_QUEUED"
FINETUNING: Final = "STATUS_FINETUNING"
DEPLOYING: Final = "STATUS_DEPLOYING_API"
READY: Final = "STATUS_READY"
FAILED: Final = "STATUS_FAILED"
READY_PATH: Final = (QUEUED, FINETUNING, DEPLOYING, READY)
FAILING_PATH: Final = (QUEUED, FINETUNING, FAILED)

FINETUNED_SUFFIX: Final = "-ft"
CHAT_BASE_TYPE: Final = "BASE_TYPE_CHAT"
DEFAULT_BASE_MODEL: Final = "command-r-08-2024"
USER_ID: Final = "00000000-0000-4000-8000-00000000fa4e"
ORGANIZATION_ID: Final = "00000000-0000-4000-8000-0000000000c0"
TRAINING_STEPS: Final = 5

RETIRED_MESSAGE: Final = (
    "fine-tuning is no longer available: Cohere retired fine-tuning through the dashboard "
    "and the API on September 15, 2025, and previously fine-tuned models are no longer "
    "accessible (https://docs.cohere.com/changelog/2025-09-15-major-command-deprecations)"
)
INJECTED_FAILURE: Final = "training failed (FakeCohere(fail_finetuning=True))"

# docs.cohere.com/docs/chat-starting-the-training, "Parameters": (low, high, default).
HYPERPARAMETERS: Final[Mapping[str, tuple[float, float, float]]] = {
    "train_epochs": (1, 10, 1),
    "learning_rate": (0.00005, 0.1, 0.01),
    "train_batch_size": (2, 16, 16),
    "early_stopping_threshold": (0.001, 0.1, 0.001),
    "early_stopping_patience": (0, 10, 10),
}
WHOLE: Final = frozenset({"train_epochs", "train_batch_size", "early_stopping_patience"})


def finetuned_name(model_id: str) -> str:
    """The model name chat accepts for a ready fine-tuned model."""
    return model_id + FINETUNED_SUFFIX


@attrs.define
class Finetune:
    """One fine-tuned model; its timeline starts when its dataset is validated."""

    id: str
    name: str
    settings: dict[str, Any]
    created: float
    fail: bool
    timeline: Timeline | None = None
    failure: str | None = None
    failed_at: float | None = None

    @property
    def dataset_id(self) -> str:
        return str(self.settings["dataset_id"])


class FinetuneStore:
    """Every fine-tuned model of one FakeCohere, behind one lock."""

    def __init__(self, datasets: DatasetStore, pace: Pace, *, retired: bool, fail: bool) -> None:
        self._datasets = datasets
        self._pace = pace
        self.retired = retired
        """Whether fine-tuning answers as the retired feature it now is (settable)."""
        self.fail = fail
        """Whether jobs created from now on fail once training starts (settable)."""
        self._lock = threading.Lock()
        self._models: dict[str, Finetune] = {}

    def create(self, name: str, settings: dict[str, Any], now: float) -> dict[str, Any]:
        job = Finetune(str(uuid.uuid4()), name, settings, now, self.fail)
        with self._lock:
            self._models[job.id] = job
            return self._render(job, now, poll=False)

    def describe(self, model_id: str, now: float, *, poll: bool) -> dict[str, Any]:
        with self._lock:
            return self._render(self._find(model_id), now, poll=poll)

    def describe_all(self, now: float) -> list[dict[str, Any]]:
        with self._lock:
            return [self._render(job, now, poll=False) for job in self._models.values()]

    def delete(self, model_id: str) -> None:
        with self._lock:
            self._find(model_id)
            del self._models[model_id]

    def events(self, model_id: str, now: float) -> list[dict[str, Any]]:
        with self._lock:
            job = self._find(model_id)
            return [
                {
                    "user_id": USER_ID if status == QUEUED else "",
                    "status": status,
                    "created_at": timestamp(at),
                }
                for status, at in self._history(job, now)
            ]

    def training_metrics(self, model_id: str, now: float) -> list[dict[str, Any]]:
        """Loss falling and accuracy rising over a few steps, once training has finished."""
        with self._lock:
            job = self._find(model_id)
            history = dict(self._history(job, now))
        if FINETUNING not in history or not ({DEPLOYING, FAILED} & history.keys()):
            return []
        start, end = history[FINETUNING], history.get(DEPLOYING, history.get(FAILED, now))
        return [
            {
                "created_at": timestamp(start + (end - start) * step / TRAINING_STEPS),
                "step_number": step,
                "metrics": {"loss": round(2.0 / step, 4), "accuracy": round(1 - 0.5 / step, 4)},
            }
            for step in range(1, TRAINING_STEPS + 1)
        ]

    def ready_models(self, now: float) -> frozenset[str]:
        """``ID-ft`` of every ready fine-tuned model (none once fine-tuning is retired)."""
        if self.retired:
            return frozenset()
        with self._lock:
            return frozenset(
                finetuned_name(job.id)
                for job in self._models.values()
                if self._status(job, now, poll=False) == READY
            )

    def failure_reason(self, model_id: str, now: float) -> str | None:
        """Why a job failed (``None`` while it has not): the fake's record, not the API's."""
        with self._lock:
            job = self._models.get(model_id)
            if job is None:
                return None
            self._status(job, now, poll=False)
            return job.failure

    def _find(self, model_id: str) -> Finetune:
        job = self._models.get(model_id)
        if job is None:
            raise not_found(f"finetuned model with id {model_id} not found")
        return job

    def _status(self, job: Finetune, now: float, *, poll: bool) -> str:
        """The job's status now; reads (never polls) its dataset. Called with the lock held."""
        if job.failed_at is not None and job.timeline is None:
            return FAILED
        if job.timeline is None:
            state = self._datasets.state(job.dataset_id, now)
            if state is None or state.status == "failed":
                job.failure = (
                    f"dataset {job.dataset_id} was deleted"
                    if state is None
                    else f"dataset {job.dataset_id} failed validation: {state.error}"
                )
                settled = now if state is None or state.settled_at is None else state.settled_at
                job.failed_at = max(job.created, settled)
                return FAILED
            if state.status != "validated":
                return QUEUED
            started = max(job.created, state.settled_at or now)
            path = FAILING_PATH if job.fail else READY_PATH
            job.timeline = Timeline(len(path) - 1, self._pace, started)
        path = FAILING_PATH if job.fail else READY_PATH
        status = path[job.timeline.poll(now) if poll else job.timeline.stage(now)]
        if status == FAILED and job.failure is None:
            job.failure = INJECTED_FAILURE
        return status

    def _history(self, job: Finetune, now: float) -> list[tuple[str, float]]:
        """``(status, when)`` of each status the job has reached, oldest first."""
        self._status(job, now, poll=False)
        history = [(QUEUED, job.created)]
        if job.timeline is None:
            if job.failed_at is not None:
                history.append((FAILED, job.failed_at))
            return history
        path = FAILING_PATH if job.fail else READY_PATH
        reached = job.timeline.stage(now)
        history += [
            (path[stage], job.timeline.reached_at(stage)) for stage in range(1, reached + 1)
        ]
        return history

    def _render(self, job: Finetune, now: float, *, poll: bool) -> dict[str, Any]:
        status = self._status(job, now, poll=poll)
        history = self._history(job, now)
        body: dict[str, Any] = {
            "id": job.id,
            "name": job.name,
            "creator_id": USER_ID,
            "organization_id": ORGANIZATION_ID,
            "settings": job.settings,
            "status": status,
            "created_at": timestamp(job.created),
            "updated_at": timestamp(history[-1][1]),
        }
        if status == READY:
            body["completed_at"] = timestamp(history[-1][1])
        return body


# Handlers ------------------------------------------------------------------------------------


def _available(view: ServerView) -> None:
    if view.finetunes.retired:
        raise HTTPError(410, RETIRED_MESSAGE, Outcome.RETIRED)


def _settings(body: Mapping[str, Any], view: ServerView, now: float) -> dict[str, Any]:
    """The request's settings, checked, with the defaults the API fills in."""
    settings = body.get("settings")
    if not isinstance(settings, dict):
        raise invalid("settings is required.")
    base = settings.get("base_model")
    if not isinstance(base, dict) or base.get("base_type") != CHAT_BASE_TYPE:
        raise invalid(
            f"settings.base_model.base_type must be {CHAT_BASE_TYPE}: "
            "FakeCohere models chat fine-tuning only."
        )
    base_name = base.get("name") or DEFAULT_BASE_MODEL
    if base_name not in view.models:
        raise invalid(f"base model '{base_name}' cannot be fine-tuned.")
    dataset_id = settings.get("dataset_id")
    if not isinstance(dataset_id, str) or not dataset_id:
        raise invalid("settings.dataset_id is required.")
    state = view.datasets.state(dataset_id, now)
    if state is None:
        raise not_found(f"dataset with id {dataset_id} not found")
    if state.dataset_type != CHAT_FINETUNE:
        raise invalid(
            f"dataset {dataset_id} has type {state.dataset_type}; "
            f"chat fine-tuning needs a {CHAT_FINETUNE} dataset."
        )
    given = settings.get("hyperparameters") or {}
    if not isinstance(given, dict):
        raise invalid("settings.hyperparameters must be an object.")
    hyperparameters = dict(given)
    for name, (low, high, default) in HYPERPARAMETERS.items():
        value = given.get(name)
        if value is None:
            hyperparameters[name] = int(default) if name in WHOLE else default
            continue
        whole = isinstance(value, int) and not isinstance(value, bool)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or (name in WHOLE and not whole) or not low <= value <= high:
            raise invalid(f"{name} must be between {low:g} and {high:g}.")
    return {
        **settings,
        "base_model": {**base, "name": base_name, "base_type": CHAT_BASE_TYPE},
        "dataset_id": dataset_id,
        "hyperparameters": hyperparameters,
    }


def handle_create(request: FakeRequest, view: ServerView) -> Reply:
    _available(view)
    name = request.body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name is required.")
    settings = _settings(request.body, view, request.received_at)
    created = view.finetunes.create(name, settings, request.received_at)
    return Reply.json(200, {"finetuned_model": created})


def handle_get(request: FakeRequest, view: ServerView) -> Reply:
    _available(view)
    found = view.finetunes.describe(request.path_params["id"], request.received_at, poll=True)
    return Reply.json(200, {"finetuned_model": found})


def handle_list(request: FakeRequest, view: ServerView) -> Reply:
    _available(view)
    models = view.finetunes.describe_all(request.received_at)
    found, token = page(models, request)
    return Reply.json(
        200, {"finetuned_models": found, "next_page_token": token, "total_size": len(models)}
    )


def handle_delete(request: FakeRequest, view: ServerView) -> Reply:
    _available(view)
    view.finetunes.delete(request.path_params["id"])
    return Reply.json(200, {})


def handle_events(request: FakeRequest, view: ServerView) -> Reply:
    _available(view)
    events = view.finetunes.events(request.path_params["id"], request.received_at)
    found, token = page(events, request)
    return Reply.json(200, {"events": found, "next_page_token": token, "total_size": len(events)})


def handle_metrics(request: FakeRequest, view: ServerView) -> Reply:
    _available(view)
    steps = view.finetunes.training_metrics(request.path_params["id"], request.received_at)
    found, token = page(steps, request)
    return Reply.json(200, {"step_metrics": found, "next_page_token": token})


_MODELS: Final = "/v1/finetuning/finetuned-models"
_ID: Final = r"(?P<id>[^/]+)"

ROUTES: Final[tuple[Route, ...]] = (
    Route("POST", _MODELS, "finetuning.create", handle_create),
    Route("GET", _MODELS, "finetuning.list", handle_list),
    Route("GET", f"{_MODELS}/{_ID}", "finetuning.get", handle_get),
    Route("DELETE", f"{_MODELS}/{_ID}", "finetuning.delete", handle_delete),
    Route("GET", f"{_MODELS}/{_ID}/events", "finetuning.events", handle_events),
    Route("GET", f"{_MODELS}/{_ID}/training-step-metrics", "finetuning.metrics", handle_metrics),
)
