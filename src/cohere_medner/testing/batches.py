"""/v2/batches: chat requests from a dataset, answered offline into an output dataset.

The input is a validated ``batch-chat-v2-input`` dataset: one line per request,
``{"custom_id": "...", "body": {chat request}}``, the model coming from the batch (a line's
own ``model`` overrides it). Each line is answered as ``/v2/chat`` would answer it (the same
checks, the same responder), when the batch is created; the answers show only as the batch
walks ``BATCH_STATUS_QUEUED`` -> ``BATCH_STATUS_IN_PROGRESS`` -> ``BATCH_STATUS_COMPLETED``
(one stage per ``batch_step`` seconds, or per fetch). A line chat would refuse (malformed,
an unknown model, too long) fails alone: it counts in ``num_failed_records`` and its output
record carries the refusal's message in ``error``. ``fail_batches=True`` ends batches in
``BATCH_STATUS_FAILED`` (with ``status_reason``) instead; a cancel walks
``BATCH_STATUS_CANCELING`` -> ``BATCH_STATUS_CANCELED`` (and is a no-op once a batch has ended).

The output dataset (type ``batch-chat-v2-output``, named after the batch) is created on
completion; each Avro record is ``{"custom_id", "body": the chat response or null,
"error": message or null}``, readable with ``co.datasets.get`` and ``co.utils.save_dataset``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from cohere_medner.testing.chat import chat_prompt, handle_chat
from cohere_medner.testing.dataset_files import BATCH_CHAT_INPUT, BATCH_CHAT_OUTPUT
from cohere_medner.testing.datasets import DatasetStore
from cohere_medner.testing.finetuning import ORGANIZATION_ID, USER_ID
from cohere_medner.testing.handling import (
    HTTPError,
    Route,
    ServerView,
    check_model,
    invalid,
    not_found,
    page,
)
from cohere_medner.testing.jobs import Pace, Timeline, timestamp
from cohere_medner.testing.wire import INTERNAL_ERROR, FakeRequest, Reply

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


# Handlers ------------------------------------------------------------------------------------


def run_line(record: Mapping[str, Any], model: str, view: ServerView, now: float) -> LineResult:
    """Answer one input line as ``/v2/chat`` would; a refusal is the line's error."""
    custom_id = str(record["custom_id"])
    body = {"model": model, **json.loads(record["body"])}
    request = FakeRequest(
        endpoint="chat",
        method="POST",
        path="/v2/chat",
        model=body["model"] if isinstance(body["model"], str) else None,
        body=body,
        prompt=chat_prompt(body),
        headers={},
        received_at=now,
    )
    try:
        reply = handle_chat(request, view)
    except HTTPError as refusal:
        return LineResult(custom_id, None, refusal.message)
    except Exception as error:
        view.record_responder_error(error)
        return LineResult(custom_id, None, INTERNAL_ERROR)
    return LineResult(custom_id, json.loads(reply.body), None)


def handle_create(request: FakeRequest, view: ServerView) -> Reply:
    body, now = request.body, request.received_at
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name is required.")
    model = check_model(body.get("model"), view.chat_models)
    dataset_id = body.get("input_dataset_id")
    if not isinstance(dataset_id, str) or not dataset_id:
        raise invalid("input_dataset_id is required.")
    state = view.datasets.state(dataset_id, now)
    if state is None:
        raise not_found(f"dataset with id {dataset_id} not found")
    if state.dataset_type != BATCH_CHAT_INPUT:
        raise invalid(
            f"dataset {dataset_id} has type {state.dataset_type}; "
            f"a chat batch needs a {BATCH_CHAT_INPUT} dataset."
        )
    if state.status != "validated":
        raise invalid(f"dataset {dataset_id} is not validated (validation_status: {state.status}).")
    results = tuple(run_line(line, model, view, now) for line in view.datasets.records(dataset_id))
    created = view.batches.create(name, model, dataset_id, results, now)
    return Reply.json(200, {"batch": created})


def handle_get(request: FakeRequest, view: ServerView) -> Reply:
    found = view.batches.describe(request.path_params["id"], request.received_at, poll=True)
    return Reply.json(200, {"batch": found})


def handle_list(request: FakeRequest, view: ServerView) -> Reply:
    batches = view.batches.describe_all(request.received_at)
    found, token = page(batches, request)
    return Reply.json(200, {"batches": found, "next_page_token": token})


def handle_cancel(request: FakeRequest, view: ServerView) -> Reply:
    view.batches.cancel(request.path_params["id"], request.received_at)
    return Reply.json(200, {})


_ID: Final = r"(?P<id>[^/:]+)"

ROUTES: Final[tuple[Route, ...]] = (
    Route("POST", "/v2/batches", "batches.create", handle_create),
    Route("GET", "/v2/batches", "batches.list", handle_list),
    Route("GET", f"/v2/batches/{_ID}", "batches.get", handle_get),
    Route("POST", f"/v2/batches/{_ID}:cancel", "batches.cancel", handle_cancel),
)
