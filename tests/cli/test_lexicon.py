from __future__ import annotations

import json
from pathlib import Path

import pytest

from cohere_medner.corpus import load_splits, write_bigbio
from cohere_medner.grounding import CtdRecord, Lexicon, MeshDescriptor
from cohere_medner.types import CHEMICAL, DISEASE
from command_line import run
from vocabulary_files import ctd_text, descriptor_xml, descriptors_file, write


@pytest.fixture
def vocabularies(tmp_path: Path) -> list[str]:
    """``--mesh`` and ``--ctd-chemicals`` options naming small files in the real formats."""
    mesh = write(
        tmp_path / "desc2025.gz",
        descriptors_file(
            descriptor_xml(
                MeshDescriptor("D007022", "Hypotension", ("Low Blood Pressure",), ("C14.907",))
            )
        ),
    )
    chemicals = write(
        tmp_path / "CTD_chemicals.tsv.gz",
        ctd_text([CtdRecord("D016559", CHEMICAL, "Tacrolimus", ("FK-506", "Prograf"))]),
    )
    return ["--mesh", str(mesh), "--ctd-chemicals", str(chemicals)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The bundled sample's three splits in one ``bc5cdr.json``."""
    path = tmp_path / "bc5cdr.json"
    write_bigbio(load_splits(), path)
    return path


def test_build_writes_a_lexicon_of_vocabularies_and_annotations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, vocabularies: list[str], corpus: Path
) -> None:
    output = tmp_path / "lexicon.tsv"
    argv = ["lexicon", "build", *vocabularies, "--data", str(corpus), "--output", str(output)]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    lexicon = Lexicon.load(output)
    assert out.startswith(f"{output}: {len(lexicon)} forms (")
    assert "from train, validation, desc2025.gz, CTD_chemicals.tsv.gz" in out
    assert lexicon.splits == ("train", "validation")
    assert lexicon.vocabularies == ("desc2025.gz", "CTD_chemicals.tsv.gz")
    prograf = lexicon.lookup("Prograf", CHEMICAL)
    assert prograf is not None and prograf.ids == ("D016559",) and prograf.source == "vocabulary"
    # The sample annotates tacrolimus: its annotations' entry, not CTD's.
    tacrolimus = lexicon.lookup("tacrolimus", CHEMICAL)
    assert tacrolimus is not None and tacrolimus.source == "annotation"
    only = tmp_path / "only.tsv"
    code, out, _ = run(capsys, "lexicon", "build", *vocabularies[:2], "--output", str(only))
    assert code == 0 and Lexicon.load(only).splits == ()
    assert Lexicon.load(only).lookup("low blood pressure", DISEASE) is not None
    code, _, _ = run(capsys, "lexicon", "build", "--data", str(corpus), "--split", "train",
                     "--output", str(only))  # fmt: skip
    assert code == 0 and Lexicon.load(only).vocabularies == ()


def test_build_refuses_what_it_cannot_build(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, vocabularies: list[str], corpus: Path
) -> None:
    output = ["--output", str(tmp_path / "lexicon.tsv")]
    code, _, err = run(capsys, "lexicon", "build", *output)
    assert code == 1 and "nothing to build a lexicon from" in err
    code, _, err = run(capsys, "lexicon", "build", *vocabularies, "--split", "train", *output)
    assert code == 1 and "give --data too" in err
    test = ["--data", str(corpus), "--split", "train,test"]
    code, _, err = run(capsys, "lexicon", "build", *vocabularies, *test, *output)
    assert code == 1 and "test split" in err
    assert "or pass --allow-test if" in err and "allow_test" not in err
    assert run(capsys, "lexicon", "build", *test, "--allow-test", *output)[0] == 0
    # A chemicals file given as diseases: named, with its line.
    wrong = ["--ctd-diseases", vocabularies[3]]
    code, _, err = run(capsys, "lexicon", "build", *wrong, *output)
    assert code == 1 and f"{vocabularies[3]}, line 7: the header names ChemicalName" in err


def test_extract_and_evaluate_take_a_lexicon_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, vocabularies: list[str], corpus: Path
) -> None:
    lexicon = tmp_path / "lexicon.tsv"
    build = ["lexicon", "build", *vocabularies, "--data", str(corpus), "--output", str(lexicon)]
    assert run(capsys, *build)[0] == 0
    baseline = ["--model", "lexicon", "--split", "test", "--no-progress"]
    predicted = tmp_path / "pred.PubTator"
    code, _, err = run(
        capsys, "extract", *baseline, "--lexicon", str(lexicon), "--output", str(predicted)
    )
    assert (code, err) == (0, f"wrote 10 documents to {predicted} (0 failed; nothing asked of "
        "Cohere)\n")  # fmt: skip
    code, out, err = run(capsys, "evaluate", *baseline, "--lexicon", str(lexicon), "--json")
    assert code == 0, err
    with_file = json.loads(out)["official"]
    code, out, _ = run(capsys, "evaluate", *baseline, "--json")
    # The same annotations, and vocabulary names the baseline does not match in the text.
    assert with_file["mention"] == json.loads(out)["official"]["mention"]
    # The lexicon's documents are refused, as a lexicon learnt from --lexicon-data's are.
    seen = ["--split", "train", "--lexicon", str(lexicon), "--output", str(predicted)]
    code, _, err = run(capsys, "extract", "--model", "lexicon", "--no-progress", *seen)
    assert code == 1 and "lexicon's training splits" in err
    both = ["--lexicon", str(lexicon), "--lexicon-data", str(corpus)]
    code, _, err = run(capsys, "evaluate", *baseline, *both)
    assert code == 1 and "not both" in err
    code, _, err = run(capsys, "evaluate", *baseline, "--lexicon", vocabularies[1])
    assert code == 1 and "not a JSON lexicon file" in err
