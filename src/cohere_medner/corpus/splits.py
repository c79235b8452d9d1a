"""BC5CDR's split names: ``train``, ``validation`` and ``test``, and their aliases."""

from __future__ import annotations

from typing import Final

from ..errors import UnknownSplitError

SPLITS: Final = ("train", "validation", "test")
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
