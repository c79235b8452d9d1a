"""Two documents exactly as the tutorial's ``bc5cdr.json`` holds them, for the BigBio tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

# Checked against bc5cdr.json when the full corpus is present (tests/test_bigbio.py),
# built by small helpers so that they stay readable.


def entity(key: str, offsets: list[list[int]], texts: list[str], kind: str, *ids: str) -> Any:
    normalized = [{"db_name": "MESH", "db_id": i} for i in ids]
    return {"id": key, "offsets": offsets, "text": texts, "type": kind, "normalized": normalized}


def passage(text: str, *entities: Any) -> tuple[str, list[Any]]:
    return text, list(entities)


def record(
    pmid: str,
    split: str,
    *,
    relations: list[tuple[str, str]],
    title: tuple[str, list[Any]],
    abstract: tuple[str, list[Any]],
) -> Any:
    relation_json = [
        {"id": f"R{n}", "type": "CID", "arg1_id": chemical, "arg2_id": disease}
        for n, (chemical, disease) in enumerate(relations)
    ]
    passages = [
        {
            "document_id": pmid,
            "type": kind,
            "text": text,
            "entities": entities,
            "relations": copy.deepcopy(relation_json),
        }
        for kind, (text, entities) in (("title", title), ("abstract", abstract))
    ]
    return {"passages": passages, "dataset_type": split}


RENAL_AND_HEPATIC_FAILURE = record(
    "3403780",
    "train",
    relations=[("D000082", "D000138"), ("D000082", "D017114"), ("D000082", "D058186")],
    title=passage(
        ("Paracetamol-associated coma, metabolic acidosis, renal and hepatic failure."),
        entity("0", [[0, 11]], ["Paracetamol"], "Chemical", "D000082"),
        entity("1", [[23, 27]], ["coma"], "Disease", "D003128"),
        entity("2", [[29, 47]], ["metabolic acidosis"], "Disease", "D000138"),
        entity("3", [[49, 74]], ["renal and hepatic failure"], "Disease", "D058186", "D017093"),
        entity("4", [[49, 54], [67, 74]], ["renal", "failure"], "Disease", "D058186"),
        entity("5", [[59, 74]], ["hepatic failure"], "Disease", "D017093"),
    ),
    abstract=passage(
        (
            "A case of metabolic acidosis, acute renal failure and hepatic failure "
            "following paracetamol ingestion is presented. The diagnostic difficulty at "
            "presentation is highlighted. Continuous arteriovenous haemofiltration proved"
            " a valuable means of maintaining fluid and electrolyte balance. The patient "
            "recovered."
        ),
        entity("6", [[86, 104]], ["metabolic acidosis"], "Disease", "D000138"),
        entity(
            "7",
            [[106, 145]],
            ["acute renal failure and hepatic failure"],
            "Disease",
            "D058186",
            "D017114",
        ),
        entity("8", [[106, 125]], ["acute renal failure"], "Disease", "D058186"),
        entity("9", [[106, 111], [130, 145]], ["acute", "hepatic failure"], "Disease", "D017114"),
        entity("10", [[156, 167]], ["paracetamol"], "Chemical", "D000082"),
    ),
)

MYOCLONIC_SEIZURES = record(
    "6415512",
    "validation",
    relations=[("D002220", "D004832"), ("D002220", "D004831")],
    title=passage(
        (
            "Myoclonic, atonic, and absence seizures following institution of "
            "carbamazepine therapy in children."
        ),
        entity(
            "0",
            [[0, 39]],
            ["Myoclonic, atonic, and absence seizures"],
            "Disease",
            "D004831",
            "D004832",
        ),
        entity("1", [[0, 9], [31, 39]], ["Myoclonic", "seizures"], "Disease", "D004831"),
        entity("2", [[23, 39]], ["absence seizures"], "Disease", "D004832"),
        entity("3", [[65, 78]], ["carbamazepine"], "Chemical", "D002220"),
    ),
    abstract=passage(
        (
            "Five children, aged 3 to 11 years, treated with carbamazepine for epilepsy, "
            "had an acute aberrant reaction characterized by the onset of myoclonic, "
            "atypical absence and/or atonic (minor motor) seizures within a few days. "
            "When the carbamazepine was discontinued, two of the children returned to "
            "their former state very quickly, two had the minor motor seizures resolve in"
            " 3 and 6 months, and one had the seizures persist. The child in whom the "
            "seizures persisted was later found to have ceroid lipofuscinosis. The other "
            "children are doing well on other anticonvulsants."
        ),
        entity("4", [[148, 161]], ["carbamazepine"], "Chemical", "D002220"),
        entity("5", [[166, 174]], ["epilepsy"], "Disease", "D004827"),
        entity(
            "6",
            [[237, 301]],
            ["myoclonic, atypical absence and/or atonic (minor motor) seizures"],
            "Disease",
            "D004831",
            "D004832",
        ),
        entity("7", [[237, 246], [293, 301]], ["myoclonic", "seizures"], "Disease", "D004831"),
        entity(
            "8", [[247, 263], [293, 301]], ["atypical absence", "seizures"], "Disease", "D004832"
        ),
        entity("9", [[330, 343]], ["carbamazepine"], "Chemical", "D002220"),
        entity("10", [[451, 459]], ["seizures"], "Disease", "D012640"),
        entity("11", [[503, 511]], ["seizures"], "Disease", "D012640"),
        entity("12", [[543, 551]], ["seizures"], "Disease", "D012640"),
        entity("13", [[586, 607]], ["ceroid lipofuscinosis"], "Disease", "D009472"),
    ),
)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
