"""Finding BC5CDR's splits: official file names, single files, and the bundled sample.

The bundled sample is the official evaluation kit's 50 gold documents (all from the
training set). So that every workflow, train then test, runs on a fresh install, it is
divided in file order into ``train`` (the first 30), ``validation`` (the next 10) and
``test`` (the last 10).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Final

from cohere_medner._files import PathLike
from cohere_medner.corpus.detect import FORMATS, Format, detect_format
from cohere_medner.corpus.pubtator import read_pubtator
from cohere_medner.corpus.splits import SPLITS, normalize_split
from cohere_medner.corpus.stream import DocumentStream
from cohere_medner.errors import CorpusError, CorpusNotFoundError
from cohere_medner.types import Document

_OFFICIAL_STEMS: Final = {
    "train": "CDR_TrainingSet",
    "validation": "CDR_DevelopmentSet",
    "test": "CDR_TestSet",
}
_SUFFIXES: Final[dict[Format, str]] = {
    "pubtator": ".PubTator.txt",
    "bioc": ".BioC.xml",
    "json": "",
}
JSON_NAME: Final = "bc5cdr.json"
SAMPLE_NAME: Final = "CDR_sample.gold.PubTator.gz"
_SAMPLE_SPLITS: Final = {"train": (0, 30), "validation": (30, 40), "test": (40, 50)}


def official_path(data_dir: PathLike, split: str, format: Format) -> Path:
    """Where the official distribution keeps ``split`` in ``format`` inside ``data_dir``."""
    if format == "json":
        return Path(data_dir) / JSON_NAME
    return Path(data_dir) / (_OFFICIAL_STEMS[normalize_split(split)] + _SUFFIXES[format])


def read_file(
    path: PathLike,
    split: str | None = None,
    format: Format | None = None,
    *,
    predictions: bool = False,
) -> DocumentStream:
    """Documents of one corpus file in any of the three formats (detected when not given).

    For the tutorial's JSON, ``split`` selects documents by their ``dataset_type``. A
    PubTator or BioC file holds one split: if it carries an official name
    (``CDR_TestSet.PubTator.txt``), ``split`` must agree with it; otherwise ``split`` is
    the caller's label for the whole file. ``predictions`` reads a PubTator file as the
    official evaluator reads a system's output (see :func:`read_pubtator`).
    """
    # Each reader is imported when its format is read: scoring PubTator files (the
    # evaluator's format) need not load the XML and JSON readers.
    format = format or detect_format(path)
    if format == "json":
        from cohere_medner.corpus.bigbio import read_bigbio

        return read_bigbio(path, normalize_split(split) if split else None)
    if split is not None:
        _check_official_name(Path(path), normalize_split(split))
    if format == "pubtator":
        return read_pubtator(path, predictions=predictions)
    from cohere_medner.corpus.bioc import read_bioc

    return read_bioc(path)


def _check_official_name(path: Path, split: str) -> None:
    for other, stem in _OFFICIAL_STEMS.items():
        if path.name.startswith(stem + ".") and other != split:
            raise CorpusError(f"{path} holds the {other} split, not {split}")


def load_bc5cdr(
    split: str, data_dir: PathLike | None = None, format: Format | None = None
) -> DocumentStream:
    """One split of BC5CDR from the official files in ``data_dir``, or the bundled sample.

    ``format`` picks ``pubtator``, ``bioc`` or ``json`` (the tutorial's ``bc5cdr.json``);
    without it, the first of those present in ``data_dir`` is used.
    """
    split = normalize_split(split)
    if data_dir is None:
        return load_sample(split)
    directory = Path(data_dir)
    if not directory.is_dir():
        raise CorpusNotFoundError(f"{directory}: no such corpus directory")
    candidates = [format] if format else list(FORMATS)
    for candidate in candidates:
        path = official_path(directory, split, candidate)
        if path.is_file():
            return read_file(path, split, candidate)
    expected = ", ".join(official_path(directory, split, c).name for c in candidates)
    raise CorpusNotFoundError(f"{directory} holds no BC5CDR {split} file; expected {expected}")


def load_sample(split: str | None = None) -> DocumentStream:
    """The bundled 50-document official sample, or one split of it (see the module doc)."""
    resource = resources.files(__package__).joinpath("data").joinpath(SAMPLE_NAME)
    source = f"bundled sample {SAMPLE_NAME}"
    if split is None:
        bounds = (0, 50)
    else:
        split = normalize_split(split)
        bounds = _SAMPLE_SPLITS[split]
        source += f" ({split})"

    def documents() -> Iterator[Document]:
        with resources.as_file(resource) as path:
            yield from itertools.islice(read_pubtator(path), *bounds)

    return DocumentStream(documents, source)


def load_corpus(data: PathLike | None = None, split: str | None = None) -> DocumentStream:
    """What a ``--data`` option names: a directory, one corpus file, or (None) the sample.

    Without ``split``, a directory gives all three splits in order.
    """
    if data is None:
        return load_sample(split)
    path = Path(data)
    if not path.exists():
        raise CorpusNotFoundError(f"{path}: no such corpus file or directory")
    if path.is_file():
        return read_file(path, split)
    if split is not None:
        return load_bc5cdr(split, path)
    parts = [load_bc5cdr(s, path) for s in SPLITS]

    def documents() -> Iterator[Document]:
        for part in parts:
            yield from part

    return DocumentStream(documents, str(path))


def load_splits(data: PathLike | None = None) -> dict[str, DocumentStream]:
    """Every split that ``data`` holds, by name: a directory, the tutorial's JSON, the sample.

    A single PubTator or BioC file holds one split whose name only the caller knows, so
    it is refused here.
    """
    if data is not None and Path(data).is_file() and detect_format(data) != "json":
        raise CorpusError(
            f"{data} is a single-split file; name its split (train, validation or test)"
        )
    return {split: load_corpus(data, split) for split in SPLITS}
