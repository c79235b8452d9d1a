"""Shared fixtures: the corpora, fine-tuning files from the sample, a loopback Cohere."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bigbio_records import MYOCLONIC_SEIZURES, RENAL_AND_HEPATIC_FAILURE, write_json
from cohere_medner.corpus import load_sample
from cohere_medner.testing import POLL, FakeCohere
from cohere_medner.testing.oracle import oracle
from cohere_medner.training.prepare import prepare_finetuning
from cohere_medner.types import Document

# Hypothesis's per-example deadline (200 ms) is a timed test: on a busy shared machine a
# file-writing property fails it now and then. Speed is measured in bench/, not here.
settings.register_profile("cohere-medner", deadline=None)
settings.load_profile("cohere-medner")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"


def _data_dir(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable, default))


BC5CDR_DIR = _data_dir("COHERE_MEDNER_BC5CDR_DIR", SHARED / "bc5cdr")
EVAL_SAMPLE_DIR = _data_dir("COHERE_MEDNER_EVAL_SAMPLE_DIR", SHARED / "bc5cdr_eval_sample")


@pytest.fixture(scope="session")
def bc5cdr_dir() -> Path:
    """The official BC5CDR corpus directory; the test is skipped where it is absent."""
    if not (BC5CDR_DIR / "CDR_TrainingSet.PubTator.txt").is_file():
        pytest.skip(
            f"the full BC5CDR corpus is not at {BC5CDR_DIR} "
            "(set COHERE_MEDNER_BC5CDR_DIR to the directory holding CDR_*.PubTator.txt)"
        )
    return BC5CDR_DIR


@pytest.fixture(scope="session")
def eval_sample_dir() -> Path:
    """The official evaluation kit's 50-document sample; skipped where it is absent."""
    if not (EVAL_SAMPLE_DIR / "CDR_sample.gold.PubTator").is_file():
        pytest.skip(
            f"the BC5CDR evaluation kit sample is not at {EVAL_SAMPLE_DIR} "
            "(set COHERE_MEDNER_EVAL_SAMPLE_DIR to the directory holding CDR_sample.*)"
        )
    return EVAL_SAMPLE_DIR


@pytest.fixture(scope="session")
def bc5cdr_json(bc5cdr_dir: Path) -> Path:
    """The tutorial's ``bc5cdr.json`` beside the official files; skipped where it is absent."""
    path = bc5cdr_dir / "bc5cdr.json"
    if not path.is_file():
        pytest.skip(f"the tutorial's bc5cdr.json is not at {path}")
    return path


@pytest.fixture
def bigbio_file(tmp_path: Path) -> Path:
    """A ``bc5cdr.json`` holding two of the corpus' documents, one train, one validation."""
    return write_json(tmp_path / "bc5cdr.json", [RENAL_AND_HEPATIC_FAILURE, MYOCLONIC_SEIZURES])


@pytest.fixture(scope="module")
def sample() -> list[Document]:
    """The official evaluation kit's 50 documents, bundled with the package."""
    return load_sample().to_list()


@pytest.fixture
def chat_files(tmp_path: Path, sample: list[Document]) -> tuple[Path, Path]:
    """Chat training and evaluation files, as ``prepare`` writes them from the real sample."""
    train, held = tmp_path / "train.jsonl", tmp_path / "eval.jsonl"
    prepare_finetuning(
        {"train": sample}, "chemicals", "chat", train, eval_output=held, eval_fraction=0.2
    )
    return train, held


@pytest.fixture
def fake_cohere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeCohere]:
    """A loopback Cohere answering from the sample's gold, with a key and a fresh cache.

    Fine-tuning jobs move one status per poll, not per 50 ms, so that a client polling on a
    busy machine still sees every status it is asked to report.
    """
    with FakeCohere(responder=oracle(load_sample()), finetune_step=POLL) as server:
        monkeypatch.setenv("CO_API_URL", server.url)
        monkeypatch.setenv("CO_API_KEY", "test-key")
        monkeypatch.setenv("COHERE_MEDNER_CACHE", str(tmp_path / "cache.sqlite3"))
        yield server
