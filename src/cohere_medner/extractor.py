"""The Extractor: tasks, a template and a model, composed into extractions.

The tasks say what to extract and how an answer is read; the template lays out each prompt
(with its worked examples); the model answers (:mod:`cohere_medner.models`). The Extractor
renders one request per task (or one for all, ``mode="combined"``), asks the model, and
parses the answers into an :class:`~cohere_medner.extraction.Extraction` per document.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import attrs

from cohere_medner.errors import ConfigurationError, EmptyTextError, FatalApiError, MedNerError
from cohere_medner.extraction import Extraction, as_document
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.models import batches
from cohere_medner.models.base import Metered, Model, Preparing, Request
from cohere_medner.models.client import Usage, run_sync
from cohere_medner.models.cohere_api import CohereChat
from cohere_medner.models.lexicon import LexiconModel
from cohere_medner.models.nearest import check_disjoint
from cohere_medner.models.registry import get_model
from cohere_medner.prompts.answers import build_extraction
from cohere_medner.prompts.tasks import MODES, AnyTask, CombinedTask, Mode, Task, get_tasks
from cohere_medner.prompts.templates import TITLED, ExampleChooser, Template, get_template
from cohere_medner.types import Completion, Document

PLANNED_AT_ONCE: Final = 1000
"""Documents of a batch plan whose worked examples are got ready together."""


class Extractor:
    """Extract diseases, chemicals and CID relations from abstracts with a model.

    ``model`` is a :class:`~cohere_medner.models.base.Model`, or a name that
    :func:`~cohere_medner.models.registry.get_model` builds with ``model_settings``: a
    Cohere model or fine-tuned model id (:class:`~cohere_medner.models.cohere_api.CohereChat`,
    taking client settings such as ``requests_per_minute``, ``cache``, ``temperature``), or
    ``"lexicon"``, the offline baseline (:class:`~cohere_medner.models.lexicon.LexiconModel`,
    taking ``lexicon=``): no key, no network.

    ``mode="per-task"`` sends one request per task (the tutorial's three prompts, what its
    fine-tuned models expect); ``"combined"`` asks for all lists in one request, a third of
    the requests. ``template`` lays out the prompts: ``"titled"`` (the default) shows the
    title before the abstract, since the official scores count the mentions in the title;
    ``"seed"`` is the tutorial's prompt byte for byte, the abstract alone, which a model
    fine-tuned on the tutorial's files expects. ``examples`` shows worked examples in every
    prompt: a :class:`~cohere_medner.models.nearest.KNearest` (the most similar training
    abstracts, by Cohere Embed) or a :class:`~cohere_medner.prompts.templates.FewShot` (a
    seeded random draw); the documents extracted must not be among them.
    """

    def __init__(
        self,
        model: str | Model,
        tasks: str | Sequence[str] | Sequence[Task] = ("diseases", "chemicals", "relations"),
        *,
        mode: Mode = "per-task",
        template: str | Template = TITLED,
        examples: ExampleChooser | None = None,
        progress: bool = True,
        **model_settings: Any,
    ) -> None:
        if mode not in MODES:
            raise ConfigurationError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        self.model = _model(model, model_settings)
        self.tasks = _single_tasks(tasks)
        self.mode = mode
        self.units: tuple[AnyTask, ...] = (
            (CombinedTask(self.tasks),) if mode == "combined" else self.tasks
        )
        self.template = get_template(template)
        if examples is not None:
            self.template = attrs.evolve(self.template, few_shot=examples)
        self.progress = progress

    def __repr__(self) -> str:
        names = ",".join(t.name for t in self.tasks)
        return f"Extractor(model={self.model.name!r}, tasks={names!r}, mode={self.mode!r})"

    # One document -------------------------------------------------------------------------

    def extract(self, item: str | Document) -> Extraction:
        """Extract from one text or document; raises if its requests fail."""
        return run_sync(self.aextract(item))

    async def aextract(self, item: str | Document) -> Extraction:
        """:meth:`extract`, in a running event loop."""
        document = as_document(item)
        await self._prepare([document])
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
        set (which document, why); the others complete. A refusal no request can get past
        (a refused key, an unknown model: :class:`~cohere_medner.errors.FatalApiError`)
        stops the run instead: requests not yet sent are not sent, those in flight are
        awaited (their answers cached), and the error is raised.
        """
        return run_sync(self.aextract_many(documents, progress=progress))

    async def aextract_many(
        self, documents: Iterable[str | Document], *, progress: bool | None = None
    ) -> list[Extraction]:
        """:meth:`extract_many`, in a running event loop."""
        entries = _entries(documents)
        await self._prepare([e for e in entries if isinstance(e, Document)])
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
            # Every document is awaited, even after a refusal that stops the run: the
            # answers still on their way are paid for, and cached when they come.
            results = await asyncio.gather(*(one(e) for e in entries), return_exceptions=True)
        finally:
            if bar:
                bar.close()
        _raise_first(results)
        return [r for r in results if isinstance(r, Extraction)]

    # Batches ------------------------------------------------------------------------------

    def plan(self, documents: Iterable[str | Document] = ()) -> batches.RequestPlan:
        """What a Cohere batch of ``documents`` sends, and how its answers are read back.

        The requests are built as the plan is read, :data:`PLANNED_AT_ONCE` documents at a
        time: documents in the examples' pool are refused before anything is uploaded, and
        nearest-neighbour queries are embedded in few calls. Batches run v2 chat requests,
        so the model must be a :class:`~cohere_medner.models.cohere_api.CohereChat`.
        """
        model = self.model
        if not isinstance(model, CohereChat):
            raise ConfigurationError(
                f"batches run Cohere v2 chat requests, and model {model.name!r} is a "
                f"{type(model).__name__}: batch with a CohereChat model"
            )
        requests = self._planned(model, documents)
        return batches.RequestPlan(
            model.name, model.client.base_url, self.mode, self.tasks, self.units, requests
        )

    def submit_batch(self, documents: Iterable[str | Document], **options: Any) -> batches.BatchJob:
        """Send the requests for ``documents`` as one Cohere batch; returns its saved handle.

        For corpora far beyond the rate limit: see :mod:`cohere_medner.models.batches` for the
        options (``name``, ``handle`` ...).
        """
        return batches.submit(self.plan(documents), **options)

    def collect_batch(
        self, target: str | Path | batches.BatchJob, **options: Any
    ) -> batches.BatchResult:
        """Wait for a batch (by handle, handle file or id) and read its answers, in order."""
        return batches.collect(target, plan=self.plan(), **options)

    # What it spent, what it knows ---------------------------------------------------------

    @property
    def usage(self) -> dict[str, int]:
        """Requests, retries, 429s and billed tokens spent by the model (zeros if it counts none)."""
        return (self.model.usage if isinstance(self.model, Metered) else Usage()).as_dict()

    @property
    def lexicon(self) -> Lexicon | None:
        """The offline baseline's lexicon (``model="lexicon"``), else None."""
        return self.model.lexicon if isinstance(self.model, LexiconModel) else None

    # Internals ----------------------------------------------------------------------------

    async def _prepare(self, documents: list[Document]) -> None:
        """Refuse documents the examples or the model were drawn from; embed queries at once."""
        chooser = self.template.few_shot
        if isinstance(chooser, Preparing):  # nearest examples: refused and embedded at once
            await chooser.prepare(documents)
        elif chooser is not None:
            check_disjoint(chooser.pool, documents)
        if isinstance(self.model, Preparing):
            await self.model.prepare(documents)

    def _requests(self, document: Document) -> list[Request]:
        return [Request.render(unit, document, self.template) for unit in self.units]

    async def _extract(self, document: Document) -> tuple[Extraction, MedNerError | None]:
        """The document's extraction, and the first error that failed one of its requests."""
        requests = self._requests(document)
        results = await asyncio.gather(
            *(self.model.complete(request) for request in requests), return_exceptions=True
        )
        first_error: MedNerError | None = None
        answers: dict[str, Completion | str] = {}
        _raise_first(r for r in results if isinstance(r, FatalApiError))
        for unit, result in zip(self.units, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, MedNerError):
                    raise result
                first_error = first_error or result
                answers[unit.name] = str(result)
            else:
                answers[unit.name] = result
        return _built(document.pmid, self.units, answers), first_error

    def _planned(
        self, model: CohereChat, documents: Iterable[str | Document]
    ) -> Iterator[batches.PlannedDocument]:
        """Each document's chat request bodies, or why it is not sent, in input order."""
        items = iter(documents)
        while chunk := _entries(itertools.islice(items, PLANNED_AT_ONCE)):
            run_sync(self._prepare([e for e in chunk if isinstance(e, Document)]))
            for entry in chunk:
                if isinstance(entry, Extraction):
                    yield batches.PlannedDocument(entry.document, refused=entry.error)
                    continue
                bodies = {r.unit.name: model.body(r) for r in self._requests(entry)}
                yield batches.PlannedDocument(entry.pmid, bodies)


