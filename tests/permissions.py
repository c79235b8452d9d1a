"""File permissions that hold for root too, so that read-only files are read-only in tests.

Root reads and writes any file whatever its mode (the capability ``CAP_DAC_OVERRIDE``), so a
``chmod 0o444`` proves nothing when the tests run as root, as in containers. Linux keeps
capabilities per thread: :func:`as_a_user` drops the two that override permissions from the
calling thread for the block, and raises them again after.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator

import pytest

_VERSION_3 = 0x20080522
_OVERRIDES = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


class _Header(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _Data(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


@contextlib.contextmanager
def as_a_user() -> Iterator[None]:
    """File permissions apply to this thread inside the block, as they do to any user."""
    if os.geteuid() != 0:
        yield
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        capget, capset = libc.capget, libc.capset
    except (OSError, AttributeError):
        pytest.skip("running as root, and root's permission override cannot be dropped here")
    data = (_Data * 2)()
    if capget(ctypes.byref(_Header(_VERSION_3, 0)), data) != 0:
        pytest.skip("running as root, and this thread's capabilities cannot be read")
    saved = data[0].effective
    data[0].effective &= ~_OVERRIDES
    if capset(ctypes.byref(_Header(_VERSION_3, 0)), data) != 0:
        pytest.skip("running as root, and root's permission override cannot be dropped here")
    try:
        yield
    finally:
        data[0].effective = saved
        capset(ctypes.byref(_Header(_VERSION_3, 0)), data)
