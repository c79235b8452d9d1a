"""Tasks: the tutorial's gold answers, relations, user-defined and combined tasks, errors."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cohere_medner.corpus import load_sample
from cohere_medner.errors import MedNerError, TaskError, UnknownTaskError
from cohere_medner.parsing.lists import is_listable_item
from cohere_medner.parsing.relations import is_listable_triple
from cohere_medner.prompts.tasks import (
    CHEMICALS,
    COMBINED,
    DISEASES,
    EMPTY_COMPLETION,
    RELATIONS,
    TASKS,
    CombinedTask,
    ParsedAnswer,
    Task,
    get_task,
    get_tasks,
)
from cohere_medner.prompts.templates import SEED, TITLED, Template
from cohere_medner.types import CHEMICAL, DISEASE, Document, Mention, Relation
from task_documents import (
    NALOXONE,
    TEMPLATES,
    documents,
    tutorial_prompt,
)

# The seed template: the tutorial's completions -------------------------------------------


def test_seed_gold_lists_abstract_mentions_deduplicated_by_exact_text() -> None:
    # "Naloxone" in the title does not count; "naloxone" and "Naloxone" are different texts.
    assert CHEMICALS.gold(NALOXONE, SEED) == (
        "- clonidine\n- naloxone\n- alpha-methyldopa\n- Naloxone"
    )
    assert DISEASES.gold(NALOXONE, SEED) == "- hypertensive\n- hypotensive"


def test_gold_is_of_the_titled_template_unless_another_is_given() -> None:
    # The default template shows the title, so the title's "Naloxone" comes first.
    assert (
        CHEMICALS.gold(NALOXONE)
        == CHEMICALS.gold(NALOXONE, TITLED)
        == ("- Naloxone\n- clonidine\n- naloxone\n- alpha-methyldopa")
    )
    assert DISEASES.gold_target(NALOXONE) == DISEASES.gold_target(NALOXONE, TITLED)


def test_gold_follows_first_appearance_not_corpus_order() -> None:
    shuffled = attrs.evolve(NALOXONE, mentions=tuple(reversed(NALOXONE.mentions)))
    assert CHEMICALS.gold(shuffled) == CHEMICALS.gold(NALOXONE)


def test_no_items_gives_the_tutorials_empty_completion_and_parses_back_empty() -> None:
    empty = Document("1", "A title.", "Nothing to see here.")
    assert EMPTY_COMPLETION == "- "
    lists = {DISEASES: {DISEASE: ()}, CHEMICALS: {CHEMICAL: ()}, RELATIONS: {}}
    for task, entities in lists.items():
        assert task.gold(empty) == "- "
        assert task.parse("- ") == ParsedAnswer(entities)


def test_parse_reads_back_a_list() -> None:
    parsed = DISEASES.parse("- hypertensive\n- hypotensive")
    assert parsed.entities == {DISEASE: ("hypertensive", "hypotensive")}


# Relations ----------------------------------------------------------------------------------


def with_relations(document: Document, *pairs: tuple[str, str]) -> Document:
    return attrs.evolve(document, relations=tuple(Relation(c, d) for c, d in pairs))


def test_relations_name_each_side_by_its_first_mention_in_the_shown_text() -> None:
    document = with_relations(NALOXONE, ("D009270", "D006973"), ("D008750", "D007022"))
    assert RELATIONS.gold(document, SEED) == (
        "- Chemical naloxone influences disease hypertensive\n"
        "- Chemical alpha-methyldopa influences disease hypotensive"
    )
    assert RELATIONS.gold(document, TITLED).startswith("- Chemical Naloxone influences")


def test_relations_with_a_side_never_mentioned_are_reported_not_hidden() -> None:
    # Keep only the two title mentions: D000001 is mentioned nowhere, D009270 and D999999
    # only in the title, and clonidine (D003000) and hypotensive (D007022) nowhere any more.
    only_in_title = attrs.evolve(
        NALOXONE,
        mentions=(*NALOXONE.mentions[:1], attrs.evolve(NALOXONE.mentions[1], ids=("D999999",))),
    )
    document = with_relations(
        only_in_title, ("D000001", "D006973"), ("D009270", "D999999"), ("D003000", "D007022")
    )
    target = RELATIONS.gold_target(document, SEED)
    assert [(r.chemical, r.disease) for r in target.unnamed] == [
        ("D000001", "D006973"),
        ("D009270", "D999999"),
        ("D003000", "D007022"),
    ]
    assert target.completion == "- "
    titled = RELATIONS.gold_target(document, TITLED)
    assert titled.triples == (("Naloxone", "influences", "antihypertensive"),)
    assert len(titled.unnamed) == 2


def test_relation_names_a_composite_side_by_its_part_and_accepts_mesh_prefixes() -> None:
    title = "Desferrioxamine toxicity."
    abstract = "Patients on desferrioxamine had visual or auditory toxicity."
    text = f"{title} {abstract}"
    composite = "visual or auditory toxicity"
    start = text.index(composite)
    document = Document(
        "2234245",
        title,
        abstract,
        (
            Mention(
                text.index("desferrioxamine"),
                text.index("desferrioxamine") + 15,
                "desferrioxamine",
                CHEMICAL,
                ("MESH:D003676",),
            ),
            Mention(
                start,
                start + len(composite),
                composite,
                DISEASE,
                ("D014786", "D006311"),
                ("visual toxicity", "auditory toxicity"),
            ),
        ),
        (Relation("D003676", "D006311"), Relation("MESH:D003676", "D014786")),
    )
    assert RELATIONS.gold(document) == (
        "- Chemical desferrioxamine influences disease auditory toxicity\n"
        "- Chemical desferrioxamine influences disease visual toxicity"
    )
    # The entity list names the top-level mention, never a fragment such as "visual".
    assert DISEASES.gold(document) == "- visual or auditory toxicity"


def test_a_single_or_empty_part_is_not_a_composite() -> None:
    # A PubTator line with an empty seventh column must not rename the mention "".
    mentions = tuple(attrs.evolve(m, parts=("",)) for m in NALOXONE.mentions)
    document = with_relations(attrs.evolve(NALOXONE, mentions=mentions), ("D008750", "D007022"))
    assert RELATIONS.gold(document) == "- Chemical alpha-methyldopa influences disease hypotensive"


def test_relation_task_keeps_only_its_relation_type() -> None:
    document = attrs.evolve(NALOXONE, relations=(Relation("D009270", "D006973", type="OTHER"),))
    assert RELATIONS.gold(document) == "- "


def test_relation_gold_parses_back_to_its_triples() -> None:
    document = with_relations(NALOXONE, ("D009270", "D006973"), ("D008750", "D007022"))
    target = RELATIONS.gold_target(document)
    parsed = RELATIONS.parse(target.completion)
    assert parsed.entities == {}
    assert parsed.relations == target.triples


# User-defined tasks, names and bad input ---------------------------------------------------


def test_a_user_defined_task_uses_its_own_strings_and_entity_type() -> None:
    genes = Task(
        "genes",
        "Create a list only of the genes mentioned.",
        "List of extracted genes:",
        entity_type="Gene",
    )
    text = "BRCA1 study. BRCA1 and TP53 were mutated."
    document = Document(
        "7",
        "BRCA1 study.",
        "BRCA1 and TP53 were mutated.",
        (Mention(13, 18, "BRCA1", "Gene"), Mention(23, 27, "TP53", "Gene")),
    )
    assert text == document.text
    assert SEED.prompt(genes, document) == (
        "Create a list only of the genes mentioned.\n\n"
        "BRCA1 and TP53 were mutated.\n\nList of extracted genes:\n"
    )
    assert genes.gold(document) == "- BRCA1\n- TP53"
    assert genes.kind == "entities"
    assert RELATIONS.kind == "relations"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"entity_type": "Gene", "relation_type": "CID"}],
    ids=["neither", "both"],
)
def test_a_task_needs_exactly_one_kind(kwargs: dict[str, str]) -> None:
    with pytest.raises(TaskError, match="exactly one of entity_type"):
        Task("x", "Do it.", "Answer:", **kwargs)


@pytest.mark.parametrize("name", ["", "two words", "a,b"])
def test_a_task_name_must_be_one_word(name: str) -> None:
    with pytest.raises(TaskError, match="task name"):
        Task(name, "Do it.", "Answer:", entity_type="Gene")


def test_empty_instruction_is_refused() -> None:
    with pytest.raises(TaskError, match="instruction must not be empty"):
        Task("genes", "  ", "Answer:", entity_type="Gene")


def test_get_task_and_get_tasks() -> None:
    assert get_task("diseases") is DISEASES
    assert get_task("combined") is COMBINED
    assert set(TASKS) == {"diseases", "chemicals", "relations", "combined"}
    assert get_tasks("diseases, chemicals,relations") == (DISEASES, CHEMICALS, RELATIONS)
    assert get_tasks(["relations"]) == (RELATIONS,)


def test_unknown_task_names_the_choices_and_a_close_match() -> None:
    with pytest.raises(UnknownTaskError) as caught:
        get_tasks("diseases,chemical")
    message = str(caught.value)
    assert "unknown task 'chemical'" in message
    assert "diseases, chemicals, relations, combined" in message
    assert "did you mean 'chemicals'?" in message
    assert isinstance(caught.value, MedNerError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("names", ["", " , ", "diseases,diseases"])
def test_get_tasks_refuses_empty_or_repeated_lists(names: str) -> None:
    with pytest.raises(UnknownTaskError):
        get_tasks(names)


# Combined -----------------------------------------------------------------------------------


def test_combined_gold_has_a_headed_section_per_task() -> None:
    document = with_relations(NALOXONE, ("D008750", "D007022"))
    assert COMBINED.gold(document, SEED) == (
        "List of extracted diseases:\n- hypertensive\n- hypotensive\n\n"
        "List of extracted chemicals:\n- clonidine\n- naloxone\n- alpha-methyldopa\n"
        "- Naloxone\n\n"
        "List of extracted influences:\n"
        "- Chemical alpha-methyldopa influences disease hypotensive"
    )
    prompt = SEED.prompt(COMBINED, document)
    assert prompt.startswith(COMBINED.instruction + "\n\n" + document.abstract)
    assert prompt.endswith("\n\nExtracted lists:\n")
    for task in (DISEASES, CHEMICALS, RELATIONS):
        assert repr(task.cue) in COMBINED.instruction
    assert COMBINED.headings["diseases"] == ("List of extracted diseases", "Diseases")


def test_combined_task_of_user_tasks() -> None:
    pair = CombinedTask((DISEASES, CHEMICALS), name="entities")
    assert "Create two lists: only the diseases mentioned; only the chemicals" in (pair.instruction)
    with pytest.raises(TaskError, match="distinct names"):
        CombinedTask((DISEASES, DISEASES))


def test_combined_answer_parses_back_per_section() -> None:
    document = with_relations(NALOXONE, ("D008750", "D007022"))
    parsed = COMBINED.parse(COMBINED.gold(document))
    assert parsed.rejected == ()
    assert parsed.entities == {
        task.entity_type: task.gold_target(document).items for task in (DISEASES, CHEMICALS)
    }
    assert parsed.relations == RELATIONS.gold_target(document).triples


def test_a_combined_answer_missing_a_section_says_which() -> None:
    parsed = COMBINED.parse("List of extracted diseases:\n- glaucoma")
    assert parsed.entities == {DISEASE: ("glaucoma",)}
    assert parsed.relations == ()
    assert [r.reason for r in parsed.rejected] == [
        "the answer has no 'List of extracted chemicals:' section",
        "the answer has no 'List of extracted influences:' section",
    ]


# Properties over generated documents ------------------------------------------------------


@given(documents(), TEMPLATES, st.sampled_from([DISEASES, CHEMICALS]))
def test_entity_gold_lists_exactly_the_shown_mentions_and_parses_back(
    document: Document, template: Template, task: Task
) -> None:
    start, end = template.shown_span(document)
    shown = sorted(
        (m for m in document.mentions if start <= m.start and m.end <= end),
        key=lambda m: m.start,
    )
    expected = tuple(dict.fromkeys(m.text for m in shown if m.type == task.entity_type))
    target = task.gold_target(document, template)
    assert target.items == expected
    # What the parser promises to read back verbatim; every BC5CDR item is such (see below).
    assume(all(is_listable_item(item) for item in expected))
    parsed = task.parse(target.completion)
    assert parsed == ParsedAnswer({task.entity_type: expected})


@given(documents(), TEMPLATES)
def test_every_relation_is_either_named_from_the_shown_text_or_reported(
    document: Document, template: Template
) -> None:
    start, end = template.shown_span(document)
    shown = [m for m in document.mentions if start <= m.start and m.end <= end]
    target = RELATIONS.gold_target(document, template)
    named = {(c, d) for c, _, d in target.triples}
    for relation in document.relations:
        chemicals = [m for m in shown if m.type == CHEMICAL and relation.chemical in m.ids]
        diseases = [m for m in shown if m.type == DISEASE and relation.disease in m.ids]
        if chemicals and diseases:
            first = (
                min(chemicals, key=lambda m: m.start).text,
                min(diseases, key=lambda m: m.start).text,
            )
            assert first in named
            assert relation not in target.unnamed
        else:
            assert relation in target.unnamed


@settings(max_examples=50)
@given(documents())
def test_relation_gold_parses_back_for_generated_documents(document: Document) -> None:
    target = RELATIONS.gold_target(document)
    assume(all(is_listable_triple(triple) for triple in target.triples))
    parsed = RELATIONS.parse(target.completion)
    assert parsed == ParsedAnswer(relations=target.triples)


# The real corpus ----------------------------------------------------------------------------


@pytest.mark.corpus
def test_every_gold_answer_of_the_corpus_parses_back(bc5cdr_dir: Path) -> None:
    from cohere_medner.corpus.pubtator import read_pubtator

    templates = (SEED, TITLED)
    for name in ("Training", "Development", "Test"):
        for document in read_pubtator(bc5cdr_dir / f"CDR_{name}Set.PubTator.txt"):
            for template in templates:
                targets = {t.name: t.gold_target(document, template) for t in COMBINED.tasks}
                entities = {
                    DISEASE: targets["diseases"].items,
                    CHEMICAL: targets["chemicals"].items,
                }
                for task in (DISEASES, CHEMICALS):
                    parsed = task.parse(targets[task.name].completion)
                    expected = ParsedAnswer({task.entity_type: entities[task.entity_type]})
                    assert parsed == expected, document.pmid
                relations = RELATIONS.parse(targets["relations"].completion)
                triples = targets["relations"].triples
                assert relations == ParsedAnswer(relations=triples), document.pmid
                combined = COMBINED.parse(COMBINED.gold(document, template))
                assert combined == ParsedAnswer(entities, triples), document.pmid


@pytest.mark.corpus
def test_seed_prompts_and_gold_match_the_tutorial_code_on_bc5cdr_json(bc5cdr_dir: Path) -> None:
    """Per document, the tutorial's code (seeds) against the library, on the PubTator form.

    The whole-file comparison through ``prepare_finetuning`` is in test_training_data.py;
    this one pins the prompt and gold of each document, and needs only the PubTator reader.
    """
    from cohere_medner.corpus.pubtator import read_pubtator

    with (bc5cdr_dir / "bc5cdr.json").open(encoding="utf-8") as stream:
        data = json.load(stream)
    files = {"train": "Training", "validation": "Development", "test": "Test"}
    for split, name in files.items():
        documents = list(read_pubtator(bc5cdr_dir / f"CDR_{name}Set.PubTator.txt"))
        items = [item for item in data if item["dataset_type"] == split]
        assert [d.pmid for d in documents] == [i["passages"][0]["document_id"] for i in items]
        for item, document in zip(items, documents, strict=True):
            for task, kind, what in (
                (DISEASES, "Disease", "diseases"),
                (CHEMICALS, "Chemical", "chemicals"),
            ):
                if any(m.parts and m.type == kind for m in document.mentions):
                    continue  # the tutorial lists fragments of composite mentions
                listed: list[str] = []
                for ent in item["passages"][1]["entities"]:
                    if ent["type"] == kind and ent["text"][0] not in listed:
                        listed.append(ent["text"][0])
                assert SEED.prompt(task, document) == tutorial_prompt(
                    what, item["passages"][1]["text"]
                )
                assert task.gold(document, SEED) == "- " + "\n- ".join(listed)


def test_an_answer_formatted_from_the_gold_lists_is_the_gold_completion() -> None:
    """format_answer lays lists out as gold_target does: what LexiconModel answers with."""
    for document in load_sample().to_list():
        entities = {
            DISEASE: DISEASES.gold_target(document).items,
            CHEMICAL: CHEMICALS.gold_target(document).items,
        }
        triples = RELATIONS.gold_target(document).triples
        for unit in (DISEASES, CHEMICALS, RELATIONS, COMBINED):
            assert unit.format_answer(entities, triples) == unit.gold(document)
