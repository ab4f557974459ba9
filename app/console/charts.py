"""Server-rendered SVG charts of the console's tables (pygal), with no script inside.

Charts are served as images: an SVG shown through <img> never runs script, and the
configuration script pygal embeds for its optional tooltips is removed all the same.
Each chart has a viewBox and no fixed size, so it scales to its column at any width;
counts are ticked in whole numbers, money in round sums, and a label is printed only
where it has room (the table under the chart holds every number).
"""
from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence

import pygal
from flask_babel import format_decimal
from pygal.style import Style

from app.console.labels import column_label, month_label
from app.console.statistics import RISK_FAMILIES, UNCLASSIFIED, Table
from grievance.models import CATEGORIES, STATUSES

# pygal appends a legacy sys.meta_path finder (for its map plugins, unused here) that makes
# later imports of other packages emit an ImportWarning; take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

WIDTH, HEIGHT = 800, 420  # the drawing's own units; the page scales it
LABEL_FONT, VALUE_FONT, LEGEND_FONT = 12, 12, 13
CHAR = 0.62  # a character's width in a sans-serif font, as a share of its size
PLOT_SHARE = 0.82  # of WIDTH, left to the bars once the axes have their margins
STYLE = Style(background="white", plot_background="white", font_family="sans-serif",
              label_font_size=LABEL_FONT, major_label_font_size=LABEL_FONT,
              value_font_size=VALUE_FONT, legend_font_size=LEGEND_FONT,
              colors=("#b3261e", "#5a189a", "#1d4ed8", "#047857", "#b45309", "#0e7490",
                      "#6b7280", "#be185d"))
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
SERIES = {
    "organisations": ("flagged", "suspended"), "signals": RISK_FAMILIES,
    "grievances": STATUSES, "grievance_categories": (*CATEGORIES, UNCLASSIFIED),
    "fees": ("paid_fee_percent", "median_fee_usd"),
}
STACKED = ("signals", "grievances", "grievance_categories")


def nice_step(top: float, steps: int = 5) -> int:
    """The smallest whole 1, 2 or 5 × 10^k that reaches `top` in at most `steps` steps."""
    raw = max(float(top), 1.0) / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    return max(1, int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)))


def ticks(top: float, steps: int = 5) -> list[int]:
    """Whole, evenly spaced axis ticks from 0 to at least `top`."""
    step = nice_step(top, steps)
    return list(range(0, max(1, math.ceil(float(top) / step)) * step + 1, step))


def _values(table: Table, name: str) -> list[float | None]:
    return [None if v is None else float(v) for v in table.column(name)]


def _text_width(text: str, size: int) -> float:
    return len(text) * size * CHAR


def _x_labels_every(months: Sequence[str]) -> int:
    """Show every n-th month so that month labels, written flat, never touch."""
    widest = max((_text_width(m, LABEL_FONT) for m in months), default=0) + 6
    return max(1, math.ceil(widest / (WIDTH * PLOT_SHARE / max(1, len(months)))))


def _values_fit(table: Table, columns: Sequence[str], stacked: bool) -> bool:
    """Printed values fit over their bars (side by side bars share a month's width)."""
    bars = len(table.rows) * (1 if stacked else len(columns))
    bar = WIDTH * PLOT_SHARE * 0.8 / max(1, bars)
    texts = [_number(v) for c in columns for v in _values(table, c) if v]
    return not stacked and all(_text_width(t, VALUE_FONT) + 4 <= bar for t in texts)


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.#")


def _chart(table: Table, title: str, columns: Sequence[str], **options):
    stacked = table.name in STACKED
    months = [month_label(m) for m in table.column("month")]
    legend_width = max((_text_width(column_label(c), LEGEND_FONT) for c in columns), default=0)
    chart = (pygal.StackedBar if stacked else pygal.Bar)(
        style=STYLE, js=[], width=WIDTH, height=HEIGHT, explicit_size=False,
        print_values=_values_fit(table, columns, stacked), print_zeroes=False,
        value_formatter=_number, x_label_rotation=0, show_minor_x_labels=False,
        x_labels_major_every=_x_labels_every(months), legend_at_bottom=True,
        legend_at_bottom_columns=max(1, min(len(columns), int(WIDTH // (legend_width + 40)))),
        truncate_legend=-1, **options)
    chart.title = title
    chart.x_labels = months
    return chart


def _count_ticks(table: Table, columns: Sequence[str]) -> list[int]:
    per_month = zip(*(_values(table, c) for c in columns))
    if table.name in STACKED:
        return ticks(max((sum(v or 0 for v in month) for month in per_month), default=0))
    return ticks(max((v or 0 for month in per_month for v in month), default=0))


def _fees_chart(table: Table, title: str):
    """Percent of workers on the left (0-100 in steps of 20), the median fee on the right in
    round dollars: the right axis takes the left's six ticks, so its top is 5 round steps."""
    fees = [v for v in _values(table, "median_fee_usd") if v is not None]
    options = {"y_labels": ticks(100)}
    if fees:
        options["secondary_range"] = (0, 5 * nice_step(max(fees), 5))
    chart = _chart(table, title, SERIES["fees"], **options)
    chart.add(column_label("paid_fee_percent"), _values(table, "paid_fee_percent"))
    if fees:  # pygal cannot scale a secondary axis with no value on it
        chart.add(column_label("median_fee_usd"), _values(table, "median_fee_usd"),
                  secondary=True)
    return chart


def render(table: Table, title: str) -> str:
    """The chart of one table as an SVG document (text)."""
    if table.name == "fees":
        chart = _fees_chart(table, title)
    else:
        columns = SERIES[table.name]
        chart = _chart(table, title, columns, y_labels=_count_ticks(table, columns))
        for name in columns:
            chart.add(column_label(name), _values(table, name))
    return _SCRIPT.sub("", chart.render(is_unicode=True))
