"""Responders: how a test decides what the fake model answers to each request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

from cohere_medner.testing.errors import UnmappedPromptError
from cohere_medner.testing.wire import FakeRequest

Responder: TypeAlias = Callable[[FakeRequest], str]
"""Produces the answer text for one request; an exception becomes a 500 (see ResponderError)."""


def fixed(text: str) -> Responder:
    """Answer every request with ``text``."""

    def respond(request: FakeRequest) -> str:
        return text

    return respond


def echo(request: FakeRequest) -> str:
    """Answer with the last user message (chat) or the prompt (generate)."""
    return request.last_user_message


def from_mapping(answers: Mapping[str, str], *, default: str | None = None) -> Responder:
    """Answer with ``answers[last user message]``; ``default`` (or an error) otherwise."""
    table = dict(answers)

    def respond(request: FakeRequest) -> str:
        key = request.last_user_message
        if key in table:
            return table[key]
        if default is not None:
            return default
        raise UnmappedPromptError(key)

    return respond
