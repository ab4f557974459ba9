"""Wage arithmetic: any wage period to a monthly equivalent; reference conversion to USD."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import yaml

RATES_FILE = Path(__file__).resolve().parent.parent / "data" / "exchange_rates.yaml"

WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
# A month of daily-paid work is counted as 26 days (six days a week), the usual
# convention in Gulf and Malaysian contracts.
DAYS_PER_MONTH = Decimal(26)
DEFAULT_HOURS_PER_WEEK = 48


def monthly_equivalent(amount: Decimal, period: str, hours_per_week: int | None) -> Decimal:
    """The wage per month for `amount` paid per `period` ("hour" … "year")."""
    hours = Decimal(hours_per_week or DEFAULT_HOURS_PER_WEEK)
    factors = {
        "hour": hours * WEEKS_PER_MONTH,
        "day": DAYS_PER_MONTH,
        "week": WEEKS_PER_MONTH,
        "month": Decimal(1),
        "year": Decimal(1) / Decimal(12),
    }
    try:
        factor = factors[period]
    except KeyError:
        raise ValueError(f"unknown wage period {period!r}") from None
    return (Decimal(amount) * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@cache
def _rates() -> dict[str, Decimal]:
    with RATES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {code: Decimal(str(rate)) for code, rate in data["per_usd"].items()}


def to_usd(amount: Decimal, currency: str) -> Decimal | None:
    """`amount` in US dollars at the reference rate, or None for an unlisted currency."""
    rate = _rates().get(currency)
    if rate is None:
        return None
    return (Decimal(amount) / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def from_usd(amount: Decimal, currency: str) -> Decimal | None:
    rate = _rates().get(currency)
    return None if rate is None else (Decimal(amount) * rate).quantize(Decimal("0.01"))
