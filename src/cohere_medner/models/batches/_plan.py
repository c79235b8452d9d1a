"""A request plan: what a batch sends, and how its answers are read back.

The :class:`~cohere_medner.extractor.Extractor` makes one (``Extractor.plan(documents)``);
:func:`~cohere_medner.models.batches.submit` writes its requests as the batch's input, and
:func:`~cohere_medner.models.batches.collect` parses the answers with its units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from cohere_medner.prompts.tasks import AnyTask, Task

__all__ = ["PlannedDocument", "RequestPlan"]


def _bodies(bodies: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return dict(bodies)


@attrs.frozen
class PlannedDocument:
    """One input document: its v2 chat request bodies by unit name, or why none is sent."""

    pmid: str
    bodies: dict[str, Mapping[str, Any]] = attrs.field(factory=dict, converter=_bodies)
    refused: str | None = None


@attrs.frozen
class RequestPlan:
    """The requests of a batch, document by document, and what reads their answers.

    ``documents`` yields one :class:`PlannedDocument` per input document, in order, with
    the worked examples chosen and documents in the examples' pool refused; the plan is read
    once, as its lines are written (``Extractor.plan`` builds them a thousand documents at a
    time). ``units`` (the tasks, or their combined task) parse the answers; ``tasks``,
    ``model``, ``server`` and ``mode`` go into the batch's handle.
    """

    model: str
    server: str | None
    mode: str
    tasks: tuple[Task, ...]
    units: tuple[AnyTask, ...]
    documents: Iterable[PlannedDocument] = ()
