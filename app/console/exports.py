"""CSV exports of the console's tables, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from app.console.statistics import Table

# A text cell starting with one of these is read as a formula by spreadsheet programs
# (OWASP "CSV injection"): such cells are prefixed with an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
