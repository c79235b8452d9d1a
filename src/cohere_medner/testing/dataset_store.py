"""The datasets of one FakeCohere: uploads, their validation timelines, and signed download links.

:mod:`.datasets` answers the ``/v1/datasets`` endpoints from this store; batches and
fine-tuning jobs read it (:meth:`DatasetStore.state`, :meth:`DatasetStore.records`), and a
finished batch writes its output here (:meth:`DatasetStore.add_validated`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from cohere_medner.testing import avro
from cohere_medner.testing.dataset_files import (
    AUTO_SPLIT_WARNING,
    CHAT_FINETUNE,
    REQUIRED_FIELDS,
    Checked,
    Options,
    Upload,
    check,
    schema,
)
from cohere_medner.testing.handling import HTTPError, Outcome, not_found
from cohere_medner.testing.jobs import Pace, Timeline, timestamp

STAGES: Final = ("queued", "processing")
"""The validation statuses before the verdict (``validated`` or ``failed``)."""
SAMPLES: Final = 5
"""How many parsed rows a dataset part shows in ``samples``."""


@attrs.frozen
class Part:
    """One file of a dataset: its kept records and, if asked to keep it, the file itself."""

    name: str
    records: tuple[Mapping[str, Any], ...] = attrs.field(repr=False)
    avro: bytes = attrs.field(repr=False)
    original: bytes | None = attrs.field(default=None, repr=False)


@attrs.define
class Dataset:
    """A dataset and its validation timeline; the store's lock guards it."""

    id: str
    name: str
    dataset_type: str
    timeline: Timeline
    error: str | None
    warnings: tuple[str, ...]
    schema: Mapping[str, Any]
    parts: tuple[Part, ...]
    preserve_fields: tuple[str, ...] = ()

    def status(self, stage: int) -> str:
        if stage < self.timeline.last:
            return STAGES[stage]
        return "failed" if self.error else "validated"


@attrs.frozen
class DatasetState:
    """A dataset's status as a job that depends on it sees it (without polling it)."""

    dataset_type: str
    status: str
    error: str | None
    settled_at: float | None
    """When the verdict was reached, if it has been."""


