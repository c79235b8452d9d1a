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
from collections.abc import Mapping
from typing import Any, Final

from cohere_medner.testing.batch_store import LineResult
from cohere_medner.testing.chat import chat_prompt, handle_chat
from cohere_medner.testing.dataset_files import BATCH_CHAT_INPUT
from cohere_medner.testing.handling import HTTPError, check_model, invalid, not_found, page
from cohere_medner.testing.routing import Route, ServerView
from cohere_medner.testing.wire import INTERNAL_ERROR, FakeRequest, Reply


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
