"""Avro object container files: the format of a dataset's download links.

The SDK reads a dataset (``co.utils.save_dataset``) by fetching each part's URL and decoding
it with ``fastavro.reader``, so the fake writes the same container format. Only what the
fake's schemas use is supported: null, boolean, long, double, string, records, arrays, maps
and unions, written uncompressed (codec ``null``) in one block. See the Avro 1.11
specification, "Object Container Files" and "Binary Encoding".
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Mapping
from typing import Any, Final

MAGIC: Final = b"Obj\x01"
SYNC: Final = bytes(range(16))
"""Any 16 bytes do; fixed ones make the same records give the same file."""

Schema = str | list[Any] | dict[str, Any]


def container(schema: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> bytes:
    """An Avro object container file holding ``records`` of the record ``schema``."""
    out = bytearray(MAGIC)
    header = {"avro.schema": json.dumps(schema).encode(), "avro.codec": b"null"}
    _long(len(header), out)
    for key, value in header.items():
        _bytes(key.encode(), out)
        _bytes(value, out)
    _long(0, out)
    out += SYNC
    block = bytearray()
    count = 0
    for record in records:
        _encode(dict(schema), record, block)
        count += 1
    if count:
        _long(count, out)
        _long(len(block), out)
        out += block
        out += SYNC
    return bytes(out)


def _encode(schema: Schema, value: Any, out: bytearray) -> None:
    if isinstance(schema, list):
        index = next((i for i, branch in enumerate(schema) if _fits(branch, value)), None)
        if index is None:
            raise ValueError(f"no branch of the union {schema} fits {value!r}")
        _long(index, out)
        _encode(schema[index], value, out)
        return
    kind = schema if isinstance(schema, str) else schema["type"]
    if kind == "null":
        return
    if kind == "boolean":
        out.append(1 if value else 0)
    elif kind in ("int", "long"):
        _long(int(value), out)
    elif kind == "double":
        out += struct.pack("<d", float(value))
    elif kind == "string":
        _bytes(str(value).encode(), out)
    elif kind == "bytes":
        _bytes(bytes(value), out)
    elif kind == "record" and isinstance(schema, dict):
        for field in schema["fields"]:
            _encode(field["type"], value.get(field["name"]), out)
    elif kind == "array" and isinstance(schema, dict):
        items = list(value)
        if items:
            _long(len(items), out)
            for item in items:
                _encode(schema["items"], item, out)
        _long(0, out)
    elif kind == "map" and isinstance(schema, dict):
        if value:
            _long(len(value), out)
            for key, item in value.items():
                _bytes(str(key).encode(), out)
                _encode(schema["values"], item, out)
        _long(0, out)
    else:
        raise ValueError(f"unsupported Avro schema {schema!r}")


def _fits(schema: Schema, value: Any) -> bool:
    kind = (
        schema
        if isinstance(schema, str)
        else schema.get("type")
        if isinstance(schema, dict)
        else None
    )
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "double":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind in ("record", "map"):
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, (list, tuple))
    return False


def _long(n: int, out: bytearray) -> None:
    """A zig-zag, variable-length integer."""
    n = (n << 1) ^ (n >> 63)
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _bytes(data: bytes, out: bytearray) -> None:
    _long(len(data), out)
    out += data
