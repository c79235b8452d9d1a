"""Reading an answer for what it is: text, or an error that says what came instead.

The SDK builds its response objects without checking them, so a 200 of another shape (no
``message``, a v1 or OpenAI body on the chat endpoint, ``content: null``, items of unknown
types) reaches the caller as an object with ``None`` or raw dicts where text belongs, or
the SDK raises while building it. Here every answer is read field by field: one without
text becomes an :class:`~cohere_medner.errors.UnexpectedAnswerError` (or
:class:`~cohere_medner.errors.EmptyAnswerError`) naming what was expected and what came,
which the client retries a few times (:class:`BadAnswers`) before the request fails.

An answer is bounded by its request's ``max_tokens`` (:class:`AnswerLimit`): the client's
HTTP client reads at most :attr:`AnswerLimit.bytes` of a chat or generate body (the
:func:`tap` event hook); past that, or past :attr:`AnswerLimit.characters` of text, the
answer keeps only its first lines and is flagged ``oversized``, so that a server that
ignores ``max_tokens`` cannot fill memory, the cache or the output with megabytes of text.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Final

import attrs
import httpx
from cohere.core.api_error import ApiError
from cohere.core.parse_error import ParsingError
from tenacity import RetryCallState

from cohere_medner._redact import redact
from cohere_medner.errors import EmptyAnswerError, UnexpectedAnswerError
from cohere_medner.types import Completion

__all__ = [
    "BAD_ANSWER_ATTEMPTS",
    "CHAT_ANSWER",
    "GENERATE_ANSWER",
    "AnswerLimit",
    "AnswerTooLarge",
    "BadAnswers",
    "Receipt",
    "chat_completion",
    "chat_record",
    "generate_completion",
    "receiving",
    "salvaged",
    "salvaged_text",
    "tap",
    "unreadable",
]

CHARS_PER_TOKEN: Final = 32
"""Characters a token may hold, generously: a token is about 4 characters of English."""
DEFAULT_MAX_TOKENS: Final = 8192
"""The bound of an answer whose request sets no ``max_tokens`` (Cohere's largest output)."""
BYTES_PER_CHAR: Final = 6
"""The most bytes JSON spends on a character of text (``\\uXXXX``)."""
BODY_OVERHEAD: Final = 64 * 1024
"""Bytes of an answer's body besides its text: ids, usage, citations."""
BAD_ANSWER_ATTEMPTS: Final = 3
"""Answers without text a request takes before it fails: a glitch passes, a shape stays."""
STOPPED_REASONS: Final = frozenset({"ERROR", "TIMEOUT"})
"""Finish reasons that say the model failed mid-answer: not an answer to keep."""
SHOWN: Final = 160
"""Characters of an unexpected body quoted in its error."""


@attrs.frozen
class AnswerLimit:
    """How much of an answer is read: ``characters`` of text, ``bytes`` of body."""

    characters: int

    @classmethod
    def for_tokens(cls, max_tokens: object) -> AnswerLimit:
        """The bound of an answer to a request with ``max_tokens`` (an int, or absent)."""
        tokens = max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None
        return cls(CHARS_PER_TOKEN * (tokens or DEFAULT_MAX_TOKENS))

    @property
    def bytes(self) -> int:
        """The most of a body read: its text at the worst escaping, and the rest."""
        return BYTES_PER_CHAR * self.characters + BODY_OVERHEAD


@attrs.define
class Receipt:
    """What came back for one attempt: the status and the body's first bytes, up to a limit."""

    limit: AnswerLimit
    status: int | None = None
    body: bytearray = attrs.field(factory=bytearray)

    @property
    def answered(self) -> bool:
        """True once a 2xx answer came: a failure after it is a failure to read the answer."""
        return self.status is not None and 200 <= self.status < 300

    def shown(self) -> str:
        """The body's beginning, as an error quotes it (keys redacted)."""
        text = bytes(self.body[: SHOWN * 4]).decode("utf-8", "replace")
        text = " ".join(text.split())
        if not text:
            return "an empty body"
        return redact(text if len(text) <= SHOWN else text[: SHOWN - 3] + "...")


class AnswerTooLarge(Exception):  # a signal between the tap and the client, never raised out
    """Raised inside the HTTP read when a body passes its :class:`AnswerLimit`."""


_RECEIPT: contextvars.ContextVar[Receipt | None] = contextvars.ContextVar(
    "cohere_medner_receipt", default=None
)


@contextlib.contextmanager
def receiving(limit: AnswerLimit) -> Iterator[Receipt]:
    """A receipt for the request sent inside the block, which :func:`tap` fills and bounds."""
    receipt = Receipt(limit)
    token = _RECEIPT.set(receipt)
    try:
        yield receipt
    finally:
        _RECEIPT.reset(token)


async def tap(response: httpx.Response) -> None:
    """httpx response hook: note the status, and bound the body of a request being received.

    Requests sent outside :func:`receiving` (embed, rerank) are left as they are.
    """
    receipt = _RECEIPT.get()
    if receipt is not None:
        receipt.status = response.status_code
        response.stream = _Bounded(response.stream, receipt)


class _Bounded(httpx.AsyncByteStream):
    """A response body kept (into its receipt) up to the receipt's limit, then cut off."""

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, receipt: Receipt):
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError("an async client reads async streams only")
        self._stream = stream
        self._receipt = receipt

    async def __aiter__(self) -> AsyncIterator[bytes]:
        receipt = self._receipt
        async for chunk in self._stream:
            room = receipt.limit.bytes - len(receipt.body)
            receipt.body += chunk[:room]
            if len(chunk) > room:
                raise AnswerTooLarge(f"the answer is longer than {receipt.limit.bytes} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


CHAT_ANSWER: Final = "a v2 chat answer (message.content with text)"
GENERATE_ANSWER: Final = "a v1 generate answer (generations[0].text)"


def unreadable(error: Exception, receipt: Receipt, expected: str) -> UnexpectedAnswerError | None:
    """The error for an answer the SDK failed to read, if ``error`` is that; else None.

    A 2xx body that is not JSON (the SDK's ``ApiError``), or one the SDK could not build
    its response from (``TypeError``, pydantic's errors ...). A failure before any answer
    came (a wrong argument) is not one: it is raised as it is.
    """
    if not receipt.answered:
        return None
    if isinstance(error, ApiError | ParsingError | TypeError | ValueError | AttributeError):
        return UnexpectedAnswerError(
            f"expected {expected}, got {receipt.shown()} (unreadable: {type(error).__name__})"
        )
    return None


# Reading the SDK's objects ----------------------------------------------------------------


def _field(record: object, name: str) -> object:
    """``record[name]`` or ``record.name``: the SDK leaves raw dicts where it cannot build."""
    if isinstance(record, Mapping):
        return record.get(name)
    if record is None or isinstance(record, str | bytes | int | float | list | tuple):
        return None
    return getattr(record, name, None)


def _count(value: object) -> int:
    """A token count as the answer gives it; anything but a whole number counts none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        return 0
    return int(value) if value < 2**53 else 0


def _billed(units: object) -> tuple[int, int]:
    """Input and output tokens of the answer's billed units (absent or odd: none)."""
    return _count(_field(units, "input_tokens")), _count(_field(units, "output_tokens"))


def _reason(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    return None


def chat_completion(response: object, receipt: Receipt) -> Completion:
    """A v2 chat answer's text, billed tokens and finish reason; raises if it holds no text."""
    message = _field(response, "message")
    reason = _reason(_field(response, "finish_reason"))
    if message is None:
        raise UnexpectedAnswerError(f"expected {CHAT_ANSWER}, got {receipt.shown()}")
    content = _field(message, "content")
    texts: list[str] = []
    others: list[str] = []
    if isinstance(content, str):  # a plain string: what proxies to other APIs send
        texts.append(content)
    elif isinstance(content, list):
        for item in content:
            kind, text = _field(item, "type"), _field(item, "text")
            if kind in ("text", None) and isinstance(text, str):
                texts.append(text)
            elif kind != "thinking":  # a reasoning model's thoughts precede its text
                others.append(str(kind) if isinstance(kind, str) else type(item).__name__)
    elif content is not None:
        raise UnexpectedAnswerError(
            f"expected message.content as a list of text items, got {receipt.shown()}"
        )
    text = "".join(texts)
    if reason is not None and reason.upper() in STOPPED_REASONS:
        raise UnexpectedAnswerError(f"the model stopped with {reason} before answering")
    if not text.strip():
        if others:
            raise UnexpectedAnswerError(
                "expected text content, got content items of type " + ", ".join(sorted(others))
            )
        raise EmptyAnswerError(f"empty answer: {_emptiness(content, message, reason)}")
    usage = _field(response, "usage")
    return _bounded(Completion(text, *_billed(_field(usage, "billed_units")), reason), receipt)


def chat_record(body: Mapping[str, object], limit: AnswerLimit) -> Completion:
    """:func:`chat_completion` of an answer already decoded (a batch output line's body)."""
    shown = json.dumps(body, ensure_ascii=False, default=str)[: SHOWN * 4]
    return chat_completion(body, Receipt(limit, 200, bytearray(shown.encode())))


def _emptiness(content: object, message: object, reason: str | None) -> str:
    """Why a chat answer holds no text, in the API's own terms."""
    if _field(message, "tool_calls"):
        what = "tool calls only, no text"
    elif content is None:
        what = "message.content is null"
    elif content == []:
        what = "message.content is []"
    else:
        what = "the text is blank"
    return what + (f" (finish_reason {reason})" if reason else "")


def generate_completion(response: object, receipt: Receipt) -> Completion:
    """A legacy v1 generate answer's first text, billed tokens and finish reason."""
    generations = _field(response, "generations")
    first = generations[0] if isinstance(generations, list) and generations else None
    text = _field(first, "text")
    if not isinstance(text, str):
        raise UnexpectedAnswerError(f"expected {GENERATE_ANSWER}, got {receipt.shown()}")
    reason = _reason(_field(first, "finish_reason"))
    if reason is not None and reason.upper() in STOPPED_REASONS:
        raise UnexpectedAnswerError(f"the model stopped with {reason} before answering")
    if not text.strip():
        raise EmptyAnswerError("empty answer: generations[0].text is blank")
    meta = _field(response, "meta")
    return _bounded(Completion(text, *_billed(_field(meta, "billed_units")), reason), receipt)


# Answers beyond their bound ---------------------------------------------------------------


def _bounded(completion: Completion, receipt: Receipt) -> Completion:
    """``completion``, its text cut to the receipt's limit (and flagged) if it runs past it."""
    text = completion.text
    if len(text) <= receipt.limit.characters:
        return completion
    return attrs.evolve(completion, text=_first_lines(text, receipt.limit), oversized=True)


def _first_lines(text: str, limit: AnswerLimit) -> str:
    """The whole lines of ``text`` within ``limit``: no name is read cut in half."""
    kept = text[: limit.characters + 1]
    end = kept.rfind("\n")
    return kept[:end] if end > 0 else ""


_TEXT_KEY = re.compile(rb'"text"\s*:\s*"')
# An escape the cut broke off (a lone ``\`` or ``\u12``), then a surrogate pair's lone first
# half: never decoded wrong. The even run of backslashes before it (escaped backslashes) stays.
_HALF_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\(?:u[0-9a-fA-F]{0,3})?$")
_HALF_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD][89abAB][0-9a-fA-F]{2}$")


def _closing_quote(text: str) -> int:
    """Where the JSON string ``text`` is the inside of ends: its closing quote, or -1."""
    at = text.find('"')
    while at != -1:
        escapes = 0
        while escapes < at and text[at - 1 - escapes] == "\\":
            escapes += 1
        if escapes % 2 == 0:
            return at
        at = text.find('"', at + 1)
    return -1


def salvaged_text(body: bytes) -> tuple[str, bool]:
    """The first ``"text"`` string of a JSON body cut off anywhere, and whether it is whole.

    As much of the string as came: ``("", False)`` where none had begun.
    """
    found = _TEXT_KEY.search(body)
    if found is None:
        return "", False
    rest = body[found.end() :].decode("utf-8", "ignore")
    end = _closing_quote(rest)
    whole = end != -1
    raw = rest[:end] if whole else _HALF_PAIR.sub(r"\1", _HALF_ESCAPE.sub(r"\1", rest))
    try:
        value = json.loads(f'"{raw}"', strict=False)
    except ValueError:
        return "", False
    return (value, whole) if isinstance(value, str) else ("", False)


def salvaged(receipt: Receipt) -> Completion:
    """The answer of a body cut off at its limit: its first whole lines, flagged ``oversized``.

    Billed tokens and the finish reason come after the text and were never read.
    """
    text, whole = salvaged_text(bytes(receipt.body))
    if whole and len(text) <= receipt.limit.characters:
        return Completion(text, oversized=True)
    return Completion(_first_lines(text, receipt.limit), oversized=True)


@attrs.define
class BadAnswers:
    """Tenacity's stop for one request: the :data:`BAD_ANSWER_ATTEMPTS`-th answer without text."""

    most: int = BAD_ANSWER_ATTEMPTS
    seen: int = 0

    def __call__(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, UnexpectedAnswerError):
            self.seen += 1
        return self.seen >= self.most
