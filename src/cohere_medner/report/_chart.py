"""The F1 chart: a hand-written SVG bar chart, one group per task and level, one bar per run.

Plain SVG needs no plotting library, opens in any browser, renders in Markdown on GitHub,
and can be inlined in the HTML report as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from cohere_medner.report._runs import EvaluationRun
from cohere_medner.report._table import Column, columns, score_of

__all__ = ["PALETTE", "f1_chart"]

#: Okabe and Ito's colours, told apart with any colour vision; cycled beyond eight runs.
PALETTE: Final = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)

_LEFT: Final = 48
_RIGHT: Final = 16
_PLOT_HEIGHT: Final = 240
_LABELS_HEIGHT: Final = 44
_GROUP_PADDING: Final = 20
_CHAR_WIDTH: Final = 6.6  # average width of a 11px sans-serif character, for layout


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _legend(runs: Sequence[EvaluationRun], width: float, top: float) -> tuple[list[str], float]:
    """The legend's elements, wrapped into rows within ``width``, and the height it takes."""
    parts: list[str] = []
    x, y = float(_LEFT), top
    for index, run in enumerate(runs):
        item = 14 + 6 + len(run.label) * _CHAR_WIDTH + 18
        if x + item > width - _RIGHT and x > _LEFT:
            x, y = float(_LEFT), y + 18
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{_number(x)}" y="{_number(y)}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{_number(x + 18)}" y="{_number(y + 10)}">{escape(run.label)}</text>'
        )
        x += item
    return parts, y + 18 - top


def f1_chart(runs: Sequence[EvaluationRun]) -> str:
    """An SVG document: F1 of each run in each column it was scored in (``—`` where not)."""
    cols: Sequence[Column] = columns(runs)
    bar = 22.0 if len(runs) <= 3 else 14.0
    group = len(runs) * (bar + 2) - 2 + _GROUP_PADDING
    label_room = max((len(c.key) for c in cols), default=0) * _CHAR_WIDTH + 8
    group = max(group, label_room)
    width = max(_LEFT + len(cols) * group + _RIGHT, 420.0)
    legend, legend_height = _legend(runs, width, 30)
    plot_top = 30 + legend_height + 12
    base = plot_top + _PLOT_HEIGHT
    height = base + _LABELS_HEIGHT
    out = [*_opening(width, height), *legend, *_grid(width, base)]
    previous_level = None
    for position, column in enumerate(cols):
        x0 = _LEFT + position * group
        if previous_level is not None and column.level != previous_level:
            out.append(
                f'<line x1="{_number(x0)}" x2="{_number(x0)}" y1="{_number(plot_top)}" '
                f'y2="{_number(height - 4)}" stroke="#bbbbbb" stroke-dasharray="3 3"/>'
            )
        previous_level = column.level
        out.append(_column_labels(column, x0 + group / 2, base))
        first = x0 + (group - (len(runs) * (bar + 2) - 2)) / 2
        out += _bars(runs, column, first, bar, base)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _opening(width: float, height: float) -> list[str]:
    """The SVG element, its title, a white background and the heading."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_number(width)}" '
        f'height="{_number(height)}" viewBox="0 0 {_number(width)} {_number(height)}" '
        'role="img" aria-labelledby="f1-chart-title" '
        'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" '
        'font-size="11">',
        '<title id="f1-chart-title">F1 by run, task and level</title>',
        f'<rect width="{_number(width)}" height="{_number(height)}" fill="#ffffff"/>',
        '<text x="12" y="20" font-size="14" font-weight="600">F1 by run, task and level</text>',
    ]


def _grid(width: float, base: float) -> list[str]:
    """The F1 axis: a line and a label at every 0.2, the zero line darker."""
    lines = []
    for tick in range(6):
        value = tick / 5
        y = base - value * _PLOT_HEIGHT
        lines.append(
            f'<line x1="{_LEFT}" x2="{_number(width - _RIGHT)}" y1="{_number(y)}" '
            f'y2="{_number(y)}" stroke="{"#888888" if tick == 0 else "#e4e4e4"}"/>'
            f'<text x="{_LEFT - 6}" y="{_number(y + 4)}" text-anchor="end" '
            f'fill="#555555">{value:.1f}</text>'
        )
    return lines


def _column_labels(column: Column, middle: float, base: float) -> str:
    """The column's key over its level, centred under its group of bars."""
    return (
        f'<text x="{_number(middle)}" y="{_number(base + 16)}" text-anchor="middle">'
        f"{escape(column.key)}</text>"
        f'<text x="{_number(middle)}" y="{_number(base + 31)}" text-anchor="middle" '
        f'fill="#666666">{escape(column.level)}</text>'
    )


def _bars(
    runs: Sequence[EvaluationRun], column: Column, first: float, bar: float, base: float
) -> list[str]:
    """One bar per run from ``first`` on, with its value; ``—`` for a run not scored there."""
    out = []
    for index, run in enumerate(runs):
        x = first + index * (bar + 2)
        score = score_of(run, column)
        if score is None:
            out.append(
                f'<text x="{_number(x + bar / 2)}" y="{_number(base - 4)}" '
                f'text-anchor="middle" fill="#999999">—</text>'
            )
            continue
        h = score.f1 * _PLOT_HEIGHT
        tip = f"{run.label}: {column.label} F1 {score.f1:.4f}"
        out.append(
            f'<rect x="{_number(x)}" y="{_number(base - h)}" width="{_number(bar)}" '
            f'height="{_number(h)}" fill="{PALETTE[index % len(PALETTE)]}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        out.append(_value_label(x + bar / 2, base - h, score.f1, rotated=bar < 20))
    return out


def _value_label(x: float, top: float, value: float, rotated: bool) -> str:
    text = f"{value:.2f}"
    if rotated:
        return (
            f'<text x="{_number(x + 3)}" y="{_number(top - 4)}" font-size="9" '
            f'transform="rotate(-90 {_number(x + 3)} {_number(top - 4)})">{text}</text>'
        )
    return (
        f'<text x="{_number(x)}" y="{_number(top - 4)}" font-size="9" '
        f'text-anchor="middle">{text}</text>'
    )
