from __future__ import annotations

from pathlib import Path

import pytest

from cohere_medner.corpus import load_bc5cdr, load_sample, read_pubtator, write_pubtator
from cohere_medner.errors import UnpairedExtractionError
from cohere_medner.extraction import Extraction
from cohere_medner.grounding.lexicon import Lexicon
from cohere_medner.grounding.prediction import predict, predictions
from cohere_medner.prompts.tasks import RELATIONS
from cohere_medner.scoring import official as scoring
from cohere_medner.types import CHEMICAL, CID, DISEASE, ENTITY_TYPES, Document, Relation
from strategies import annotated

LEXICON = Lexicon.from_splits(
    {
        "train": [
            annotated(
                "1",
                "puromycin aminonucleoside nephrosis after alcohol abuse, cold",
                ("puromycin aminonucleoside", CHEMICAL, ("D011692",)),
                ("nephrosis", DISEASE, ("D009401",)),
                ("alcohol abuse", DISEASE, ("D000437",)),
                ("cold", DISEASE, ("D003139",)),
            ),
            annotated("2", "PAN as a disease", ("PAN", DISEASE, ("D010488",))),
            annotated("3", "alcohol", ("alcohol", CHEMICAL, ("D000431",))),
            annotated("4", "cold", ("cold", DISEASE, ("D006255",))),
            annotated("5", "cold", ("cold", DISEASE, ("D003139",))),
        ]
    }
)
TEXT = Document(
    "42",
    "Puromycin aminonucleoside (PAN) nephrosis.",
    "PAN caused nephrosis in rats given alcohol; alcohol abuse; a cold.",
)


def test_predict_grounds_identifies_and_pairs() -> None:
    extraction = Extraction(
        "42",
        {
            CHEMICAL: ("puromycin aminonucleoside", "alcohol", "unobtainium"),
            DISEASE: ("nephrosis", "alcohol abuse", "cold", "mystery"),
        },
        (
            ("PAN", "influences", "nephrosis"),
            ("alcohol", "influences", "cold"),
            ("unobtainium", "influences", "nephrosis"),
        ),
    )
    prediction = predict(extraction, TEXT, LEXICON)
    found = [(m.text, m.type, m.ids) for m in prediction.document.mentions]
    assert found == [
        ("Puromycin aminonucleoside", CHEMICAL, ("D011692",)),
        # The short form the document defines takes its long form's identifier.
        ("PAN", CHEMICAL, ("D011692",)),
        ("nephrosis", DISEASE, ("D009401",)),
        ("PAN", CHEMICAL, ("D011692",)),
        ("nephrosis", DISEASE, ("D009401",)),
        ("alcohol", CHEMICAL, ("D000431",)),
        # "alcohol" inside "alcohol abuse" gives way to the longer disease.
        ("alcohol abuse", DISEASE, ("D000437",)),
        ("cold", DISEASE, ("D003139",)),
    ]
    assert prediction.document.relations == (
        Relation("D011692", "D009401", CID),
        Relation("D000431", "D003139", CID),
    )
    assert prediction.groundings[CHEMICAL].ungrounded == ("unobtainium",)
    assert prediction.groundings[DISEASE].ungrounded == ("mystery",)
    assert prediction.ambiguous == ("cold",)
    assert prediction.unidentified == ()
    assert prediction.unmapped == (("unobtainium", "influences", "nephrosis"),)


def test_a_span_claimed_by_both_types_goes_by_the_lexicon() -> None:
    extraction = Extraction("42", {CHEMICAL: ("alcohol abuse",), DISEASE: ("alcohol abuse",)})
    mentions = predict(extraction, TEXT, LEXICON).document.mentions
    assert [(m.text, m.type) for m in mentions] == [("alcohol abuse", DISEASE)]
    # Without a lexicon there is no evidence: both are kept, without identifiers.
    bare = predict(extraction, TEXT)
    assert [(m.type, m.ids) for m in bare.document.mentions] == [(CHEMICAL, ()), (DISEASE, ())]
    assert bare.unidentified == ("alcohol abuse",)


