from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.corpus import load_sample, read_bigbio, read_file
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
