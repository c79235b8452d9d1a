"""Tiny BioC XML collections for the reader's and the builder's bad-input tests."""

from __future__ import annotations

import io

from cohere_medner.corpus.bioc import parse_bioc
from cohere_medner.types import Document

HEADER = "<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>\n"
TITLE = "Naloxone reverses clonidine."
ABSTRACT = "Naloxone alone did not."


def passage(kind: str, offset: int | str, text: str | None, annotations: str = "") -> str:
    body = "" if text is None else f"<text>{text}</text>\n"
    return (
        f'<passage>\n<infon key="type">{kind}</infon>\n<offset>{offset}</offset>\n'
        f"{body}{annotations}</passage>\n"
    )


def annotation(
    text: str = "Naloxone",
    offset: str = "0",
    length: str = "8",
    type_: str = "Chemical",
    extra: str = "",
) -> str:
    return (
        f"<annotation id='0'>\n<infon key=\"type\">{type_}</infon>\n"
        f'<infon key="MESH">D009270</infon>\n{extra}'
        f"<location offset='{offset}' length='{length}' />\n<text>{text}</text>\n</annotation>\n"
    )


def collection(*passages: str, relations: str = "", pmid: str = "<id>1</id>\n") -> bytes:
    document = f"<document>\n{pmid}{''.join(passages)}{relations}</document>\n"
    return f"{HEADER}<collection>\n{document}</collection>\n".encode()


def title(annotations: str = "") -> str:
    return passage("title", 0, TITLE, annotations)


def abstract(annotations: str = "", offset: int | str = len(TITLE) + 1) -> str:
    return passage("abstract", offset, ABSTRACT, annotations)


def parse(data: bytes) -> list[Document]:
    return list(parse_bioc(io.BytesIO(data), "bad.xml"))


def line_of(data: bytes, needle: str) -> int:
    return data.decode().splitlines().index(needle) + 1
