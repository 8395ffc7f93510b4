"""Inline SVG charts for the self-contained HTML report.

Each function returns one `<svg>` element to paste into the HTML as is: no scripts, no external
resources, no CSS (presentation attributes only), explicit `width` and `height` so the chart has
its size without a stylesheet.  Labels come from logs that outsiders can influence, so all text
is cleaned of control and bidi formatting characters (shown as U+FFFD, so tampering stays
visible) and escaped.  Output is deterministic, numbers have at most one decimal: reports stay
byte-stable and diffs show real changes only.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

_PALETTE = ("#1f5f99", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00796b", "#5d4037", "#455a64")
"""Series and window colours; each has at least 4.5:1 contrast against white."""
_TEXT, _MUTED, _NEUTRAL, _WARNING = "#1b1b1b", "#595959", "#1f5f99", "#b3261e"
_FONT = 'font-family="system-ui,sans-serif" font-size="12"'
_LABEL_COLUMNS = 28  # labels longer than this (wide characters count 2) are cut
_ROW, _LEGEND_ROW, _TOP, _AXIS = 22, 16, 34, 22  # bar row, legend line, heading, x-axis (px)
_MIN_WIDTH, _MIN_PLOT = 400, 60  # the smallest chart width and plot height drawn (px)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional formatting characters: they can make a label read as something it is not."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a bar chart: a category, its value and the text drawn after the bar."""

    label: str
    value: float
    note: str = ""


def _unsafe(char: str) -> bool:
    """A control, bidi formatting or line separator character, or one XML forbids."""
    bad = char in _BIDI or char in "\ufffe\uffff"
    return bad or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def _clean(text: str) -> str:
    """`text` with tabs and newlines as spaces and every other unsafe character as U+FFFD."""
    return "".join(" " if c in "\t\n\r" else "\ufffd" if _unsafe(c) else c for c in text)


def _e(text: str) -> str:
    """`text` cleaned and escaped for use as SVG text or an attribute value."""
    return escape(_clean(text), quote=True)


def _short(text: str, limit: int = _LABEL_COLUMNS) -> str:
    """`text` cleaned and cut to `limit` columns (wide East Asian characters take 2) with an
    ellipsis, so a long label cannot run into the bars or off the chart."""
    text = _clean(text)
    widths = [2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text]
    if sum(widths) <= limit:
        return text
    cut, used = 0, 1  # one column for the ellipsis
    while used + widths[cut] <= limit:
        used, cut = used + widths[cut], cut + 1
    return text[:cut].rstrip() + "…"


def _label(text: str, limit: int = _LABEL_COLUMNS) -> str:
    """Escaped text content, shortened, with the full text in a `<title>` when it was cut."""
    shown = _short(text, limit)
    return _e(shown) + ("" if shown == _clean(text) else f"<title>{_e(text)}</title>")


def _finite(value: float) -> float:
    """`value` as a float, or 0.0 for NaN and infinities (nothing sensible to draw)."""
    return float(value) if math.isfinite(value) else 0.0


def _n(value: float, grouped: bool = False) -> str:
    """A number with at most one decimal and no float noise (0.1 + 0.2 -> '0.3', 2.0 -> '2',
    -0.0 -> '0'); `grouped` adds thousands separators for text shown to the reader."""
    rounded = round(_finite(value), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    digits = 0 if rounded.is_integer() else 1
    return f"{rounded:{',' if grouped else ''}.{digits}f}"


def _text(x: float, y: float, markup: str, anchor: str = "start", attrs: str = "") -> str:
    """A `<text>` element holding `markup`, which the caller has already escaped."""
    extra = f" {attrs}" if attrs else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{markup}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, attrs: str = "", tip: str = "") -> str:
    """A `<rect>` (negative sizes drawn as 0); `tip` is escaped markup (a `<title>`) inside it."""
    box = f'x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0.0))}" height="{_n(max(h, 0.0))}"'
    return f'<rect {box} fill="{fill}"{f" {attrs}" if attrs else ""}>{tip}</rect>'


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    """A thin muted axis line."""
    ends = f'x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"'
    return f'<line {ends} stroke="{_MUTED}" stroke-width="1"/>'


