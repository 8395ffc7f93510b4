"""SVG charts: well-formed, sized, deterministic, and inert whatever the labels contain."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collectlint.reporters import svg
from collectlint.reporters.svg import Bar, bar_chart, hour_chart, series_chart

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = ("<script>alert(1)</script>", "javascript:alert(1)", '"><img src=x onerror=1>')
UNSAFE = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"  # bidi
    "\x00\x07\x1b\x7f\x85\u2028\u2029\ud800\ufffe\uffff"  # controls, separators, not XML
)
WEEKS = [f"2026-W{week:02d}" for week in range(1, 53)]


def parse(text: str) -> ET.Element:
    """The chart parsed as XML, with the root checked against what every chart must have."""
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("class") == "chart"
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert width > 0
    assert height > 0
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root[0].tag == f"{NS}title"
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ')
    return root


def tagged(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    """The elements named `tag`, those with class `cls` only when given."""
    return [e for e in root.iter(f"{NS}{tag}") if cls is None or e.get("class") == cls]


def all_text(root: ET.Element) -> str:
    """Every piece of text in the tree, joined by newlines."""
    return "\n".join("".join(e.itertext()) for e in root.iter(f"{NS}text"))


def hours(root: ET.Element, cls: str) -> list[int]:
    """The hours of the columns with class `cls`, from their tooltips ('07:00: 12')."""
    return [int(e.findtext(f"{NS}title", "")[:2]) for e in tagged(root, "rect", cls)]


def three_charts(label: str) -> list[str]:
    """One chart of each kind with `label` in every place a caller's text can go."""
    return [
        bar_chart(label, [Bar(label, 3.0, note=label), Bar("plain", 1.0)], unit=label),
        hour_chart(label, [1] * 24, [(8.0, 21.0, label)]),
        series_chart(label, [label, "2026-W02"], [(label, [1.0, 2.0])]),
    ]


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_bar_chart_draws_one_row_per_bar_with_label_bar_and_note() -> None:
    text = bar_chart("Findings by rule", [Bar("7-in-7", 12, "12 (3.4 per 1,000)"), Bar("b", 6)])
    root = parse(text)
    assert root.findtext(f"{NS}title") == "Findings by rule"
    assert "Findings by rule" in all_text(root)  # the visible heading
    rows = tagged(root, "g", "bar")
    assert len(rows) == 2
    assert [len(tagged(row, "rect")) for row in rows] == [1, 1]
    widths = [float(tagged(row, "rect")[0].get("width", "")) for row in rows]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.1)
    assert widths[0] > 0
    assert "12 (3.4 per 1,000)" in all_text(rows[0])
    assert root.get("width") == "640"


def test_bar_chart_height_grows_about_22px_per_row() -> None:
    heights = [
        float(parse(bar_chart("t", [Bar(str(i), i) for i in range(n)])).get("height", ""))
        for n in (1, 2, 10)
    ]
    assert heights[1] - heights[0] == 22
    assert heights[2] - heights[0] == 9 * 22


def test_bar_chart_default_note_is_the_value_without_float_noise_and_with_the_unit() -> None:
    root = parse(bar_chart("t", [Bar("a", 0.1 + 0.2), Bar("b", 1234.0), Bar("c", 2.25)], unit="%"))
    notes = [all_text(row).splitlines()[-1] for row in tagged(root, "g", "bar")]
    assert notes == ["0.3 %", "1,234 %", "2.2 %"]
    assert "0000" not in ET.tostring(root, encoding="unicode")


@pytest.mark.parametrize("values", [[0.0, 0.0], [-3.0, 0.0], [math.nan, math.inf], [-1.0, 4.0]])
def test_bar_chart_zero_negative_and_non_finite_values_keep_their_row(values: list[float]) -> None:
    root = parse(bar_chart("t", [Bar(str(i), v) for i, v in enumerate(values)]))
    rows = tagged(root, "g", "bar")
    assert len(rows) == len(values)
    for row, value in zip(rows, values, strict=True):
        width = float(tagged(row, "rect")[0].get("width", ""))
        assert width > 0 if math.isfinite(value) and value > 0 else width == 0


