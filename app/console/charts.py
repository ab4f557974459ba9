"""Server-rendered SVG charts of the console's tables (pygal), with no script inside.

Charts are served as images: an SVG shown through <img> never runs script, and the
configuration script pygal embeds for its optional tooltips is removed all the same.
"""
from __future__ import annotations

import re
import sys

import pygal
from pygal.style import Style

from app.console.statistics import RISK_FAMILIES, UNCLASSIFIED, Table
from grievance.models import CATEGORIES, STATUSES

# pygal appends a legacy sys.meta_path finder (for its map plugins, unused here) that makes
# later imports of other packages emit an ImportWarning; take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

STYLE = Style(background="white", plot_background="white", font_family="sans-serif",
              colors=("#b3261e", "#5a189a", "#1d4ed8", "#047857", "#b45309", "#0e7490",
                      "#6b7280", "#be185d"))
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_LABELS = {"flagged": "Flagged", "suspended": "Suspended",
           "paid_fee_percent": "Workers who paid a fee (%)",
           "median_fee_usd": "Median fee paid (USD)"}


def _chart(kind, title: str, table: Table, **options):
    chart = kind(style=STYLE, js=[], print_values=True, print_zeroes=False,
                 x_label_rotation=30, legend_at_bottom=True, truncate_legend=-1,
                 width=800, height=420, explicit_size=True, **options)
    chart.title = title
    chart.x_labels = table.column("month")
    return chart


def _series(chart, table: Table, columns, secondary=()) -> None:
    for name in columns:
        values = [None if v is None else float(v) for v in table.column(name)]
        if name in secondary and all(v is None for v in values):
            continue  # pygal cannot scale a secondary axis with no value on it
        chart.add(_LABELS.get(name, name.replace("_", " ").capitalize()), values,
                  secondary=name in secondary)


def render(table: Table, title: str) -> str:
    """The chart of one table as an SVG document (text)."""
    if table.name == "organisations":
        chart = _chart(pygal.Bar, title, table)
        _series(chart, table, ("flagged", "suspended"))
    elif table.name == "signals":
        chart = _chart(pygal.StackedBar, title, table)
        _series(chart, table, RISK_FAMILIES)
    elif table.name == "grievances":
        chart = _chart(pygal.StackedBar, title, table)
        _series(chart, table, STATUSES)
    elif table.name == "grievance_categories":
        chart = _chart(pygal.StackedBar, title, table)
        _series(chart, table, (*CATEGORIES, UNCLASSIFIED))
    else:
        chart = _chart(pygal.Bar, title, table, range=(0, 100))
        _series(chart, table, ("paid_fee_percent", "median_fee_usd"),
                secondary=("median_fee_usd",))
    return _SCRIPT.sub("", chart.render(is_unicode=True))
