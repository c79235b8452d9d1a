"""Tasks, prompt templates, worked examples, and answers read back into extractions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cohere_medner._lazy import lazy_exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "cohere_medner.prompts.tasks": (
        "AnyTask",
        "CHEMICALS",
        "COMBINED",
        "CombinedTask",
        "DISEASES",
        "EMPTY_COMPLETION",
        "GoldTarget",
        "ParsedAnswer",
        "RELATIONS",
        "SEED_PREAMBLE",
        "TASKS",
        "Task",
        "get_task",
        "get_tasks",
    ),
    "cohere_medner.prompts.templates": (
        "ExampleChooser",
        "FewShot",
        "Message",
        "Renderable",
        "SEED",
        "TEMPLATES",
        "TITLED",
        "Template",
        "get_template",
    ),
}
__all__, __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

if TYPE_CHECKING:  # `X as X`: re-exported for type checkers
    from cohere_medner.prompts.tasks import CHEMICALS as CHEMICALS
    from cohere_medner.prompts.tasks import COMBINED as COMBINED
    from cohere_medner.prompts.tasks import DISEASES as DISEASES
    from cohere_medner.prompts.tasks import EMPTY_COMPLETION as EMPTY_COMPLETION
    from cohere_medner.prompts.tasks import RELATIONS as RELATIONS
    from cohere_medner.prompts.tasks import SEED_PREAMBLE as SEED_PREAMBLE
    from cohere_medner.prompts.tasks import TASKS as TASKS
    from cohere_medner.prompts.tasks import AnyTask as AnyTask
    from cohere_medner.prompts.tasks import CombinedTask as CombinedTask
    from cohere_medner.prompts.tasks import GoldTarget as GoldTarget
    from cohere_medner.prompts.tasks import ParsedAnswer as ParsedAnswer
    from cohere_medner.prompts.tasks import Task as Task
    from cohere_medner.prompts.tasks import get_task as get_task
    from cohere_medner.prompts.tasks import get_tasks as get_tasks
    from cohere_medner.prompts.templates import SEED as SEED
    from cohere_medner.prompts.templates import TEMPLATES as TEMPLATES
    from cohere_medner.prompts.templates import TITLED as TITLED
    from cohere_medner.prompts.templates import ExampleChooser as ExampleChooser
    from cohere_medner.prompts.templates import FewShot as FewShot
    from cohere_medner.prompts.templates import Message as Message
    from cohere_medner.prompts.templates import Renderable as Renderable
    from cohere_medner.prompts.templates import Template as Template
    from cohere_medner.prompts.templates import get_template as get_template