def test_empty_data_says_no_data() -> None:
    for text in (bar_chart("t", []), series_chart("t", [], []), series_chart("t", ["w"], [])):
        root = parse(text)
        assert "no data" in all_text(root)
        assert not tagged(root, "rect")


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_stay_text(label: str) -> None:
    for text in three_charts(label):
        root = parse(text)
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img", "a")]
        assert all(
            not name.startswith("on") and "href" not in name
            for e in root.iter()
            for name in e.attrib
        )
        assert all("javascript" not in value for e in root.iter() for value in e.attrib.values())
        assert "<script" not in text
        assert label in "\n".join(root.itertext())  # preserved, as text


@pytest.mark.parametrize("char", list(UNSAFE))
def test_bidi_and_control_characters_are_replaced(char: str) -> None:
    label = f"acct{char}42"
    for text in three_charts(label):
        root = parse(text)
        assert char not in text
        assert "acct\ufffd42" in "\n".join(root.itertext())


def test_tabs_and_newlines_become_spaces() -> None:
    root = parse(bar_chart("a\nb", [Bar("x\ty\r\nz", 1.0)]))
    assert root.findtext(f"{NS}title") == "a b"
    assert "x y  z" in all_text(root)


@pytest.mark.parametrize(
    "make",
    [
        lambda: bar_chart("t", [Bar("a", 1 / 3), Bar("b", 2 / 3, "n")], unit="u"),
        lambda: hour_chart("t", [h * 7 % 5 for h in range(24)], [(8.5, 20.25, "w")]),
        lambda: series_chart("t", WEEKS[:9], [("a", [i / 7 for i in range(9)]), ("b", [1.0] * 9)]),
    ],
)
def test_output_is_deterministic_with_at_most_one_decimal(make: Callable[[], str]) -> None:
    first = make()
    assert first == make()
    parse(first)
    numbers = re.findall(
        r'\s(?:x|y|x1|y1|x2|y2|cx|cy|r|width|height|stroke-width)="([^"]*)"', first
    )
    numbers += [
        n for points in re.findall(r'points="([^"]*)"', first) for n in re.split("[ ,]", points)
    ]
    assert numbers
    assert all(re.fullmatch(r"-?\d+(\.\d)?", n) for n in numbers), numbers


def test_long_labels_are_cut_with_an_ellipsis_and_kept_whole_in_a_title() -> None:
    label = "account-segment-" + "x" * 40
    root = parse(bar_chart("t", [Bar(label, 1.0)]))
    row = tagged(root, "g", "bar")[0]
    shown = tagged(row, "text")[0].text or ""
    assert shown.endswith("…")
    assert len(shown) <= 28
    assert label.startswith(shown[:-1])
    assert label in (row.findtext(f"{NS}title") or "")


def test_wide_characters_count_double_when_cutting() -> None:
    root = parse(bar_chart("t", [Bar("催收" * 10, 1.0), Bar("催收" * 7, 1.0)]))
    cut, kept = (tagged(row, "text")[0].text or "" for row in tagged(root, "g", "bar"))
    assert cut == "催收" * 6 + "催…"
    assert kept == "催收" * 7


def test_long_period_and_legend_labels_keep_the_full_text_in_a_title() -> None:
    name, period = "series-" + "n" * 40, "period-" + "p" * 20
    root = parse(series_chart("t", [period, "2026-W02"], [(name, [1.0, 2.0])]))
    titles = [e.findtext(f"{NS}title") for e in root.iter(f"{NS}text")]
    assert name in titles
    assert period in titles


@pytest.mark.parametrize("length", [0, 23, 25])
def test_hour_chart_needs_24_counts(length: int) -> None:
    with pytest.raises(ValueError, match="24 counts"):
        hour_chart("t", [1] * length)


