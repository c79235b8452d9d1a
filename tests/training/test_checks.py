"""The check of chat fine-tuning files, before anything is sent to Cohere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.errors import FinetuneRequirementError, TrainingDataError
from cohere_medner.models.finetuning._finetune import create_finetune
from cohere_medner.models.finetuning._state import default_state_path
from cohere_medner.testing import FakeCohere
from cohere_medner.training.checks import check_training_files

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)


def chat(question: str, answer: str = "- naloxone", role: str = "User") -> str:
    messages = [
        {"role": "System", "content": "List the chemicals."},
        {"role": role, "content": question},
        {"role": "Chatbot", "content": answer},
    ]
    return json.dumps({"messages": messages}) + "\n"


def test_a_good_chat_file_passes_and_returns_estimate_warnings(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text(chat("a") + "\n" + chat("b " * 60_000))
    (warning,) = check_training_files(train)
    assert warning.startswith(f"{train}, line 3: a turn may have (estimated)")


def test_every_problem_is_listed_with_its_file_line(tmp_path: Path) -> None:
    train, held = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    train.write_text(chat("a") + "\n" + "{not json\n" + "[1, 2]\n" + chat("b", role="Assistant"))
    held.write_text("\n")
    with pytest.raises(FinetuneRequirementError) as raised:
        check_training_files(train, held)
    assert raised.value.violations == (
        f"{train}, line 3: not JSON (Expecting property name enclosed in double quotes)",
        f"{train}, line 4: not a JSON object",
        f"{train}, line 5: message 2 has role 'Assistant'; Cohere accepts only System, User, "
        "Chatbot",
        f"{train}, line 5: the conversation has no User message",
        f"{held}: holds 0 conversations; Cohere needs at least 1 in an evaluation file",
    )


def test_a_prompt_completion_file_is_refused_before_any_request(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    record = {"prompt": "Naloxone reverses clonidine.", "completion": "- naloxone"}
    train.write_text((json.dumps(record) + "\n") * 40)
    with FakeCohere() as server:
        with pytest.raises(FinetuneRequirementError) as raised:
            create_finetune(train, name="x", api_key="k", base_url=server.url)
        assert server.requests == []
    (violation,) = raised.value.violations
    assert "prepare --format chat" in violation and "Amazon Bedrock" in violation
    assert not default_state_path(train).exists()


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no fine-tuning file"):
        check_training_files(tmp_path / "absent.jsonl")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"messages": "caf\xe9"}\n')
    with pytest.raises(FinetuneRequirementError, match="not UTF-8"):
        check_training_files(latin)
