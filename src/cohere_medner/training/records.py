"""Fine-tuning records for Cohere: prompt-completion or chat JSONL, and Cohere's requirements.

:func:`training_records` turns documents into one record per document and task;
:func:`check_records` checks records against the requirements Cohere's documentation states
(docs.cohere.com, "Preparing the Chat Fine-tuning Data", "Starting the Chat Fine-Tuning Run",
"Preparing the Generate Fine-tuning Data", "The Cohere Datasets API"):

- chat: roles ``System``, ``User``, ``Chatbot`` only, at least one ``User`` and one
  ``Chatbot`` message per conversation, ``System`` only as the first (preamble) message,
  each turn within 16384 tokens, at least 2 conversations in a training file and 1 in an
  evaluation file;
- prompt-completion: at least 32 examples, prompt and completion within 4096 tokens;
- both: UTF-8, no empty message, prompt or completion; a dataset (training and evaluation
  file together) of at most 1.5 GB.

Token limits need Cohere's tokenizer: pass ``count_tokens`` (for instance a function over
``client.tokenize``) to check them exactly; without it an estimate (a token per 3 bytes)
only warns. Cohere deprecated its hosted fine-tuning on 15 September 2025; the files remain
the format for models fine-tuned elsewhere (Amazon Bedrock) and for the tutorial's models,
which :func:`~cohere_medner.training.prepare.prepare_finetuning` writes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Literal, TypeAlias

import attrs

from cohere_medner.errors import TrainingDataError
from cohere_medner.prompts.tasks import AnyTask, get_task, get_tasks
from cohere_medner.prompts.templates import TITLED, Template, get_template
from cohere_medner.types import Document

__all__ = [
    "CHAT_ROLES",
    "FORMATS",
    "LIMITS",
    "Format",
    "Limits",
    "TrainingRecord",
    "Violation",
    "check_format",
    "check_records",
    "estimate_tokens",
    "resolve_tasks",
    "training_records",
]

Format: TypeAlias = Literal["prompt-completion", "chat"]
FORMATS: Final = ("prompt-completion", "chat")

CHAT_ROLES: Final = {"system": "System", "user": "User", "assistant": "Chatbot"}
"""The v2 chat API's roles (what :meth:`Template.messages` gives) -> fine-tuning roles."""

Record: TypeAlias = dict[str, object]


@attrs.frozen
class Limits:
    """Cohere's stated limits for fine-tuning data (see the module's docstring)."""

    min_prompt_completion_examples: int = 32
    min_chat_conversations: int = 2
    min_eval_examples: int = 1
    prompt_completion_tokens: int = 4096
    chat_turn_tokens: int = 16384
    dataset_bytes: int = 1_500_000_000


LIMITS: Final = Limits()


