"""The fine-tuned models of one FakeCohere: each job's walk from queued to ready, and its events.

:mod:`.finetuning` answers the ``/v1/finetuning`` endpoints from this store and tells how
jobs move; chat asks it which fine-tuned models are ready (:meth:`FinetuneStore.ready_models`).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Final

import attrs

from cohere_medner.testing.dataset_store import DatasetStore
from cohere_medner.testing.handling import not_found
from cohere_medner.testing.jobs import ORGANIZATION_ID, USER_ID, Pace, Timeline, timestamp

QUEUED: Final = "STATUS_QUEUED"
FINETUNING: Final = "STATUS_FINETUNING"
DEPLOYING: Final = "STATUS_DEPLOYING_API"
READY: Final = "STATUS_READY"
FAILED: Final = "STATUS_FAILED"
READY_PATH: Final = (QUEUED, FINETUNING, DEPLOYING, READY)
FAILING_PATH: Final = (QUEUED, FINETUNING, FAILED)

FINETUNED_SUFFIX: Final = "-ft"
TRAINING_STEPS: Final = 5

INJECTED_FAILURE: Final = "training failed (FakeCohere(fail_finetuning=True))"


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
