"""Tasks: how a document becomes a prompt and a gold answer, and how an answer is read back.

A :class:`Task` knows one thing to extract (diseases, chemicals, CID relations, or a type of
the user's own); a :class:`Template` knows how a prompt is laid out (which text it shows,
worked examples, a prompt string or chat messages). Neither talks to Cohere nor reads files:
the extractor and the fine-tuning writer put them together.

The ``seed`` template reproduces the tutorial this project grew from, byte for byte: the
instruction, then the abstract alone (not the title), then the cue::

    The following article contains technical terms including diseases, drugs and
    chemicals. Create a list only of the diseases mentioned.\\n\\n
    <abstract>\\n\\nList of extracted diseases:\\n

and the gold completion ``"- " + "\\n- ".join(items)``. A document with nothing to list gets
``"- "`` (what the tutorial's code writes); :meth:`Task.parse` reads it back as empty.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Literal, Protocol, TypeAlias

import attrs

from .errors import TaskError, TemplateError, UnknownTaskError, unknown_name
from .parsing import (
    INFLUENCES,
    ParsedItems,
    ParsedRelations,
    Rejected,
    Triple,
    format_list,
    format_relations,
    read_list,
    read_relations,
    read_sections,
)
from .types import CHEMICAL, CID, DISEASE, Document, Mention, Relation

__all__ = [
    "CHEMICALS",
    "COMBINED",
    "DISEASES",
    "EMPTY_COMPLETION",
    "RELATIONS",
    "SEED",
    "SEED_PREAMBLE",
    "TASKS",
    "TEMPLATES",
    "AnyTask",
    "CombinedParse",
    "CombinedTask",
    "ExampleChooser",
    "FewShot",
    "GoldTarget",
    "Message",
    "Parsed",
    "Task",
    "Template",
    "get_task",
    "get_tasks",
    "get_template",
]

SEED_PREAMBLE: Final = (
    "The following article contains technical terms including diseases, drugs and chemicals."
)
"""The tutorial's first sentence, shared by the three built-in instructions."""

EMPTY_COMPLETION: Final = format_list([])
"""The gold completion of a document with nothing to list: ``"- "``, as the tutorial writes."""

Message: TypeAlias = dict[str, str]
"""A chat message ``{"role": ..., "content": ...}``, roles as Cohere's v2 chat API names them."""

Parsed: TypeAlias = ParsedItems | ParsedRelations
"""What a single task's parser returns."""

_SLOTS: Final = frozenset({"instruction", "examples", "text", "cue"})
_EXAMPLE_SLOTS: Final = frozenset({"text", "cue", "answer"})
_USER_SLOTS: Final = frozenset({"text", "cue"})


# Tasks ------------------------------------------------------------------------------------


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

    def gold(self, document: Document, template: Template | None = None) -> str:
        """The gold completion for ``document`` under ``template`` (default: ``seed``)."""
        return self.gold_target(document, template).completion

    def gold_target(self, document: Document, template: Template | None = None) -> GoldTarget:
        """The gold completion with the items it lists (and relations it could not name)."""
        start, end = (template or SEED).shown_span(document)
        shown = _shown_mentions(document, start, end)
        if self.entity_type is not None:
            items = _unique(m.text for m in shown if m.type == self.entity_type)
            return GoldTarget(format_list(items), items=items)
        return _relation_target(document, shown, self.relation_type or CID)

    def parse(self, text: str) -> Parsed:
        """Read a model's answer (or a gold completion) into items or triples."""
        if self.entity_type is not None:
            if _is_empty_answer(text):
                return ParsedItems()
            return read_list(text)
        if _is_empty_answer(text):
            return ParsedRelations()
        return read_relations(text)


def _is_empty_answer(text: str) -> bool:
    # The tutorial's empty completion is "- ": a bullet with no item.
    return text.strip() in ("", "-")


def _shown_mentions(document: Document, start: int, end: int) -> list[Mention]:
    # Stable sort: mentions that start together keep the corpus's order.
    inside = [m for m in document.mentions if start <= m.start and m.end <= end]
    return sorted(inside, key=lambda m: m.start)


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    # De-duplication by exact text, keeping first appearance: the tutorial's rule.
    return tuple(dict.fromkeys(texts))


def _bare_id(identifier: str) -> str:
    prefix, colon, rest = identifier.partition(":")
    return rest if colon and prefix.upper() == "MESH" else identifier


