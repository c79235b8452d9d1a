"""Cohere batches: corpora far beyond the rate limit, submitted once and collected later.

:func:`submit` sends a :class:`RequestPlan` (``Extractor.plan(documents)``: one request per
document and task) as a batch and saves a handle (:class:`BatchJob`); :func:`collect`, from
this process or any later one, waits and reads the answers back into
:class:`~cohere_medner.extraction.Extraction` objects, in input order.
"""

from __future__ import annotations

from cohere_medner.models.batches._errors import (
    BatchHandleError,
    BatchInputError,
    BatchOutputError,
    BatchTooLargeError,
    UnknownBatchError,
)
from cohere_medner.models.batches._output import (
    BatchFailedError,
    BatchTimeoutError,
)
from cohere_medner.models.batches._submit import (
    CUSTOM_ID_MAX,
    DATASET_MAX_BYTES,
    INPUT_DATASET_TYPE,
    BatchJob,
    BatchResult,
    BatchState,
    FailedRequest,
    PlannedDocument,
    RequestPlan,
    cancel,
    collect,
    custom_id,
    default_handle_dir,
    delete_datasets,
    load_job,
    resubmit,
    status,
    submit,
    wait,
)

__all__ = [
    "CUSTOM_ID_MAX",
    "DATASET_MAX_BYTES",
    "INPUT_DATASET_TYPE",
    "BatchFailedError",
    "BatchHandleError",
    "BatchInputError",
    "BatchJob",
    "BatchOutputError",
    "BatchResult",
    "BatchState",
    "BatchTimeoutError",
    "BatchTooLargeError",
    "FailedRequest",
    "PlannedDocument",
    "RequestPlan",
    "UnknownBatchError",
    "cancel",
    "collect",
    "custom_id",
    "default_handle_dir",
    "delete_datasets",
    "load_job",
    "resubmit",
    "status",
    "submit",
    "wait",
]
