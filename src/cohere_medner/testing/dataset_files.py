"""What an uploaded dataset file must hold, per dataset type, and the records kept from it.

The fake reads JSONL only (one JSON object a line; blank lines are skipped) and models three
of the API's dataset types:

``chat-finetune-input``
    ``{"messages": [{"role": "System" | "User" | "Chatbot", "content": "..."}, ...]}``.
    Cohere's rules and messages (docs.cohere.com/docs/chat-starting-the-training, "Data
    Requirements and Errors"): roles other than the three are an error ("extra speaker in
    example: NAME (line : N)"), as is a conversation without a User or a Chatbot message;
    lines that are not JSON conversations ("incorrectly encoded"), repeated conversations
    ("duplicated") and conversations whose every turn is over 16384 tokens ("too many
    tokens") are dropped; fewer than 2 valid training conversations (1 for an evaluation
    file) fails with "not enough valid examples ...". The first error is the dataset's
    ``validation_error``; the others join ``validation_warnings``.
``embed-input``
    ``{"text": "..."}``.
``batch-chat-v2-input``
    ``{"custom_id": "...", "body": {chat request without model}}``, custom ids unique.

Kept records hold the type's required fields plus ``keep_fields`` (which every line must
have) and ``optional_fields``; a kept field that is not a string is kept as its JSON text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from cohere_medner.testing.wire import count_tokens

CHAT_FINETUNE: Final = "chat-finetune-input"
EMBED_INPUT: Final = "embed-input"
BATCH_CHAT_INPUT: Final = "batch-chat-v2-input"
BATCH_CHAT_OUTPUT: Final = "batch-chat-v2-output"
"""The type the fake gives a batch's output dataset (the SDK's DatasetType lists none)."""

MODELLED_TYPES: Final = (CHAT_FINETUNE, EMBED_INPUT, BATCH_CHAT_INPUT)
SDK_DATASET_TYPES: Final = frozenset(
    {
        "embed-input",
        "embed-result",
        "cluster-result",
        "cluster-outliers",
        "reranker-finetune-input",
        "single-label-classification-finetune-input",
        "chat-finetune-input",
        "multi-label-classification-finetune-input",
        "batch-chat-input",
        "batch-openai-chat-input",
        "batch-embed-v2-input",
        "batch-chat-v2-input",
    }
)
"""The dataset types the SDK names (``cohere.types.DatasetType``)."""

CHAT_ROLES: Final = ("System", "User", "Chatbot")
MIN_TRAIN_EXAMPLES: Final = 2
MIN_EVAL_EXAMPLES: Final = 1
TURN_TOKEN_LIMIT: Final = 16384
PREAMBLE_TOKEN_LIMIT: Final = 2048
AUTO_SPLIT_WARNING: Final = "dataset has 0 valid eval rows. dataset will be auto-split"

_KEPT: Final = ["null", "string"]

# Why a chat conversation is dropped, in the words of Cohere's "not enough valid examples".
_BAD: Final = "incorrectly encoded"
_DUPLICATED: Final = "duplicated"
_TOO_LONG: Final = "too many tokens"

_MESSAGE: Final = {
    "type": "record",
    "name": "Message",
    "fields": [{"name": "role", "type": "string"}, {"name": "content", "type": "string"}],
}
REQUIRED_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    CHAT_FINETUNE: ("messages",),
    EMBED_INPUT: ("text",),
    BATCH_CHAT_INPUT: ("custom_id", "body"),
}
_REQUIRED_SCHEMA: Final[Mapping[str, list[dict[str, Any]]]] = {
    CHAT_FINETUNE: [{"name": "messages", "type": {"type": "array", "items": _MESSAGE}}],
    EMBED_INPUT: [{"name": "text", "type": "string"}],
    BATCH_CHAT_INPUT: [
        {"name": "custom_id", "type": "string"},
        {"name": "body", "type": "string"},  # the chat request, as JSON text
    ],
}


@attrs.frozen
class Upload:
    """One uploaded file: its name, bytes and which slot (train or evaluation) it fills."""

    filename: str
    content: bytes = attrs.field(repr=False)
    evaluation: bool = False


@attrs.frozen
class Checked:
    """A file's kept records, fatal errors, warnings, and the lines it dropped."""

    records: tuple[Mapping[str, Any], ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@attrs.frozen
class Options:
    """The upload's query options that change validation."""

    keep_fields: tuple[str, ...] = ()
    optional_fields: tuple[str, ...] = ()
    skip_malformed_input: bool = False


def schema(dataset_type: str, options: Options) -> dict[str, Any]:
    """The Avro record schema of the type's kept records."""
    extra = [
        {"name": name, "type": _KEPT, "default": None}
        for name in dict.fromkeys(options.keep_fields + options.optional_fields)
        if name not in REQUIRED_FIELDS[dataset_type]
    ]
    name = "".join(part.title() for part in dataset_type.split("-"))
    return {"type": "record", "name": name, "fields": [*_REQUIRED_SCHEMA[dataset_type], *extra]}


def check(
    dataset_type: str, upload: Upload, options: Options, *, with_eval: bool = False
) -> Checked:
    """Validate one uploaded file of ``dataset_type`` and keep its records.

    ``with_eval`` tells a training file that an evaluation file came with it.
    """
    lines = list(_lines(upload.content))
    if dataset_type == CHAT_FINETUNE:
        return _check_chat(lines, upload.evaluation or with_eval, upload.evaluation, options)
    return _check_simple(dataset_type, lines, options)


def _lines(content: bytes) -> Iterator[tuple[int, object]]:
    """``(line number, parsed JSON or the reason it is not)`` for each non-blank line."""
    for number, raw in enumerate(content.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield number, _Bad("not UTF-8")
        except json.JSONDecodeError as error:
            yield number, _Bad(f"invalid JSON: {error.msg}")


@attrs.frozen
class _Bad:
    reason: str


def _kept(line: Mapping[str, Any], number: int, options: Options) -> dict[str, Any] | str:
    """The line's kept extra fields, or the error when a ``keep_fields`` field is missing."""
    kept: dict[str, Any] = {}
    for name in options.keep_fields:
        if name not in line:
            return f"missing field {name} named in keep_fields (line : {number})"
    for name in dict.fromkeys(options.keep_fields + options.optional_fields):
        value = line.get(name)
        kept[name] = value if value is None or isinstance(value, str) else json.dumps(value)
    return kept


def _check_simple(
    dataset_type: str, lines: Sequence[tuple[int, object]], options: Options
) -> Checked:
    records: list[Mapping[str, Any]] = []
    errors: list[str] = []
    seen_ids: set[str] = set()
    for number, line in lines:
        problem = _simple_problem(dataset_type, number, line, seen_ids)
        if problem is None and isinstance(line, dict):
            kept = _kept(line, number, options)
            if isinstance(kept, dict):
                if dataset_type == EMBED_INPUT:
                    records.append({**kept, "text": line["text"]})
                else:
                    seen_ids.add(line["custom_id"])
                    body = json.dumps(line["body"])
                    records.append({**kept, "custom_id": line["custom_id"], "body": body})
                continue
            problem = kept
        errors.append(problem or f"each line must be a JSON object (line : {number})")
    if options.skip_malformed_input:
        warnings = tuple(f"skipped malformed row: {error}" for error in errors)
        empty = () if records else ("no valid rows found in the file",)
        return Checked(tuple(records), empty, warnings)
    if not records and not errors:
        errors.append("no rows found in the file")
    return Checked(tuple(records), tuple(errors))


def _simple_problem(dataset_type: str, number: int, line: object, seen_ids: set[str]) -> str | None:
    if isinstance(line, _Bad):
        return f"{line.reason} (line : {number})"
    if not isinstance(line, dict):
        return f"each line must be a JSON object (line : {number})"
    if dataset_type == EMBED_INPUT:
        if not isinstance(line.get("text"), str):
            return f"missing required field text (line : {number})"
        return None
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return f"missing required field custom_id (line : {number})"
    if custom_id in seen_ids:
        return f"duplicate custom_id {custom_id!r} (line : {number})"
    if not isinstance(line.get("body"), dict):
        return f"missing required field body: a chat request object (line : {number})"
    return None


def _conversation(line: object) -> list[tuple[str, str]] | None:
    """``(role, content)`` of each message, or ``None`` for a line that is not a conversation."""
    if not isinstance(line, dict) or not isinstance(line.get("messages"), list):
        return None
    messages = line["messages"]
    pairs = [
        (m.get("role"), m.get("content"))
        for m in messages
        if isinstance(m, dict)
        and isinstance(m.get("role"), str)
        and isinstance(m.get("content"), str)
    ]
    if not pairs or len(pairs) != len(messages):
        return None
    return [(str(role), str(content)) for role, content in pairs]


def _check_chat(
    lines: Sequence[tuple[int, object]], with_eval: bool, evaluation: bool, options: Options
) -> Checked:
    """Refuse, drop or keep each conversation as Cohere does, then count the kept ones."""
    which = "eval" if evaluation else "train"
    errors: list[str] = []
    warnings: list[str] = []
    records: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    dropped: Counter[str] = Counter()
    long_turns: list[str] = []
    for index, (number, line) in enumerate(lines):
        conversation = _conversation(line)
        if conversation is None or not isinstance(line, dict):
            dropped[_BAD] += 1
            continue
        kept = _kept(line, number, options)
        if isinstance(kept, str):
            errors.append(kept)
            continue
        problem = _conversation_problem(conversation, number, which)
        if problem is not None:
            errors.append(problem)
            continue
        key = json.dumps(conversation)
        if key in seen:
            dropped[_DUPLICATED] += 1
            continue
        seen.add(key)
        over = _turns_over_limit(conversation)
        if over:
            long_turns.append(f"{index}:{over}")
            if over == [role for role, _ in conversation].count("Chatbot"):
                dropped[_TOO_LONG] += 1
                continue
        records.append({**kept, "messages": [{"role": r, "content": c} for r, c in conversation]})
    if long_turns:
        warnings.append(
            f"{which} dataset has conversations with too many tokens. conversation number: "
            f"number of turns with too many tokens is as follows, {', '.join(long_turns)}"
        )
    minimum = MIN_EVAL_EXAMPLES if evaluation else MIN_TRAIN_EXAMPLES
    if not errors and len(records) < minimum:
        errors.append(_too_few(which, len(records), len(lines), dropped, minimum, with_eval))
    if evaluation:
        errors = [f"invalid eval file: {error}" for error in errors]
    return Checked(tuple(records), tuple(errors), tuple(warnings))


def _conversation_problem(
    conversation: Sequence[tuple[str, str]], number: int, which: str
) -> str | None:
    """Why Cohere refuses the file for this conversation; ``None`` if it does not.

    A speaker beyond the three, a missing User or Chatbot, or a System preamble over its
    token limit each fail the whole file.
    """
    roles = [role for role, _ in conversation]
    extra = next((role for role in roles if role not in CHAT_ROLES), None)
    if extra is not None:
        return f"extra speaker in example: {extra} (line : {number})"
    missing = [role for role in ("Chatbot", "User") if role not in roles]
    if missing:
        return f"missing {missing[0]} in example"
    if roles[0] == "System" and count_tokens(conversation[0][1]) > PREAMBLE_TOKEN_LIMIT:
        return f"{which} preambles are too long: {conversation[0][1][:80]!r}"
    return None


def _too_few(
    which: str, found: int, received: int, dropped: Counter[str], minimum: int, with_eval: bool
) -> str:
    """The error for fewer valid conversations than ``minimum``, and why the others went."""
    noun = "example" if minimum == 1 else "examples"
    reason = "" if with_eval else " since no eval data was provided"
    why = ", ".join(f"{dropped[cause]} {cause}" for cause in (_BAD, _DUPLICATED, _TOO_LONG))
    return (
        f"not enough valid examples: found only {found} valid {which} examples of "
        f"{received} received ({why}); at least {minimum} valid {noun} required{reason}"
    )


def _turns_over_limit(conversation: Sequence[tuple[str, str]]) -> int:
    """How many turns (the messages up to each Chatbot reply) exceed the token limit."""
    over = tokens = 0
    for role, content in conversation:
        tokens += count_tokens(content)
        if role == "Chatbot" and tokens > TURN_TOKEN_LIMIT:
            over += 1
    return over