def test_without_a_lexicon_there_are_no_identifiers_or_relations() -> None:
    extraction = Extraction("42", {CHEMICAL: ("alcohol",)}, (("alcohol", "influences", "cold"),))
    prediction = predict(extraction, TEXT)
    assert all(m.ids == () for m in prediction.document.mentions)
    assert prediction.document.relations == ()
    assert prediction.unmapped == (("alcohol", "influences", "cold"),)


def test_predictions_pair_by_pmid_keep_order_and_refuse_strangers() -> None:
    other = Document("7", "Alcohol", "")
    extractions = [Extraction("42", {CHEMICAL: ("alcohol",)})]
    predicted = predictions(extractions, [other, TEXT], LEXICON)
    assert [d.pmid for d in predicted] == ["7", "42"]
    assert predicted[0].mentions == () and len(predicted[1].mentions) == 2
    with pytest.raises(UnpairedExtractionError, match="99"):
        predictions([*extractions, Extraction("99")], [TEXT], LEXICON)


def gold_extractions(documents: list[Document]) -> list[Extraction]:
    """What a perfect model would answer: the tutorial's gold lists and triples."""
    extractions = []
    for document in documents:
        ordered = sorted(document.mentions, key=lambda m: m.start)
        entities = {
            t: tuple(dict.fromkeys(m.text for m in ordered if m.type == t)) for t in ENTITY_TYPES
        }
        triples = RELATIONS.gold_target(document).triples
        extractions.append(Extraction(document.pmid, entities, triples))
    return extractions


def test_gold_answers_become_a_pubtator_file_that_scores(tmp_path: Path) -> None:
    lexicon = Lexicon.from_splits({"train": load_sample("train"), "dev": load_sample("dev")})
    gold = load_sample("test").to_list()
    predicted = predictions(gold_extractions(gold), gold, lexicon)
    path = tmp_path / "pred.PubTator"
    write_pubtator(predicted, path)
    again = read_pubtator(path).to_list()
    assert again == predicted
    for entity_type in ENTITY_TYPES:
        assert scoring.score(gold, again, "mention", entity_type).f1 > 0.98
        assert scoring.score(gold, again, "id", entity_type).precision > 0.9
    relation = scoring.score(gold, again, "relation")
    assert relation.tp > 0 and relation.fp == 0


@pytest.mark.corpus
def test_gold_answers_on_the_full_test_split(bc5cdr_dir: Path) -> None:
    splits = {s: load_bc5cdr(s, bc5cdr_dir, "pubtator") for s in ("train", "validation", "test")}
    lexicon = Lexicon.from_splits({"train": splits["train"], "validation": splits["validation"]})
    gold = splits["test"].to_list()
    predicted = predictions(gold_extractions(gold), gold, lexicon)
    scores = {
        (level, t): scoring.score(gold, predicted, level, t)
        for level in ("mention", "id")
        for t in ENTITY_TYPES
    }
    # Measured: mention F 0.998 (Chemical) and 0.999 (Disease); id P 0.987 / 0.982 and
    # R 0.753 / 0.748 (a quarter of test concepts are never named in train+validation);
    # relation P 0.989, R 0.577.
    for t in ENTITY_TYPES:
        assert scores["mention", t].f1 > 0.99
        assert scores["id", t].precision > 0.97 and scores["id", t].recall > 0.7
    relation = scoring.score(gold, predicted, "relation")
    assert relation.precision > 0.97 and relation.recall > 0.55


def test_every_identifier_says_how_it_was_found() -> None:
    lexicon = Lexicon.from_splits(
        {
            "train": [
                annotated("1", "timolol", ("timolol", CHEMICAL, ("D013999",))),
                annotated("2", "glaucoma", ("glaucoma", DISEASE, ("D005901",))),
                annotated("3", "hyperammonemia", ("hyperammonemia", DISEASE, ("D022124",))),
            ]
        }
    )
    document = Document(
        "7",
        "Timolol maleate (TM) and glaucoma.",
        "TM caused hyperammonemic coma; timolol eye drops; glaucomas.",
    )
    extraction = Extraction(
        "7",
        {CHEMICAL: ("Timolol maleate", "TM", "timolol"), DISEASE: ("glaucoma", "hyperammonemic")},
        (("timolol maleate", "influences", "hyperammonemic"), ("TM", "influences", "coma")),
    )
    prediction = predict(extraction, document, lexicon)
    rules = {(i.name, i.rule, i.ids) for i in prediction.identifications}
    assert rules == {
        ("Timolol maleate", "salt", ("D013999",)),
        ("TM", "abbreviation", ("D013999",)),
        ("timolol", "exact", ("D013999",)),
        ("glaucoma", "exact", ("D005901",)),
        # Every occurrence of a listed name is a mention, each identified as written.
        ("glaucomas", "plural", ("D005901",)),
        ("hyperammonemic", "adjective", ("D022124",)),
    }
    assert prediction.document.relations == (Relation("D013999", "D022124", CID),)
    # "coma" was never listed and the lexicon does not know it: the triple is unmapped.
    assert prediction.unmapped == (("TM", "influences", "coma"),)


