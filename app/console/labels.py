"""The console's columns and cells in words: a month as "Apr 2026", a corridor by its
countries, each column by what it counts (never its internal name)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l

from app.corridors.models import Corridor
from app.extensions import db

COLUMNS = {
    "month": _l("Month"), "corridor": _l("Corridor"), "flagged": _l("Flagged"),
    "suspended": _l("Suspended"), "ads": _l("Job ads"), "total": _l("All"),
    "fees": _l("Fees"), "debt": _l("Debt"), "passport": _l("Passports kept"),
    "deception": _l("Deception"), "restriction": _l("Freedom restricted"),
    "withholding": _l("Wages held back"), "overtime": _l("Too many hours"),
    "irregular_channel": _l("Unofficial channels"),
    "received": _l("Received"), "triaged": _l("Triaged"), "investigating": _l("Being investigated"),
    "resolved": _l("Resolved"), "referred": _l("Referred"), "rejected": _l("Rejected"),
    "wages": _l("Wages"), "threats": _l("Threats"), "conditions": _l("Conditions"),
    "other": _l("Other"), "unclassified": _l("Not classified yet"),
    "reviews": _l("Reviews"), "paid_fee": _l("Reviews reporting a fee"),
    "paid_fee_percent": _l("Workers who paid a fee (%)"),
    "median_fee_usd": _l("Median fee paid (USD)"),
}


def column_label(name: str) -> str:
    return str(COLUMNS.get(name, name.replace("_", " ")))


def month_label(month: str) -> str:
    """"2026-04" as the reader's locale writes a month: "Apr 2026"."""
    return format_date(dt.date.fromisoformat(f"{month}-01"), "MMM yyyy")


def corridor_label(code: str) -> str:
    from app.templating import corridor_name  # the app's one wording of a corridor

    corridor = db.session.scalar(db.select(Corridor).where(Corridor.code == code))
    return corridor_name(corridor) if corridor else str(_l("All corridors"))


def cell(column: str, value: Any) -> str:
    """One cell of a console table as the page shows it."""
    if value is None:
        return "—"
    if column == "month":
        return month_label(value)
    if column == "corridor":
        return corridor_label(value)
    if isinstance(value, (int, float, Decimal)):
        return format_decimal(value, format="#,##0.##")
    return str(value)
