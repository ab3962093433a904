"""SVG plots of an evaluation (matplotlib, Agg, no pyplot), each with <title> and <desc>."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from django.utils.html import escape
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

# Labels come from people (units, territory names): a "$" is a dollar sign, never the
# start of a math formula (which fails to parse, or renders in italics).
matplotlib.rcParams["text.parse_math"] = False

TREATED_COLOUR = "#000091"  # bleu France
SYNTH_COLOUR = "#c9191e"
PLACEBO_COLOUR = "#b0b0b0"


def _ticks(labels: Sequence[str], limit: int = 10) -> list[int]:
    step = max(1, -(-len(labels) // limit))
    return list(range(0, len(labels), step))


def _to_svg(fig: Figure, title: str, desc: str, ident: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "region27", "svg.fonttype": "none"}):
        FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    head = (
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
    )
    return re.sub(
        r"<svg([^>]*)>",
        lambda m: (
            f'<svg{m.group(1)} role="img" aria-labelledby="{ident}-title {ident}-desc">' + head
        ),
        svg,
        count=1,
    )


def _figure() -> Figure:
    fig = Figure(figsize=(7.5, 3.8), dpi=100, layout="constrained")
    return fig


def _time_axes(
    labels: Sequence[str], start_index: int, ylabel: str
) -> tuple[Figure, Any, list[int]]:
    """A figure over the periods: ticks, the treatment's start as a dotted line, a grid."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.axvline(start_index - 0.5, color="#555555", linestyle=":", linewidth=1)
    ax.set_xticks(_ticks(labels), [labels[i] for i in _ticks(labels)], rotation=45)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax, list(range(len(labels)))


def series_svg(
    *,
    labels: Sequence[str],
    treated: Sequence[float],
    synthetic: Sequence[float],
    start_index: int,
    treated_name: str,
    ylabel: str,
    title: str,
    desc: str,
) -> str:
    fig, ax, x = _time_axes(labels, start_index, ylabel)
    ax.plot(x, treated, color=TREATED_COLOUR, linewidth=2, label=treated_name)
    ax.plot(x, synthetic, color=SYNTH_COLOUR, linewidth=2, linestyle="--", label="27e région")
    ax.legend(frameon=False)
    return _to_svg(fig, title, desc, "serie")


def gap_svg(
    *,
    labels: Sequence[str],
    gaps: Sequence[float],
    placebo_gaps: Sequence[Sequence[float]],
    start_index: int,
    ylabel: str,
    title: str,
    desc: str,
) -> str:
    fig, ax, x = _time_axes(labels, start_index, ylabel)
    for g in placebo_gaps:
        ax.plot(x, g, color=PLACEBO_COLOUR, linewidth=0.8)
    ax.plot(x, gaps, color=TREATED_COLOUR, linewidth=2.2)
    ax.axhline(0, color="#333333", linewidth=0.8)
    return _to_svg(fig, title, desc, "ecart")


def event_study_svg(
    *,
    relative: Sequence[int],
    coefficients: Sequence[float],
    ci_low: Sequence[float],
    ci_high: Sequence[float],
    reference: int,
    ylabel: str,
    title: str,
    desc: str,
) -> str:
    """Coefficients by period relative to the start, with their confidence intervals; the
    reference period is drawn at 0 as a hollow marker."""
    fig = _figure()
    ax = fig.add_subplot()
    x = list(relative)
    lower = [c - lo for c, lo in zip(coefficients, ci_low, strict=True)]
    upper = [hi - c for c, hi in zip(coefficients, ci_high, strict=True)]
    ax.errorbar(
        x,
        coefficients,
        yerr=[lower, upper],
        fmt="o",
        color=TREATED_COLOUR,
        ecolor="#6a6af4",
        capsize=3,
        markersize=4,
    )
    ax.plot([reference], [0.0], marker="o", markerfacecolor="white", color=TREATED_COLOUR)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(-0.5, color="#555555", linestyle=":", linewidth=1)
    ax.set_xlabel("Périodes depuis le début (0 = première période traitée)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return _to_svg(fig, title, desc, "evenement")
