"""The options commands share: cheap to build, naming what the library names."""

from __future__ import annotations

import subprocess
import sys

from cohere_medner.cli import options
from cohere_medner.grounding.baseline import MODEL
from cohere_medner.models import MODELS


def test_the_baseline_is_named_as_the_registry_names_it() -> None:
    assert options.BASELINE == MODEL and MODEL in MODELS


def test_building_every_command_s_parser_loads_no_sdk() -> None:
    """The parser is built on every run: `score` or `stats` must not pay for the SDK."""
    code = (
        "import sys; from cohere_medner.cli import build_parser; build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'cohere', 'httpx', 'fastavro'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
