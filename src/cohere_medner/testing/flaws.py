"""Answers that are not what they seem: the right answer to a chat or generate request, rewritten.

Each fault of :data:`~.faults.SHAPE_FAULTS` and :data:`~.faults.FLAWED_ANSWERS` answers 200
as a misbehaving server or proxy does: another shape, no text, the text cut at
``max_tokens``, or the text run far past it. They apply to chat and generate answers; a
request to another endpoint, or one refused (a bad key, an unknown model), is answered as
it would be. :attr:`~.faults.Fault.KEY_ECHOED` answers every endpoint, as a proxy would.
"""

from __future__ import annotations

import json
from typing import Any, Final

from cohere_medner.testing.faults import FLAWED_ANSWERS, SHAPE_FAULTS, Fault, PlannedFault
from cohere_medner.testing.wire import (
    FakeRequest,
    Reply,
    chat_body,
    count_tokens,
    generate_body,
    new_id,
    truncate_tokens,
)

REWRITTEN: Final = frozenset({*SHAPE_FAULTS, *FLAWED_ANSWERS, Fault.KEY_ECHOED})
"""The faults :func:`flawed` applies."""
_ANSWERING: Final = ("chat", "generate")


def flawed(fault: PlannedFault, reply: Reply, request: FakeRequest, authorization: str) -> Reply:
    """``reply`` as ``fault`` spoils it; ``reply`` itself for every other fault or answer."""
    if fault.kind is Fault.KEY_ECHOED:
        key = authorization.partition(" ")[2].strip()
        return Reply.error(
            502, f"proxy error: the upstream refused the key {key} (Authorization: {authorization})"
        )
    if fault.kind not in REWRITTEN or reply.status != 200 or request.endpoint not in _ANSWERING:
        return reply
    body: dict[str, Any] = json.loads(reply.body)
    if request.endpoint == "chat":
        text = "".join(item["text"] for item in body["message"]["content"])
        reason = str(body["finish_reason"])
    else:
        text, reason = body["generations"][0]["text"], "COMPLETE"
    if fault.kind in FLAWED_ANSWERS:
        if fault.kind is Fault.TRUNCATED:
            text, reason = truncate_tokens(text, count_tokens(text) // 2), "MAX_TOKENS"
        else:  # the server claims to be done, whatever max_tokens said
            text = (text.rstrip("\n") + "\n") * (fault.size // max(len(text) + 1, 1) + 1)
            reason = "COMPLETE"
        return Reply.json(200, _answer(request, text, reason))
    return Reply.json(200, _shape(fault.kind, request, text))


def _answer(request: FakeRequest, text: str, reason: str) -> dict[str, Any]:
    """The right shape for ``request``'s endpoint, holding ``text``."""
    tokens = count_tokens(request.prompt), count_tokens(text)
    if request.endpoint == "chat":
        return chat_body(text, *tokens, reason)
    return generate_body(request.prompt, [(text, reason)], *tokens)


def _shape(kind: Fault, request: FakeRequest, text: str) -> object:
    """The body a shape fault answers ``request`` with, in place of ``text``."""
    chat = request.endpoint == "chat"
    if kind is Fault.NO_MESSAGE:
        return {"id": new_id(), "finish_reason": "COMPLETE"}
    if kind is Fault.OTHER_API:
        tokens = count_tokens(request.prompt), count_tokens(text)
        if chat:
            return generate_body(request.prompt, [(text, "COMPLETE")], *tokens)
        return chat_body(text, *tokens, "COMPLETE")
    if kind is Fault.ERROR_AS_200:
        return {"message": "upstream request timeout"}
    if kind is Fault.OPENAI_SHAPE:
        return {
            "id": f"chatcmpl-{new_id()}",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": count_tokens(request.prompt)},
        }
    if not chat:  # generate has no content items: each of the rest answers an empty text
        return _answer(request, "", "COMPLETE")
    body = chat_body(text, count_tokens(request.prompt), 0, "COMPLETE")
    message = body["message"]
    if kind is Fault.NULL_CONTENT:
        message["content"] = None
    elif kind is Fault.EMPTY_CONTENT:
        message["content"] = []
    elif kind is Fault.UNKNOWN_CONTENT:
        message["content"] = [{"type": "image", "url": "https://example.org/answer.png"}]
    else:  # TOOL_CALLS_ONLY
        del message["content"]
        message["tool_plan"] = "I will look the answer up."
        message["tool_calls"] = [
            {
                "id": new_id(),
                "type": "function",
                "function": {"name": "search", "arguments": json.dumps({"query": text[:40]})},
            }
        ]
        body["finish_reason"] = "TOOL_CALL"
    return body
