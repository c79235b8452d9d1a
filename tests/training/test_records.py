"""Fine-tuning records: the template's prompts in Cohere's formats, and Cohere's rules."""

from __future__ import annotations

import attrs
import pytest

from cohere_medner.errors import TrainingDataError, UnknownTaskError
from cohere_medner.prompts.tasks import Task
from cohere_medner.prompts.templates import SEED, FewShot
from cohere_medner.training.records import check_records, estimate_tokens, training_records
from cohere_medner.types import Document

# Records and formats ----------------------------------------------------------------------


def test_few_shot_chat_records_alternate_user_and_chatbot(sample: list[Document]) -> None:
    template = attrs.evolve(SEED, few_shot=FewShot(sample[:10], k=2, seed=5))
    records = training_records(sample[10:12], "chemicals", "chat", template)
    roles = [m["role"] for m in records[0].data["messages"]]  # type: ignore[attr-defined]
    assert roles == ["System", "User", "Chatbot", "User", "Chatbot", "User", "Chatbot"]
    violations, warnings = check_records([r.data for r in records], "chat", file="f")
    assert violations == warnings == []


def test_user_task_objects_are_accepted(sample: list[Document]) -> None:
    genes = Task("genes", "List the genes.", "Genes:", entity_type="Gene")
    records = training_records(sample[:2], [genes, "diseases"], "prompt-completion")
    assert [r.task for r in records] == ["genes", "genes", "diseases", "diseases"]
    assert records[0].data["completion"] == "- "


@pytest.mark.parametrize(
    ("tasks", "error"),
    [
        (["diseases", " "], UnknownTaskError),
        (["diseases", "diseases"], TrainingDataError),
        ([], TrainingDataError),
    ],
)
def test_a_list_of_tasks_names_known_distinct_tasks(
    sample: list[Document], tasks: list[str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        training_records(sample[:1], tasks, "chat")


# Cohere's requirements --------------------------------------------------------------------


def test_every_violation_is_reported_with_its_line() -> None:
    records: list[dict[str, object]] = [
        {"messages": [{"role": "System", "content": "Do."}, {"role": "User", "content": "x"}]},
        {"messages": [{"role": "user", "content": "x"}, {"role": "Chatbot", "content": " "}]},
        {"messages": [{"role": "User", "content": "x"}, {"role": "System", "content": "y"}]},
        {"messages": [{"role": "User", "content": "x"}, {"role": "Chatbot", "content": "- "}]},
        {"prompt": "x", "completion": "y"},
    ]
    violations, _ = check_records(records, "chat", file="chat.jsonl")
    assert [str(v) for v in violations] == [
        "chat.jsonl, line 1: the conversation has no Chatbot message",
        "chat.jsonl, line 2: message 1 has role 'user'; Cohere accepts only System, User, Chatbot",
        "chat.jsonl, line 2: message 2 (Chatbot) is empty",
        "chat.jsonl, line 2: the conversation has no User message",
        "chat.jsonl, line 3: message 2 is a System message; only the first may be",
        "chat.jsonl, line 3: the conversation has no Chatbot message",
        'chat.jsonl, line 5: expected {"messages": [...]} with one or more messages',
    ]


def test_prompt_completion_rules() -> None:
    records: list[dict[str, object]] = [
        {"prompt": "p", "completion": ""},
        {"prompt": "p", "completion": "c", "extra": 1},
        {"prompt": "\ud800", "completion": "c"},
    ]
    violations, _ = check_records(records, "prompt-completion", file="pc.jsonl", evaluation=True)
    assert [str(v) for v in violations] == [
        "pc.jsonl, line 1: the completion is empty",
        "pc.jsonl, line 2: keys ['completion', 'extra', 'prompt'], expected exactly 'prompt' "
        "and 'completion'",
        "pc.jsonl, line 3: the prompt cannot be encoded in UTF-8 (a lone surrogate)",
    ]
    empty, _ = check_records([], "prompt-completion", file="e.jsonl", evaluation=True)
    assert [str(v) for v in empty] == [
        "e.jsonl: holds 0 examples; Cohere needs at least 1 in an evaluation file"
    ]


def test_token_limits_are_violations_when_counted_and_warnings_when_estimated() -> None:
    long = "word " * 4000
    records: list[dict[str, object]] = [{"prompt": long, "completion": "- a"}] * 32
    violations, warnings = check_records(records, "prompt-completion", file="f")
    assert violations == []
    assert len(warnings) == 32
    assert str(warnings[0]) == (
        f"f, line 1: prompt and completion may have (estimated) "
        f"{estimate_tokens(long) + estimate_tokens('- a')} tokens, over Cohere's 4096"
    )
    violations, warnings = check_records(records, "prompt-completion", file="f", count_tokens=len)
    assert warnings == []
    assert len(violations) == 32
    assert str(violations[31]) == (
        "f, line 32: prompt and completion has 20003 tokens, over Cohere's 4096"
    )
    words = lambda text: len(text.split())  # noqa: E731
    assert check_records(records, "prompt-completion", file="f", count_tokens=words) == ([], [])
