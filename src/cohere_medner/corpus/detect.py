"""Telling PubTator, BioC XML and the tutorial's JSON apart by their first bytes."""

from __future__ import annotations

import re
from typing import Final, Literal

from cohere_medner._files import PathLike, open_binary
from cohere_medner.errors import CorpusFormatError, CorpusNotFoundError, UnknownFormatError

Format = Literal["pubtator", "bioc", "json"]
FORMATS: Final[tuple[Format, ...]] = ("pubtator", "bioc", "json")

_PUBTATOR_START = re.compile(rb"\d+\|t\|")


def detect_format(path: PathLike) -> Format:
    """The corpus format of a file, judged by its content rather than its name."""
    try:
        with open_binary(path) as stream:
            head = stream.read(4096)
    except FileNotFoundError:
        raise CorpusNotFoundError(f"{path}: no such corpus file") from None
    except IsADirectoryError:
        raise CorpusNotFoundError(f"{path} is a directory, expected a corpus file") from None
    except OSError as error:
        raise CorpusFormatError(str(path), None, f"cannot be read ({error})") from None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        raise CorpusFormatError(str(path), None, "the file is empty, expected a corpus")
    if start.startswith(b"<"):
        return "bioc"
    if start[:1] in (b"[", b"{"):
        return "json"
    if _PUBTATOR_START.match(start):
        return "pubtator"
    raise UnknownFormatError(
        f"{path}: cannot tell the corpus format; expected PubTator ('PMID|t|TITLE' lines), "
        f"BioC XML ('<collection>') or BigBio JSON ('[{{...}}]'), got {start[:40]!r}"
    )
