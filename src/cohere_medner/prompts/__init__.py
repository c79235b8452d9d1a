"""Tasks, prompt templates, worked examples, and answers read back into extractions."""

from __future__ import annotations

from cohere_medner.prompts.tasks import (
    CHEMICALS,
    COMBINED,
    DISEASES,
    EMPTY_COMPLETION,
    RELATIONS,
    SEED_PREAMBLE,
    TASKS,
    AnyTask,
    CombinedTask,
    GoldTarget,
    ParsedAnswer,
    Task,
    get_task,
    get_tasks,
)
from cohere_medner.prompts.templates import (
    SEED,
    TEMPLATES,
    ExampleChooser,
    FewShot,
    Message,
    Renderable,
    Template,
    get_template,
)

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
    "CombinedTask",
    "ExampleChooser",
    "FewShot",
    "GoldTarget",
    "Message",
    "ParsedAnswer",
    "Renderable",
    "Task",
    "Template",
    "get_task",
    "get_tasks",
    "get_template",
]
