"""The oracle: the gold answer for the text a prompt shows, whichever template laid it out."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.evaluation import evaluate
from cohere_medner.extractor import Extractor, Mode
from cohere_medner.prompts.tasks import CHEMICALS, COMBINED, DISEASES, RELATIONS, AnyTask
from cohere_medner.prompts.templates import SEED, TITLED, FewShot, Message, Template
from cohere_medner.testing import FakeCohere, FakeRequest
from cohere_medner.testing.oracle import oracle
from cohere_medner.types import Document
from task_documents import NALOXONE, TEMPLATES, documents

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:cohere.core.unchecked_base_model"
)

MODEL = "command-r-08-2024"
TASKS = st.sampled_from([DISEASES, CHEMICALS, RELATIONS, COMBINED])


def generate(prompt: str) -> FakeRequest:
    """A v1 generate request for ``prompt``, as FakeCohere records it."""
    body = {"model": MODEL, "prompt": prompt}
    return FakeRequest("generate", "POST", "/v1/generate", MODEL, body, prompt, {}, 0.0)


def chat(messages: list[Message]) -> FakeRequest:
    """A v2 chat request for ``messages``, as FakeCohere records it."""
    body: dict[str, Any] = {"model": MODEL, "messages": messages}
    prompt = "\n\n".join(m["content"] for m in messages)
    return FakeRequest("chat", "POST", "/v2/chat", MODEL, body, prompt, {}, 0.0)


@given(documents(), TEMPLATES, TASKS)
def test_the_answer_is_the_gold_of_the_text_the_prompt_shows(
    document: Document, template: Template, task: AnyTask
) -> None:
    respond = oracle([document])
    gold = task.gold(document, template)
    assert respond(generate(template.prompt(task, document))) == gold
    assert respond(chat(template.messages(task, document))) == gold


def test_the_title_counts_only_where_the_prompt_shows_it() -> None:
    respond = oracle([NALOXONE])
    seed = respond(generate(SEED.prompt(CHEMICALS, NALOXONE)))
    titled = respond(generate(TITLED.prompt(CHEMICALS, NALOXONE)))
    assert seed == "- clonidine\n- naloxone\n- alpha-methyldopa\n- Naloxone"
    assert titled == "- Naloxone\n- clonidine\n- naloxone\n- alpha-methyldopa"


@pytest.mark.parametrize("template", [SEED, TITLED], ids=["seed", "titled"])
def test_worked_examples_before_the_document_do_not_mislead_it(template: Template) -> None:
    sample = load_sample().to_list()
    shown = attrs.evolve(template, few_shot=FewShot(sample[1:], k=3, seed=2))
    respond = oracle(sample)
    for task in (DISEASES, RELATIONS, COMBINED):
        gold = task.gold(sample[0], template)
        assert respond(chat(shown.messages(task, sample[0]))) == gold
        assert respond(generate(shown.prompt(task, sample[0]))) == gold


# Over real HTTP, through the real SDK ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["per-task", "combined"])
def test_a_perfect_lister_scores_one_through_either_template(mode: Mode) -> None:
    documents = load_sample().to_list()
    found: dict[str, int] = {}
    with FakeCohere(responder=oracle(documents)) as server:
        for name in ("seed", "titled"):
            extractor = Extractor(
                MODEL,
                mode=mode,
                template=name,
                api_key="k",
                base_url=server.url,
                cache=False,
                progress=False,
            )
            run = evaluate(extractor, documents).as_json()
            assert run["failed"] == []
            for task in ("diseases", "chemicals", "relations"):
                figures = run["tasks"][task]
                assert (figures["precision"], figures["recall"], figures["f1"]) == (1.0, 1.0, 1.0)
                assert figures["fp"] == figures["fn"] == 0
            found[name] = sum(run["tasks"][task]["tp"] for task in ("diseases", "chemicals"))
    # The titled prompts show more of each document: the names only its title holds.
    assert found["titled"] > found["seed"] > 0