@attrs.frozen
class Violation:
    """One broken requirement: the file, the 1-based line (``None``: the whole file), what."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.message}"


@attrs.frozen
class TrainingRecord:
    """One line of a fine-tuning file, with the document and task it came from."""

    pmid: str
    task: str
    data: Record

    def to_json(self) -> str:
        """The JSONL line, as the tutorial writes it: ``json.dumps(record) + "\\n"``."""
        return json.dumps(self.data) + "\n"


# Records ------------------------------------------------------------------------------------


def _record(task: AnyTask, document: Document, format: Format, template: Template) -> Record:
    completion = task.gold(document, template)
    if format == "prompt-completion":
        return {"prompt": template.prompt(task, document), "completion": completion}
    messages = [
        {"role": CHAT_ROLES[m["role"]], "content": m["content"]}
        for m in template.messages(task, document)
    ]
    messages.append({"role": CHAT_ROLES["assistant"], "content": completion})
    return {"messages": messages}


def training_records(
    documents: Iterable[Document],
    tasks: str | Sequence[str | AnyTask],
    format: Format = "prompt-completion",
    template: Template | str = TITLED,
) -> list[TrainingRecord]:
    """One record per task and document, task after task (the tutorial's files, concatenated)."""
    chosen = resolve_tasks(tasks)
    shown = get_template(template)
    check_format(format)
    documents = list(documents)
    return [
        TrainingRecord(document.pmid, task.name, _record(task, document, format, shown))
        for task in chosen
        for document in documents
    ]


def resolve_tasks(tasks: str | Sequence[str | AnyTask]) -> tuple[AnyTask, ...]:
    """Tasks named (``"diseases,chemicals"``, a list of names) or given, each at most once."""
    if isinstance(tasks, str):
        return get_tasks(tasks)
    chosen = tuple(get_task(t) if isinstance(t, str) else t for t in tasks)
    names = [t.name for t in chosen]
    if not chosen or len(set(names)) != len(names):
        raise TrainingDataError(f"give one or more distinct tasks, got {names}")
    return chosen


def check_format(format: str) -> None:
    """Refuse a fine-tuning format that is not one of :data:`FORMATS`."""
    if format not in FORMATS:
        raise TrainingDataError(
            f"unknown fine-tuning format {format!r}; choose from {', '.join(FORMATS)}"
        )


# Requirements -------------------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """A rough token count without Cohere's tokenizer: one token per three UTF-8 bytes."""
    return math.ceil(len(text.encode("utf-8", "surrogatepass")) / 3)


def check_records(
    records: Sequence[Record],
    format: Format,
    *,
    file: str,
    evaluation: bool = False,
    count_tokens: Callable[[str], int] | None = None,
    limits: Limits = LIMITS,
) -> tuple[list[Violation], list[Violation]]:
    """Check records against Cohere's stated requirements: ``(violations, warnings)``.

    Line numbers are 1-based positions in the file. Token limits are violations when
    ``count_tokens`` is given, and warnings from :func:`estimate_tokens` when it is not.
    """
    check_format(format)
    violations: list[Violation] = []
    warnings: list[Violation] = []
    tokens = count_tokens or estimate_tokens
    for line, record in enumerate(records, start=1):
        if format == "chat":
            problems, size, limit, what = _check_chat(record, tokens, limits)
        else:
            problems, size, limit, what = _check_prompt_completion(record, tokens, limits)
        violations += [Violation(file, line, p) for p in problems]
        if size > limit:
            counted = "has" if count_tokens else "may have (estimated)"
            found = Violation(file, line, f"{what} {counted} {size} tokens, over Cohere's {limit}")
            (violations if count_tokens else warnings).append(found)
    minimum = (
        limits.min_eval_examples
        if evaluation
        else limits.min_chat_conversations
        if format == "chat"
        else limits.min_prompt_completion_examples
    )
    if len(records) < minimum:
        noun = "conversations" if format == "chat" else "examples"
        role = "an evaluation" if evaluation else "a training"
        violations.append(
            Violation(
                file,
                None,
                f"holds {len(records)} {noun}; Cohere needs at least {minimum} in {role} file",
            )
        )
    return violations, warnings


def _text_problems(value: object, what: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{what} is not a string"]
    if not value.strip():
        return [f"{what} is empty"]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return [f"{what} cannot be encoded in UTF-8 (a lone surrogate)"]
    return []


def _check_prompt_completion(
    record: Record, tokens: Callable[[str], int], limits: Limits
) -> tuple[list[str], int, int, str]:
    problems: list[str] = []
    if set(record) != {"prompt", "completion"}:
        problems.append(f"keys {sorted(record)}, expected exactly 'prompt' and 'completion'")
    prompt, completion = record.get("prompt"), record.get("completion")
    problems += _text_problems(prompt, "the prompt") + _text_problems(completion, "the completion")
    size = 0
    if isinstance(prompt, str) and isinstance(completion, str):
        size = tokens(prompt) + tokens(completion)
    return problems, size, limits.prompt_completion_tokens, "prompt and completion"


def _check_chat(
    record: Record, tokens: Callable[[str], int], limits: Limits
) -> tuple[list[str], int, int, str]:
    messages = record.get("messages")
    if set(record) != {"messages"} or not isinstance(messages, list) or not messages:
        return ['expected {"messages": [...]} with one or more messages'], 0, 1, ""
    problems: list[str] = []
    roles: list[object] = []
    size = 0
    largest = 0
    for index, message in enumerate(messages, start=1):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            problems.append(f"message {index} is not {{'role': ..., 'content': ...}}")
            continue
        role, content = message["role"], message["content"]
        roles.append(role)
        if role not in CHAT_ROLES.values():
            problems.append(
                f"message {index} has role {role!r}; Cohere accepts only System, User, Chatbot"
            )
        elif role == "System" and index != 1:
            problems.append(f"message {index} is a System message; only the first may be")
        problems += _text_problems(content, f"message {index} ({role})")
        if isinstance(content, str):
            size += tokens(content)
        if role == "Chatbot":
            # A turn is every message up to a Chatbot message: the last turn is the largest.
            largest = size
    for needed in ("User", "Chatbot"):
        if needed not in roles:
            problems.append(f"the conversation has no {needed} message")
    return problems, max(largest, 0), limits.chat_turn_tokens, "a turn"