def test_a_name_the_lexicon_lacks_takes_the_identifier_of_what_it_refers_to() -> None:
    lexicon = Lexicon.from_splits(
        {"train": [annotated("1", "amphotericin B", ("amphotericin B", CHEMICAL, ("D000666",)))]}
    )
    document = Document(
        "8",
        "",
        "Amphotericin B (AmB) nephrotoxicity. AmB, here spelt amphoterecin B, was given.",
    )
    # The long form is unknown by another spelling; its short form and misspelling refer to it.
    extraction = Extraction(
        "8",
        {CHEMICAL: ("Amphotericin B", "AmB", "amphoterecin B")},
        (("amphoterecin B", "influences", "nephrotoxicity"),),
    )
    prediction = predict(extraction, document, lexicon)
    found = {i.name: (i.rule, i.form, i.ids) for i in prediction.identifications}
    assert found["AmB"] == ("abbreviation", "Amphotericin B", ("D000666",))
    assert found["amphoterecin B"][0] in ("fuzzy", "in-document")
    assert {m.ids for m in prediction.document.mentions} == {("D000666",)}


def test_in_document_resolution_refers_names_to_identified_mentions() -> None:
    lexicon = Lexicon.from_splits(
        {
            "train": [
                annotated("1", "cyclophosphamid", ("cyclophosphamid", CHEMICAL, ("D003520",))),
                annotated("2", "cystitis", ("cystitis", DISEASE, ("D003556",))),
            ]
        }
    )
    document = Document(
        "9", "", "Cyclophosphamide (CPA) caused cystitis; CPA-treated rats had cystitis."
    )
    extraction = Extraction(
        "9",
        {CHEMICAL: ("Cyclophosphamide",), DISEASE: ("cystitis",)},
        (("CPA", "influences", "cystitis"), ("cyclophosphamide", "influences", "cystitis")),
    )
    prediction = predict(extraction, document, lexicon)
    found = {i.name: (i.rule, i.ids) for i in prediction.identifications}
    # Not in the lexicon as written (a misspelt entry), but one edit from it.
    assert found["Cyclophosphamide"] == ("fuzzy", ("D003520",))
    # "CPA" is not listed, but grounding found it as the listed name's short form; its
    # identifier comes from the long form's.
    assert found["CPA"] == ("abbreviation", ("D003520",))
    assert prediction.document.relations == (Relation("D003520", "D003556", CID),)
    assert prediction.unmapped == ()


def test_a_long_form_the_lexicon_lacks_takes_its_identified_short_forms() -> None:
    lexicon = Lexicon.from_splits(
        {"train": [annotated("1", "ACEI", ("ACEI", CHEMICAL, ("D000806",)))]}
    )
    document = Document(
        "10", "", "Angiotensin-converting-enzyme inhibitors (ACEI) and cough. ACEI were stopped."
    )
    extraction = Extraction(
        "10", {CHEMICAL: ("Angiotensin-converting-enzyme inhibitors", "ACEI")}, ()
    )
    prediction = predict(extraction, document, lexicon)
    found = {i.name: (i.rule, i.form, i.ids) for i in prediction.identifications}
    assert found["Angiotensin-converting-enzyme inhibitors"] == (
        "in-document",
        "ACEI",
        ("D000806",),
    )
    assert found["ACEI"] == ("exact", "acei", ("D000806",))
    assert prediction.unidentified == ()
