"""Fine-tuning files: the tutorial's records byte for byte, splits, leaks, Cohere's rules."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from cohere_medner.corpus import load_sample
from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.errors import (
    DataLeakError,
    FinetuneRequirementError,
    ForbiddenSplitError,
    TemplateError,
    TrainingDataError,
    UnknownTaskError,
)
from cohere_medner.prompts.tasks import CHEMICALS, DISEASES, RELATIONS, Task
from cohere_medner.prompts.templates import SEED, TITLED, FewShot, Template
from cohere_medner.training.prepare import prepare_finetuning
from cohere_medner.training.records import LIMITS, Limits
from cohere_medner.types import Document


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# The tutorial's code, from the seeds ------------------------------------------------------


def tutorial_lines(data: list[dict[str, Any]], split: str, kind: str, what: str) -> list[str]:
    """The tutorial's preprocessing, generalised from diseases to chemicals and to a split.

    Copied from the seed (its variable names included); only the entity type, the word in
    the two strings and the split are parameters. The seeds print no code for relations.
    """
    instruction = (
        "The following article contains technical terms including diseases, drugs and "
        f"chemicals. Create a list only of the {what} mentioned.\n\n"
    )
    output_instruction = f"\n\nList of extracted {what}:\n"

    the_list = []

    for item in data:
        if item["dataset_type"] != split:
            continue
        diseases = []
        for ent in item["passages"][1]["entities"]:
            if ent["type"] == kind and ent["text"][0] not in diseases:
                diseases.append(ent["text"][0])

        the_list.append(
            {
                "prompt": instruction + item["passages"][1]["text"] + output_instruction,
                "completion": "- " + "\n- ".join(diseases),
            }
        )

    return [json.dumps(item) + "\n" for item in the_list]


@pytest.fixture(scope="module")
def tutorial_data(bc5cdr_json: Path) -> list[dict[str, Any]]:
    """bc5cdr.json as the tutorial loads it: ``json.load``."""
    with bc5cdr_json.open(encoding="utf-8") as stream:
        data: list[dict[str, Any]] = json.load(stream)
    return data


def has_composite(document: Document, kind: str) -> bool:
    start, end = SEED.shown_span(document)
    return any(
        len(m.parts) > 1 and m.type == kind and start <= m.start and m.end <= end
        for m in document.mentions
    )


@pytest.mark.corpus
@pytest.mark.parametrize("split", ["train", "validation", "test"])
@pytest.mark.parametrize(
    ("task", "kind", "what"),
    [(DISEASES, "Disease", "diseases"), (CHEMICALS, "Chemical", "chemicals")],
    ids=["diseases", "chemicals"],
)
def test_records_are_the_tutorials_byte_for_byte(
    bc5cdr_json: Path,
    tutorial_data: list[dict[str, Any]],
    tmp_path: Path,
    split: str,
    task: Task,
    kind: str,
    what: str,
) -> None:
    from cohere_medner.corpus.bigbio import read_bigbio

    expected = tutorial_lines(tutorial_data, split, kind, what)
    documents = list(read_bigbio(bc5cdr_json, split))
    output = tmp_path / f"{what}_instruct_all.jsonl"
    prepare_finetuning(
        {split: documents},
        task.name,
        "prompt-completion",
        output,
        allow_test=split == "test",
        template="seed",
    )
    written = output.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(written) == len(expected) == len(documents)
    compared = differing = 0
    for document, ours, theirs in zip(documents, written, expected, strict=True):
        if has_composite(document, kind):
            # The tutorial lists the first fragment of each individual mention ("visual" for
            # "visual or auditory toxicity"); the library lists the top-level mention.
            differing += ours != theirs
            continue
        assert ours == theirs, document.pmid
        compared += 1
    assert differing > 0
    assert compared >= 0.9 * len(documents)


@pytest.mark.corpus
@pytest.mark.parametrize("format", ["prompt-completion", "chat"])
def test_the_same_file_comes_out_of_the_json_pubtator_and_bioc_forms(
    bc5cdr_dir: Path, bc5cdr_json: Path, tmp_path: Path, format: str
) -> None:
    from cohere_medner.corpus.bigbio import read_bigbio
    from cohere_medner.corpus.bioc import read_bioc

    def load(form: str, split: str) -> Sequence[Document]:
        name = {"train": "Training", "validation": "Development"}[split]
        if form == "json":
            return read_bigbio(bc5cdr_json, split)
        if form == "pubtator":
            return read_pubtator(bc5cdr_dir / f"CDR_{name}Set.PubTator.txt")
        return read_bioc(bc5cdr_dir / f"CDR_{name}Set.BioC.xml")

    contents = {}
    for form in ("json", "pubtator", "bioc"):
        documents = {split: load(form, split) for split in ("train", "validation")}
        output, held = tmp_path / f"{form}.jsonl", tmp_path / f"{form}.eval.jsonl"
        prepare_finetuning(
            documents,
            "diseases,chemicals,relations",
            format,  # type: ignore[arg-type]
            output,
            eval_output=held,
            eval_fraction=0.1,
            seed=3,
        )
        contents[form] = (output.read_bytes(), held.read_bytes())
    assert contents["json"] == contents["pubtator"] == contents["bioc"]


# Records and formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "template"), [({}, TITLED), ({"template": "seed"}, SEED)], ids=["default", "seed"]
)
def test_prompt_completion_records_use_the_template(
    sample: list[Document], tmp_path: Path, asked: dict[str, str], template: Template
) -> None:
    output = tmp_path / "train.jsonl"
    report = prepare_finetuning({"train": sample}, "diseases", "prompt-completion", output, **asked)
    records = read_lines(output)
    assert [list(r) for r in records] == [["prompt", "completion"]] * len(sample)
    assert records[0] == {
        "prompt": template.prompt(DISEASES, sample[0]),
        "completion": DISEASES.gold(sample[0], template),
    }
    assert (sample[0].title in records[0]["prompt"]) == (template is TITLED)
    assert report.template == template.name
    assert f"--template {template.name}" in report.summary()
    assert report.train_records == report.train_documents == 50
    assert report.tasks == ("diseases",)
    assert report.eval_output is None
    # One task keeps the corpus order, as the tutorial's code does.
    assert [r["prompt"] for r in records] == [template.prompt(DISEASES, d) for d in sample]


def test_chat_records_use_cohere_fine_tuning_roles(sample: list[Document], tmp_path: Path) -> None:
    output = tmp_path / "chat.jsonl"
    prepare_finetuning({"train": sample}, ["relations"], "chat", output)
    record = read_lines(output)[0]
    assert record == {
        "messages": [
            {"role": "System", "content": RELATIONS.instruction},
            {
                "role": "User",
                "content": f"{sample[0].title}\n{sample[0].abstract}"
                "\n\nList of extracted influences:",
            },
            {"role": "Chatbot", "content": RELATIONS.gold(sample[0])},
        ]
    }


def test_several_tasks_in_one_file_are_shuffled_with_the_seed(
    sample: list[Document], tmp_path: Path
) -> None:
    def written(seed: int, shuffle: bool | None = None) -> list[str]:
        output = tmp_path / f"mixed-{seed}-{shuffle}.jsonl"
        prepare_finetuning(
            {"train": sample},
            "diseases,chemicals,relations",
            "prompt-completion",
            output,
            seed=seed,
            shuffle=shuffle,
        )
        return output.read_text(encoding="utf-8").splitlines()

    first, again, other = written(1), written(1), written(2)
    ordered = written(1, shuffle=False)
    assert first == again
    assert first != other
    assert sorted(first) == sorted(other) == sorted(ordered)
    assert len(first) == 150
    # Unshuffled, the tasks follow one another: the tutorial's three files, concatenated.
    cues = [json.loads(line)["prompt"].rsplit("\n\n", 1)[1] for line in ordered]
    assert cues == (
        ["List of extracted diseases:\n"] * 50
        + ["List of extracted chemicals:\n"] * 50
        + ["List of extracted influences:\n"] * 50
    )


def test_combined_task_records(sample: list[Document], tmp_path: Path) -> None:
    output = tmp_path / "combined.jsonl"
    prepare_finetuning({"train": sample}, "combined", "prompt-completion", output)
    completion = read_lines(output)[0]["completion"]
    assert completion.startswith("List of extracted diseases:\n- ")
    assert "\n\nList of extracted chemicals:\n- " in completion
    assert "\n\nList of extracted influences:\n- " in completion


# Splits, evaluation files and leaks -------------------------------------------------------


def test_the_test_split_is_refused_unless_allowed(sample: list[Document], tmp_path: Path) -> None:
    output = tmp_path / "train.jsonl"
    with pytest.raises(ForbiddenSplitError, match=r"refusing to write .* from the 'test' split"):
        prepare_finetuning({"train": sample, "test": sample[:1]}, "diseases", "chat", output)
    with pytest.raises(ForbiddenSplitError, match="allow_test=True"):
        prepare_finetuning(
            {"train": sample[:40]},
            "diseases",
            "chat",
            output,
            eval_output=tmp_path / "eval.jsonl",
            eval_documents={"Test": sample[40:]},
        )
    assert not output.exists()
    report = prepare_finetuning({"test": sample}, "diseases", "chat", output, allow_test=True)
    assert report.splits == ("test",)


def test_documents_in_both_training_and_evaluation_are_refused(
    sample: list[Document], tmp_path: Path
) -> None:
    with pytest.raises(DataLeakError, match=r"2 documents .* both .*PMIDs 26094, 354896"):
        prepare_finetuning(
            {"train": sample},
            "diseases",
            "chat",
            tmp_path / "train.jsonl",
            eval_output=tmp_path / "eval.jsonl",
            eval_documents={"validation": sample[:2]},
        )
    assert not (tmp_path / "train.jsonl").exists()


def test_few_shot_examples_from_evaluation_documents_are_refused(
    sample: list[Document], tmp_path: Path
) -> None:
    template = attrs.evolve(SEED, few_shot=FewShot(sample[:5], k=2))
    with pytest.raises(DataLeakError, match="few-shot pool holds 5 evaluation documents"):
        prepare_finetuning(
            {"train": sample[5:]},
            "diseases",
            "chat",
            tmp_path / "train.jsonl",
            eval_output=tmp_path / "eval.jsonl",
            eval_documents={"validation": sample[:5]},
            template=template,
        )


def test_the_test_file_is_refused_under_another_split_name(tmp_path: Path) -> None:
    with pytest.raises(ForbiddenSplitError):
        prepare_finetuning({"train": load_sample("test")}, "diseases", "chat", tmp_path / "t.jsonl")
    assert not (tmp_path / "t.jsonl").exists()


def test_examples_are_drawn_from_the_training_side_of_the_split(
    sample: list[Document], tmp_path: Path
) -> None:
    train, held = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    prepare_finetuning({"train": sample}, "diseases", "chat", train, eval_output=held, examples=2)
    asked = [json.loads(line)["messages"][-2]["content"] for line in held.open()]
    evaluated = [d for d in sample if any(d.abstract in prompt for prompt in asked)]
    assert len(evaluated) == len(asked) > 0
    written = train.read_text() + held.read_text()
    for document in evaluated:
        # An evaluation abstract is shown once, as its own prompt, never as an example.
        assert written.count(json.dumps(document.abstract)[1:60]) == 1
    with pytest.raises(TrainingDataError, match="not both"):
        prepare_finetuning(
            {"train": sample},
            "diseases",
            "chat",
            train,
            template=attrs.evolve(SEED, few_shot=FewShot(sample, k=2)),
            examples=2,
        )


def test_eval_fraction_holds_out_whole_documents_with_a_seed(
    sample: list[Document], tmp_path: Path
) -> None:
    def split(seed: int) -> tuple[set[str], set[str]]:
        output, held = tmp_path / "t.jsonl", tmp_path / "e.jsonl"
        report = prepare_finetuning(
            # A document listed in two splits must still land on one side only.
            {"train": sample, "validation": sample[:3]},
            "diseases,chemicals",
            "chat",
            output,
            eval_output=held,
            eval_fraction=0.2,
            seed=seed,
        )

        def abstracts(path: Path) -> set[str]:
            return {r["messages"][1]["content"].rsplit("\n\n", 1)[0] for r in read_lines(path)}

        train, evaluation = abstracts(output), abstracts(held)
        assert report.eval_documents == len(report.eval_pmids) == 10
        assert report.eval_records == 20
        assert not train & evaluation
        return train, evaluation

    first, again, other = split(7), split(7), split(8)
    assert first == again
    assert first != other
    assert len(first[0] | first[1]) == 50


def test_eval_output_alone_holds_out_a_tenth(sample: list[Document], tmp_path: Path) -> None:
    report = prepare_finetuning(
        {"train": sample},
        "diseases",
        "chat",
        tmp_path / "t.jsonl",
        eval_output=tmp_path / "e.jsonl",
    )
    assert (report.train_documents, report.eval_documents) == (45, 5)


# Cohere's requirements --------------------------------------------------------------------


def test_too_few_examples_are_refused_and_nothing_is_written(
    sample: list[Document], tmp_path: Path
) -> None:
    output = tmp_path / "train.jsonl"
    with pytest.raises(FinetuneRequirementError) as caught:
        prepare_finetuning({"train": sample[:31]}, "diseases", "prompt-completion", output)
    assert caught.value.violations == (
        f"{output}: holds 31 examples; Cohere needs at least 32 in a training file",
    )
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []
    prepare_finetuning({"train": sample[:2]}, "diseases", "chat", output)
    assert len(read_lines(output)) == 2


def test_exact_token_counts_block_writing(sample: list[Document], tmp_path: Path) -> None:
    with pytest.raises(FinetuneRequirementError, match=r"line 1: a turn has 30000 tokens"):
        prepare_finetuning(
            {"train": sample[:3]},
            "diseases",
            "chat",
            tmp_path / "t.jsonl",
            count_tokens=lambda text: 10_000,
        )


def test_dataset_size_limit(sample: list[Document], tmp_path: Path) -> None:
    output = tmp_path / "t.jsonl"
    with pytest.raises(
        FinetuneRequirementError, match=r"the dataset is \d+ bytes, over Cohere's 1000"
    ):
        prepare_finetuning(
            {"train": sample[:3]}, "diseases", "chat", output, limits=Limits(dataset_bytes=1000)
        )
    assert LIMITS.dataset_bytes == 1_500_000_000


def test_unnamed_relations_and_duplicates_are_reported(
    sample: list[Document], tmp_path: Path
) -> None:
    # Under seed a relation may name a side that only the (hidden) title mentions.
    report = prepare_finetuning(
        {"train": sample, "again": sample[:1]},
        "relations",
        "chat",
        tmp_path / "t.jsonl",
        template="seed",
    )
    for unnamed in report.unnamed_relations:
        document = next(d for d in sample if d.pmid == unnamed.pmid)
        assert any(
            (r.chemical, r.disease) == (unnamed.chemical, unnamed.disease)
            for r in RELATIONS.gold_target(document, SEED).unnamed
        )
    count = sum(len(RELATIONS.gold_target(d, SEED).unnamed) for d in [*sample, sample[0]])
    assert len(report.unnamed_relations) == count > 0
    assert f"{count} gold relations left out of completions" in report.summary()
    assert any("the same record as line 1 (PMID 26094)" in w for w in report.warnings)


# Atomic writes and bad input --------------------------------------------------------------


def test_an_interrupted_write_leaves_the_previous_file(
    sample: list[Document], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "train.jsonl"
    output.write_text("previous\n", encoding="utf-8")

    def fail(descriptor: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        prepare_finetuning(
            {"train": sample},
            "diseases",
            "chat",
            output,
            eval_output=tmp_path / "eval.jsonl",
        )
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"tasks": "diseases,disease"}, UnknownTaskError, "did you mean 'diseases'"),
        ({"format": "jsonl"}, TrainingDataError, "unknown fine-tuning format 'jsonl'"),
        ({"output": "missing/train.jsonl"}, TrainingDataError, "does not exist"),
        ({"eval_output": "train.jsonl"}, TrainingDataError, "are both"),
        ({"eval_fraction": 0.2}, TrainingDataError, "without eval_output"),
        (
            {"eval_output": "e.jsonl", "eval_fraction": 1.5},
            TrainingDataError,
            "between 0 and 1",
        ),
        ({"template": "fancy"}, TemplateError, "unknown template 'fancy'"),
    ],
)
def test_bad_input_gets_a_specific_error(
    sample: list[Document],
    tmp_path: Path,
    kwargs: dict[str, Any],
    error: type[Exception],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    arguments: dict[str, Any] = {
        "documents": {"train": sample},
        "tasks": "diseases",
        "format": "chat",
        "output": "train.jsonl",
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        prepare_finetuning(**arguments)
    assert list(tmp_path.iterdir()) == []
