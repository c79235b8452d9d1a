"""Cohere's HTTP wire format: what a request carries, and the JSON bodies the SDK expects back.

The shapes follow the ``cohere`` SDK's own models (``V2ChatResponse``, ``Generation``,
``Usage``, ``ApiMeta``) and responses captured from the real API; error bodies are
``{"message": ...}`` with the messages Cohere documents on its errors page.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

JSON_TYPE: Final = "application/json"

_WORD = re.compile(r"\S+")


def count_tokens(text: str) -> int:
    """Count tokens the fake's rough way: whitespace-separated words (not Cohere's BPE)."""
    return len(text.split())


def truncate_tokens(text: str, limit: int) -> str:
    """Cut ``text`` after its ``limit``-th word, keeping the words' original spacing."""
    if limit <= 0:
        return ""
    for index, match in enumerate(_WORD.finditer(text), start=1):
        if index == limit:
            return text[: match.end()]
    return text


def content_text(content: object) -> str:
    """The text of a chat message's ``content``: a string, or a list of content items."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            item["text"]
            for item in content
            if isinstance(item, dict)
            and item.get("type") == "text"
            and isinstance(item.get("text"), str)
        ]
        return "\n".join(texts)
    return ""


def chat_messages(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(role, text)`` of each well-formed message in a ``/v2/chat`` body; others are skipped."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    return [
        (str(message.get("role", "")), content_text(message.get("content")))
        for message in messages
        if isinstance(message, dict)
    ]


@attrs.frozen
class FakeRequest:
    """One request as FakeCohere received it; the Authorization header is never kept.

    ``endpoint`` names the route (``"chat"``, ``"generate"``, ``"datasets.create"`` ...;
    ``"unrouted"`` for unknown paths), ``body`` is the parsed JSON (empty when the body was
    not a JSON object, e.g. a multipart upload; treat it as read-only), ``prompt`` is the
    text the model would read (all chat messages' texts joined by blank lines, the
    generate prompt, the texts to embed) and ``received_at`` is a ``time.monotonic()``
    reading.
    """

    endpoint: str
    method: str
    path: str
    model: str | None
    body: Mapping[str, Any]
    prompt: str
    headers: Mapping[str, str]
    received_at: float
    query: tuple[tuple[str, str], ...] = ()
    """The query string's ``(name, value)`` pairs, in order (a name may repeat)."""
    path_params: Mapping[str, str] = attrs.field(factory=dict)
    """The route's named path segments, e.g. ``{"id": ...}`` for ``/v1/datasets/{id}``."""
    raw: bytes = attrs.field(default=b"", repr=False)
    """The body's bytes as received (a multipart upload's only record)."""

    def param(self, name: str) -> str | None:
        """The last value of query parameter ``name``, if it was sent."""
        values = self.params(name)
        return values[-1] if values else None

    def params(self, name: str) -> list[str]:
        """Every value of query parameter ``name`` (``keep_fields=a&keep_fields=b``)."""
        return [value for key, value in self.query if key == name]

    @property
    def messages(self) -> list[tuple[str, str]]:
        """``(role, text)`` of each chat message; empty for other endpoints."""
        return chat_messages(self.body)

    @property
    def last_user_message(self) -> str:
        """The text of the last ``user`` message (chat), or the whole prompt (generate)."""
        if "messages" not in self.body:
            return self.prompt
        users = [text for role, text in self.messages if role == "user"]
        return users[-1] if users else ""


