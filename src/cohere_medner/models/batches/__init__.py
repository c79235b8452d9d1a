"""Cohere batches: corpora far beyond the rate limit, submitted once and collected later.

:func:`submit` sends a :class:`RequestPlan` (``Extractor.plan(documents)``: one request per
document and task) as a batch and saves a handle (:class:`BatchJob`); :func:`collect`, from
this process or any later one, waits and reads the answers back into
:class:`~cohere_medner.extraction.Extraction` objects, in input order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.models.batches._errors": (
        "BatchHandleError",
        "BatchInputError",
        "BatchOutputError",
        "BatchTooLargeError",
        "UnknownBatchError",
    ),
    "cohere_medner.models.batches._output": ("BatchFailedError", "BatchTimeoutError"),
    "cohere_medner.models.batches._submit": (
        "BatchJob",
        "BatchResult",
        "BatchState",
        "CUSTOM_ID_MAX",
        "DATASET_MAX_BYTES",
        "FailedRequest",
        "INPUT_DATASET_TYPE",
        "PlannedDocument",
        "RequestPlan",
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
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.models.batches._errors import BatchHandleError as BatchHandleError
    from cohere_medner.models.batches._errors import BatchInputError as BatchInputError
    from cohere_medner.models.batches._errors import BatchOutputError as BatchOutputError
    from cohere_medner.models.batches._errors import BatchTooLargeError as BatchTooLargeError
    from cohere_medner.models.batches._errors import UnknownBatchError as UnknownBatchError
    from cohere_medner.models.batches._output import BatchFailedError as BatchFailedError
    from cohere_medner.models.batches._output import BatchTimeoutError as BatchTimeoutError
    from cohere_medner.models.batches._submit import CUSTOM_ID_MAX as CUSTOM_ID_MAX
    from cohere_medner.models.batches._submit import DATASET_MAX_BYTES as DATASET_MAX_BYTES
    from cohere_medner.models.batches._submit import INPUT_DATASET_TYPE as INPUT_DATASET_TYPE
    from cohere_medner.models.batches._submit import BatchJob as BatchJob
    from cohere_medner.models.batches._submit import BatchResult as BatchResult
    from cohere_medner.models.batches._submit import BatchState as BatchState
    from cohere_medner.models.batches._submit import FailedRequest as FailedRequest
    from cohere_medner.models.batches._submit import PlannedDocument as PlannedDocument
    from cohere_medner.models.batches._submit import RequestPlan as RequestPlan
    from cohere_medner.models.batches._submit import cancel as cancel
    from cohere_medner.models.batches._submit import collect as collect
    from cohere_medner.models.batches._submit import custom_id as custom_id
    from cohere_medner.models.batches._submit import default_handle_dir as default_handle_dir
    from cohere_medner.models.batches._submit import delete_datasets as delete_datasets
    from cohere_medner.models.batches._submit import load_job as load_job
    from cohere_medner.models.batches._submit import resubmit as resubmit
    from cohere_medner.models.batches._submit import status as status
    from cohere_medner.models.batches._submit import submit as submit
    from cohere_medner.models.batches._submit import wait as wait
