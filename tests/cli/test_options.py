"""The options commands share: cheap to build, naming what the library names."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cohere_medner.cli import main, options
from cohere_medner.grounding.baseline import MODEL
from cohere_medner.models import MODELS
from cohere_medner.models.client import KEY_VARIABLES
from command_line import run


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


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--rpm", "-5", "argument --rpm: expected a number above 0, got -5"),
        ("--rpm", "nan", "argument --rpm: expected a number above 0, got nan"),
        ("--rpm", "many", "argument --rpm: expected a number, got 'many'"),
        ("--concurrency", "0", "argument --concurrency: expected 1 or more, got 0"),
        ("--concurrency", "2.5", "argument --concurrency: expected a whole number, got '2.5'"),
    ],
)
def test_request_options_are_refused_in_the_command_line_s_words(
    capsys: pytest.CaptureFixture[str], option: str, value: str, said: str
) -> None:
    # They said "per_minute must be positive" and "max_concurrency must be at least 1".
    argv = ["extract", "--model", "command-r-08-2024", "--text", "x", "--output", "x.jsonl"]
    with pytest.raises(SystemExit) as exited:
        main([*argv, option, value])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and said in err
    assert err.startswith("usage: cohere-medner extract ")


def test_a_missing_key_is_asked_for_as_the_command_line_takes_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # It said "pass api_key=... or set CO_API_KEY", and the command has no --api-key.
    for variable in KEY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    output = tmp_path / "x.jsonl"
    argv = ["extract", "--model", "command-r-08-2024", "--text", "x", "--output", str(output)]
    code, out, err = run(capsys, *argv, "--no-cache")
    assert (code, out) == (1, "")
    assert err.startswith("cohere-medner extract: error: no Cohere API key: set CO_API_KEY (")
    assert "api_key" not in err


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_above_zero_takes_exactly_the_finite_numbers_above_zero(number: float) -> None:
    if number > 0 and math.isfinite(number):
        assert options.above_zero(repr(number)) == number
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="above 0"):
            options.above_zero(repr(number))


@given(st.integers())
def test_at_least_one_takes_exactly_the_whole_numbers_from_one(number: int) -> None:
    if number >= 1:
        assert options.at_least_one(str(number)) == number
    else:
        with pytest.raises(argparse.ArgumentTypeError, match="1 or more"):
            options.at_least_one(str(number))
