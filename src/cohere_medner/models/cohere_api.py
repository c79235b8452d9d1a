"""Cohere's models: :class:`CohereChat` (the v2 chat API) and :class:`CohereGenerate` (legacy v1).

Both send through a retrying, rate-limited :class:`~cohere_medner.models.client.CohereClient`
and keep every answer in a :class:`~cohere_medner.models.cache.ResponseCache` (``cache=False``
to switch off, or a path or a cache): re-running costs nothing, and an interrupted run
resumes where it stopped. The cache key holds everything that determines the answer: the
server, the endpoint, the model, its parameters and the full prompt.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, ClassVar

import attrs

from cohere_medner.models.base import Request
from cohere_medner.models.cache import ResponseCache, open_response_cache
from cohere_medner.models.client import CohereClient, Endpoint, Usage
from cohere_medner.types import Completion

__all__ = ["CohereChat", "CohereGenerate"]


class _CohereModel(abc.ABC):
    """What both Cohere models share: the client, the answer cache and the parameters."""

    endpoint: ClassVar[Endpoint]

    def __init__(
        self,
        name: str,
        *,
        client: CohereClient | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        requests_per_minute: float | None = None,
        max_concurrency: int = 8,
        retry_budget: float = 300.0,
        timeout: float = 120.0,
        cache: ResponseCache | str | Path | bool = True,
        temperature: float = 0.0,
        max_tokens: int = 600,
    ) -> None:
        self.name = name
        self.client = client or CohereClient(
            api_key,
            base_url=base_url,
            requests_per_minute=requests_per_minute,
            max_concurrency=max_concurrency,
            retry_budget=retry_budget,
            timeout=timeout,
        )
        self.cache = open_response_cache(cache)
        self.parameters: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, client={self.client!r})"

    @property
    def usage(self) -> Usage:
        """Requests, retries, 429s and billed tokens spent by this model's client."""
        return self.client.usage

    def key(self, request: Request) -> dict[str, Any]:
        """Everything that determines the answer to ``request``: its key in the cache."""
        return {
            "server": self.client.server,
            "endpoint": self.endpoint,
            "model": self.name,
            "parameters": self.parameters,
            **self._prompt(request),
        }

    async def complete(self, request: Request) -> Completion:
        """The answer to ``request``: from the cache, else asked (and then cached).

        A request another process sharing the cache is asking is not asked again: its
        answer is awaited (see :meth:`~cohere_medner.models.cache.ResponseCache.claim`).
        Only answers worth keeping are cached: not one that ran far past ``max_tokens``
        (the server ignored it: a rerun asks again), and no empty one, which the client
        refuses (an empty answer an earlier version cached is asked again). An answer cut
        at ``max_tokens`` is kept, flagged by its finish reason: asking again would pay for
        the same cut, and a larger ``max_tokens`` is another cache key.
        """
        key = self.key(request)
        if self.cache is None:
            return await self._send(request)
        async with self.cache.claim(key) as found:
            if found is not None and found.text.strip():
                return attrs.evolve(found, origin="cache")
            completion = await self._send(request)
            if not completion.oversized:
                self.cache.put(key, completion)
        return completion

    @abc.abstractmethod
    def _prompt(self, request: Request) -> dict[str, Any]:
        """The part of the request that carries the prompt, as the endpoint takes it."""

    @abc.abstractmethod
    async def _send(self, request: Request) -> Completion:
        """Ask the model."""


class CohereChat(_CohereModel):
    """A Cohere model over the v2 chat API: ``CohereChat("command-r-08-2024")``.

    Client settings (``api_key``, ``base_url``, ``requests_per_minute``, ``max_concurrency``,
    ``retry_budget``, ``timeout``) build its :class:`~cohere_medner.models.client.CohereClient`,
    or ``client=`` gives one to share (with :class:`~cohere_medner.models.nearest.KNearest`).
    ``temperature`` and ``max_tokens`` go with every request.
    """

    endpoint: ClassVar[Endpoint] = "chat"

    def body(self, request: Request) -> dict[str, Any]:
        """The v2 chat request body for ``request`` (the model aside): what a batch line sends."""
        return {**self._prompt(request), **self.parameters}

    def _prompt(self, request: Request) -> dict[str, Any]:
        return {"messages": list(request.messages)}

    async def _send(self, request: Request) -> Completion:
        return await self.client.chat(self.name, request.messages, **self.parameters)


class CohereGenerate(_CohereModel):
    """A Cohere model over the legacy v1 generate API, with prompt strings.

    For the tutorial's generative fine-tuned models; settings as :class:`CohereChat`.
    """

    endpoint: ClassVar[Endpoint] = "generate"

    def _prompt(self, request: Request) -> dict[str, Any]:
        return {"prompt": request.prompt}

    async def _send(self, request: Request) -> Completion:
        return await self.client.generate(self.name, request.prompt, **self.parameters)
