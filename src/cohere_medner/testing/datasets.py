"""/v1/datasets: upload, validation, listing, deletion, and signed download links.

An upload (``co.datasets.create``: a multipart body with the file in ``data`` and perhaps
``eval_data``, the options in the query string) is checked at once (:mod:`.dataset_files`),
but the verdict shows only as the dataset's ``validation_status`` walks ``queued`` ->
``processing`` -> ``validated`` (or ``failed``, with ``validation_error`` and
``validation_warnings``), one stage per ``validation_delay`` seconds or per fetch.

A validated dataset lists ``dataset_parts``, one per uploaded file, whose ``url`` serves
the kept records as an Avro container, as the SDK's ``co.utils.save_dataset`` expects; the
real API hands out signed cloud-storage links, so the fake's links carry a signature
instead of needing the API key (``original_url``, with ``keep_original_file=true``, serves
the file as uploaded).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from cohere_medner.testing.dataset_files import (
    CHAT_FINETUNE,
    MODELLED_TYPES,
    SDK_DATASET_TYPES,
    Options,
    Upload,
)
from cohere_medner.testing.handling import invalid
from cohere_medner.testing.routing import Route, ServerView
from cohere_medner.testing.wire import FakeRequest, Reply, is_multipart, parse_multipart


def _flag(request: FakeRequest, name: str) -> bool:
    return (request.param(name) or "").lower() == "true"


def _names(request: FakeRequest, name: str) -> tuple[str, ...]:
    """A list option: repeated parameters, each possibly comma-separated."""
    return tuple(n.strip() for value in request.params(name) for n in value.split(",") if n.strip())


def handle_create(request: FakeRequest, view: ServerView) -> Reply:
    name = request.param("name")
    dataset_type = request.param("type")
    if not name:
        raise invalid("name is required.")
    if not dataset_type:
        raise invalid("type is required.")
    if dataset_type not in SDK_DATASET_TYPES:
        raise invalid(f"unknown dataset type '{dataset_type}'.")
    if dataset_type not in MODELLED_TYPES:
        raise invalid(
            f"FakeCohere does not model dataset type '{dataset_type}'; "
            f"it models {', '.join(MODELLED_TYPES)}."
        )
    files = parse_multipart(request.headers.get("content-type", ""), request.raw)
    if not is_multipart(request.headers.get("content-type", "")) or "data" not in files:
        raise invalid("a data file is required (multipart/form-data field 'data').")
    uploads = [Upload(files["data"].filename or "data", files["data"].content)]
    if "eval_data" in files:
        if dataset_type != CHAT_FINETUNE:
            raise invalid(f"eval_data is only accepted for {CHAT_FINETUNE} datasets.")
        uploads.append(
            Upload(files["eval_data"].filename or "eval_data", files["eval_data"].content, True)
        )
    options = Options(
        keep_fields=_names(request, "keep_fields"),
        optional_fields=_names(request, "optional_fields"),
        skip_malformed_input=_flag(request, "skip_malformed_input"),
    )
    dataset_id = view.datasets.create(
        name,
        dataset_type,
        uploads,
        options,
        request.received_at,
        keep_original=_flag(request, "keep_original_file"),
    )
    return Reply.json(200, {"id": dataset_id})


def handle_get(request: FakeRequest, view: ServerView) -> Reply:
    dataset_id = request.path_params["id"]
    found = view.datasets.describe(dataset_id, request.received_at, view.url, poll=True)
    return Reply.json(200, {"dataset": found})


def handle_list(request: FakeRequest, view: ServerView) -> Reply:
    found = view.datasets.describe_all(request.received_at, view.url)
    wanted_type = request.param("datasetType")
    wanted_status = request.param("validationStatus")
    before, after = _moment(request.param("before")), _moment(request.param("after"))
    kept = []
    for dataset in found:
        created = _moment(dataset["created_at"])
        if (
            (wanted_type is None or dataset["dataset_type"] == wanted_type)
            and (wanted_status is None or dataset["validation_status"] == wanted_status)
            and (before is None or (created is not None and created < before))
            and (after is None or (created is not None and created > after))
        ):
            kept.append(dataset)
    offset = _count(request.param("offset"), "offset") or 0
    limit = _count(request.param("limit"), "limit")
    page = kept[offset:] if limit is None else kept[offset : offset + limit]
    return Reply.json(200, {"datasets": page})


def handle_delete(request: FakeRequest, view: ServerView) -> Reply:
    view.datasets.delete(request.path_params["id"])
    return Reply.json(200, {})


def handle_usage(request: FakeRequest, view: ServerView) -> Reply:
    return Reply.json(200, {"organization_usage": view.datasets.usage()})


def _download(request: FakeRequest, view: ServerView, *, original: bool) -> Reply:
    content = view.datasets.download(
        request.path_params["id"],
        int(request.path_params["index"]),
        original,
        request.param("signature") or "",
    )
    return Reply(200, content, "application/octet-stream")


def handle_download(request: FakeRequest, view: ServerView) -> Reply:
    return _download(request, view, original=False)


def handle_download_original(request: FakeRequest, view: ServerView) -> Reply:
    return _download(request, view, original=True)


def _moment(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{value!r} is not an RFC 3339 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _count(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise invalid(f"{name} must be a number.") from None
    if number < 0 or not number.is_integer():
        raise invalid(f"{name} must be a whole number >= 0.")
    return int(number)


_ID: Final = r"(?P<id>[^/]+)"

ROUTES: Final[tuple[Route, ...]] = (
    Route("POST", "/v1/datasets", "datasets.create", handle_create),
    Route("GET", "/v1/datasets", "datasets.list", handle_list),
    Route("GET", "/v1/datasets/usage", "datasets.usage", handle_usage),
    Route("GET", f"/v1/datasets/{_ID}", "datasets.get", handle_get),
    Route("DELETE", f"/v1/datasets/{_ID}", "datasets.delete", handle_delete),
    Route(
        "GET",
        rf"/fake-storage/datasets/{_ID}/parts/(?P<index>\d+)",
        "datasets.download",
        handle_download,
        authenticated=False,
    ),
    Route(
        "GET",
        rf"/fake-storage/datasets/{_ID}/originals/(?P<index>\d+)",
        "datasets.download",
        handle_download_original,
        authenticated=False,
    ),
)