@attrs.frozen
class Reply:
    """A complete HTTP answer: status, headers and body bytes.

    ``drip`` seconds pass between the body's bytes (``0``: it is sent whole), as from a
    server or proxy that trickles its answer out.
    """

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    drip: float = 0.0

    @classmethod
    def json(cls, status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """A JSON answer."""
        return cls(status, json.dumps(payload).encode(), JSON_TYPE, headers)

    @classmethod
    def error(cls, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        """An error in Cohere's shape: ``{"message": ...}``."""
        return cls.json(status, {"message": message}, headers)


@attrs.frozen
class UploadedFile:
    """One part of a ``multipart/form-data`` body."""

    field: str
    filename: str | None
    content: bytes = attrs.field(repr=False)


_DISPOSITION_PARAM = re.compile(r';\s*([A-Za-z*]+)="((?:[^"\\]|\\.)*)"')


def is_multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def parse_multipart(content_type: str, raw: bytes) -> dict[str, UploadedFile]:
    """The parts of a ``multipart/form-data`` body by field name (empty if it is not one).

    Enough of RFC 7578 for what httpx sends: quoted ``name``/``filename`` parameters and
    raw (untransformed) part bodies.
    """
    boundary = next(
        (
            value.strip().strip('"')
            for key, _, value in (p.partition("=") for p in content_type.split(";")[1:])
            if key.strip().lower() == "boundary"
        ),
        "",
    )
    if not boundary:
        return {}
    delimiter = b"--" + boundary.encode("latin-1")
    parts: dict[str, UploadedFile] = {}
    for chunk in raw.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        params: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                params = {k.lower(): v for k, v in _DISPOSITION_PARAM.findall(";" + value)}
        field = params.get("name")
        if field is not None:
            parts[field] = UploadedFile(
                field, params.get("filename"), content.removesuffix(b"\r\n")
            )
    return parts


def new_id() -> str:
    """A fresh response id, shaped like the real API's (a UUID4)."""
    return str(uuid.uuid4())


def chat_body(
    text: str, input_tokens: int, output_tokens: int, finish_reason: str
) -> dict[str, Any]:
    """A non-streaming ``/v2/chat`` answer (SDK model ``V2ChatResponse``)."""
    return {
        "id": new_id(),
        "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
        "finish_reason": finish_reason,
        "usage": {
            "billed_units": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            "tokens": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        },
    }


def generate_body(
    prompt: str, texts: list[tuple[str, str]], input_tokens: int, output_tokens: int
) -> dict[str, Any]:
    """A legacy ``/v1/generate`` answer (SDK model ``Generation``).

    ``texts`` holds ``(text, finish_reason)`` for each generation.
    """
    generations: list[dict[str, Any]] = []
    for index, (text, finish_reason) in enumerate(texts):
        generation: dict[str, Any] = {"id": new_id(), "text": text, "finish_reason": finish_reason}
        if len(texts) > 1:
            generation["index"] = index
        generations.append(generation)
    return {
        "id": new_id(),
        "generations": generations,
        "prompt": prompt,
        "meta": {
            "api_version": {"version": "1"},
            "billed_units": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        },
    }


# Messages as Cohere documents them (docs.cohere.com/reference/errors) --------------------

NO_API_KEY: Final = "no api key supplied"
INVALID_API_KEY: Final = "invalid api token"
PAGE_NOT_FOUND: Final = "404 page not found"
RATE_LIMITED: Final = "You are past the per minute request limit, please wait and try again later."
MODEL_REQUIRED: Final = "a model parameter is required for this endpoint."
INTERNAL_ERROR: Final = "internal server error"
SERVICE_UNAVAILABLE: Final = "service unavailable, please try again later"
GATEWAY_TIMEOUT: Final = "gateway timeout"
BAD_GATEWAY_HTML: Final = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


def unknown_model(model: str) -> str:
    """The 404 message for a model the account cannot use."""
    return (
        f"model '{model}' not found, make sure the correct model ID was used "
        "and that you have access to the model."
    )


def forbidden_model(model: str | None) -> str:
    """The 403 message for a model the key may not use (the fake's wording)."""
    return f"this API key does not have access to model '{model}'."


def too_many_tokens(limit: int, received: int) -> str:
    """The 400 message for a prompt over the model's input limit."""
    return (
        f"too many tokens: total number of tokens in the prompt cannot exceed {limit} - "
        f"received {received}. Try using a shorter prompt, or enabling prompt truncating. "
        "See https://docs.cohere.com/reference/generate for more details."
    )


def invalid_json(error: str) -> str:
    """The 400 message for a body that is not JSON."""
    return f"invalid json syntax: {error}"
