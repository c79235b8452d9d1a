"""From a model's answers to an Extraction: the one place answers become extractions.

Synchronous extraction and batch extraction both receive, for each document, one answer
per request unit (a task, or the combined task); both build their Extraction here, each
unit reading its own answer (:meth:`~cohere_medner.prompts.tasks.AnyTask.parse`), so the
two roads give the same result for the same answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from cohere_medner.extraction import Extraction
from cohere_medner.prompts.tasks import AnyTask
from cohere_medner.types import Completion, Rejected, Triple


def build_extraction(
    document: str,
    units: Sequence[AnyTask],
    answers: Mapping[str, Completion | str],
    cached: Collection[str] = (),
) -> Extraction:
    """One document's Extraction from its answers by unit name.

    An answer is a :class:`~cohere_medner.types.Completion`, or a string saying why the
    unit's request failed (the document is then marked failed, keeping the rest); units
    named in ``cached`` were answered from the response cache, not by a request. Answers
    cut at ``max_tokens``, or far past it, are named in the Extraction's ``truncated`` and
    ``oversized``.
    """
    entities: dict[str, tuple[str, ...]] = {}
    relations: list[Triple] = []
    raw: dict[str, str] = {}
    rejected: dict[str, tuple[Rejected, ...]] = {}
    tokens_in = tokens_out = requests = from_cache = 0
    errors: list[str] = []
    truncated: list[str] = []
    oversized: list[str] = []
    for unit in units:
        answer = answers.get(unit.name, "no answer")
        if isinstance(answer, str):
            errors.append(f"{unit.name}: {answer}")
            continue
        raw[unit.name] = answer.text
        if answer.truncated:
            truncated.append(unit.name)
        if answer.oversized:
            oversized.append(unit.name)
        tokens_in += answer.input_tokens
        tokens_out += answer.output_tokens
        if unit.name in cached:
            from_cache += 1
        else:
            requests += 1
        parsed = unit.parse(answer.text)
        entities.update(parsed.entities)
        relations.extend(parsed.relations)
        if parsed.rejected:
            rejected[unit.name] = parsed.rejected
    return Extraction(
        document,
        entities,
        tuple(relations),
        raw,
        rejected,
        tokens_in,
        tokens_out,
        requests,
        from_cache,
        "; ".join(errors) or None,
        tuple(truncated),
        tuple(oversized),
    )
