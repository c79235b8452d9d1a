from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.corpus import (
    load_sample,
    load_splits,
    read_bigbio,
    read_file,
    write_bigbio,
    write_pubtator,
)
from command_line import run


def test_stats_on_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0
    assert json.loads(out) == {
        "documents": 50,
        "mentions": {"Chemical": 510, "Disease": 424},
        "relations": 123,
    }
    code, out, _ = run(capsys, "stats", "--split", "test")
    assert code == 0 and "documents  10" in out


def test_stats_on_the_full_corpus(capsys: pytest.CaptureFixture[str], bc5cdr_dir: Path) -> None:
    for data in (bc5cdr_dir, bc5cdr_dir / "bc5cdr.json", bc5cdr_dir / "CDR_TestSet.BioC.xml"):
        code, out, _ = run(capsys, "stats", "--data", str(data), "--split", "test", "--json")
        assert code == 0
        assert json.loads(out) == {
            "documents": 500,
            "mentions": {"Chemical": 5385, "Disease": 4424},
            "relations": 1066,
        }


@pytest.mark.parametrize("to", ["pubtator", "bioc", "json"])
def test_convert_round_trips_the_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, to: str
) -> None:
    output = tmp_path / f"sample.{to}"
    code, _, err = run(capsys, "convert", "--split", "train", "--to", to, "--output", str(output))
    assert (code, err) == (0, "")
    assert read_file(output, "train").to_list() == load_sample("train").to_list()


def test_convert_to_json_without_split_labels_every_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "all.json"
    assert run(capsys, "convert", "--to", "json", "--output", str(output))[0] == 0
    assert read_bigbio(output, "test").to_list() == load_sample("test").to_list()
    assert len(read_bigbio(output)) == 50


@pytest.mark.parametrize("kind", ["PubTator", "BioC.xml"])
def test_score_reproduces_the_official_evaluator(
    capsys: pytest.CaptureFixture[str], eval_sample_dir: Path, kind: str
) -> None:
    gold = str(eval_sample_dir / f"CDR_sample.gold.{kind}")
    dner = str(eval_sample_dir / f"CDR_sample.test.DNER.{kind}")
    cid = str(eval_sample_dir / f"CDR_sample.test.CID.{kind}")
    code, out, _ = run(
        capsys,
        "score",
        "--gold",
        gold,
        "--pred",
        dner,
        "--level",
        "mention",
        "--type",
        "Disease",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {
        "tp": 303,
        "fp": 105,
        "fn": 121,
        "precision": 0.7426470588235294,
        "recall": 0.714622641509434,
        "f1": 0.7283653846153848,
        "documents": {"both": 50, "gold_only": 0, "predictions_only": 0},
    }
    args = ("score", "--gold", gold, "--pred", dner, "--level", "id", "--type", "Disease", "--json")
    found = json.loads(run(capsys, *args)[1])
    assert (found["tp"], found["fp"], found["fn"]) == (149, 57, 65)
    assert found["f1"] == 0.7095238095238096
    found = json.loads(
        run(capsys, "score", "--gold", gold, "--pred", cid, "--level", "relation", "--json")[1]
    )
    assert (found["tp"], found["fp"], found["fn"]) == (90, 533, 33)
    code, out, _ = run(capsys, "score", "--gold", gold, "--pred", cid, "--level", "relation")
    assert code == 0 and "TP: 90\nFP: 533\nFN: 33\n" in out


# Gold and predictions of different documents (issue 14) ---------------------------------


def score_args(gold: Path, pred: Path, *more: str) -> list[str]:
    return ["score", "--gold", str(gold), "--pred", str(pred), "--level", "relation", *more]


def test_score_refuses_predictions_for_another_split(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Used to print F 0.0 and exit 0: nothing in common, every document a miss.
    gold, pred = tmp_path / "test.PubTator", tmp_path / "validation.PubTator"
    write_pubtator(load_sample("test"), gold)
    write_pubtator(load_sample("validation"), pred)
    code, out, err = run(capsys, *score_args(gold, pred))
    assert (code, out) == (1, "")
    assert "0 documents in both, 10 in gold only, 10 in predictions only" in err
    assert "No document is on both sides" in err and "--missing-as-empty" in err


def test_score_counts_documents_on_one_side_only_when_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    gold, pred = tmp_path / "gold.PubTator", tmp_path / "pred.PubTator"
    documents = load_sample("test").to_list()
    write_pubtator(documents, gold)
    write_pubtator(documents[:7], pred)
    code, _, err = run(capsys, *score_args(gold, pred))
    assert code == 1
    assert "7 documents in both, 3 in gold only, 0 in predictions only" in err
    missing = sorted((d.pmid for d in documents[7:]), key=lambda pmid: (len(pmid), pmid))
    assert f"In gold only: {', '.join(missing)}." in err
    code, out, _ = run(capsys, *score_args(gold, pred, "--missing-as-empty", "--json"))
    found = json.loads(out)
    assert code == 0 and found["fn"] > 0 and found["fp"] == 0
    assert found["documents"] == {"both": 7, "gold_only": 3, "predictions_only": 0}
    code, out, _ = run(capsys, *score_args(gold, pred, "--missing-as-empty"))
    assert "Documents: 7 documents in both, 3 in gold only, 0 in predictions only" in out


def test_score_takes_one_split_of_a_file_holding_several(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Used to count the other splits' documents as misses (relation recall 0.15, not 0.45).
    gold, pred = tmp_path / "bc5cdr.json", tmp_path / "test.PubTator"
    write_bigbio(load_splits(), gold)
    write_pubtator(load_sample("test"), pred)
    assert run(capsys, *score_args(gold, pred))[0] == 1
    code, out, _ = run(capsys, *score_args(gold, pred, "--split", "test", "--json"))
    assert code == 0
    assert json.loads(out)["documents"] == {"both": 10, "gold_only": 0, "predictions_only": 0}
    assert json.loads(out)["f1"] == 1.0


def test_score_reads_a_zero_length_predicted_mention(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The official evaluator scores it as a false positive (issue 14); gold stays strict.
    (document,) = load_sample("test")[:1]
    gold, pred = tmp_path / "gold.PubTator", tmp_path / "pred.PubTator"
    write_pubtator([document], gold)
    pred.write_text(
        f"{document.pmid}|t|{document.title}\n{document.pmid}|a|{document.abstract}\n"
        f"{document.pmid}\t5\t5\t\tDisease\t-1\n\n"
    )
    args = ["--level", "mention", "--type", "Disease", "--json"]
    code, out, _ = run(capsys, "score", "--gold", str(gold), "--pred", str(pred), *args)
    assert code == 0
    disease = sum(m.type == "Disease" for m in document.mentions)
    assert json.loads(out)["fp"] == 1 and json.loads(out)["fn"] == disease
    code, _, err = run(capsys, "score", "--gold", str(pred), "--pred", str(gold), *args)
    assert code == 1 and "has no extent" in err
