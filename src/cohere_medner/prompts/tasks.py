"""Tasks: what to extract from a document, its gold answer, and how an answer is read back.

A :class:`Task` knows one thing to extract (diseases, chemicals, CID relations, or a type of
the user's own); a :class:`CombinedTask` asks for several in one request, each list under its
own heading. Both offer what :class:`AnyTask` names, so the rest of the library never asks
which one it holds. A :class:`~cohere_medner.prompts.templates.Template` knows how a prompt is
laid out (which text it shows, worked examples, a prompt string or chat messages). Neither
talks to Cohere nor reads files: the extractor and the fine-tuning writer put them together.

The gold completion is the tutorial's ``"- " + "\\n- ".join(items)``. A document with nothing
to list gets ``"- "`` (what the tutorial's code writes); :meth:`Task.parse` reads it back as
empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Literal, Protocol

import attrs

from cohere_medner.errors import TaskError, UnknownTaskError, unknown_name
from cohere_medner.parsing.lists import format_list, parse_list
from cohere_medner.parsing.relations import INFLUENCES, format_relations, parse_relations
from cohere_medner.parsing.sections import parse_sections
from cohere_medner.prompts.templates import TITLED, Renderable, Template
from cohere_medner.types import (
    CHEMICAL,
    CID,
    DISEASE,
    Document,
    Mention,
    Rejected,
    Relation,
    Triple,
    mesh_id,
)

__all__ = [
    "CHEMICALS",
    "COMBINED",
    "DISEASES",
    "EMPTY_COMPLETION",
    "MODES",
    "RELATIONS",
    "SEED_PREAMBLE",
    "TASKS",
    "AnyTask",
    "CombinedTask",
    "GoldTarget",
    "Mode",
    "ParsedAnswer",
    "Task",
    "get_task",
    "get_tasks",
]

SEED_PREAMBLE: Final = (
    "The following article contains technical terms including diseases, drugs and chemicals."
)
"""The tutorial's first sentence, shared by the three built-in instructions."""

EMPTY_COMPLETION: Final = format_list([])
"""The gold completion of a document with nothing to list: ``"- "``, as the tutorial writes."""


# What every task offers -------------------------------------------------------------------


@attrs.frozen
class GoldTarget:
    """The gold answer for one document: the completion and what it lists.

    ``unnamed`` holds the relations that cannot be written because a side (chemical or
    disease) is never mentioned in the text the prompt shows; they are left out of the
    completion, and kept here so that a caller can report them.
    """

    completion: str
    items: tuple[str, ...] = ()
    triples: tuple[Triple, ...] = ()
    unnamed: tuple[Relation, ...] = ()


@attrs.frozen
class ParsedAnswer:
    """An answer read back: its lists by entity type, its relations, and the lines not read.

    ``entities`` has a key for each entity list the answer holds (an empty list too), and
    none for a list it lacks (a combined answer missing a section).
    """

    entities: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    relations: tuple[Triple, ...] = ()
    rejected: tuple[Rejected, ...] = ()


class AnyTask(Renderable, Protocol):
    """What every task offers: its wording, gold answers, and its answers read back.

    A template renders it (``instruction``, ``cue``, and ``gold`` for worked examples); an
    answer to it becomes an Extraction's entities and relations through ``parse``; ``tasks``
    are the single tasks it covers. :class:`Task` (one list) and :class:`CombinedTask` (several
    in one request) implement it.
    """

    @property
    def name(self) -> str:
        """What the task is called on the command line, in training files and in results."""
        ...

    @property
    def tasks(self) -> tuple[Task, ...]:
        """The single tasks this one covers: itself, or those it combines."""
        ...

    def gold_target(self, document: Document, template: Template | None = None) -> GoldTarget:
        """The gold completion for ``document`` under ``template``, with what it lists."""
        ...

    def format_answer(
        self, entities: Mapping[str, Sequence[str]], relations: Sequence[Triple]
    ) -> str:
        """The answer listing these names and triples, laid out as this task's gold is."""
        ...

    def parse(self, text: str) -> ParsedAnswer:
        """A model's answer (or a gold completion) read back; no text makes it raise."""
        ...