def _name_of(mentions: Sequence[Mention], concept: str, entity_type: str) -> str | None:
    """The text of the first mention of ``concept``; for a composite, the matching part."""
    for mention in mentions:
        if mention.type != entity_type:
            continue
        ids = [_bare_id(i) for i in mention.ids]
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
        chemical = _name_of(shown, _bare_id(relation.chemical), CHEMICAL)
        disease = _name_of(shown, _bare_id(relation.disease), DISEASE)
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


@attrs.frozen
class CombinedParse:
    """A combined answer read back: one parsed result per task found, and what was not."""

    results: dict[str, Parsed] = attrs.field(factory=dict)
    missing: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()


def _check_subtasks(
    instance: CombinedTask, attribute: attrs.Attribute[tuple[Task, ...]], tasks: tuple[Task, ...]
) -> None:
    names = [t.name for t in tasks]
    if not tasks or len(set(names)) != len(names):
        raise TaskError(f"a combined task needs one or more tasks with distinct names, got {names}")


def _task_tuple(tasks: Iterable[Task]) -> tuple[Task, ...]:
    return tuple(tasks)


def _document_tuple(documents: Iterable[Document]) -> tuple[Document, ...]:
    return tuple(documents)


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
    (``parsing.read_sections``) and reads each section with its task's parser.
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
        return "\n\n".join(f"{t.cue}\n{t.gold(document, template)}" for t in self.tasks)

    def gold_target(self, document: Document, template: Template | None = None) -> GoldTarget:
        """The combined completion, with every section's items, triples and unnamed relations."""
        targets = [t.gold_target(document, template) for t in self.tasks]
        return GoldTarget(
            self.gold(document, template),
            items=tuple(i for g in targets for i in g.items),
            triples=tuple(t for g in targets for t in g.triples),
            unnamed=tuple(r for g in targets for r in g.unnamed),
        )

    @property
    def headings(self) -> dict[str, tuple[str, ...]]:
        """Section name -> accepted headings, as ``parsing.read_sections`` takes them."""
        return {t.name: t.headings for t in self.tasks}

    def parse(self, text: str) -> CombinedParse:
        """Split a combined answer into sections and parse each with its task."""
        sections = read_sections(text, self.headings)
        results = {
            t.name: t.parse(sections.texts[t.name]) for t in self.tasks if t.name in sections.texts
        }
        return CombinedParse(results, tuple(sections.missing), tuple(sections.rejected))


COMBINED: Final = CombinedTask((DISEASES, CHEMICALS, RELATIONS))

AnyTask: TypeAlias = Task | CombinedTask
"""A single task or a combined one: both render under any template."""

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


# Templates --------------------------------------------------------------------------------


def _slots(layout: str, allowed: frozenset[str], required: frozenset[str], what: str) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(layout) if f is not None]
    except ValueError as error:
        raise TemplateError(
            f"{what} {layout!r} is not a valid format string ({error}); "
            "write literal braces as '{{' and '}}'"
        ) from None
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise TemplateError(
            f"{what} {layout!r} has unknown slot(s) {', '.join('{' + f + '}' for f in unknown)}; "
            f"the slots are {', '.join('{' + s + '}' for s in sorted(allowed))}"
        )
    missing = required - set(fields)
    if missing:
        raise TemplateError(
            f"{what} {layout!r} has no {', '.join('{' + s + '}' for s in sorted(missing))} "
            "slot, so the document would never reach the model"
        )


def _check_layout(instance: Template, attribute: attrs.Attribute[str], layout: str) -> None:
    _slots(layout, _SLOTS, frozenset({"text"}), "prompt layout")


def _check_example_layout(instance: Template, attribute: attrs.Attribute[str], layout: str) -> None:
    _slots(layout, _EXAMPLE_SLOTS, frozenset({"text", "answer"}), "example layout")


def _check_user_layout(instance: Template, attribute: attrs.Attribute[str], layout: str) -> None:
    _slots(layout, _USER_SLOTS, frozenset({"text"}), "chat user layout")


def _check_k(instance: FewShot, attribute: attrs.Attribute[int], k: int) -> None:
    if k < 1:
        raise TemplateError(f"few-shot needs at least one example per prompt, got k={k}")
    if k > len(instance.pool):
        raise TemplateError(
            f"few-shot asks for {k} examples per prompt but its pool holds only "
            f"{len(instance.pool)} documents; give more training documents or a smaller k"
        )


class ExampleChooser(Protocol):
    """What a template's few-shot slot needs: the worked examples to show with a document.

    :class:`FewShot` draws them at random; :class:`~cohere_medner.examples.KNearest`
    picks the most similar training abstracts.
    """

    @property
    def pool(self) -> Sequence[Document]:
        """The documents examples are drawn from (never ones being scored)."""
        ...

    def choose(self, document: Document) -> tuple[Document, ...]: ...


