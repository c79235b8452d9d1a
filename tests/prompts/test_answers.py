from __future__ import annotations

from cohere_medner.corpus import load_sample
from cohere_medner.prompts.answers import build_extraction
from cohere_medner.prompts.tasks import CHEMICALS, COMBINED, DISEASES, RELATIONS
from cohere_medner.types import Completion

DOCUMENT = load_sample("test")[0]


def test_per_task_and_combined_answers_give_the_same_extraction() -> None:
    per_task = build_extraction(
        DOCUMENT.pmid,
        (DISEASES, CHEMICALS, RELATIONS),
        {t.name: Completion(t.gold(DOCUMENT), 10, 2) for t in (DISEASES, CHEMICALS, RELATIONS)},
    )
    combined = build_extraction(
        DOCUMENT.pmid, (COMBINED,), {"combined": Completion(COMBINED.gold(DOCUMENT), 10, 2)}
    )
    assert per_task.entities == combined.entities
    assert per_task.relations == combined.relations
    assert per_task.entities["Disease"] == DISEASES.gold_target(DOCUMENT).items
    assert (per_task.requests, per_task.input_tokens, combined.requests) == (3, 30, 1)


def test_a_failed_unit_fails_the_document_and_keeps_the_rest() -> None:
    extraction = build_extraction(
        "1",
        (DISEASES, CHEMICALS),
        {"diseases": Completion("- glaucoma"), "chemicals": "503 service unavailable"},
        cached={"diseases"},
    )
    assert extraction.entities == {"Disease": ("glaucoma",)}
    assert extraction.error == "chemicals: 503 service unavailable"
    assert (extraction.requests, extraction.cached) == (0, 1)


def test_a_missing_section_is_rejected_with_its_name() -> None:
    text = "List of extracted diseases:\n- glaucoma"
    extraction = build_extraction("1", (COMBINED,), {"combined": Completion(text)})
    assert extraction.entities == {"Disease": ("glaucoma",)}
    assert any("chemicals" in r.reason for r in extraction.rejected["combined"])
