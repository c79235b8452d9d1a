"""How fine-tuning talks to Cohere: each call retried as safe, listings paged, statuses polled.

A read is retried on 429, 5xx and dropped connections within the retry budget; a create only
on 429, so that nothing is uploaded or created twice; what still fails becomes the library's
error (:mod:`._translate`). Waiting polls with growing pauses, reports every change of
status and gives up at its deadline, cancelling nothing. Internal: the public API is
:mod:`cohere_medner.models.finetuning`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import cohere
import httpx
from cohere.core.api_error import ApiError
from tenacity import Retrying, retry_if_exception, stop_after_delay

from cohere_medner.errors import ConfigurationError
from cohere_medner.models.finetuning._errors import FinetuneTimeoutError
from cohere_medner.models.finetuning._translate import throttled, translate
from cohere_medner.models.finetuning._types import Kind, OnStatus, Polling, StatusChange
from cohere_medner.models.retrying import is_retryable, retry_wait

__all__ = ["FinetuneApi"]

T = TypeVar("T")


@attrs.frozen
class FinetuneApi:
    """A ``cohere.ClientV2`` for ``base_url``, and how its fine-tuning calls retry and wait."""

    sdk: cohere.ClientV2 = attrs.field(repr=False)
    base_url: str | None
    polling: Polling
    retry_budget: float

    def deadline(self, timeout: float | None) -> float | None:
        """When a wait of ``timeout`` seconds from now ends, on the polling clock."""
        if timeout is None:
            return None
        if timeout < 0:
            raise ConfigurationError(f"timeout must be >= 0 seconds or None, got {timeout}")
        return self.polling.clock() + timeout

    def call(
        self,
        send: Callable[[Mapping[str, Any]], T],
        *,
        idempotent: bool,
        kind: Kind | None = None,
        id: str | None = None,
        base_model: str | None = None,
        kept: str = "",
        remembered: bool = False,
    ) -> T:
        """One API call: retried as safe, its failure turned into the library's error."""
        options = {"max_retries": 0}
        retrying = Retrying(
            retry=retry_if_exception(is_retryable if idempotent else throttled),
            wait=retry_wait,
            stop=stop_after_delay(self.retry_budget),
            sleep=self.polling.sleep,
            reraise=True,
        )
        try:
            return retrying(send, options)
        except (ApiError, httpx.HTTPError) as error:
            raise translate(error, kind, id, base_model, kept, remembered, idempotent) from error

    def pages(
        self, fetch: Callable[[str | None, Mapping[str, Any]], Any], **about: Any
    ) -> Iterator[Any]:
        """Each page of a listing, following ``next_page_token`` until it ends (or repeats)."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self.call(functools.partial(fetch, token), idempotent=True, **about)
            yield page
            token = page.next_page_token or None
            if token is None or token in seen:
                return
            seen.add(token)

    def poll(
        self,
        fetch: Callable[[], str],
        kind: Kind,
        id: str,
        settled: Collection[str],
        deadline: float | None,
        on_status: OnStatus | None,
        hint: str,
    ) -> str:
        """Fetch until the status settles, with growing pauses; report each change."""
        polling = self.polling
        started = polling.clock()
        intervals = polling.intervals()
        previous: str | None = None
        while True:
            status = fetch()
            if status != previous:
                if on_status is not None:
                    on_status(StatusChange(kind, id, status, previous, polling.clock() - started))
                previous = status
            if status in settled:
                return status
            now = polling.clock()
            if deadline is not None and now >= deadline:
                raise FinetuneTimeoutError(
                    f"{kind} {id} is still {status} after {now - started:.0f} s of waiting; "
                    f"nothing was cancelled and its id is remembered: {hint}",
                    kind=kind,
                    id=id,
                    status=status,
                )
            interval = next(intervals)
            polling.sleep(interval if deadline is None else min(interval, deadline - now))