@attrs.frozen
class FewShot:
    """Worked examples for each prompt: ``k`` documents drawn from ``pool`` with a seed.

    The draw for a document depends only on ``seed``, the pool and the document's PMID, so
    a prompt is the same in every run and whatever order documents come in. A document is
    never its own example. Draw the pool from training documents, never from those you score.
    """

    pool: tuple[Document, ...] = attrs.field(converter=_document_tuple)
    k: int = attrs.field(default=3, validator=_check_k)
    seed: int = 0

    def choose(self, document: Document) -> tuple[Document, ...]:
        """The examples shown with ``document``."""
        candidates = [d for d in self.pool if d.pmid != document.pmid]
        if len(candidates) < self.k:
            raise TemplateError(
                f"few-shot needs {self.k} examples other than document {document.pmid}, "
                f"but the pool holds only {len(candidates)}"
            )
        # A string seed is hashed with SHA-512 by `random`: stable across runs and platforms.
        rng = random.Random(f"{self.seed}:{document.pmid}")
        return tuple(rng.sample(candidates, self.k))


@attrs.frozen
class Template:
    """How a prompt is laid out: which text it shows, examples, prompt string or chat.

    ``layout`` is a format string with the slots ``{instruction}``, ``{examples}``,
    ``{text}`` (required) and ``{cue}``; each worked example is rendered with
    ``example_layout`` (``{text}``, ``{cue}``, ``{answer}``). Chat messages put the
    instruction in the system message and ``user_layout`` (``{text}``, ``{cue}``) in the user
    message. ``include_title`` shows the title (on its own line) before the abstract; only
    mentions inside the shown text count towards the gold answer.
    """

    name: str = "seed"
    include_title: bool = False
    few_shot: ExampleChooser | None = None
    layout: str = attrs.field(
        default="{instruction}\n\n{examples}{text}\n\n{cue}\n", validator=_check_layout
    )
    example_layout: str = attrs.field(
        default="{text}\n\n{cue}\n{answer}\n\n", validator=_check_example_layout
    )
    user_layout: str = attrs.field(default="{text}\n\n{cue}", validator=_check_user_layout)

    def shown_span(self, document: Document) -> tuple[int, int]:
        """The part of ``document.text`` (offsets, end exclusive) that the prompt shows."""
        start = 0 if self.include_title else document.abstract_start
        return start, len(document.text)

    def shown_text(self, document: Document) -> str:
        """The document text the prompt shows: the abstract, or the title and abstract."""
        if self.include_title and document.title:
            # One character between them, as in `document.text`, so offsets carry over.
            return f"{document.title}\n{document.abstract}"
        return document.abstract

    def examples(self, document: Document) -> tuple[Document, ...]:
        """The worked examples shown with ``document`` (none without ``few_shot``)."""
        return self.few_shot.choose(document) if self.few_shot else ()

    def prompt(self, task: AnyTask, document: Document) -> str:
        """One prompt string: for generate-style models and prompt-completion files."""
        blocks = "".join(
            self.example_layout.format(
                text=self.shown_text(example), cue=task.cue, answer=task.gold(example, self)
            )
            for example in self.examples(document)
        )
        return self.layout.format(
            instruction=task.instruction,
            examples=blocks,
            text=self.shown_text(document),
            cue=task.cue,
        )

    def messages(self, task: AnyTask, document: Document) -> list[Message]:
        """Chat messages for Cohere's v2 chat API: system, worked examples, then the user."""
        messages: list[Message] = [{"role": "system", "content": task.instruction}]
        for example in self.examples(document):
            messages.append({"role": "user", "content": self._user(task, example)})
            messages.append({"role": "assistant", "content": task.gold(example, self)})
        messages.append({"role": "user", "content": self._user(task, document)})
        return messages

    def _user(self, task: AnyTask, document: Document) -> str:
        return self.user_layout.format(text=self.shown_text(document), cue=task.cue)


SEED: Final = Template()
"""The tutorial's prompts, byte for byte: instruction, abstract only, cue; no examples."""

TEMPLATES: Final[Mapping[str, Template]] = {SEED.name: SEED}
"""The named templates. Options (title, few-shot) go on top: ``attrs.evolve(SEED, ...)``."""


def get_template(name: str) -> Template:
    """The template called ``name``; a :class:`TemplateError` names the choices."""
    try:
        return TEMPLATES[name.strip()]
    except KeyError:
        raise TemplateError(unknown_name("template", name, TEMPLATES)) from None
