"""What the loopback Cohere server raises when it is misconfigured or misused."""

from __future__ import annotations

from cohere_medner.errors import MedNerError


class FakeCohereError(MedNerError):
    """The loopback Cohere server was misconfigured or misused."""


class FakeCohereConfigError(FakeCohereError, ValueError):
    """A FakeCohere setting out of range: a fault rate above 1, a negative latency ..."""


class ResponderError(FakeCohereError):
    """A FakeCohere responder raised while answering; the client was sent a 500.

    Raised when the server stops (leaving its ``with`` block), chained to the first
    responder exception, so that a bug in a test's responder fails the test instead of
    hiding behind the client's retries.
    """


class UnmappedPromptError(FakeCohereError, LookupError):
    """A ``from_mapping`` responder was asked a prompt it holds no answer for."""

    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        shown = prompt if len(prompt) <= 80 else prompt[:77] + "..."
        super().__init__(f"no answer mapped for prompt {shown!r}")
