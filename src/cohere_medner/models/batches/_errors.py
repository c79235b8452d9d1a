"""What goes wrong with a batch: too large, refused, unknown, unreadable, or unreadable; a late or failed batch is told in :mod:`._output`, beside its state."""

from __future__ import annotations

from cohere_medner.errors import BatchError


class BatchTooLargeError(BatchError, ValueError):
    """The batch input would exceed the size Cohere accepts for one dataset: split the corpus."""


class BatchInputError(BatchError):
    """Cohere refused the batch input dataset (its validation failed) or the batch itself."""


class BatchHandleError(BatchError):
    """A batch handle file is missing, unreadable, or does not fit the extractor collecting it."""


class UnknownBatchError(BatchHandleError, LookupError):
    """Cohere knows no batch with this id (404): check the id, the API key and the server."""


class BatchOutputError(BatchError):
    """A batch's output dataset could not be downloaded or read, even after retrying."""
