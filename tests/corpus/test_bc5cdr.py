from __future__ import annotations

from pathlib import Path

import pytest

from cohere_medner.corpus import (
    SPLITS,
    load_bc5cdr,
    load_corpus,
    load_sample,
    load_splits,
    read_file,
)
from cohere_medner.errors import CorpusError, CorpusNotFoundError, UnknownSplitError


def test_bundled_sample_is_the_official_sample(eval_sample_dir: Path) -> None:
    official = read_file(eval_sample_dir / "CDR_sample.gold.PubTator")
    assert list(load_sample()) == list(official)


def test_bundled_sample_splits_partition_it_in_file_order() -> None:
    sample = load_sample().to_list()
    parts = [load_sample(split).to_list() for split in SPLITS]
    assert [len(p) for p in parts] == [30, 10, 10]
    assert parts[0] + parts[1] + parts[2] == sample
    assert load_bc5cdr("dev").to_list() == parts[1]


def test_unknown_split_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownSplitError, match="train, validation, test"):
        load_bc5cdr("holdout")


def test_missing_directory_and_files(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match="no such corpus directory"):
        load_bc5cdr("test", tmp_path / "absent")
    with pytest.raises(CorpusNotFoundError, match=r"CDR_TestSet\.PubTator\.txt"):
        load_bc5cdr("test", tmp_path)
    with pytest.raises(CorpusNotFoundError, match="no such corpus file or directory"):
        load_corpus(tmp_path / "absent.txt")


def test_official_file_name_must_agree_with_split(bc5cdr_dir: Path) -> None:
    with pytest.raises(CorpusError, match="holds the test split, not train"):
        read_file(bc5cdr_dir / "CDR_TestSet.PubTator.txt", "train")


def test_single_split_file_needs_its_split_named(bc5cdr_dir: Path) -> None:
    with pytest.raises(CorpusError, match="single-split file"):
        load_splits(bc5cdr_dir / "CDR_TestSet.BioC.xml")


@pytest.mark.parametrize("split", SPLITS)
def test_three_formats_yield_identical_documents(bc5cdr_dir: Path, split: str) -> None:
    pubtator = load_bc5cdr(split, bc5cdr_dir, "pubtator").to_list()
    assert load_bc5cdr(split, bc5cdr_dir, "bioc").to_list() == pubtator
    assert load_bc5cdr(split, bc5cdr_dir, "json").to_list() == pubtator
    assert len(pubtator) == 500


def test_directory_without_split_gives_all_splits_in_order(bc5cdr_dir: Path) -> None:
    pmids = [d.pmid for d in load_corpus(bc5cdr_dir)]
    expected = [d.pmid for s in SPLITS for d in load_bc5cdr(s, bc5cdr_dir)]
    assert pmids == expected and len(pmids) == 1500
