"""What a batch is to cohere-medner: its line ids, its handle file, and its state.

A :class:`BatchJob` is all a later process needs to collect a batch (never the API key);
:class:`BatchState` is the batch as Cohere reports it while it runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import attrs
from cohere.batches import Batch as SdkBatch

from cohere_medner._files import PathLike, atomic_write, checked_format
from cohere_medner.models.batches._errors import BatchHandleError

INPUT_DATASET_TYPE: Final = "batch-chat-v2-input"
CUSTOM_ID_MAX: Final = 64
"""Cohere documents no limit; 64 of ``[A-Za-z0-9_-]`` is what every batch API accepts."""
DATASET_MAX_BYTES: Final = 1_500_000_000
"""Cohere's limit for one dataset (1.5 GB): a larger corpus is split into several batches."""
HANDLES_VARIABLE: Final = "COHERE_MEDNER_BATCHES"
HANDLE_FORMAT: Final = "cohere-medner batch"
HANDLE_VERSION: Final = 1

COMPLETED: Final = "BATCH_STATUS_COMPLETED"
ENDED: Final = frozenset({COMPLETED, "BATCH_STATUS_FAILED", "BATCH_STATUS_CANCELED"})

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]")


def custom_id(index: int, unit: str, document: str) -> str:
    """The batch line id of ``unit``'s request for the ``index``-th document: ``12-diseases-6794356``.

    The position makes it unique and maps it back (through the :class:`BatchJob`); the unit
    and document id are there for a person reading the output, made safe and cut to fit.
    """
    return f"{index}-{_UNSAFE.sub('_', unit)}-{_UNSAFE.sub('_', document)}"[:CUSTOM_ID_MAX]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)


def _positions(refused: Mapping[Any, Any]) -> dict[int, str]:
    return {int(index): str(reason) for index, reason in refused.items()}


@attrs.frozen
class BatchJob:
    """What it takes to collect a batch from a new process; saved as a small JSON file.

    ``documents`` are the input's document ids in order, ``units`` the requests sent for each
    (task names, or ``combined``); ``refused`` the positions of documents that were not sent,
    with why (no text). Never the API key.
    """

    batch_id: str
    input_dataset_id: str
    name: str
    model: str
    server: str | None
    mode: str
    tasks: tuple[str, ...] = attrs.field(converter=_strings)
    units: tuple[str, ...] = attrs.field(converter=_strings)
    documents: tuple[str, ...] = attrs.field(converter=_strings, repr=lambda d: f"<{len(d)} ids>")
    refused: dict[int, str] = attrs.field(factory=dict, converter=_positions)
    created_at: str = attrs.field(factory=_now)

    def custom_ids(self) -> dict[str, tuple[int, str]]:
        """Every line id the batch was sent, to ``(document position, unit)``."""
        return {
            custom_id(index, unit, document): (index, unit)
            for index, document in enumerate(self.documents)
            if index not in self.refused
            for unit in self.units
        }

    def rerun(self, batch_id: str, name: str) -> BatchJob:
        """The same requests, run again as another batch (from the same input dataset)."""
        return attrs.evolve(self, batch_id=batch_id, name=name, created_at=_now())

    def to_json(self) -> dict[str, Any]:
        # json.dump writes the tuples as lists and the positions as strings; the field
        # converters read them back.
        data = attrs.asdict(self, recurse=False)
        return {"format": HANDLE_FORMAT, "version": HANDLE_VERSION, **data}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchJob:
        checked_format(data, HANDLE_FORMAT, HANDLE_VERSION, "batch handle", ValueError)
        fields = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})

    def save(self, path: PathLike) -> Path:
        """Write the handle atomically (a crash never leaves half a file); returns the path."""
        target = Path(path)
        with atomic_write(target) as stream:
            json.dump(self.to_json(), stream, ensure_ascii=False)
            stream.write("\n")
        return target


def default_handle_dir() -> Path:
    """``$COHERE_MEDNER_BATCHES``, else ``$XDG_DATA_HOME/cohere-medner/batches``."""
    if os.environ.get(HANDLES_VARIABLE):
        return Path(os.environ[HANDLES_VARIABLE])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "cohere-medner" / "batches"


def handle_file(batch_id: str) -> Path:
    """Where :func:`load_job` looks for the handle of ``batch_id``."""
    return default_handle_dir() / f"{_UNSAFE.sub('_', batch_id)}.json"


def load_job(target: BatchJob | str | PathLike) -> BatchJob:
    """A job, from itself, a handle file, or a batch id whose handle ``submit`` saved."""
    if isinstance(target, BatchJob):
        return target
    path = Path(target)
    if not path.is_file():
        path = handle_file(str(target))
        if not path.is_file():
            raise BatchHandleError(
                f"no batch handle {str(target)!r}: neither a file nor a batch id with a handle "
                f"in {default_handle_dir()} (set {HANDLES_VARIABLE}, or pass the handle file "
                "that submit wrote)"
            )
    try:
        return BatchJob.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise BatchHandleError(f"{path}: not a readable batch handle ({error})") from None


@attrs.frozen
class BatchState:
    """A batch as Cohere reports it: its status and how many of its records are done."""

    batch_id: str
    status: str
    records: int = 0
    succeeded: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    output_dataset_id: str | None = None
    reason: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def __str__(self) -> str:
        short = self.status.removeprefix("BATCH_STATUS_").lower().replace("_", " ")
        done = f"{self.succeeded + self.failed}/{self.records} records"
        failed = f", {self.failed} failed" if self.failed else ""
        reason = f": {self.reason}" if self.reason else ""
        return f"batch {self.batch_id} {short} ({done}{failed}){reason}"

    @classmethod
    def from_sdk(cls, batch: SdkBatch) -> BatchState:
        return cls(
            batch.id or "",
            str(batch.status or "BATCH_STATUS_UNSPECIFIED"),
            batch.num_records or 0,
            batch.num_successful_records or 0,
            batch.num_failed_records or 0,
            int(batch.input_tokens or 0),
            int(batch.output_tokens or 0),
            batch.output_dataset_id or None,
            batch.status_reason or None,
        )
