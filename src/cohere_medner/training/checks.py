"""Checking fine-tuning files again before they are uploaded, as ``prepare`` checked them.

Cohere's chat fine-tuning takes chat records only; a prompt-completion file (the tutorial's
form, and what Amazon Bedrock and OCI take) is refused here with a pointer, before any
request.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs

from cohere_medner._files import PathLike
from cohere_medner.errors import FinetuneRequirementError, TrainingDataError
from cohere_medner.training.records import LIMITS, check_records

__all__ = ["check_training_files"]


def _read_jsonl(path: Path) -> tuple[list[dict[str, object]], list[int], list[str]]:
    """The records of a JSONL file, their line numbers, and lines that are not records."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TrainingDataError(f"no fine-tuning file at {path}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return [], [], [f"{path}: not UTF-8 ({error})"]
    records: list[dict[str, object]] = []
    lines: list[int] = []
    problems: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"{path}, line {number}: not JSON ({error.msg})")
            continue
        if not isinstance(value, dict):
            problems.append(f"{path}, line {number}: not a JSON object")
            continue
        records.append(value)
        lines.append(number)
    return records, lines, problems


def check_training_files(train: PathLike, eval: PathLike | None = None) -> tuple[str, ...]:
    """Check chat fine-tuning files as :func:`prepare_finetuning` does; return the warnings.

    Raises :class:`~cohere_medner.errors.FinetuneRequirementError` listing every problem
    (with file and line), including prompt-completion files, which Cohere's chat
    fine-tuning does not take.
    """
    violations: list[str] = []
    warnings: list[str] = []
    size = 0
    for path, evaluation in ((Path(train), False), (None if eval is None else Path(eval), True)):
        if path is None:
            continue
        records, lines, problems = _read_jsonl(path)
        size += path.stat().st_size
        violations += problems
        if any("messages" not in r and {"prompt", "completion"} <= r.keys() for r in records):
            violations.append(
                f"{path}: prompt-completion records; Cohere's chat fine-tuning takes chat "
                'records ({"messages": [...]}): write them with prepare --format chat '
                "(prompt-completion files suit Amazon Bedrock and OCI, see docs/fine-tuning.md)"
            )
            continue
        found, cautions = check_records(records, "chat", file=str(path), evaluation=evaluation)
        # check_records counts records; the file may hold blank lines between them.
        for violation in found:
            line = None if violation.line is None else lines[violation.line - 1]
            violations.append(str(attrs.evolve(violation, line=line)))
        warnings += [
            str(attrs.evolve(w, line=None if w.line is None else lines[w.line - 1]))
            for w in cautions
        ]
    if size > LIMITS.dataset_bytes:
        violations.append(
            f"{train}: the dataset is {size} bytes, over Cohere's {LIMITS.dataset_bytes}"
        )
    if violations:
        raise FinetuneRequirementError(tuple(violations))
    return tuple(warnings)