def test_hour_chart_rejects_non_finite_window_hours() -> None:
    with pytest.raises(ValueError, match="finite"):
        hour_chart("t", [1] * 24, [(math.nan, 21.0, "w")])


def test_hour_chart_warns_hours_entirely_outside_every_window() -> None:
    root = parse(hour_chart("t", [5] * 24, [(8.0, 21.0, "us-regf 08:00-21:00")]))
    outside, inside = hours(root, "col outside"), hours(root, "col")
    assert len(outside) + len(inside) == 24
    assert outside == [*range(8), 21, 22, 23]
    assert {7, 21} <= set(outside)
    assert {8, 20} <= set(inside)
    assert {e.get("fill") for e in tagged(root, "rect", "col outside")} == {svg._WARNING}
    assert {e.get("fill") for e in tagged(root, "rect", "col")} == {svg._NEUTRAL}


def test_hour_chart_partial_hours_overlapping_windows_and_overnight_windows() -> None:
    root = parse(hour_chart("t", [5] * 24, [(8.5, 12.0, "a"), (11.0, 20.5, "b")]))
    assert hours(root, "col outside") == [*range(8), *range(21, 24)]
    overnight = parse(hour_chart("t", [5] * 24, [(21.0, 8.0, "nights")]))
    assert hours(overnight, "col outside") == list(range(8, 21))
    assert len(tagged(overnight, "rect", "window")) == 2


def test_hour_chart_without_windows_warns_nothing() -> None:
    root = parse(hour_chart("t", [0] * 24))  # all zero: no division by zero either
    assert len(tagged(root, "rect", "col")) == 24
    assert not tagged(root, "rect", "col outside")
    assert {e.get("height") for e in tagged(root, "rect", "col")} == {"0"}


def test_hour_chart_draws_bands_legend_axis_labels_and_maximum() -> None:
    counts = [0] * 24
    counts[10], counts[3] = 42, -5
    windows = [(8.0, 21.0, "us-regf 08:00-21:00"), (9.0, 20.0, "cn 09:00-20:00")]
    root = parse(hour_chart("Contacts by local hour", counts, windows, height=220))
    assert root.get("height") == "220"
    bands = tagged(root, "rect", "window")
    assert len(bands) == 2
    assert all(float(b.get("width", "")) > 0 for b in bands)
    text = all_text(root).splitlines()
    assert "us-regf 08:00-21:00" in text
    assert "cn 09:00-20:00" in text
    axis = [e.text for e in tagged(root, "text") if e.get("text-anchor") == "middle"]
    assert axis == [f"{h:02d}" for h in range(0, 24, 3)]
    assert [e.text for e in tagged(root, "text", "ymax")] == ["42"]
    heights = [float(e.get("height", "")) for e in tagged(root, "rect", "col outside")]
    assert heights[3] == 0  # negative count


def test_hour_chart_grows_only_when_the_legend_would_crush_the_plot() -> None:
    windows = [(8.0, 9.0, f"w{i}") for i in range(12)]
    root = parse(hour_chart("t", [1] * 24, windows, height=220))
    assert float(root.get("height", "")) > 220
    assert len(tagged(root, "rect", "window")) == 12


def test_series_chart_draws_a_polyline_and_markers_per_series_and_a_legend() -> None:
    series = [("us-regf", [1.0, 2.0, 3.0]), ("cn", [0.0, 0.0, 5.5]), ("other", [-1.0, 0.0, 1.0])]
    root = parse(series_chart("Findings per week", WEEKS[:3], series, height=240))
    assert root.get("height") == "240"
    assert len(tagged(root, "g", "series")) == 3
    assert len(tagged(root, "polyline")) == 3
    assert len(tagged(root, "circle")) == 9
    text = all_text(root).splitlines()
    assert {"us-regf", "cn", "other"} <= set(text)
    assert [e.text for e in tagged(root, "text", "ymax")] == ["5.5"]
    strokes = [e.get("stroke") for e in tagged(root, "polyline")]
    assert len(set(strokes)) == 3


