"""The batches of one FakeCohere: their answered lines, their statuses, and their output datasets.

:mod:`.batches` answers each line when a batch is created and hands the results to this
store, which shows them as the batch walks its statuses and writes the output dataset on
completion.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from cohere_medner.testing.dataset_files import BATCH_CHAT_OUTPUT
from cohere_medner.testing.dataset_store import DatasetStore
from cohere_medner.testing.handling import not_found
from cohere_medner.testing.jobs import ORGANIZATION_ID, USER_ID, Pace, Timeline, timestamp

QUEUED: Final = "BATCH_STATUS_QUEUED"
IN_PROGRESS: Final = "BATCH_STATUS_IN_PROGRESS"
COMPLETED: Final = "BATCH_STATUS_COMPLETED"
FAILED: Final = "BATCH_STATUS_FAILED"
CANCELING: Final = "BATCH_STATUS_CANCELING"
CANCELED: Final = "BATCH_STATUS_CANCELED"
RUN_PATH: Final = (QUEUED, IN_PROGRESS, COMPLETED)
FAILING_PATH: Final = (QUEUED, IN_PROGRESS, FAILED)
CANCEL_PATH: Final = (CANCELING, CANCELED)
ENDED: Final = frozenset({COMPLETED, FAILED, CANCELED})

INJECTED_FAILURE: Final = "batch failed (FakeCohere(fail_batches=True))"

_CONTENT: Final = {
    "type": "record",
    "name": "Content",
    "fields": [{"name": "type", "type": "string"}, {"name": "text", "type": "string"}],
}


def _counts(name: str) -> dict[str, Any]:
    return {
        "type": "record",
        "name": name,
        "fields": [
            {"name": "input_tokens", "type": "long"},
            {"name": "output_tokens", "type": "long"},
        ],
    }


CHAT_RESPONSE_SCHEMA: Final = {
    "type": "record",
    "name": "ChatResponse",
    "fields": [
        {"name": "id", "type": "string"},
        {
            "name": "message",
            "type": {
                "type": "record",
                "name": "AssistantMessage",
                "fields": [
                    {"name": "role", "type": "string"},
                    {"name": "content", "type": {"type": "array", "items": _CONTENT}},
                ],
            },
        },
        {"name": "finish_reason", "type": "string"},
        {
            "name": "usage",
            "type": {
                "type": "record",
                "name": "Usage",
                "fields": [
                    {"name": "billed_units", "type": _counts("BilledUnits")},
                    {"name": "tokens", "type": _counts("Tokens")},
                ],
            },
        },
    ],
}
OUTPUT_SCHEMA: Final = {
    "type": "record",
    "name": "BatchChatV2Output",
    "fields": [
        {"name": "custom_id", "type": "string"},
        {"name": "body", "type": ["null", CHAT_RESPONSE_SCHEMA], "default": None},
        {"name": "error", "type": ["null", "string"], "default": None},
    ],
}


@attrs.frozen
class LineResult:
    """One line's answer: the chat response, or the message chat refused it with."""

    custom_id: str
    body: Mapping[str, Any] | None
    error: str | None

    def billed(self, kind: str) -> int:
        if self.body is None:
            return 0
        return int(self.body["usage"]["billed_units"][kind])

    def record(self) -> dict[str, Any]:
        return {"custom_id": self.custom_id, "body": self.body, "error": self.error}


@attrs.define
class Batch:
    """One batch; the store's lock guards it."""

    id: str
    name: str
    model: str
    input_dataset_id: str
    results: tuple[LineResult, ...] = attrs.field(repr=False)
    timeline: Timeline
    fail: bool
    cancel: Timeline | None = None
    output_dataset_id: str | None = None


class BatchStore:
    """Every batch of one FakeCohere, behind one lock."""

    def __init__(self, datasets: DatasetStore, pace: Pace, *, fail: bool) -> None:
        self._datasets = datasets
        self._pace = pace
        self.fail = fail
        """Whether batches created from now on fail instead of completing (settable)."""
        self._lock = threading.Lock()
        self._batches: dict[str, Batch] = {}

    def create(
        self, name: str, model: str, dataset_id: str, results: tuple[LineResult, ...], now: float
    ) -> dict[str, Any]:
        path = FAILING_PATH if self.fail else RUN_PATH
        batch = Batch(
            str(uuid.uuid4()),
            name,
            model,
            dataset_id,
            results,
            Timeline(len(path) - 1, self._pace, now),
            self.fail,
        )
        with self._lock:
            self._batches[batch.id] = batch
            return self._render(batch, now, poll=False)

    def describe(self, batch_id: str, now: float, *, poll: bool) -> dict[str, Any]:
        with self._lock:
            return self._render(self._find(batch_id), now, poll=poll)

    def describe_all(self, now: float) -> list[dict[str, Any]]:
        with self._lock:
            return [self._render(batch, now, poll=False) for batch in self._batches.values()]

    def cancel(self, batch_id: str, now: float) -> None:
        """Start cancelling a batch that has not ended; one that has is left as it is."""
        with self._lock:
            batch = self._find(batch_id)
            if batch.cancel is None and self._status(batch, now, poll=False)[0] not in ENDED:
                batch.cancel = Timeline(len(CANCEL_PATH) - 1, self._pace, now)

    def _find(self, batch_id: str) -> Batch:
        batch = self._batches.get(batch_id)
        if batch is None:
            raise not_found(f"batch with id {batch_id} not found")
        return batch

    def _status(self, batch: Batch, now: float, *, poll: bool) -> tuple[str, float]:
        """The batch's status and when it was reached. Called with the lock held."""
        timeline, path = (
            (batch.cancel, CANCEL_PATH)
            if batch.cancel is not None
            else (batch.timeline, FAILING_PATH if batch.fail else RUN_PATH)
        )
        stage = timeline.poll(now) if poll else timeline.stage(now)
        status = path[stage]
        if status == COMPLETED and batch.output_dataset_id is None:
            batch.output_dataset_id = self._datasets.add_validated(
                f"{batch.name}-output",
                BATCH_CHAT_OUTPUT,
                OUTPUT_SCHEMA,
                [result.record() for result in batch.results],
                timeline.reached_at(stage),
            )
        return status, timeline.reached_at(stage)

    def _render(self, batch: Batch, now: float, *, poll: bool) -> dict[str, Any]:
        status, changed = self._status(batch, now, poll=poll)
        done = status == COMPLETED
        succeeded = [result for result in batch.results if result.body is not None]
        body: dict[str, Any] = {
            "id": batch.id,
            "name": batch.name,
            "creator_id": USER_ID,
            "org_id": ORGANIZATION_ID,
            "status": status,
            "created_at": timestamp(batch.timeline.started),
            "updated_at": timestamp(changed),
            "input_dataset_id": batch.input_dataset_id,
            "model": batch.model,
            "num_records": len(batch.results),
            "num_successful_records": len(succeeded) if done else 0,
            "num_failed_records": len(batch.results) - len(succeeded) if done else 0,
            # int64 in the API's JSON: strings.
            "input_tokens": str(sum(r.billed("input_tokens") for r in succeeded) if done else 0),
            "output_tokens": str(sum(r.billed("output_tokens") for r in succeeded) if done else 0),
        }
        if batch.output_dataset_id is not None:
            body["output_dataset_id"] = batch.output_dataset_id
        if status == FAILED:
            body["status_reason"] = INJECTED_FAILURE
        return body
