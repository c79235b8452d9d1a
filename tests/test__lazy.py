"""Lazy public names: loaded on first use, kept once loaded, unknown names refused."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from cohere_medner._lazy import lazy_exports


def test_a_name_loads_its_module_once_and_is_kept() -> None:
    namespace: dict[str, Any] = {"__name__": "example"}
    names, getattr_, dir_ = lazy_exports(namespace, {"json": ("dumps", "loads")})
    assert names == ["dumps", "loads"]
    assert "dumps" not in namespace and "dumps" in dir_()
    assert getattr_("dumps") is sys.modules["json"].dumps
    assert namespace["dumps"] is sys.modules["json"].dumps


def test_an_unknown_name_is_an_attribute_error_naming_the_package() -> None:
    _, getattr_, _ = lazy_exports({"__name__": "example"}, {"json": ("dumps",)})
    with pytest.raises(AttributeError, match="'example' has no attribute 'load'"):
        getattr_("load")
