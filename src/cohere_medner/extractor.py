"""The Extractor: the one place where tasks, the Cohere client and the cache meet."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

import attrs

from cohere_medner.errors import ConfigurationError, EmptyTextError, MedNerError
from cohere_medner.extraction import Extraction, as_document
from cohere_medner.grounding.baseline import MODEL as BASELINE
from cohere_medner.grounding.baseline import LexiconBaseline
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.models.batches import _submit as batch
from cohere_medner.models.batches._job import BatchJob
from cohere_medner.models.batches._output import BatchResult
from cohere_medner.models.cache import ResponseCache, open_response_cache
from cohere_medner.models.client import CohereClient, Endpoint, Usage, run_sync
from cohere_medner.models.nearest import KNearest, check_disjoint
from cohere_medner.prompts.answers import build_extraction
from cohere_medner.prompts.tasks import AnyTask, CombinedTask, Task, get_tasks
from cohere_medner.prompts.templates import ExampleChooser, Template, get_template
from cohere_medner.types import Completion, Document

Mode = Literal["per-task", "combined"]
MODES: tuple[Mode, ...] = ("per-task", "combined")


class Extractor:
    """Extract diseases, chemicals and CID relations from abstracts with a Cohere model.

    ``mode="per-task"`` sends one request per task (the tutorial's three prompts, what
    its fine-tuned models expect); ``"combined"`` asks for all lists in one request, a
    third of the requests. ``endpoint="generate"`` uses the legacy v1 generate API
    with prompt strings, for the tutorial's generative fine-tuned models. Answers are
    cached on disk (``cache=False`` to switch off, or a path or a
    :class:`~cohere_medner.models.cache.ResponseCache`): re-running costs nothing, and an
    interrupted run resumes where it stopped.

    ``examples`` shows worked examples in every prompt: a
    :class:`~cohere_medner.models.nearest.KNearest` (the most similar training abstracts, by
    Cohere Embed) or a :class:`~cohere_medner.prompts.templates.FewShot` (a seeded random draw); the
    documents extracted must not be among them.

    ``model="lexicon"`` is the offline baseline (:class:`~cohere_medner.grounding.baseline.
    LexiconBaseline`): dictionary matching with ``lexicon`` (a
    :class:`~cohere_medner.grounding.lexicon.Lexicon` or a baseline; by default one built from the
    bundled sample's train and validation splits), no key, no network.
    """

    def __init__(
        self,
        model: str,
        tasks: str | Sequence[str] | Sequence[Task] = ("diseases", "chemicals", "relations"),
        *,
        mode: Mode = "per-task",
        template: str | Template = "seed",
        endpoint: Endpoint = "chat",
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
        progress: bool = True,
        lexicon: Lexicon | LexiconBaseline | None = None,
        examples: ExampleChooser | None = None,
    ) -> None:
        if mode not in MODES:
            raise ConfigurationError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if endpoint not in ("chat", "generate"):
            raise ConfigurationError(f"unknown endpoint {endpoint!r}; expected chat or generate")
        self.model = model
        self.tasks = _single_tasks(tasks)
        self.mode = mode
        self.units: tuple[AnyTask, ...] = (
            (CombinedTask(self.tasks),) if mode == "combined" else self.tasks
        )
        self.template = get_template(template)
        if examples is not None:
            self.template = attrs.evolve(self.template, few_shot=examples)
        self.endpoint: Endpoint = endpoint
        self.baseline: LexiconBaseline | None = None
        self.client: CohereClient | None = None
        self.cache: ResponseCache | None = None
        if model == BASELINE:
            self.baseline = (
                lexicon
                if isinstance(lexicon, LexiconBaseline)
                else LexiconBaseline(lexicon)
                if lexicon is not None
                else LexiconBaseline.from_data()
            )
        else:
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
        self.progress = progress

    def __repr__(self) -> str:
        names = ",".join(t.name for t in self.tasks)
        return f"Extractor(model={self.model!r}, tasks={names!r}, mode={self.mode!r})"

    # One document -------------------------------------------------------------------------

    def extract(self, item: str | Document) -> Extraction:
        """Extract from one text or document; raises if its requests fail."""
        return run_sync(self.aextract(item))

    async def aextract(self, item: str | Document) -> Extraction:
        """:meth:`extract`, in a running event loop."""
        document = as_document(item)
        await self._prepare_examples([document])
        extraction, error = await self._extract(document)
        if error is not None:
            raise error
        return extraction

    # Many documents ---------------------------------------------------------------------

    def extract_many(
        self, documents: Iterable[str | Document], *, progress: bool | None = None
    ) -> list[Extraction]:
        """Extract from every document, concurrently, in input order.

        A document whose requests still fail after retrying comes back with ``error``
        set (which document, why); the others complete.
        """
        return run_sync(self.aextract_many(documents, progress=progress))

    async def aextract_many(
        self, documents: Iterable[str | Document], *, progress: bool | None = None
    ) -> list[Extraction]:
        """:meth:`extract_many`, in a running event loop."""
        # Each item once: a document, or the failed extraction of one without text.
        entries: list[Document | Extraction] = []
        for item in documents:
            try:
                entries.append(as_document(item))
            except EmptyTextError as error:
                pmid = item.pmid if isinstance(item, Document) else ""
                entries.append(Extraction(pmid, error=str(error)))
        await self._prepare_examples([e for e in entries if isinstance(e, Document)])
        bar = (
            _Progress(len(entries), sys.stderr)
            if (self.progress if progress is None else progress)
            else None
        )

        async def one(entry: Document | Extraction) -> Extraction:
            result = entry if isinstance(entry, Extraction) else (await self._extract(entry))[0]
            if bar:
                bar.advance(result.ok)
            return result

        try:
            return list(await asyncio.gather(*(one(e) for e in entries)))
        finally:
            if bar:
                bar.close()

    # Batches ------------------------------------------------------------------------------

    def submit_batch(self, documents: Iterable[str | Document], **options: Any) -> BatchJob:
        """Send the requests for ``documents`` as one Cohere batch; returns its saved handle.

        For corpora far beyond the rate limit: see :mod:`cohere_medner.models.batches` for the
        options (``name``, ``handle`` ...).
        """
        return batch.submit(self, documents, **options)

    def collect_batch(self, target: str | Path | BatchJob, **options: Any) -> BatchResult:
        """Wait for a batch (by handle, handle file or id) and read its answers, in order."""
        return batch.collect(target, extractor=self, **options)

    @property
    def usage(self) -> dict[str, int]:
        """Requests, retries, 429s and billed tokens spent by this extractor's client."""
        return (self.client.usage if self.client else Usage()).as_dict()

    @property
    def lexicon(self) -> Lexicon | None:
        """The offline baseline's lexicon (``model="lexicon"``), else None."""
        return self.baseline.lexicon if self.baseline else None

    # Internals ----------------------------------------------------------------------------

    def request(self, unit: AnyTask, document: Document) -> dict[str, Any]:
        """Everything that determines the answer to one request: the cache key."""
        client = self._client()
        if self.endpoint == "chat":
            body: dict[str, Any] = {"messages": self.template.messages(unit, document)}
        else:
            body = {"prompt": self.template.prompt(unit, document)}
        return {
            "server": client.server,
            "endpoint": self.endpoint,
            "model": self.model,
            "parameters": self.parameters,
            **body,
        }

    def prepare_examples(self, documents: Iterable[Document]) -> None:
        """Get worked examples ready for ``documents`` before building their requests.

        Refuses (:class:`~cohere_medner.errors.ExampleLeakError`) documents that are in the
        examples' pool, and embeds the queries of nearest-neighbour examples in a few
        calls rather than one per document. ``extract_many`` does this by itself.
        """
        run_sync(self._prepare_examples(list(documents)))

    async def _prepare_examples(self, documents: list[Document]) -> None:
        """Refuse examples drawn from the documents to extract; embed their queries at once."""
        chooser = self.template.few_shot
        if isinstance(chooser, KNearest):
            await chooser.prepare(documents)
        elif chooser is not None:
            check_disjoint(chooser.pool, documents)

    def _client(self) -> CohereClient:
        if self.client is None:
            raise ConfigurationError(f"the {self.model!r} model sends no requests")
        return self.client

    async def _answer(self, request: dict[str, Any]) -> tuple[Completion, bool]:
        if self.cache is not None:
            found = self.cache.get(request)
            if found is not None:
                return found, True
        client = self._client()
        if self.endpoint == "chat":
            completion = await client.chat(self.model, request["messages"], **self.parameters)
        else:
            completion = await client.generate(self.model, request["prompt"], **self.parameters)
        if self.cache is not None:
            self.cache.put(request, completion)
        return completion, False

    async def _extract(self, document: Document) -> tuple[Extraction, MedNerError | None]:
        """The document's extraction, and the first error that failed one of its requests."""
        if self.baseline is not None:
            return self._from_baseline(self.baseline, document), None
        first_error: MedNerError | None = None
        answers: dict[str, Completion | str] = {}
        cached: set[str] = set()
        results = await asyncio.gather(
            *(self._answer(self.request(unit, document)) for unit in self.units),
            return_exceptions=True,
        )
        for unit, result in zip(self.units, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, MedNerError):
                    raise result
                first_error = first_error or result
                answers[unit.name] = str(result)
                continue
            answers[unit.name], from_cache = result
            if from_cache:
                cached.add(unit.name)
        extraction = build_extraction(document.pmid, self.units, answers, cached)
        return extraction, first_error

    def _from_baseline(self, baseline: LexiconBaseline, document: Document) -> Extraction:
        """The baseline's extraction, holding only the tasks asked for."""
        found = baseline.extract(document)
        kinds = {t.entity_type for t in self.tasks if t.entity_type is not None}
        relations = found.relations if any(t.relation_type for t in self.tasks) else ()
        entities = {k: v for k, v in found.entities.items() if k in kinds}
        return attrs.evolve(found, entities=entities, relations=relations)


def _single_tasks(tasks: str | Sequence[str] | Sequence[Task]) -> tuple[Task, ...]:
    if isinstance(tasks, str) or all(isinstance(t, str) for t in tasks):
        found = get_tasks(tasks)  # type: ignore[arg-type]
    else:
        found = tuple(tasks)  # type: ignore[arg-type]
    single: list[Task] = []
    for task in found:
        single.extend(task.tasks if isinstance(task, CombinedTask) else (task,))
    if not single:
        raise ConfigurationError("an Extractor needs at least one task")
    return tuple(single)


class _Progress:
    """A one-line progress report on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream
        self.start = self.last = time.monotonic()
        self.drawn = -1

    def advance(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.monotonic()
        if now - self.last >= 0.1 or self.done == self.total:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        self.drawn = self.done
        rate = self.done / max(now - self.start, 1e-9) * 60
        failed = f", {self.failed} failed" if self.failed else ""
        self.stream.write(f"\r{self.done}/{self.total} documents{failed} ({rate:.0f}/min)")
        self.stream.flush()

    def close(self) -> None:
        if self.total:
            if self.drawn != self.done:
                self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
