"""Templates: the tutorial's exact prompts, the titled default, layouts, chat, few-shot."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.errors import TemplateError
from cohere_medner.prompts.tasks import CHEMICALS, COMBINED, DISEASES, RELATIONS, CombinedTask, Task
from cohere_medner.prompts.templates import SEED, TITLED, FewShot, Template, get_template
from cohere_medner.types import Document
from task_documents import NALOXONE, TEMPLATES, documents, tutorial_prompt

# The seed template: the tutorial's prompts ------------------------------------------------


@pytest.mark.parametrize(
    ("task", "what"), [(DISEASES, "diseases"), (CHEMICALS, "chemicals")], ids=["d", "c"]
)
def test_seed_prompt_is_the_tutorials_string(task: Task, what: str) -> None:
    assert SEED.prompt(task, NALOXONE) == tutorial_prompt(what, NALOXONE.abstract)


def test_seed_relation_prompt_is_the_tutorials_string() -> None:
    expected = (
        "The following article contains technical terms including diseases, drugs and "
        "chemicals. Create a list only of the influences between the chemicals and diseases "
        "mentioned.\n\n" + NALOXONE.abstract + "\n\nList of extracted influences:\n"
    )
    assert SEED.prompt(RELATIONS, NALOXONE) == expected


def test_seed_prompt_shows_the_abstract_only() -> None:
    assert NALOXONE.title not in SEED.prompt(DISEASES, NALOXONE)


# The titled template: the tutorial's words, the title before the abstract ---------------


@pytest.mark.parametrize(
    ("task", "what"), [(DISEASES, "diseases"), (CHEMICALS, "chemicals")], ids=["d", "c"]
)
def test_titled_prompt_is_the_tutorials_with_the_title_on_its_own_line(
    task: Task, what: str
) -> None:
    shown = f"{NALOXONE.title}\n{NALOXONE.abstract}"
    assert TITLED.prompt(task, NALOXONE) == tutorial_prompt(what, shown)
    assert attrs.evolve(SEED, name="titled", include_title=True) == TITLED


def test_titled_counts_the_mentions_of_the_title() -> None:
    assert CHEMICALS.gold(NALOXONE, TITLED) == (
        "- Naloxone\n- clonidine\n- naloxone\n- alpha-methyldopa"
    )
    assert DISEASES.gold(NALOXONE, TITLED) == "- antihypertensive\n- hypertensive\n- hypotensive"
    assert TITLED.messages(DISEASES, NALOXONE)[-1]["content"] == (
        f"{NALOXONE.title}\n{NALOXONE.abstract}\n\nList of extracted diseases:"
    )


# Layouts and names ------------------------------------------------------------------------


def test_get_template() -> None:
    assert get_template("seed") is get_template(" seed ") is SEED
    assert get_template("titled") is TITLED
    custom = attrs.evolve(SEED, include_title=True)
    assert get_template(custom) is custom
    with pytest.raises(TemplateError, match=r"unknown template 'sead'.*did you mean 'seed'"):
        get_template("sead")


@pytest.mark.parametrize(
    ("field", "layout", "message"),
    [
        ("layout", "{instruction}\n\n{cue}\n", r"has no \{text\} slot"),
        ("layout", "{instruction} {abstract} {text}", r"unknown slot\(s\) \{abstract\}"),
        ("layout", "{text} {", "not a valid format string"),
        ("layout", "{text} {0}", r"unknown slot\(s\) \{0\}"),
        ("example_layout", "{text}\n{cue}\n", r"has no \{answer\} slot"),
        ("user_layout", "{cue}", r"has no \{text\} slot"),
    ],
)
def test_a_template_without_its_text_slot_or_with_unknown_slots_is_refused(
    field: str, layout: str, message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        Template(**{field: layout})  # type: ignore[arg-type]


def test_a_custom_layout_with_literal_braces() -> None:
    template = Template(name="json", layout="{instruction}\n{{text}}: {text}\n{cue}")
    assert template.prompt(DISEASES, NALOXONE).startswith(DISEASES.instruction + "\n{text}: In")


# Chat messages ------------------------------------------------------------------------------


def test_messages_for_the_v2_chat_api() -> None:
    assert SEED.messages(DISEASES, NALOXONE) == [
        {"role": "system", "content": DISEASES.instruction},
        {"role": "user", "content": NALOXONE.abstract + "\n\nList of extracted diseases:"},
    ]


# Few-shot -----------------------------------------------------------------------------------


def pool(n: int) -> tuple[Document, ...]:
    return tuple(
        attrs.evolve(NALOXONE, pmid=str(1000 + i), abstract=NALOXONE.abstract + f" ({i})")
        for i in range(n)
    )


def test_few_shot_is_seeded_never_draws_the_document_and_ignores_order() -> None:
    documents = pool(8)
    few_shot = FewShot(documents, k=3, seed=7)
    for document in documents:
        chosen = few_shot.choose(document)
        assert len(chosen) == 3
        assert document.pmid not in {d.pmid for d in chosen}
        assert len({d.pmid for d in chosen}) == 3
        assert FewShot(documents, k=3, seed=7).choose(document) == chosen
    draws = {FewShot(documents, k=3, seed=s).choose(documents[0]) for s in range(10)}
    assert len(draws) > 1


def test_few_shot_prompt_shows_worked_examples_before_the_document() -> None:
    documents = pool(5)
    template = attrs.evolve(SEED, few_shot=FewShot(documents, k=2, seed=1))
    target = documents[0]
    examples = template.examples(target)
    prompt = template.prompt(DISEASES, target)
    expected = DISEASES.instruction + "\n\n"
    for example in examples:
        expected += (
            f"{example.abstract}\n\nList of extracted diseases:\n{DISEASES.gold(example, SEED)}\n\n"
        )
    expected += f"{target.abstract}\n\nList of extracted diseases:\n"
    assert prompt == expected

    messages = template.messages(DISEASES, target)
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[2]["content"] == DISEASES.gold(examples[0], SEED)
    assert messages[-1]["content"].startswith(target.abstract)


def test_few_shot_needs_enough_documents() -> None:
    with pytest.raises(TemplateError, match="pool holds only 2 documents"):
        FewShot(pool(2), k=3)
    with pytest.raises(TemplateError, match="at least one example"):
        FewShot(pool(2), k=0)
    # Three documents for k=3 suffice for an outside document, not for a pool member.
    few_shot = FewShot(pool(3), k=3)
    assert len(few_shot.choose(NALOXONE)) == 3
    with pytest.raises(TemplateError, match="other than document 1000"):
        few_shot.choose(pool(3)[0])


# Properties over generated documents ------------------------------------------------------


@given(documents(), TEMPLATES, st.sampled_from([DISEASES, CHEMICALS, RELATIONS, COMBINED]))
def test_prompts_always_contain_the_shown_text(
    document: Document, template: Template, task: Task | CombinedTask
) -> None:
    prompt = template.prompt(task, document)
    assert document.abstract in prompt
    assert (document.title in prompt) or not template.include_title
    assert template.messages(task, document)[-1]["content"].startswith(
        template.shown_text(document)
    )
