"""Templates: how a prompt is laid out around a task and a document.

A :class:`Template` knows which text a prompt shows (the abstract, or the title and
abstract), which worked examples come with it, and whether it is one prompt string or chat
messages; the task gives the instruction, the cue and the gold answers (:class:`Renderable`,
all a template needs of a task). Neither talks to Cohere nor reads files: the extractor and
the fine-tuning writer put them together.

The ``seed`` template reproduces the tutorial this project grew from, byte for byte: the
instruction, then the abstract alone (not the title), then the cue::

    The following article contains technical terms including diseases, drugs and
    chemicals. Create a list only of the diseases mentioned.\\n\\n
    <abstract>\\n\\nList of extracted diseases:\\n

The ``titled`` template, the default of the Extractor, the command line and the
fine-tuning files, is the same with the title on its own line before the abstract
(``<title>\\n<abstract>``). The official BC5CDR evaluation counts the mentions in the
title too: on the test split, 153 of the mentions that even a perfect lister misses under
``seed`` are names that appear only in the title.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Protocol, TypeAlias

import attrs

from cohere_medner.errors import TemplateError, unknown_name
from cohere_medner.types import Document

__all__ = [
    "SEED",
    "TEMPLATES",
    "TITLED",
    "ExampleChooser",
    "FewShot",
    "Message",
    "Renderable",
    "Template",
    "get_template",
]

Message: TypeAlias = dict[str, str]
"""A chat message ``{"role": ..., "content": ...}``, roles as Cohere's v2 chat API names them."""

_SLOTS: Final = frozenset({"instruction", "examples", "text", "cue"})
_EXAMPLE_SLOTS: Final = frozenset({"text", "cue", "answer"})
_USER_SLOTS: Final = frozenset({"text", "cue"})


def _document_tuple(documents: Iterable[Document]) -> tuple[Document, ...]:
    return tuple(documents)


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

    :class:`FewShot` draws them at random; :class:`~cohere_medner.models.nearest.KNearest`
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


class Renderable(Protocol):
    """What a template needs from a task: its instruction, its cue, and gold answers.

    Every task (:class:`~cohere_medner.prompts.tasks.AnyTask`) offers these; a template asks
    for no more, so templates do not depend on the tasks that implement it.
    """

    @property
    def instruction(self) -> str:
        """What the model is asked to do: the prompt's first words, or the system message."""
        ...

    @property
    def cue(self) -> str:
        """The line the answer follows, such as ``List of extracted diseases:``."""
        ...

    def gold(self, document: Document, template: Template | None = None) -> str:
        """The gold answer for ``document`` under ``template``: a worked example's answer."""
        ...


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

    def prompt(self, task: Renderable, document: Document) -> str:
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

    def messages(self, task: Renderable, document: Document) -> list[Message]:
        """Chat messages for Cohere's v2 chat API: system, worked examples, then the user."""
        messages: list[Message] = [{"role": "system", "content": task.instruction}]
        for example in self.examples(document):
            messages.append({"role": "user", "content": self._user(task, example)})
            messages.append({"role": "assistant", "content": task.gold(example, self)})
        messages.append({"role": "user", "content": self._user(task, document)})
        return messages

    def _user(self, task: Renderable, document: Document) -> str:
        return self.user_layout.format(text=self.shown_text(document), cue=task.cue)


SEED: Final = Template()
"""The tutorial's prompts, byte for byte: instruction, abstract only, cue; no examples."""

TITLED: Final = Template(name="titled", include_title=True)
"""The default: the tutorial's prompts with the title on its own line before the abstract."""

TEMPLATES: Final[Mapping[str, Template]] = {t.name: t for t in (SEED, TITLED)}
"""The named templates. Options (few-shot) go on top: ``attrs.evolve(TITLED, ...)``."""


def get_template(name: str | Template) -> Template:
    """The template called ``name`` (or ``name`` itself if it is one); errors name the choices."""
    if isinstance(name, Template):
        return name
    try:
        return TEMPLATES[name.strip()]
    except KeyError:
        raise TemplateError(unknown_name("template", name, TEMPLATES)) from None
