"""BC5CDR's split names: ``train``, ``validation`` and ``test``, and their aliases."""

from __future__ import annotations

from typing import Final

from cohere_medner.errors import UnknownSplitError

SPLITS: Final = ("train", "validation", "test")
_TEST_NAMES: Final = frozenset({"test", "testset", "testing"})
_ALIASES: Final = {"training": "train", "dev": "validation", "development": "validation"}


def normalize_split(split: str) -> str:
    """The canonical split name (``train``, ``validation``, ``test``); aliases accepted."""
    name = _ALIASES.get(split.strip().lower(), split.strip().lower())
    if name not in SPLITS:
        raise UnknownSplitError(
            f"unknown split {split!r}; expected one of {', '.join(SPLITS)} "
            "(or 'dev'/'development' for validation)"
        )
    return name


def is_test_split(split: str, documents: object = None) -> bool:
    """Whether ``split`` names the test split, or ``documents`` were read from its file.

    Loose names count (``Test``, ``test_set``, ``testing``), and so does the official test
    file or the bundled sample's test part given under another name.
    """
    name = split.strip().lower().replace("_", "").replace("-", "")
    source = str(getattr(documents, "source", ""))
    return name in _TEST_NAMES or "CDR_TestSet" in source or source.endswith("(test)")
