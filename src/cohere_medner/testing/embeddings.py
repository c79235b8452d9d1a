"""POST /v2/embed: deterministic vectors in which texts that share words lie close together.

Each text becomes a signed, hashed bag of its lower-cased words (the "hashing trick") in
the model's dimension, L2-normalised: the cosine of two texts grows with the words they
share, and the same text always gets the same vector. ``input_type`` is checked as the API
checks it but does not change the vector, so a query and the documents it names stay close.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from cohere_medner.testing.handling import HTTPError, Outcome, check_model, invalid
from cohere_medner.testing.routing import ServerView
from cohere_medner.testing.wire import FakeRequest, Reply, count_tokens, new_id, truncate_tokens

MAX_TEXTS: Final = 96
"""Texts (or inputs) per call, as the API documents and enforces."""

INPUT_TYPES: Final = ("search_document", "search_query", "classification", "clustering", "image")
EMBEDDING_TYPES: Final = ("float", "int8", "uint8", "binary", "ubinary", "base64")
TRUNCATE_MODES: Final = ("NONE", "START", "END")

_WORD: Final = re.compile(r"\w+")


@attrs.frozen
class EmbedModel:
    """An embedding model's output dimensions (the first is the default) and context length."""

    dimensions: tuple[int, ...]
    context: int


EMBED_MODEL_SPECS: Final[Mapping[str, EmbedModel]] = {
    # docs.cohere.com/docs/cohere-embed: dimensions and context length of each model.
    "embed-v4.0": EmbedModel((1536, 256, 512, 1024), 128_000),
    "embed-english-v3.0": EmbedModel((1024,), 512),
    "embed-multilingual-v3.0": EmbedModel((1024,), 512),
    "embed-english-light-v3.0": EmbedModel((384,), 512),
    "embed-multilingual-light-v3.0": EmbedModel((384,), 512),
}
DEFAULT_EMBED_MODELS: Final = frozenset(EMBED_MODEL_SPECS)
"""Embedding models the fake knows unless told otherwise."""

_OTHER_MODEL: Final = EmbedModel((1024,), 512)
"""What a model named in ``embed_models`` but absent from the table above gets."""

INPUT_TYPE_REQUIRED: Final = (
    "invalid request: valid input_type must be provided with the provided model"
)


def too_many_texts(received: int) -> str:
    """The 400 message for more than 96 texts in one call."""
    return (
        f"invalid request: total number of texts must be at most {MAX_TEXTS} - received {received}"
    )


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``: what the fake's embeddings and rerank compare."""
    return _WORD.findall(text.lower())


def embed_vector(text: str, dimension: int) -> list[float]:
    """The unit vector of ``text``: each word adds +-1 at a position given by its hash."""
    vector = [0.0] * dimension
    for word, count in Counter(words(text)).items():
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        position = int.from_bytes(digest[:4], "little") % dimension
        vector[position] += count if digest[4] & 1 else -count
    norm = math.sqrt(sum(value * value for value in vector))
    if norm == 0.0:  # no words (or words that cancel): a fixed direction, not NaN
        vector[0], norm = 1.0, 1.0
    return [value / norm for value in vector]


def encode(vector: list[float], kind: str) -> list[float] | list[int] | str:
    """``vector`` as the embedding type ``kind`` (``int8``, ``ubinary``, ``base64`` ...)."""
    if kind == "float":
        return vector
    if kind in ("int8", "uint8"):
        signed = [max(-128, min(127, round(value * 127))) for value in vector]
        return signed if kind == "int8" else [value + 128 for value in signed]
    if kind in ("binary", "ubinary"):
        packed = [
            sum(1 << (7 - bit) for bit in range(8) if vector[start + bit] > 0)
            for start in range(0, len(vector) - 7, 8)
        ]
        return packed if kind == "ubinary" else [value - 128 for value in packed]
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def embed_prompt(body: Mapping[str, Any]) -> str:
    return "\n\n".join(_texts(body) or [])


