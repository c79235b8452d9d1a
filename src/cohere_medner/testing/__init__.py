"""A loopback Cohere API for tests: drive the real ``cohere`` SDK over real HTTP.

::

    import cohere
    from cohere_medner.testing import FakeCohere, Fault, fixed

    with FakeCohere(responder=fixed("aspirin")) as server:
        co = cohere.ClientV2(api_key="test-key", base_url=server.url)
        server.inject(Fault.RATE_LIMITED, count=2, retry_after=0.05)
        reply = co.chat(model="command-r-08-2024", messages=[{"role": "user", "content": "hi"}])
        assert reply.message.content[0].text == "aspirin"  # after the SDK's own two retries

Besides chat and generate, the server speaks embed and rerank (deterministic, word-based
answers), datasets (uploads validated as Cohere validates them, downloadable through the
SDK), chat fine-tuning (jobs that become chat models named ``ID-ft``, or a retired feature)
and batches (dataset lines answered by the responder into an output dataset); see
:mod:`.endpoints` for the route table.

The SDK reads ``CO_API_URL`` once, when ``cohere`` is imported, so set it (to
``server.url``) in the environment of a subprocess rather than in a running test.
Nothing here imports the SDK: the server only speaks its wire format.
"""

from __future__ import annotations

from cohere_medner.testing.embeddings import DEFAULT_EMBED_MODELS, embed_vector
from cohere_medner.testing.endpoints import ROUTES
from cohere_medner.testing.errors import (
    FakeCohereConfigError,
    FakeCohereError,
    ResponderError,
    UnmappedPromptError,
)
from cohere_medner.testing.faults import FLAWED_ANSWERS, SHAPE_FAULTS, STATUS_FAULTS, Fault
from cohere_medner.testing.finetune_store import finetuned_name
from cohere_medner.testing.handling import Outcome
from cohere_medner.testing.jobs import POLL, Pace
from cohere_medner.testing.rerank import DEFAULT_RERANK_MODELS, relevance
from cohere_medner.testing.responders import Responder, echo, fixed, from_mapping
from cohere_medner.testing.routing import Route
from cohere_medner.testing.server import DEFAULT_MODELS, Exchange, FakeCohere, Finetuning
from cohere_medner.testing.wire import FakeRequest, count_tokens

__all__ = [
    "DEFAULT_EMBED_MODELS",
    "DEFAULT_MODELS",
    "DEFAULT_RERANK_MODELS",
    "FLAWED_ANSWERS",
    "POLL",
    "ROUTES",
    "SHAPE_FAULTS",
    "STATUS_FAULTS",
    "Exchange",
    "FakeCohere",
    "FakeCohereConfigError",
    "FakeCohereError",
    "FakeRequest",
    "Fault",
    "Finetuning",
    "Outcome",
    "Pace",
    "Responder",
    "ResponderError",
    "Route",
    "UnmappedPromptError",
    "count_tokens",
    "echo",
    "embed_vector",
    "finetuned_name",
    "fixed",
    "from_mapping",
    "relevance",
]
