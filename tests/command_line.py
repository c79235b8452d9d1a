"""Running ``cohere-medner`` in-process, for the tests of its commands."""

from __future__ import annotations

import pytest

from cohere_medner.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of ``cohere-medner ARGV``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
