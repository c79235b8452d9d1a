"""Avro object container files: the format of a dataset's download links.

The SDK reads a dataset (``co.utils.save_dataset``) by fetching each part's URL and decoding
it with ``fastavro.reader``, so the fake writes the same container format, with
``fastavro.writer``: uncompressed (codec ``null``), with a fixed sync marker.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any, Final

import fastavro

SYNC: Final = bytes(range(16))
"""Any 16 bytes do; fixed ones make the same records give the same file."""


def container(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> bytes:
    """An Avro object container file holding ``records`` of the record ``schema``."""
    out = io.BytesIO()
    fastavro.writer(
        out, fastavro.parse_schema(dict(schema)), records, codec="null", sync_marker=SYNC
    )
    return out.getvalue()