def handle_embed(request: FakeRequest, view: ServerView) -> Reply:
    """Embed the request's texts, refusing what the API refuses with the API's message."""
    body = request.body
    model = check_model(body.get("model"), view.embed_models)
    spec = EMBED_MODEL_SPECS.get(model, _OTHER_MODEL)
    _check_input_type(body.get("input_type"))
    texts = _checked_texts(body)
    kinds = _embedding_types(body.get("embedding_types"))
    dimension = _dimension(body.get("output_dimension"), model, spec)
    limit = _token_limit(body.get("max_tokens"), spec)
    seen = _truncated(texts, limit, body.get("truncate") or "END")
    vectors = [embed_vector(text, dimension) for text in seen]
    embeddings = {
        kind: [encode(vector, kind) for vector in vectors] for kind in dict.fromkeys(kinds)
    }
    return Reply.json(
        200,
        {
            "id": new_id(),
            "embeddings": embeddings,
            "texts": texts,
            "meta": {
                "api_version": {"version": "2"},
                "billed_units": {"input_tokens": sum(count_tokens(text) for text in seen)},
            },
            "response_type": "embeddings_by_type",
        },
    )


def _check_input_type(input_type: object) -> None:
    """Refuse a missing or unknown ``input_type`` (it does not change the fake's vectors)."""
    if input_type is None:
        raise HTTPError(400, INPUT_TYPE_REQUIRED, Outcome.INVALID_REQUEST)
    if input_type not in INPUT_TYPES:
        raise invalid(f"input_type must be one of {', '.join(INPUT_TYPES)}.")


def _checked_texts(body: Mapping[str, Any]) -> list[str]:
    """The texts to embed: at least one, at most :data:`MAX_TEXTS`, and no images."""
    if body.get("images"):
        raise invalid("FakeCohere does not embed images; send texts.")
    texts = _texts(body)
    if texts is None:
        raise invalid("texts must be a list of strings (or inputs a list of text inputs).")
    if not texts:
        raise invalid("one of texts, images or inputs must be provided.")
    if len(texts) > MAX_TEXTS:
        raise HTTPError(400, too_many_texts(len(texts)), Outcome.INVALID_REQUEST)
    return texts


def _embedding_types(requested: object) -> list[str]:
    """The encodings asked for (``float`` by default); refuses one the API does not offer."""
    kinds = requested or ["float"]
    if not isinstance(kinds, list) or any(kind not in EMBEDDING_TYPES for kind in kinds):
        raise invalid(f"embedding_types must be a list of {', '.join(EMBEDDING_TYPES)}.")
    return kinds


def _truncated(texts: Sequence[str], limit: int, truncate: object) -> list[str]:
    """What is embedded of each text: cut to ``limit`` tokens, or refused with ``NONE``."""
    if truncate not in TRUNCATE_MODES:
        raise invalid("truncate must be one of NONE, START or END.")
    seen: list[str] = []
    for index, text in enumerate(texts):
        tokens = count_tokens(text)
        if tokens > limit and truncate == "NONE":
            raise HTTPError(
                400,
                f"invalid request: text at index {index} has {tokens} tokens, more than the "
                f"limit of {limit}; shorten it or set truncate to START or END",
                Outcome.TOO_MANY_TOKENS,
            )
        seen.append(_keep_end(text, limit) if truncate == "START" else truncate_tokens(text, limit))
    return seen


def _texts(body: Mapping[str, Any]) -> list[str] | None:
    """The texts to embed: ``texts``, or the text parts of each of ``inputs``."""
    texts = body.get("texts")
    if texts is not None:
        if isinstance(texts, list) and all(isinstance(text, str) for text in texts):
            return texts
        return None
    inputs = body.get("inputs")
    if inputs is None:
        return []
    if not isinstance(inputs, list):
        return None
    found: list[str] = []
    for item in inputs:
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(content, list):
            return None
        parts = [part.get("text") for part in content if isinstance(part, dict)]
        if not parts or not all(isinstance(part, str) for part in parts):
            return None
        found.append("\n".join(str(part) for part in parts))
    return found


def _dimension(requested: object, model: str, spec: EmbedModel) -> int:
    if requested is None:
        return spec.dimensions[0]
    if len(spec.dimensions) == 1:
        raise invalid(f"output_dimension is not supported by model '{model}'.")
    if isinstance(requested, bool) or not isinstance(requested, int):
        requested = None
    if requested not in spec.dimensions or requested is None:
        allowed = ", ".join(str(d) for d in sorted(spec.dimensions))
        raise invalid(f"output_dimension must be one of {allowed} for model '{model}'.")
    return requested


def _token_limit(max_tokens: object, spec: EmbedModel) -> int:
    if max_tokens is None:
        return spec.context
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise invalid("max_tokens must be a positive integer.")
    return min(max_tokens, spec.context)


def _keep_end(text: str, limit: int) -> str:
    """The last ``limit`` words of ``text`` (``truncate="START"``)."""
    kept: Sequence[str] = text.split()[-limit:] if limit > 0 else []
    return " ".join(kept)