# Tasks ------------------------------------------------------------------------------------


def _check_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value or not all(c.isalnum() or c in "-_" for c in value):
        raise TaskError(
            f"task name {value!r} should be a non-empty word of letters, digits, '-' or '_' "
            "(it names the task on the command line and in training files)"
        )


def _check_text(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise TaskError(f"a task's {attribute.name} must not be empty")


def _check_kind(instance: Task, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if (instance.entity_type is None) == (instance.relation_type is None):
        raise TaskError(
            f"task {instance.name!r}: give exactly one of entity_type (a list of mentions, "
            "e.g. 'Disease') or relation_type (a list of relations, e.g. 'CID')"
        )


@attrs.frozen
class Task:
    """One thing to extract: an instruction, a cue, a gold answer and a parser.

    An entity task (``entity_type`` set) lists the unique mention texts of that type; a
    relation task (``relation_type`` set) lists ``Chemical X influences disease Y`` lines.
    ``instruction`` and ``cue`` are the tutorial's wording for the built-ins; give your own
    for a task of your own (``Task("genes", "... Create a list only of the genes
    mentioned.", "List of extracted genes:", entity_type="Gene")``).
    """

    name: str = attrs.field(validator=_check_name)
    instruction: str = attrs.field(validator=_check_text)
    cue: str = attrs.field(validator=_check_text)
    entity_type: str | None = None
    relation_type: str | None = attrs.field(default=None, validator=_check_kind)

    @property
    def kind(self) -> Literal["entities", "relations"]:
        """``"entities"`` or ``"relations"``: what the answer lists."""
        return "entities" if self.entity_type is not None else "relations"

    @property
    def headings(self) -> tuple[str, ...]:
        """Headings that introduce this task's section in a combined answer."""
        return (self.cue.strip().rstrip(":").strip(), self.name.capitalize())

    @property
    def tasks(self) -> tuple[Task, ...]:
        """The single tasks this one covers: itself."""
        return (self,)

    def gold(self, document: Document, template: Template | None = None) -> str:
        """The gold completion for ``document`` under ``template`` (default: ``titled``)."""
        return self.gold_target(document, template).completion

    def gold_target(self, document: Document, template: Template | None = None) -> GoldTarget:
        """The gold completion with the items it lists (and relations it could not name)."""
        start, end = (template or TITLED).shown_span(document)
        shown = _shown_mentions(document, start, end)
        if self.entity_type is not None:
            items = _unique(m.text for m in shown if m.type == self.entity_type)
            return GoldTarget(format_list(items), items=items)
        return _relation_target(document, shown, self.relation_type or CID)

    def format_answer(
        self, entities: Mapping[str, Sequence[str]], relations: Sequence[Triple]
    ) -> str:
        """This task's list of ``entities`` of its type, or of ``relations``."""
        if self.entity_type is not None:
            return format_list(entities.get(self.entity_type, ()))
        return format_relations(relations)

    def parse(self, text: str) -> ParsedAnswer:
        """Read a model's answer (or a gold completion): a list of names, or of triples."""
        # The tutorial's empty completion, "- ", is a bare marker, which the parsers skip.
        if self.entity_type is not None:
            items = parse_list(text)
            return ParsedAnswer({self.entity_type: items.items}, rejected=items.rejected)
        relations = parse_relations(text)
        return ParsedAnswer(relations=relations.triples, rejected=relations.rejected)


def _shown_mentions(document: Document, start: int, end: int) -> list[Mention]:
    # Stable sort: mentions that start together keep the corpus's order.
    inside = [m for m in document.mentions if start <= m.start and m.end <= end]
    return sorted(inside, key=lambda m: m.start)


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    # De-duplication by exact text, keeping first appearance: the tutorial's rule.
    return tuple(dict.fromkeys(texts))


def _name_of(mentions: Sequence[Mention], concept: str, entity_type: str) -> str | None:
    """The text of the first mention of ``concept``; for a composite, the matching part."""
    for mention in mentions:
        if mention.type != entity_type:
            continue
        ids = [mesh_id(i) for i in mention.ids]
        if concept in ids:
            # Only a true composite (several non-empty parts, one per id) names its parts.
            parts = mention.parts
            if len(parts) > 1 and len(parts) == len(ids) and all(p.strip() for p in parts):
                return parts[ids.index(concept)]
            return mention.text
    return None


def _relation_target(
    document: Document, shown: Sequence[Mention], relation_type: str
) -> GoldTarget:
    triples: list[Triple] = []
    unnamed: list[Relation] = []
    for relation in document.relations:
        if relation.type != relation_type:
            continue
        chemical = _name_of(shown, mesh_id(relation.chemical), CHEMICAL)
        disease = _name_of(shown, mesh_id(relation.disease), DISEASE)
        if chemical is None or disease is None:
            unnamed.append(relation)
            continue
        triple = (chemical, INFLUENCES, disease)
        if triple not in triples:
            triples.append(triple)
    return GoldTarget(format_relations(triples), triples=tuple(triples), unnamed=tuple(unnamed))


DISEASES: Final = Task(
    "diseases",
    f"{SEED_PREAMBLE} Create a list only of the diseases mentioned.",
    "List of extracted diseases:",
    entity_type=DISEASE,
)
CHEMICALS: Final = Task(
    "chemicals",
    f"{SEED_PREAMBLE} Create a list only of the chemicals mentioned.",
    "List of extracted chemicals:",
    entity_type=CHEMICAL,
)
RELATIONS: Final = Task(
    "relations",
    f"{SEED_PREAMBLE} Create a list only of the influences between the chemicals and "
    "diseases mentioned.",
    "List of extracted influences:",
    relation_type=CID,
)


# Combined ---------------------------------------------------------------------------------


def _check_subtasks(
    instance: CombinedTask, attribute: attrs.Attribute[tuple[Task, ...]], tasks: tuple[Task, ...]
) -> None:
    names = [t.name for t in tasks]
    if not tasks or len(set(names)) != len(names):
        raise TaskError(f"a combined task needs one or more tasks with distinct names, got {names}")


def _task_tuple(tasks: Iterable[Task]) -> tuple[Task, ...]:
    return tuple(tasks)


_NUMBERS: Final = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _combined_instruction(tasks: Sequence[Task]) -> str:
    headings = ", ".join(repr(t.cue) for t in tasks)
    return (
        f"{SEED_PREAMBLE} Create {_NUMBERS.get(len(tasks), str(len(tasks)))} lists: "
        + "; ".join(_what(t) for t in tasks)
        + f". Write each list under its own heading ({headings}), one item per line "
        'starting with "- ", and write "- " alone under a heading whose list is empty.'
    )


def _what(task: Task) -> str:
    # "Create a list only of the diseases mentioned." -> "only the diseases mentioned"
    sentence = task.instruction.rstrip(".").rsplit(". ", 1)[-1]
    marker = "a list only of "
    return "only " + sentence.split(marker, 1)[1] if marker in sentence else sentence


@attrs.frozen
class CombinedTask:
    """Several tasks answered in one request, each list under its own heading.

    The gold completion is each task's cue on a line of its own followed by its list, the
    sections separated by a blank line; :meth:`parse` splits an answer at those headings
    (:func:`~cohere_medner.parsing.sections.parse_sections`) and reads each section with its
    task's :meth:`Task.parse`.
    """

    tasks: tuple[Task, ...] = attrs.field(converter=_task_tuple, validator=_check_subtasks)
    name: str = attrs.field(default="combined", validator=_check_name)
    instruction: str = attrs.field(
        default=attrs.Factory(lambda self: _combined_instruction(self.tasks), takes_self=True),
        validator=_check_text,
    )
    cue: str = attrs.field(default="Extracted lists:", validator=_check_text)

    def gold(self, document: Document, template: Template | None = None) -> str:
        """All sections' gold lists under their headings."""
        return self.gold_target(document, template).completion

    def gold_target(self, document: Document, template: Template | None = None) -> GoldTarget:
        """The combined completion, with every section's items, triples and unnamed relations."""
        targets = [t.gold_target(document, template) for t in self.tasks]
        return GoldTarget(
            self._sections(g.completion for g in targets),
            items=tuple(i for g in targets for i in g.items),
            triples=tuple(t for g in targets for t in g.triples),
            unnamed=tuple(r for g in targets for r in g.unnamed),
        )

    def format_answer(
        self, entities: Mapping[str, Sequence[str]], relations: Sequence[Triple]
    ) -> str:
        """Every section's list under its cue, as the combined gold completion lays them out."""
        return self._sections(t.format_answer(entities, relations) for t in self.tasks)

    def _sections(self, lists: Iterable[str]) -> str:
        return "\n\n".join(
            f"{t.cue}\n{answer}" for t, answer in zip(self.tasks, lists, strict=True)
        )

    @property
    def headings(self) -> dict[str, tuple[str, ...]]:
        """Section name -> accepted headings, as :func:`.parse_sections` takes them."""
        return {t.name: t.headings for t in self.tasks}

    def parse(self, text: str) -> ParsedAnswer:
        """Split a combined answer into sections and parse each with its task.

        A section the answer lacks is a rejected line (number 0) naming the missing cue;
        the sections' own rejected lines follow the answer's, task by task.
        """
        sections = parse_sections(text, self.headings)
        entities: dict[str, tuple[str, ...]] = {}
        relations: list[Triple] = []
        rejected = list(sections.rejected)
        for task in self.tasks:
            if task.name not in sections.texts:
                rejected.append(Rejected(0, "", f"the answer has no {task.cue!r} section"))
                continue
            found = task.parse(sections.texts[task.name])
            entities.update(found.entities)
            relations.extend(found.relations)
            rejected.extend(found.rejected)
        return ParsedAnswer(entities, tuple(relations), tuple(rejected))


COMBINED: Final = CombinedTask((DISEASES, CHEMICALS, RELATIONS))

Mode = Literal["per-task", "combined"]
"""How tasks are asked: one request per task (the tutorial's), or all in one (:data:`COMBINED`)."""
MODES: Final[tuple[Mode, ...]] = ("per-task", "combined")

TASKS: Final[Mapping[str, AnyTask]] = {
    t.name: t for t in (DISEASES, CHEMICALS, RELATIONS, COMBINED)
}
"""The built-in tasks by name: ``diseases``, ``chemicals``, ``relations`` and ``combined``."""


def get_task(name: str) -> AnyTask:
    """The built-in task called ``name``; an :class:`UnknownTaskError` names the choices."""
    try:
        return TASKS[name.strip()]
    except KeyError:
        raise UnknownTaskError(unknown_name("task", name, TASKS)) from None


def get_tasks(names: str | Sequence[str]) -> tuple[AnyTask, ...]:
    """Tasks from a comma-separated string (``"diseases,chemicals"``) or a list of names."""
    parts = names.split(",") if isinstance(names, str) else list(names)
    chosen = [p.strip() for p in parts if p.strip()]
    if not chosen:
        raise UnknownTaskError(f"no task named; choose from {', '.join(TASKS)}")
    if len(set(chosen)) != len(chosen):
        raise UnknownTaskError(f"a task is named twice in {', '.join(chosen)}")
    return tuple(get_task(n) for n in chosen)
