"""How Cohere's answers to fine-tuning calls become the library's errors.

A retired feature (410, or a refusal saying deprecated, retired, no longer available) is
:class:`~cohere_medner.models.finetuning.FinetuningRetiredError`; a refusal naming the base model is
:class:`~cohere_medner.models.finetuning.BaseModelRefusedError`; a 404 for an id is
:class:`~cohere_medner.models.finetuning.UnknownFinetuneError`; a create whose answer was lost is not
retried and says so; anything else maps as the chat client maps it.
"""

from __future__ import annotations

import re
from typing import Final

import httpx
from cohere.core.api_error import ApiError

from cohere_medner.errors import CohereApiError, MedNerError
from cohere_medner.models.finetuning._errors import (
    BaseModelRefusedError,
    FinetuningRetiredError,
    UnknownFinetuneError,
)
from cohere_medner.models.finetuning._types import DEFAULT_BASE_MODEL, Kind
from cohere_medner.models.retrying import final_error, server_message

__all__ = ["is_retirement", "throttled", "translate"]

_RETIRED: Final = re.compile(
    r"deprecat|retir|no longer (?:available|supported|accessible|offered)|discontinued|"
    r"sunset|shut ?down|end[- ]of[- ]life",
    re.IGNORECASE,
)
_FINETUNING: Final = re.compile(r"fine[- ]?tun", re.IGNORECASE)


def is_retirement(status: int | None, message: str) -> bool:
    """Whether an error answer says that fine-tuning is retired.

    410 Gone always does; another refusal (4xx, 501) does when its message says deprecated,
    retired, no longer available (or supported, accessible, offered), discontinued, sunset,
    shut down or end of life. A plain 404 ("... not found") does not: that is an unknown id.
    """
    if status == 410:
        return True
    refusal = status is not None and (400 <= status < 500 or status == 501) and status != 429
    return refusal and bool(_RETIRED.search(message))


def throttled(error: BaseException) -> bool:
    """A refusal that did nothing: the only retry that is safe for a create."""
    return isinstance(error, ApiError) and error.status_code == 429


def translate(
    error: ApiError | httpx.HTTPError,
    kind: Kind | None,
    id: str | None,
    base_model: str | None,
    kept: str,
    remembered: bool,
    idempotent: bool,
) -> MedNerError:
    """The library's error for a fine-tuning call that failed for good, the most specific first.

    ``kind`` and ``id`` name what the call was about, ``base_model`` what a create asked to
    fine-tune, and ``kept`` (a sentence for the message) what stays done; ``remembered``
    tells that the id is from an earlier run, and ``idempotent`` that repeating the call is
    safe.
    """
    status = error.status_code if isinstance(error, ApiError) else None
    message = server_message(error) if isinstance(error, ApiError) else ""
    # A retired feature may be named in the message, or the base model alone ("... deprecated").
    if status == 410 or (is_retirement(status, message) and _FINETUNING.search(message)):
        return FinetuningRetiredError(message, status, kept=kept)
    refused = _base_model_refusal(status, message, base_model, kept)
    if refused is not None:
        return refused
    if is_retirement(status, message):
        return FinetuningRetiredError(message, status, kept=kept)
    final = final_error(error)
    if not idempotent and (final.status is None or final.status >= 500 or final.status < 300):
        return _lost_create(final)
    if status == 404 and kind is not None and id is not None:
        return _unknown_id(kind, id, message, remembered)
    return final


def _base_model_refusal(
    status: int | None, message: str, base_model: str | None, kept: str
) -> BaseModelRefusedError | None:
    """The error for a refusal that names the base model (or says "base model"), if it is one."""
    if base_model is None or status not in (400, 403, 404, 422):
        return None
    lowered = message.lower()
    if "base model" not in lowered and base_model.lower() not in lowered:
        return None
    return BaseModelRefusedError(
        f"Cohere will not fine-tune base model {base_model!r} for this account "
        f"({status}: {message}). Choose another base model (--base-model; the default "
        f"is {DEFAULT_BASE_MODEL}). {kept}".strip(),
        base_model=base_model,
        server_message=message,
        status=status,
    )


def _lost_create(final: CohereApiError) -> CohereApiError:
    """A create whose answer was lost or unreadable: it may have been carried out all the same."""
    return CohereApiError(
        f"{final.message}; a create is not retried, as it may have taken effect: "
        "look for it (cohere-medner finetune list, or the dashboard's datasets) before "
        "running the same command again",
        final.status,
    )


def _unknown_id(kind: Kind, id: str, message: str, remembered: bool) -> UnknownFinetuneError:
    """A 404 for an id: where the id came from, and where to find the ones Cohere knows."""
    where = (
        " It was remembered from an earlier run; pass force=True (--force) to start anew."
        if remembered
        else ""
    )
    listing = (
        " List them with list_finetunes() (cohere-medner finetune list)."
        if kind == "fine-tune"
        else ""
    )
    return UnknownFinetuneError(
        f"Cohere knows no {kind} with id {id!r} ({message}).{where}{listing}",
        kind=kind,
        id=id,
    )