def _svg(title: str, width: int, height: int, body: Iterable[str]) -> str:
    """The root element: accessible `<title>`, a visible heading (shortened to fit), `body`."""
    w, h = _n(width), _n(height)
    heading = _e(_short(title, max(8, (width - 16) // 8)))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" class="chart"><title>{_e(title)}</title>'
        f'<g {_FONT} fill="{_TEXT}">'
        + _text(8, 20, heading, attrs='font-size="14" font-weight="bold"')
        + "".join(body)
        + "</g></svg>"
    )


def _no_data(title: str, width: int) -> str:
    """A small chart saying there is nothing to show, so the report keeps its layout."""
    return _svg(title, width, 60, [_text(8, 44, "no data", attrs=f'fill="{_MUTED}"')])


def _legend(x: float, y: float, colour: str, name: str, limit: int) -> str:
    """One legend entry: a colour swatch and the (shortened) name."""
    return _rect(x, y - 9, 10, 10, colour) + _text(x + 16, y, _label(name, limit))


def bar_chart(title: str, bars: Sequence[Bar], *, unit: str = "", width: int = 640) -> str:
    """Horizontal bar chart: one row per bar (label at left, bar, note at right). Height grows
    with rows (22 px per row). Empty `bars` -> an SVG saying 'no data'.

    Bars scale to the largest value; zero, negative and non-finite values get a zero-length bar
    but keep their row.  A bar without a note shows its value and `unit`.  `width` is at least
    400 px so labels, bars and notes fit.
    """
    width = max(int(width), _MIN_WIDTH)
    if not bars:
        return _no_data(title, width)
    label_w, span = 236, width - 372  # labels left of x=236, 136 px kept for the notes
    peak = max(_finite(bar.value) for bar in bars)
    rows = []
    for i, bar in enumerate(bars):
        y = _TOP + i * _ROW
        value = _finite(bar.value)
        length = span * value / peak if peak > 0 and value > 0 else 0.0
        note = bar.note or _n(bar.value, grouped=True) + (f" {unit}" if unit else "")
        rows.append(
            f'<g class="bar"><title>{_e(bar.label)}: {_e(note)}</title>'
            + _text(8, y + 15, _e(_short(bar.label)))
            + _rect(label_w, y + 4, length, 14, _NEUTRAL)
            + _text(label_w + length + 6, y + 15, _label(note, 20))
            + "</g>"
        )
    return _svg(title, width, _TOP + len(bars) * _ROW + 8, rows)


def _spans(start: float, end: float) -> list[tuple[float, float]]:
    """A contact window as half-open hour ranges within 0..24; one that ends before it starts
    runs overnight (21 -> 8 is 21..24 and 0..8); start == end is empty."""
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ValueError(f"window hours must be finite, got {start!r}..{end!r}")
    start, end = min(max(start, 0.0), 24.0), min(max(end, 0.0), 24.0)
    pieces = [(start, end)] if start <= end else [(start, 24.0), (0.0, end)]
    return [(a, b) for a, b in pieces if a < b]


def hour_chart(
    title: str,
    counts: Sequence[int],
    windows: Sequence[tuple[float, float, str]] = (),
    *,
    width: int = 640,
    height: int = 220,
) -> str:
    """Column chart of 24 values (contacts by local hour 0..23) over shaded contact windows.

    Each window (start_hour, end_hour, label) is a light band with a legend line; an hour
    [h, h+1) overlapping no window is drawn in the warning colour (window 8.0..21.0: hours 7 and
    21 warned, 8 and 20 not); without windows none is.  The legend fits inside `height` unless
    the plot would be under 60 px.  Raises ValueError if len(counts) != 24 or a window hour is
    not finite.
    """
    if len(counts) != 24:
        raise ValueError(f"hour_chart needs 24 counts (hours 0..23), got {len(counts)}")
    spans = [_spans(start, end) for start, end, _ in windows]
    width = max(int(width), _MIN_WIDTH)
    left, right = 44, 12
    plot_w, legend_h = width - left - right, _LEGEND_ROW * len(windows)
    plot_h = max(int(height) - _TOP - _AXIS - legend_h, _MIN_PLOT)
    base, col_w = _TOP + plot_h, plot_w / 24
    peak = max(max(_finite(count) for count in counts), 0.0)
    parts = []
    for k, ((_, _, name), pieces) in enumerate(zip(windows, spans, strict=True)):
        colour = _PALETTE[k % len(_PALETTE)]
        for a, b in pieces:
            band = 'fill-opacity="0.14" class="window"'
            parts.append(_rect(left + a * col_w, _TOP, (b - a) * col_w, plot_h, colour, band))
        legend_y = base + _AXIS + k * _LEGEND_ROW + 12
        parts.append(_legend(left, legend_y, colour, name, max(10, (width - left - 16) // 7)))
    for hour, count in enumerate(counts):
        value = max(_finite(count), 0.0)
        tall = plot_h * value / peak if peak > 0 else 0.0
        inside = any(a < hour + 1 and b > hour for pieces in spans for a, b in pieces)
        outside = bool(windows) and not inside
        tip = f"<title>{hour:02d}:00: {_n(count, grouped=True)}"
        tip += " (outside every window)</title>" if outside else "</title>"
        cls, fill = ('class="col outside"', _WARNING) if outside else ('class="col"', _NEUTRAL)
        parts.append(_rect(left + hour * col_w + 1, base - tall, col_w - 2, tall, fill, cls, tip))
    parts.append(_line(left, base, left + plot_w, base))
    parts.append(_text(left - 4, _TOP + 4, _n(peak, grouped=True), "end", 'class="ymax"'))
    parts.append(_text(left - 4, base + 4, "0", "end"))
    for hour in range(0, 24, 3):
        parts.append(_text(left + (hour + 0.5) * col_w, base + 15, f"{hour:02d}", "middle"))
    return _svg(title, width, base + _AXIS + legend_h, parts)


def series_chart(
    title: str,
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 640,
    height: int = 240,
) -> str:
    """Line chart: x = periods (e.g. ISO weeks '2026-W10'), a polyline with point markers per
    series (name, values aligned with periods), 8 colours cycled, legend below.

    Only the first, the last and a few evenly spaced periods are labelled, so long ranges stay
    readable; one period -> points only; a non-finite value leaves a gap.  The y range includes
    0.  The legend fits inside `height` as in `hour_chart`.  No periods or series -> 'no data'.
    Raises ValueError if a series length != len(periods).
    """
    for name, values in series:
        if len(values) != len(periods):
            raise ValueError(f"{len(values)} values in series {name!r}, {len(periods)} periods")
    width = max(int(width), _MIN_WIDTH)
    if not periods or not series:
        return _no_data(title, width)
    left, right = 52, 40
    plot_w, per_row = width - left - right, max(1, (width - left - right) // 200)
    legend_h = _LEGEND_ROW * -(-len(series) // per_row)
    plot_h = max(int(height) - _TOP - _AXIS - legend_h, _MIN_PLOT)
    base, count = _TOP + plot_h, len(periods)
    finite = [float(v) for _, values in series for v in values if math.isfinite(v)]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    scale = plot_h / (high - low) if high > low else 0.0  # all zero: flat on the axis
    xs = [left + (i * plot_w / (count - 1) if count > 1 else plot_w / 2) for i in range(count)]
    parts = [_line(left, base, left + plot_w, base)]
    if low < 0:
        parts.append(_line(left, base + low * scale, left + plot_w, base + low * scale))
    parts.append(_text(left - 4, _TOP + 4, _n(high, grouped=True), "end", 'class="ymax"'))
    parts.append(_text(left - 4, base + 4, _n(low, grouped=True), "end"))
    wanted = max(2, min(count, plot_w // 80))
    shown = sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})
    for i in shown:
        parts.append(_text(xs[i], base + 15, _label(periods[i], 12), "middle", 'class="period"'))
    for j, (name, values) in enumerate(series):
        colour = _PALETTE[j % len(_PALETTE)]
        runs: list[list[str]] = [[]]  # runs of points between gaps
        marks = []
        for i, value in enumerate(values):
            if not math.isfinite(value):
                runs.append([])
                continue
            x, y = _n(xs[i]), _n(base - (value - low) * scale)
            runs[-1].append(f"{x},{y}")
            tip = f"<title>{_e(periods[i])}: {_n(value, grouped=True)}</title>"
            marks.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}">{tip}</circle>')
        lines = [
            f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            for run in runs
            if len(run) > 1
        ]
        parts.append(f'<g class="series"><title>{_e(name)}</title>{"".join(lines + marks)}</g>')
        legend_y = base + _AXIS + (j // per_row) * _LEGEND_ROW + 12
        parts.append(_legend(left + (j % per_row) * 200, legend_y, colour, name, _LABEL_COLUMNS))
    return _svg(title, width, base + _AXIS + legend_h, parts)