def _raise_first(results: Iterable[object]) -> None:
    """Raise the first of ``results`` that is an exception, if any is."""
    for result in results:
        if isinstance(result, BaseException):
            raise result


def _model(model: str | Model, settings: Mapping[str, Any]) -> Model:
    if isinstance(model, str):
        return get_model(model, **settings)
    if settings:
        raise ConfigurationError(
            f"model settings ({', '.join(settings)}) build a model from its name; "
            f"give them to {type(model).__name__}(...) instead"
        )
    return model


def _entries(items: Iterable[str | Document]) -> list[Document | Extraction]:
    """Each item once: a document, or the failed extraction of one without text."""
    entries: list[Document | Extraction] = []
    for item in items:
        try:
            entries.append(as_document(item))
        except EmptyTextError as error:
            pmid = item.pmid if isinstance(item, Document) else ""
            entries.append(Extraction(pmid, error=str(error)))
    return entries


def _built(
    pmid: str, units: Sequence[AnyTask], answers: Mapping[str, Completion | str]
) -> Extraction:
    """The extraction of one document's answers, counting those sent, cached, or offline."""
    origins = {name: a.origin for name, a in answers.items() if isinstance(a, Completion)}
    cached = {name for name, origin in origins.items() if origin == "cache"}
    extraction = build_extraction(pmid, units, answers, cached)
    offline = sum(origin == "offline" for origin in origins.values())
    return attrs.evolve(extraction, requests=extraction.requests - offline)


