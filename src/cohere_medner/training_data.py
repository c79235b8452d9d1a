"""Fine-tuning files for Cohere: prompt-completion or chat JSONL, checked before writing.

:func:`prepare_finetuning` turns documents into one record per document and task, refuses
the test split (unless asked) and documents shared between training and evaluation, checks
every record against the requirements Cohere's documentation states, and only then writes,
atomically. With the ``seed`` template and one task, a ``prompt-completion`` file is what the
tutorial's own code writes for the same split, byte for byte and in the same order, for every
document without composite mentions. For those, the tutorial's code lists the first fragment
of an individual mention (``visual`` for "visual or auditory toxicity"); this library lists
top-level mentions only, so the same file comes out of the JSON, PubTator and BioC forms of
the corpus.

Cohere's stated requirements checked here (docs.cohere.com, "Preparing the Chat Fine-tuning
Data", "Starting the Chat Fine-Tuning Run", "Preparing the Generate Fine-tuning Data", "The
Cohere Datasets API"):

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
the format for models fine-tuned elsewhere (Amazon Bedrock) and for the tutorial's models.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final, Literal, TypeAlias

import attrs

from .errors import (
    DataLeakError,
    FinetuneRequirementError,
    ForbiddenSplitError,
    TrainingDataError,
)
from .files import PathLike, atomic_write
from .tasks import AnyTask, get_tasks
from .templates import SEED, Template, get_template
from .types import Document

__all__ = [
    "CHAT_ROLES",
    "FORMATS",
    "LIMITS",
    "Format",
    "Limits",
    "PrepareReport",
    "TrainingRecord",
    "UnnamedRelation",
    "Violation",
    "check_records",
    "estimate_tokens",
    "prepare_finetuning",
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


@attrs.frozen
class UnnamedRelation:
    """A gold relation left out of a completion: a side is never mentioned in the shown text."""

    pmid: str
    task: str
    chemical: str
    disease: str


@attrs.frozen
class PrepareReport:
    """What :func:`prepare_finetuning` wrote, and what a researcher should know about it."""

    output: str
    eval_output: str | None
    format: str
    template: str
    tasks: tuple[str, ...]
    splits: tuple[str, ...]
    train_documents: int
    eval_documents: int
    train_records: int
    eval_records: int
    eval_pmids: tuple[str, ...] = ()
    unnamed_relations: tuple[UnnamedRelation, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """A few lines for a terminal."""
        lines = [
            f"wrote {self.train_records} {self.format} records "
            f"({self.train_documents} documents x {', '.join(self.tasks)}) to {self.output}"
        ]
        if self.eval_output is not None:
            lines.append(
                f"wrote {self.eval_records} evaluation records "
                f"({self.eval_documents} documents) to {self.eval_output}"
            )
        if self.unnamed_relations:
            lines.append(
                f"{len(self.unnamed_relations)} gold relations left out of completions: a side "
                "is never mentioned in the text the prompt shows"
            )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


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
    template: Template | str = SEED,
) -> list[TrainingRecord]:
    """One record per task and document, task after task (the tutorial's files, concatenated)."""
    chosen = _tasks(tasks)
    shown = _template(template)
    _check_format(format)
    documents = list(documents)
    return [
        TrainingRecord(document.pmid, task.name, _record(task, document, format, shown))
        for task in chosen
        for document in documents
    ]


def _tasks(tasks: str | Sequence[str | AnyTask]) -> tuple[AnyTask, ...]:
    if isinstance(tasks, str):
        return get_tasks(tasks)
    named = [t for t in tasks if isinstance(t, str)]
    resolved = iter(get_tasks(named) if named else ())
    chosen = tuple(next(resolved) if isinstance(t, str) else t for t in tasks)
    names = [t.name for t in chosen]
    if not chosen or len(set(names)) != len(names):
        raise TrainingDataError(f"give one or more distinct tasks, got {names}")
    return chosen


def _template(template: Template | str) -> Template:
    return get_template(template) if isinstance(template, str) else template


def _check_format(format: str) -> None:
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
    _check_format(format)
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


# Splits, evaluation and leakage -------------------------------------------------------------


def _is_test(split: str) -> bool:
    return split.strip().lower().replace("_", "").replace("-", "") in {
        "test",
        "testset",
        "testing",
    }


def _check_splits(documents: Mapping[str, object], allow_test: bool, what: str) -> None:
    test = [s for s in documents if _is_test(s)]
    if test and not allow_test:
        raise ForbiddenSplitError(
            f"refusing to write {what} from the {test[0]!r} split: a model fine-tuned on the "
            "test split cannot be scored on it. Use train and validation, or pass "
            "allow_test=True (--allow-test) if that is really what you want"
        )


def _listing(pmids: Sequence[str]) -> str:
    shown = ", ".join(pmids[:10])
    return shown + (f" and {len(pmids) - 10} more" if len(pmids) > 10 else "")


def _split_off_evaluation(
    documents: list[Document], fraction: float, seed: int
) -> tuple[list[Document], list[Document]]:
    if not 0 < fraction < 1:
        raise TrainingDataError(f"eval_fraction must be between 0 and 1, got {fraction}")
    # Drawn by PMID, so a document listed twice never lands on both sides.
    pmids = list(dict.fromkeys(d.pmid for d in documents))
    count = max(1, round(len(pmids) * fraction))
    if count >= len(pmids):
        raise TrainingDataError(
            f"eval_fraction {fraction} of {len(pmids)} documents leaves none to train on"
        )
    chosen = set(random.Random(f"eval:{seed}").sample(pmids, count))
    train = [d for d in documents if d.pmid not in chosen]
    held = [d for d in documents if d.pmid in chosen]
    return train, held


def _check_no_leak(train: Sequence[Document], held: Sequence[Document], template: Template) -> None:
    held_pmids = {d.pmid for d in held}
    shared = list(dict.fromkeys(d.pmid for d in train if d.pmid in held_pmids))
    if shared:
        raise DataLeakError(
            f"{len(shared)} documents are in both the training and the evaluation file "
            f"(PMIDs {_listing(shared)}); an evaluation on seen documents overstates the model. "
            "Remove them from one side"
        )
    if template.few_shot is not None:
        examples = list(
            dict.fromkeys(d.pmid for d in template.few_shot.pool if d.pmid in held_pmids)
        )
        if examples:
            raise DataLeakError(
                f"the few-shot pool holds {len(examples)} evaluation documents "
                f"(PMIDs {_listing(examples)}); draw worked examples from training documents only"
            )


# Writing ------------------------------------------------------------------------------------


def _order(records: list[TrainingRecord], shuffle: bool, seed: int) -> list[TrainingRecord]:
    if shuffle:
        random.Random(f"shuffle:{seed}").shuffle(records)
    return records


def _unnamed(
    documents: Sequence[Document], tasks: Sequence[AnyTask], template: Template
) -> list[UnnamedRelation]:
    found: list[UnnamedRelation] = []
    for task in tasks:
        for document in documents:
            for relation in task.gold_target(document, template).unnamed:
                found.append(
                    UnnamedRelation(document.pmid, task.name, relation.chemical, relation.disease)
                )
    return found


def _duplicates(records: Sequence[TrainingRecord], file: str) -> list[str]:
    seen: dict[str, int] = {}
    found: list[str] = []
    for line, record in enumerate(records, start=1):
        key = record.to_json()
        if key in seen:
            found.append(
                f"{file}, line {line}: the same record as line {seen[key]} (PMID {record.pmid}); "
                "Cohere advises removing duplicate examples"
            )
        else:
            seen[key] = line
    return found


def prepare_finetuning(
    documents: Mapping[str, Iterable[Document]],
    tasks: str | Sequence[str | AnyTask],
    format: Format,
    output: PathLike,
    *,
    eval_output: PathLike | None = None,
    eval_fraction: float | None = None,
    eval_documents: Mapping[str, Iterable[Document]] | None = None,
    seed: int = 0,
    shuffle: bool | None = None,
    allow_test: bool = False,
    template: Template | str = SEED,
    count_tokens: Callable[[str], int] | None = None,
    limits: Limits = LIMITS,
) -> PrepareReport:
    """Write a fine-tuning file (and optionally an evaluation file) from split -> documents.

    ``documents`` maps split names to documents, taken in that order (the tutorial trains
    on ``train`` and ``validation`` together). ``tasks`` is ``"diseases,chemicals"`` or a list
    of names or tasks; records come task after task, and are shuffled with ``seed`` when
    there is more than one task (or when ``shuffle`` says so). The evaluation file holds
    either ``eval_documents`` or a seeded ``eval_fraction`` of the documents (0.1 when
    ``eval_output`` is given without either), drawn by PMID.

    Raises :class:`ForbiddenSplitError` for a test split without ``allow_test``,
    :class:`DataLeakError` for a document on both sides, and
    :class:`FinetuneRequirementError` listing every broken Cohere requirement with its
    file and line; nothing is written then. Both files are written atomically.
    """
    _check_format(format)
    chosen = _tasks(tasks)
    shown = _template(template)
    _check_splits(documents, allow_test, "fine-tuning files")
    if eval_documents is not None:
        _check_splits(eval_documents, allow_test, "an evaluation file")
    output_path = Path(output)
    eval_path = Path(eval_output) if eval_output is not None else None
    for path in (output_path, eval_path):
        if path is not None and not path.parent.is_dir():
            raise TrainingDataError(
                f"cannot write {path}: the directory {path.parent} does not exist"
            )
    if eval_path is not None and eval_path.resolve() == output_path.resolve():
        raise TrainingDataError(f"the training and evaluation files are both {output_path}")

    train = [d for split in documents.values() for d in split]
    held: list[Document] = []
    if eval_documents is not None:
        if eval_fraction is not None:
            raise TrainingDataError("give eval_documents or eval_fraction, not both")
        if eval_path is None:
            raise TrainingDataError(
                "eval_documents were given without eval_output to write them to"
            )
        held = [d for split in eval_documents.values() for d in split]
    elif eval_fraction is not None or eval_path is not None:
        if eval_path is None:
            raise TrainingDataError("eval_fraction was given without eval_output to write to")
        train, held = _split_off_evaluation(
            train, 0.1 if eval_fraction is None else eval_fraction, seed
        )
    _check_no_leak(train, held, shown)

    mixed = len(chosen) > 1 if shuffle is None else shuffle
    train_records = _order(training_records(train, chosen, format, shown), mixed, seed)
    held_records = _order(training_records(held, chosen, format, shown), mixed, seed)

    violations, warnings = check_records(
        [r.data for r in train_records],
        format,
        file=str(output_path),
        count_tokens=count_tokens,
        limits=limits,
    )
    if eval_path is not None:
        more, more_warnings = check_records(
            [r.data for r in held_records],
            format,
            file=str(eval_path),
            evaluation=True,
            count_tokens=count_tokens,
            limits=limits,
        )
        violations += more
        warnings += more_warnings
    lines = [r.to_json() for r in train_records]
    held_lines = [r.to_json() for r in held_records]
    size = sum(len(line.encode("utf-8", "surrogatepass")) for line in lines + held_lines)
    if size > limits.dataset_bytes:
        violations.append(
            Violation(
                str(output_path),
                None,
                f"the dataset is {size} bytes, over Cohere's {limits.dataset_bytes} "
                "(training and evaluation files together)",
            )
        )
    if violations:
        raise FinetuneRequirementError(tuple(str(v) for v in violations))

    if eval_path is None:
        with atomic_write(output_path) as stream:
            stream.writelines(lines)
    else:
        with atomic_write(output_path) as stream, atomic_write(eval_path) as held_stream:
            stream.writelines(lines)
            held_stream.writelines(held_lines)

    notes = [str(w) for w in warnings]
    notes += _duplicates(train_records, str(output_path))
    notes += _duplicates(held_records, str(eval_path)) if eval_path is not None else []
    return PrepareReport(
        output=str(output_path),
        eval_output=None if eval_path is None else str(eval_path),
        format=format,
        template=shown.name,
        tasks=tuple(t.name for t in chosen),
        splits=tuple(documents),
        train_documents=len(train),
        eval_documents=len(held),
        train_records=len(train_records),
        eval_records=len(held_records),
        eval_pmids=tuple(dict.fromkeys(d.pmid for d in held)),
        unnamed_relations=tuple(_unnamed(train + held, chosen, shown)),
        warnings=tuple(notes),
    )
