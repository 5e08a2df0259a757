"""Charts drawn on the server as inline SVG (no script, nothing from the internet). Each chart keeps its
figures so the page can show them as a table too."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# a compact drawing that scales with its box: readable on a 390 px phone, capped in width by the CSS
BAR_HEIGHT = 22
BAR_GAP = 7
WIDTH = 420
LABEL_WIDTH = 112
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str | None = None
    note: str | None = None  # the tooltip, e.g. "62 / 130"


@dataclass
class Chart:
    svg: Markup
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, formatted value) for the table


def _fmt_percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(bars: Sequence[Bar], *, title: str, max_value: float | None = None,
              value_format: Callable[[float], str] = _fmt_percent, css_class: str = "chart-bar") -> Chart:
    """Horizontal bars, one per row, longest label left; fits a phone because it scales with its box."""
    top = 8
    height = top + max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP) + 4
    scale_max = max_value if max_value is not None else max((b.value for b in bars), default=0.0)
    scale_max = scale_max or 1.0
    track = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg class="{escape(css_class)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    rows: list[tuple[str, str]] = []
    if not bars:
        parts.append(f'<text x="{WIDTH / 2}" y="{top + BAR_HEIGHT}" text-anchor="middle" class="empty">—</text>')
    for index, bar in enumerate(bars):
        y = top + index * (BAR_HEIGHT + BAR_GAP)
        fraction = max(0.0, min(1.0, bar.value / scale_max))
        width = round(track * fraction, 1)
        shown = value_format(bar.value)
        rows.append((bar.label, shown))
        tooltip = f"{bar.label}: {shown}" + (f" ({bar.note})" if bar.note else "")
        group = (
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{bar.value:.6g}">'
            f"<title>{escape(tooltip)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.72:.1f}" text-anchor="end" class="label">'
            f"{escape(_clip(bar.label, 7))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{track}" height="{BAR_HEIGHT}" class="track" rx="3"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" class="fill" rx="3"/>'
            f'<text x="{WIDTH - VALUE_WIDTH + 6}" y="{y + BAR_HEIGHT * 0.72:.1f}" class="value">'
            f"{escape(shown)}</text></g>"
        )
        if bar.href:
            group = f'<a href="{escape(bar.href)}">{group}</a>'
        parts.append(group)
    parts.append("</svg>")
    return Chart(svg=Markup("".join(parts)), title=title, rows=rows)  # noqa: S704 (every text is escaped)


def nice_ceiling(value: float, step: float = 0.1) -> float:
    """The scale's top: the next multiple of ``step`` above the largest value (a rate of 31% → 40%)."""
    if value <= 0:
        return step
    return min(1.0, math.ceil(value / step - 1e-9) * step) if step < 1 else math.ceil(value)


@dataclass(frozen=True)
class Point:
    label: str  # the x label, e.g. "2026-05"
    value: float


def line_chart(points: Sequence[Point], *, title: str, max_value: float | None = None,
               value_format: Callable[[float], str] = _fmt_percent) -> Chart:
    """A line over time with a dot per point; y from 0 to ``max_value`` (default the largest value)."""
    height, left, right, top, bottom = 220, 46, 14, 12, 32
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    scale_max = max_value if max_value is not None else max((p.value for p in points), default=0.0)
    scale_max = scale_max or 1.0
    parts = [
        f'<svg class="chart-line" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for step in range(5):  # horizontal grid with its scale
        fraction = step / 4
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
                     f"{escape(value_format(scale_max * fraction))}</text>")
    rows = [(p.label, value_format(p.value)) for p in points]
    if points:
        count = len(points)
        coords = []
        for index, point in enumerate(points):
            x = left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)
            y = top + plot_h * (1 - max(0.0, min(1.0, point.value / scale_max)))
            coords.append((x, y, point))
        parts.append('<polyline class="line" fill="none" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords) + '"/>')
        label_every = max(1, count // 6)
        for index, (x, y, point) in enumerate(coords):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot">'
                         f"<title>{escape(point.label)}: {escape(value_format(point.value))}</title></circle>")
            last = index == count - 1
            if last or (index % label_every == 0 and count - 1 - index >= max(2, label_every // 2 + 1)):
                parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" class="axis">'
                             f"{escape(point.label)}</text>")
    else:
        parts.append(f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle" class="empty">—</text>')
    parts.append("</svg>")
    return Chart(svg=Markup("".join(parts)), title=title, rows=rows)  # noqa: S704 (every text is escaped)
