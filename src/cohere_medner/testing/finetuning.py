"""/v1/finetuning/finetuned-models: chat fine-tuning jobs, their events, and the retirement.

A job (``co.finetuning.create_finetuned_model``) waits in ``STATUS_QUEUED`` until its
``chat-finetune-input`` dataset is validated, then walks ``STATUS_FINETUNING`` ->
``STATUS_DEPLOYING_API`` -> ``STATUS_READY``, one stage per ``finetune_step`` seconds (or
per fetch). A failed (or deleted) dataset sends it to ``STATUS_FAILED``, as does
``fail_finetuning=True`` after training starts. Every status change is an event. Once
ready, chat accepts the model as ``ID-ft``, the fine-tuned model's id with ``-ft`` appended
(docs.cohere.com/docs/chat-starting-the-training, "Calling your Chat Model").

The API has no field for why a job failed; the fake keeps the reason for tests
(:meth:`.finetune_store.FinetuneStore.failure_reason`, ``FakeCohere.finetune_failure_reason``).

Cohere retired fine-tuning on 15 September 2025 ("All fine-tuning options via dashboard and
API ... are being retired. Previously fine-tuned models will no longer be accessible.").
With ``finetuning="retired"`` every fine-tuning call is answered ``410 Gone`` with a message
saying so (the SDK raises its base ``ApiError`` with ``status_code == 410``), and chat no
longer knows any fine-tuned model (404, as for any unknown model). 410 rather than 404:
a retired feature is gone for good, and a client must be able to tell it from a mistyped id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cohere_medner.testing.dataset_files import CHAT_FINETUNE
from cohere_medner.testing.handling import HTTPError, Outcome, invalid, not_found, page
from cohere_medner.testing.routing import Route, ServerView
from cohere_medner.testing.wire import FakeRequest, Reply

CHAT_BASE_TYPE: Final = "BASE_TYPE_CHAT"
DEFAULT_BASE_MODEL: Final = "command-r-08-2024"

RETIRED_MESSAGE: Final = (
    "fine-tuning is no longer available: Cohere retired fine-tuning through the dashboard "
    "and the API on September 15, 2025, and previously fine-tuned models are no longer "
    "accessible (https://docs.cohere.com/changelog/2025-09-15-major-command-deprecations)"
)

# docs.cohere.com/docs/chat-starting-the-training, "Parameters": (low, high, default).
HYPERPARAMETERS: Final[Mapping[str, tuple[float, float, float]]] = {
    "train_epochs": (1, 10, 1),
    "learning_rate": (0.00005, 0.1, 0.01),
    "train_batch_size": (2, 16, 16),
    "early_stopping_threshold": (0.001, 0.1, 0.001),
    "early_stopping_patience": (0, 10, 10),
}
WHOLE: Final = frozenset({"train_epochs", "train_batch_size", "early_stopping_patience"})


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
