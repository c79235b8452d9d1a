"""POST /v2/chat and the legacy POST /v1/generate: the responder's text in Cohere's shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cohere_medner.testing.handling import (
    check_input,
    check_max_tokens,
    check_model,
    check_not_streaming,
    invalid,
)
from cohere_medner.testing.routing import ServerView
from cohere_medner.testing.wire import (
    FakeRequest,
    Reply,
    chat_body,
    chat_messages,
    count_tokens,
    generate_body,
    truncate_tokens,
)

CHAT_ROLES: Final = frozenset({"system", "user", "assistant", "tool"})


def answer(
    request: FakeRequest, view: ServerView, max_tokens: int | None, complete: str
) -> tuple[str, str]:
    """The responder's text, cut to ``max_tokens``, and the finish reason that goes with it."""
    text = view.responder(request)
    if max_tokens is not None and count_tokens(text) > max_tokens:
        return truncate_tokens(text, max_tokens), "MAX_TOKENS"
    return text, complete


def chat_prompt(body: Mapping[str, Any]) -> str:
    return "\n\n".join(text for _, text in chat_messages(body))


def handle_chat(request: FakeRequest, view: ServerView) -> Reply:
    """Answer a chat request; fine-tuned models are accepted by their ``ID-ft`` name."""
    body = request.body
    check_model(body.get("model"), view.chat_models)
    check_not_streaming(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid("messages must be a non-empty list.")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in CHAT_ROLES:
            raise invalid(
                f"message at index {index} must have a role of system, user, assistant or tool."
            )
    input_tokens = check_input(request.prompt, view.max_input_tokens)
    if input_tokens == 0:
        raise invalid("message must be at least 1 token long or tool results must be specified.")
    max_tokens = check_max_tokens(body)
    text, finish_reason = answer(request, view, max_tokens, "COMPLETE")
    return Reply.json(200, chat_body(text, input_tokens, count_tokens(text), finish_reason))


GENERATE_DEFAULT_MODEL: Final = "command"


def generate_prompt(body: Mapping[str, Any]) -> str:
    prompt = body.get("prompt")
    return prompt if isinstance(prompt, str) else ""


def handle_generate(request: FakeRequest, view: ServerView) -> Reply:
    body = request.body
    check_model(body.get("model") or GENERATE_DEFAULT_MODEL, view.models)
    check_not_streaming(body)
    if count_tokens(request.prompt) == 0:
        raise invalid("prompt must be at least 1 token long.")
    input_tokens = check_input(request.prompt, view.max_input_tokens)
    count = body.get("num_generations") or 1
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 5:
        raise invalid("num_generations must be between 1 and 5.")
    max_tokens = check_max_tokens(body)
    texts = [answer(request, view, max_tokens, "COMPLETE") for _ in range(count)]
    output_tokens = sum(count_tokens(text) for text, _ in texts)
    return Reply.json(200, generate_body(request.prompt, texts, input_tokens, output_tokens))