class DatasetStore:
    """Every dataset of one FakeCohere, behind one lock."""

    def __init__(self, pace: Pace) -> None:
        self._pace = pace
        self._lock = threading.Lock()
        self._datasets: dict[str, Dataset] = {}
        self._secret = secrets.token_bytes(16)

    def create(
        self,
        name: str,
        dataset_type: str,
        uploads: Sequence[Upload],
        options: Options,
        now: float,
        *,
        keep_original: bool = False,
    ) -> str:
        """Store an upload, validated now but seen so only as its timeline advances."""
        with_eval = any(upload.evaluation for upload in uploads)
        checked = [check(dataset_type, u, options, with_eval=with_eval) for u in uploads]
        errors = [error for result in checked for error in result.errors]
        warnings = [warning for result in checked for warning in result.warnings]
        if dataset_type == CHAT_FINETUNE and not with_eval:
            warnings.append(AUTO_SPLIT_WARNING)
        record_schema = schema(dataset_type, options)
        parts = tuple(
            _part(upload, result, record_schema, keep_original)
            for upload, result in zip(uploads, checked, strict=True)
        )
        dataset = Dataset(
            id=_new_dataset_id(name),
            name=name,
            dataset_type=dataset_type,
            timeline=Timeline(len(STAGES), self._pace, now),
            error=errors[0] if errors else None,
            warnings=(*errors[1:], *warnings),
            schema=record_schema,
            parts=parts,
            preserve_fields=tuple(dict.fromkeys(options.keep_fields + options.optional_fields)),
        )
        with self._lock:
            self._datasets[dataset.id] = dataset
        return dataset.id

    def add_validated(
        self,
        name: str,
        dataset_type: str,
        record_schema: Mapping[str, Any],
        records: Sequence[Mapping[str, Any]],
        now: float,
    ) -> str:
        """Store a dataset the server wrote itself (a batch's output): validated at once."""
        content = avro.container(record_schema, records)
        dataset = Dataset(
            id=_new_dataset_id(name),
            name=name,
            dataset_type=dataset_type,
            timeline=Timeline(len(STAGES), 0.0, now),
            error=None,
            warnings=(),
            schema=record_schema,
            parts=(Part(f"{name}.avro", tuple(records), content),),
        )
        with self._lock:
            self._datasets[dataset.id] = dataset
        return dataset.id

    def describe(self, dataset_id: str, now: float, base_url: str, *, poll: bool) -> dict[str, Any]:
        """The dataset in the API's shape; fetching it (``poll``) moves a polled timeline."""
        with self._lock:
            dataset = self._find(dataset_id)
            stage = dataset.timeline.poll(now) if poll else dataset.timeline.stage(now)
            return self._render(dataset, stage, base_url)

    def describe_all(self, now: float, base_url: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                self._render(dataset, dataset.timeline.stage(now), base_url)
                for dataset in self._datasets.values()
            ]

    def state(self, dataset_id: str, now: float) -> DatasetState | None:
        """Where a dataset stands, for a job that reads it; ``None`` if there is none."""
        with self._lock:
            dataset = self._datasets.get(dataset_id)
            if dataset is None:
                return None
            stage = dataset.timeline.stage(now)
            settled = dataset.timeline.reached_at(stage) if stage == dataset.timeline.last else None
            return DatasetState(dataset.dataset_type, dataset.status(stage), dataset.error, settled)

    def records(self, dataset_id: str) -> list[Mapping[str, Any]]:
        """Every kept record of a dataset, part after part."""
        with self._lock:
            return [record for part in self._find(dataset_id).parts for record in part.records]

    def delete(self, dataset_id: str) -> None:
        with self._lock:
            self._find(dataset_id)
            del self._datasets[dataset_id]

    def usage(self) -> int:
        """Bytes stored: the originals where kept, else the parsed records."""
        with self._lock:
            return sum(
                len(part.original if part.original is not None else part.avro)
                for dataset in self._datasets.values()
                for part in dataset.parts
            )

    def download(self, dataset_id: str, index: int, original: bool, signature: str) -> bytes:
        """A part's bytes, for a link whose signature matches."""
        if not hmac.compare_digest(signature, self._sign(dataset_id, index, original)):
            raise HTTPError(403, "the download link's signature does not match", Outcome.FORBIDDEN)
        with self._lock:
            parts = self._find(dataset_id).parts
            part = parts[index] if 0 <= index < len(parts) else None
            content = None if part is None else part.original if original else part.avro
        if content is None:
            raise not_found(f"dataset {dataset_id} has no such file")
        return content

    def _find(self, dataset_id: str) -> Dataset:
        dataset = self._datasets.get(dataset_id)
        if dataset is None:
            raise not_found(f"dataset with id {dataset_id} not found")
        return dataset

    def _sign(self, dataset_id: str, index: int, original: bool) -> str:
        message = f"{dataset_id}/{index}/{'original' if original else 'avro'}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def _link(self, base_url: str, dataset_id: str, index: int, original: bool) -> str:
        kind = "originals" if original else "parts"
        signature = self._sign(dataset_id, index, original)
        return f"{base_url}/fake-storage/datasets/{dataset_id}/{kind}/{index}?signature={signature}"

    def _render(self, dataset: Dataset, stage: int, base_url: str) -> dict[str, Any]:
        status = dataset.status(stage)
        body: dict[str, Any] = {
            "id": dataset.id,
            "name": dataset.name,
            "created_at": timestamp(dataset.timeline.started),
            "updated_at": timestamp(dataset.timeline.reached_at(stage)),
            "dataset_type": dataset.dataset_type,
            "validation_status": status,
        }
        if status == "failed":
            body["validation_error"] = dataset.error
        if status in ("failed", "validated"):
            body["validation_warnings"] = list(dataset.warnings)
        if status == "validated":
            body["schema"] = json.dumps(dataset.schema)
            body["required_fields"] = list(REQUIRED_FIELDS.get(dataset.dataset_type, ()))
            body["preserve_fields"] = list(dataset.preserve_fields)
            body["dataset_parts"] = [
                self._render_part(dataset.id, index, part, base_url)
                for index, part in enumerate(dataset.parts)
            ]
        return body

    def _render_part(
        self, dataset_id: str, index: int, part: Part, base_url: str
    ) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "id": f"{dataset_id}-part-{index}",
            "name": part.name,
            "url": self._link(base_url, dataset_id, index, original=False),
            "index": index,
            "size_bytes": len(part.avro),
            "num_rows": len(part.records),
            "samples": [json.dumps(record) for record in part.records[:SAMPLES]],
        }
        if part.original is not None:
            rendered["original_url"] = self._link(base_url, dataset_id, index, original=True)
        return rendered


def _part(upload: Upload, checked: Checked, record_schema: Mapping[str, Any], keep: bool) -> Part:
    content = avro.container(record_schema, checked.records)
    return Part(upload.filename, checked.records, content, upload.content if keep else None)


def _new_dataset_id(name: str) -> str:
    """An id like the API's: the name made URL-safe, then a random suffix."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "dataset"
    return f"{slug}-{uuid.uuid4().hex[:6]}"
