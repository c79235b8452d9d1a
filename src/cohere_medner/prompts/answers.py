"""From a model's answers to an Extraction: the one place answer texts become lists.

Synchronous extraction and batch extraction both receive, for each document, one answer
per request unit (a task, or the combined task); both build their Extraction here, so the
two roads give the same result for the same answers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from cohere_medner.extraction import Extraction
from cohere_medner.parsing.lines import Rejected
from cohere_medner.parsing.lists import ParsedItems
from cohere_medner.parsing.relations import ParsedRelations, Triple
from cohere_medner.prompts.tasks import AnyTask, Task
from cohere_medner.types import Completion


def parse_answer(
    unit: AnyTask, text: str, rejected: list[Rejected]
) -> Iterator[tuple[Task, ParsedItems | ParsedRelations]]:
    """Each task one answer covers, with its parsed list; unreadable lines go to ``rejected``."""
    if isinstance(unit, Task):
        parsed = unit.parse(text)
        rejected.extend(parsed.rejected)
        yield unit, parsed
        return
    combined = unit.parse(text)
    rejected.extend(combined.rejected)
    for task in unit.tasks:
        found = combined.results.get(task.name)
        if found is None:
            rejected.append(Rejected(0, "", f"the answer has no {task.cue!r} section"))
            continue
        rejected.extend(found.rejected)
        yield task, found


def build_extraction(
    document: str,
    units: Sequence[AnyTask],
    answers: Mapping[str, Completion | str],
    cached: Collection[str] = (),
) -> Extraction:
    """One document's Extraction from its answers by unit name.

    An answer is a :class:`~cohere_medner.models.client.Completion`, or a string saying why the
    unit's request failed (the document is then marked failed, keeping the rest); units
    named in ``cached`` were answered from the response cache, not by a request.
    """
    entities: dict[str, tuple[str, ...]] = {}
    relations: list[Triple] = []
    raw: dict[str, str] = {}
    rejected: dict[str, tuple[Rejected, ...]] = {}
    tokens_in = tokens_out = requests = from_cache = 0
    errors: list[str] = []
    for unit in units:
        answer = answers.get(unit.name, "no answer")
        if isinstance(answer, str):
            errors.append(f"{unit.name}: {answer}")
            continue
        raw[unit.name] = answer.text
        tokens_in += answer.input_tokens
        tokens_out += answer.output_tokens
        if unit.name in cached:
            from_cache += 1
        else:
            requests += 1
        bad: list[Rejected] = []
        for task, parsed in parse_answer(unit, answer.text, bad):
            if isinstance(parsed, ParsedItems) and task.entity_type is not None:
                entities[task.entity_type] = parsed.items
            elif isinstance(parsed, ParsedRelations):
                relations.extend(parsed.triples)
        if bad:
            rejected[unit.name] = tuple(bad)
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
    )
