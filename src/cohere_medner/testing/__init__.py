"""A loopback Cohere API for tests: drive the real ``cohere`` SDK over real HTTP.

::

    import cohere
    from cohere_medner.testing import FakeCohere, Fault, fixed

    with FakeCohere(responder=fixed("aspirin")) as server:
        co = cohere.ClientV2(api_key="test-key", base_url=server.url)
        server.inject(Fault.RATE_LIMITED, count=2, retry_after=0.05)
        reply = co.chat(model="command-r-08-2024", messages=[{"role": "user", "content": "hi"}])
        assert reply.message.content[0].text == "aspirin"  # after the SDK's own two retries

The SDK reads ``CO_API_URL`` once, when ``cohere`` is imported, so set it (to
``server.url``) in the environment of a subprocess rather than in a running test.
Nothing here imports the SDK: the server only speaks its wire format.
"""

from __future__ import annotations

from ..errors import (
    FakeCohereConfigError,
    FakeCohereError,
    ResponderError,
    UnmappedPromptError,
)
from .endpoints import ROUTES, Outcome, Route
from .faults import STATUS_FAULTS, Fault
from .responders import Responder, echo, fixed, from_mapping
from .server import DEFAULT_MODELS, Exchange, FakeCohere
from .wire import FakeRequest, count_tokens

__all__ = [
    "DEFAULT_MODELS",
    "ROUTES",
    "STATUS_FAULTS",
    "Exchange",
    "FakeCohere",
    "FakeCohereConfigError",
    "FakeCohereError",
    "FakeRequest",
    "Fault",
    "Outcome",
    "Responder",
    "ResponderError",
    "Route",
    "UnmappedPromptError",
    "count_tokens",
    "echo",
    "fixed",
    "from_mapping",
]
