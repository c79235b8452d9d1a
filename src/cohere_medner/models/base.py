"""What answers a prompt: the :class:`Model` protocol, and the :class:`Request` it answers.

A model is anything with a ``name`` and an async ``complete(request)`` that returns a
:class:`~cohere_medner.types.Completion`: the Cohere models of :mod:`.cohere_api`, the
offline baseline of :mod:`cohere_medner.models.lexicon`, or an object of your own (another deployment, a stub
in a test). The :class:`~cohere_medner.extractor.Extractor` renders each request, asks the
model, and parses the answer's text with the request's task, whoever wrote it.

Two things a model may do besides, and the Extractor uses when it does: count what it
spends (:class:`Metered`), and see all documents before their requests (:class:`Preparing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from cohere_medner.prompts.tasks import AnyTask
from cohere_medner.prompts.templates import Message, Template
from cohere_medner.types import Completion, Document

if TYPE_CHECKING:  # a protocol's annotation only: no client is built here
    from cohere_medner.models.client import Usage

__all__ = ["Metered", "Model", "Preparing", "Request"]


def _messages(messages: Sequence[Message]) -> tuple[Message, ...]:
    return tuple(messages)


@attrs.frozen
class Request:
    """One prompt to answer: its task unit and document, rendered as chat messages and as a string.

    ``unit`` is a task or the combined task, whose parser reads the answer; ``messages`` are
    for chat models, ``prompt`` for prompt-completion models (the legacy generate API).
    """

    unit: AnyTask
    document: Document
    messages: tuple[Message, ...] = attrs.field(converter=_messages)
    prompt: str

    @classmethod
    def render(cls, unit: AnyTask, document: Document, template: Template) -> Request:
        """The request for ``unit`` on ``document``, laid out by ``template``."""
        return cls(
            unit, document, template.messages(unit, document), template.prompt(unit, document)
        )


class Model(Protocol):
    """What answers a prompt: a name (for reports and cache keys) and an answer per request.

    ``complete`` raises a :class:`~cohere_medner.errors.MedNerError` for a request that
    failed; the Extractor then sets the document's ``error`` and keeps its other answers.
    """

    @property
    def name(self) -> str:
        """The model's name, as runs and reports show it."""
        ...

    async def complete(self, request: Request) -> Completion:
        """The answer to ``request``."""
        ...


@runtime_checkable
class Metered(Protocol):
    """A model that counts what it spends: requests, retries, 429s and billed tokens."""

    @property
    def usage(self) -> Usage:
        """What the model has spent so far."""
        ...


@runtime_checkable
class Preparing(Protocol):
    """A model (or example chooser) that sees all documents before any of their requests.

    It may refuse some at once (documents a lexicon or an example pool was built from), and
    get ready for the rest together (embedding nearest-neighbour queries in few calls).
    """

    async def prepare(self, documents: Sequence[Document]) -> None:
        """Get ready to answer for ``documents``; raise to refuse them before anything is sent."""
        ...
