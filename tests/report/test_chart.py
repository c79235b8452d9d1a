"""The F1 chart: an SVG bar per run, task and level."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import attrs
import pytest

from cohere_medner.report import EvaluationRun
from cohere_medner.report._chart import PALETTE, f1_chart
from evaluation_runs import cohere_run, lexicon_run

SVG = "{http://www.w3.org/2000/svg}"


def test_the_chart_has_a_bar_per_run_and_score() -> None:
    runs: list[EvaluationRun] = [lexicon_run(), attrs.evolve(cohere_run(), label="<odd> & name")]
    svg = f1_chart(runs)
    root = ET.fromstring(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    lexicon_bars = [b for b in bars if b.get("fill") == PALETTE[0]]
    cohere_bars = [b for b in bars if b.get("fill") == PALETTE[1]]
    assert len(lexicon_bars) == 8 and len(cohere_bars) == 5  # no id or relation level
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("—") == 3 and "<odd> & name" in texts
    # Bar heights are proportional to F1.
    lists = lexicon_run().scores
    first, second = (float(b.get("height", 0)) for b in lexicon_bars[:2])
    assert first / second == pytest.approx(
        lists["diseases"].micro.f1 / lists["chemicals"].micro.f1, rel=1e-3
    )