def _single_tasks(tasks: str | Sequence[str] | Sequence[Task]) -> tuple[Task, ...]:
    if isinstance(tasks, str) or all(isinstance(t, str) for t in tasks):
        found = get_tasks(tasks)  # type: ignore[arg-type]
    else:
        found = tuple(tasks)  # type: ignore[arg-type]
    single: list[Task] = []
    for task in found:
        single.extend(task.tasks)
    if not single:
        raise ConfigurationError("an Extractor needs at least one task")
    return tuple(single)


class _Progress:
    """Documents done of all, failures, rate and time left, on stderr as the run goes.

    tqdm's bar on a terminal, or its widget in a notebook (:mod:`tqdm.auto`); elsewhere (a
    log file, a CI console), where ``\\r`` redraws pile up into one endless line, a plain
    line at each tenth of the documents.
    """

    def __init__(
        self, total: int, stream: TextIO, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream, self.clock = stream, clock
        self.start = clock()
        self.step = max(1, -(-total // 10))
        self.bar = _bar(total, stream) if total and _interactive(stream) else None

    def advance(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        if self.bar is not None:
            if not ok:
                self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update()
        elif self.done % self.step == 0 or self.done == self.total:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        """``3/10 documents, 1 failed (20/min, 0:21 left)``: the plain line."""
        elapsed = self.clock() - self.start
        per_second = self.done / elapsed if elapsed > 0 else 0.0
        failed = f", {self.failed} failed" if self.failed else ""
        left = ""
        if per_second and self.done < self.total:
            hours, seconds = divmod(round((self.total - self.done) / per_second), 3600)
            minutes, seconds = divmod(seconds, 60)
            clock = f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"
            left = f", {clock} left"
        return f"{self.done}/{self.total} documents{failed} ({per_second * 60:.0f}/min{left})"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _interactive(stream: TextIO) -> bool:
    """Whether ``stream`` shows a redrawn bar: a terminal, or a notebook's output."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


def _bar(total: int, stream: TextIO) -> Any:
    """tqdm's bar (a notebook widget under Jupyter) for ``total`` documents on ``stream``."""
    # Imported here: importing tqdm would cost every run that shows no bar. No stubs ship.
    from tqdm.auto import tqdm  # type: ignore[import-untyped]

    return tqdm(total=total, file=stream, unit="doc", dynamic_ncols=True)