def test_series_chart_cycles_eight_colours() -> None:
    series = [(f"s{i}", [float(i), float(i)]) for i in range(10)]
    strokes = [
        e.get("stroke") for e in tagged(parse(series_chart("t", WEEKS[:2], series)), "polyline")
    ]
    assert len(set(strokes)) == 8
    assert strokes[8:] == strokes[:2]


def test_series_chart_labels_first_last_and_a_few_periods_only() -> None:
    root = parse(series_chart("t", WEEKS, [("a", [float(i) for i in range(52)])]))
    labels = [e.text or "" for e in tagged(root, "text", "period")]
    assert labels[0] == "2026-W01"
    assert labels[-1] == "2026-W52"
    assert 3 <= len(labels) <= 8
    assert labels == sorted(set(labels))
    two = parse(series_chart("t", WEEKS[:2], [("a", [1.0, 2.0])]))
    assert [e.text for e in tagged(two, "text", "period")] == ["2026-W01", "2026-W02"]


def test_series_chart_with_one_period_draws_points_only() -> None:
    root = parse(series_chart("t", ["2026-W10"], [("a", [3.0]), ("b", [1.0])]))
    assert not tagged(root, "polyline")
    assert len(tagged(root, "circle")) == 2
    assert [e.text for e in tagged(root, "text", "period")] == ["2026-W10"]


def test_series_chart_all_zero_and_gaps() -> None:
    zero = parse(series_chart("t", WEEKS[:4], [("a", [0.0] * 4)]))
    assert len({e.get("cy") for e in tagged(zero, "circle")}) == 1
    gap = parse(series_chart("t", WEEKS[:5], [("a", [1.0, 2.0, math.nan, 3.0, 4.0])]))
    assert len(tagged(gap, "polyline")) == 2
    assert len(tagged(gap, "circle")) == 4


@pytest.mark.parametrize("values", [[1.0], [1.0, 2.0, 3.0]])
def test_series_chart_needs_one_value_per_period(values: list[float]) -> None:
    with pytest.raises(ValueError, match="values in series"):
        series_chart("t", WEEKS[:2], [("ok", [1.0, 2.0]), ("bad", values)])


def test_tiny_sizes_still_give_a_visible_chart() -> None:
    for text in (
        bar_chart("t", [Bar("a", 1.0)], width=0),
        hour_chart("t", [1] * 24, width=-5, height=0),
        series_chart("t", WEEKS[:3], [("a", [1.0, 2.0, 3.0])], width=1, height=1),
    ):
        root = parse(text)
        assert float(root.get("width", "")) >= 400
        assert all(float(e.get("width", "0")) >= 0 for e in root.iter(f"{NS}rect"))


def test_palette_has_accessible_contrast_on_white() -> None:
    for colour in (*svg._PALETTE, svg._NEUTRAL, svg._WARNING, svg._TEXT, svg._MUTED):
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour


def test_bar_is_a_frozen_value() -> None:
    bar = Bar("a", 1.0)
    assert bar == Bar("a", 1.0, "")
    with pytest.raises(AttributeError):
        bar.value = 2.0  # type: ignore[misc]


@given(st.text(), st.floats(allow_nan=True, allow_infinity=True))
def test_any_label_and_value_give_well_formed_inert_svg(label: str, value: float) -> None:
    for text in (
        bar_chart(label, [Bar(label, value, label)]),
        hour_chart(label, [0] * 24, [(value, 21.0, label)]) if math.isfinite(value) else "",
        series_chart(label, [label], [(label, [value])]),
    ):
        if text:
            root = parse(text)
            assert not any(c in text for c in UNSAFE)
            assert all(e.tag.startswith(NS) for e in root.iter())
