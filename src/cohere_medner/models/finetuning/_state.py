"""Remembered fine-tuning ids: a small JSON file, so that a repeated create resumes.

A dataset is remembered under a hash of the training and evaluation files' contents and the
API's address; a job under a hash of its dataset's key, its name, base model and
hyperparameters. A repeated create with the same inputs finds the dataset it uploaded and the
job it started instead of uploading or creating twice; a changed file, or a job asked with
other settings, gets a key of its own (and reuses a dataset whose files did not change).

The file (by default next to the training file: ``train.jsonl.cohere-medner.json``)::

    {"format": "cohere-medner fine-tuning state", "version": 1,
     "datasets": {KEY: {"dataset_id": ..., "train": ..., "train_sha256": ..., "eval": ...,
                        "eval_sha256": ..., "base_url": ..., "status": ...,
                        "validation_error": ..., "warnings": [...], "local_warnings": [...],
                        "uploaded_at": ...}},
     "jobs": {KEY: {"model_id": ..., "dataset_key": ..., "dataset_id": ..., "name": ...,
                    "base_model": ..., "hyperparameters": {...}, "status": ...,
                    "created_at": ...}}}

It is rewritten atomically after every step, merged with what is on disk (so runs with other
inputs that share the file keep their entries), and never holds the API key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TypeVar

import attrs

from cohere_medner._files import PathLike, atomic_write, checked_format
from cohere_medner.models.finetuning._errors import FinetuneStateError

__all__ = [
    "STATE_FORMAT",
    "STATE_SUFFIX",
    "STATE_VERSION",
    "DatasetRecord",
    "FinetuneState",
    "JobRecord",
    "dataset_key",
    "default_state_path",
    "file_sha256",
    "job_key",
]

STATE_FORMAT: Final = "cohere-medner fine-tuning state"
STATE_VERSION: Final = 1
STATE_SUFFIX: Final = ".cohere-medner.json"

Hyperparameters = Mapping[str, "int | float | str"]
R = TypeVar("R", "DatasetRecord", "JobRecord")


def default_state_path(train: PathLike) -> Path:
    """Where ids are remembered unless told otherwise: ``<train>.cohere-medner.json``."""
    return Path(str(train) + STATE_SUFFIX)


def file_sha256(path: PathLike) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key(material: Mapping[str, object]) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def dataset_key(train_sha256: str, eval_sha256: str | None, base_url: str | None) -> str:
    """The key of the dataset uploaded from these file contents to this API."""
    return _key({"train": train_sha256, "eval": eval_sha256, "base_url": base_url})


def job_key(dataset: str, name: str, base_model: str, hyperparameters: Hyperparameters) -> str:
    """The key of the job asked with these settings on the dataset of key ``dataset``."""
    return _key(
        {
            "dataset": dataset,
            "name": name,
            "base_model": base_model,
            "hyperparameters": dict(hyperparameters),
        }
    )


def now() -> str:
    """The time now, as the state file writes it (UTC, to the second)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


_text = attrs.validators.instance_of(str)
_maybe_text = attrs.validators.optional(_text)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _settings(value: object) -> dict[str, int | float | str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, (int, float, str)) for k, v in value.items()
    ):
        raise TypeError("expected an object of numbers and strings")
    return dict(value)


@attrs.frozen
class DatasetRecord:
    """A dataset uploaded for fine-tuning, and its last known validation status."""

    dataset_id: str = attrs.field(validator=_text)
    train: str = attrs.field(validator=_text)
    train_sha256: str = attrs.field(validator=_text)
    eval: str | None = attrs.field(validator=_maybe_text)
    eval_sha256: str | None = attrs.field(validator=_maybe_text)
    base_url: str | None = attrs.field(validator=_maybe_text)
    status: str = attrs.field(validator=_text)
    validation_error: str | None = attrs.field(default=None, validator=_maybe_text)
    warnings: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    """Cohere's validation warnings."""
    local_warnings: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    """The local check's warnings (estimated token counts)."""
    uploaded_at: str = attrs.field(factory=now, validator=_text)


@attrs.frozen
class JobRecord:
    """A fine-tuning job started (its id is the fine-tuned model's), and its last status."""

    model_id: str = attrs.field(validator=_text)
    dataset_key: str = attrs.field(validator=_text)
    dataset_id: str = attrs.field(validator=_text)
    name: str = attrs.field(validator=_text)
    base_model: str = attrs.field(validator=_text)
    hyperparameters: dict[str, int | float | str] = attrs.field(
        factory=dict, converter=_settings, hash=False
    )
    status: str = attrs.field(default="", validator=_text)
    created_at: str = attrs.field(factory=now, validator=_text)


def _record(kind: type[R], value: object, where: str) -> R:
    if not isinstance(value, Mapping):
        raise FinetuneStateError(f"{where}: expected an object")
    try:
        return kind(**value)
    except (TypeError, ValueError) as error:
        raise FinetuneStateError(f"{where}: {error}") from None


class FinetuneState:
    """The remembered datasets and jobs of one state file."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self.datasets: dict[str, DatasetRecord] = {}
        self.jobs: dict[str, JobRecord] = {}

    @classmethod
    def load(cls, path: PathLike) -> FinetuneState:
        """The state in ``path``; empty when the file does not exist yet."""
        state = cls(path)
        state._read()
        return state

    def _read(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as error:
            raise FinetuneStateError(f"cannot read {self.path}: {error}") from None
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as error:
            raise FinetuneStateError(
                f"{self.path} is not JSON ({error}); it is not a cohere-medner state file"
            ) from None
        data = checked_format(data, STATE_FORMAT, STATE_VERSION, str(self.path), FinetuneStateError)
        for section in ("datasets", "jobs"):
            if not isinstance(data.get(section, {}), dict):
                raise FinetuneStateError(f"{self.path}: {section!r} is not an object")
        self.datasets = {
            key: _record(DatasetRecord, value, f"{self.path}, dataset {key}")
            for key, value in data.get("datasets", {}).items()
        }
        self.jobs = {
            key: _record(JobRecord, value, f"{self.path}, job {key}")
            for key, value in data.get("jobs", {}).items()
        }

    def remember_dataset(self, key: str, record: DatasetRecord) -> None:
        """Keep ``record`` under ``key`` and write the file."""
        self.datasets[key] = record
        self._save(datasets={key: record})

    def remember_job(self, key: str, record: JobRecord) -> None:
        """Keep ``record`` under ``key`` and write the file."""
        self.jobs[key] = record
        self._save(jobs={key: record})

    def _save(
        self,
        datasets: Mapping[str, DatasetRecord] | None = None,
        jobs: Mapping[str, JobRecord] | None = None,
    ) -> None:
        # What another run wrote since we read the file is kept; only the entry changed wins.
        current = FinetuneState.load(self.path)
        self.datasets = {**self.datasets, **current.datasets, **(datasets or {})}
        self.jobs = {**self.jobs, **current.jobs, **(jobs or {})}
        document = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "datasets": {key: attrs.asdict(r) for key, r in self.datasets.items()},
            "jobs": {key: attrs.asdict(r) for key, r in self.jobs.items()},
        }
        try:
            with atomic_write(self.path) as stream:
                json.dump(document, stream, indent=2, sort_keys=True)
                stream.write("\n")
        except OSError as error:
            raise FinetuneStateError(f"cannot write {self.path}: {error}") from None
