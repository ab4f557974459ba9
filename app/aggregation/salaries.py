"""Wages as job ads state them -- schema.org baseSalary or free text such as "QAR 1,200
per month" or "$15/hr" -- read into an amount, an ISO 4217 currency and a pay period (pure).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
import yaml

ALIASES_FILE = Path(__file__).resolve().parent / "aliases.yaml"
UNIT_TEXT = {"HOUR": "hour", "DAY": "day", "WEEK": "week", "MONTH": "month", "YEAR": "year"}
MAX_AMOUNT = Decimal(10_000_000)  # the same ceiling as a wage typed into the posting form
# What reading a wage noted (app/aggregation/notes.py words them): a period the ad leaves
# out stays unknown (None), never "per month"; a missing currency is the corridor's, said so.
PERIOD_NOT_STATED = {"code": "period_not_stated"}


def currency_assumed(currency: str) -> dict:
    return {"code": "currency_assumed", "currency": currency}


class WageError(ValueError):
    """A wage that cannot be right (unknown currency, zero, a range upside down)."""


@dataclass(frozen=True)
class Wage:
    """A wage as an ad states it; `amount` is the lower end of a range (the sure part), and
    `period` is None when the ad does not say per hour, day, week, month or year."""

    amount: Decimal
    currency: str
    period: str | None
    maximum: Decimal | None = None
    notes: tuple[dict, ...] = ()
    currency_stated: bool = True


@cache
def _aliases() -> dict[str, dict]:
    with ALIASES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {
        "currencies": {k.lower(): v for k, v in data["currencies"].items()},
        "ambiguous": {k.lower(): tuple(v) for k, v in data["ambiguous"].items()},
        "countries": {k.lower(): v for k, v in data["countries"].items()},
    }


def country_aliases() -> dict[str, str]:
    """Local names and abbreviations of countries (lower case) -> ISO 3166-1 alpha-2."""
    return _aliases()["countries"]


def currency_code(value: Any, prefer: str | None = None) -> str | None:
    """The ISO 4217 code for a code, symbol or name; None if it is not a currency.

    A symbol shared by several currencies ("Rs", "$") is read as `prefer` (the
    corridor's currency) when that is one of them.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 3 and text.isalpha():
        found = pycountry.currencies.get(alpha_3=text.upper())
        if found is not None:
            return found.alpha_3
    key = text.lower()
    if prefer and prefer in _aliases()["ambiguous"].get(key, ()):
        return prefer
    if key in _aliases()["currencies"]:
        return _aliases()["currencies"][key]
    try:
        return pycountry.currencies.lookup(text).alpha_3
    except LookupError:
        return None


def to_decimal(value: Any) -> Decimal | None:
    """A number from JSON or text ("1,200", "15.5", 1200); None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("\u00a0", "").replace("\u202f", "")
    else:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# ---------------------------------------------------------------------- free text --

_AMOUNT = (r"\d{1,3}(?:[,\u00a0\u202f]\d{3})+(?:\.\d{1,2})?"   # 1,200 / 1,200.50
           r"|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"          # 1,20,000 (Indian grouping)
           r"|\d+(?:[.,]\d{1,2})?(?!\d)")                      # 1200 / 15.81 / 15,50
_THOUSANDS = r"(?:\s?[kK](?![A-Za-z]))"
# Common capitalised words that stand next to a number but are not currency codes.
_NOT_CODES = "PER|AND|THE|FOR|DAY|PAY|NET|NEW|OFF|ALL|TAX|MAX|MIN|AGE|YRS|HRS|OUR"
_PERIODS = {
    "hour": r"(?:per|an?|/|each|por)\s?(?:hour|hr|h|hora)s?\b|hourly|p\.?h\.?(?![a-z])",
    "day": r"(?:per|a|/|each|por)\s?(?:day|diem|d[ií]a)\b|daily|p\.?d\.?(?![a-z])",
    "week": r"(?:per|a|/|each|por)\s?(?:week|wk|semana)\b|weekly|p\.?w\.?(?![a-z])",
    "month": r"(?:per|a|/|each|por)\s?(?:month|mo|mth|mon|mes|bulan)\b|monthly|sebulan"
             r"|p\.?\s?m\.?(?![a-z])|per mensem",
    "year": r"(?:per|a|/|each|por)\s?(?:year|yr|annum|a[ñn]o)\b|yearly|annually|annual"
            r"|p\.?\s?a\.?(?![a-z])",
}
_PERIOD_BEFORE = re.compile(r"\b(monthly|hourly|daily|weekly|yearly|annual|per month|"
                            r"per hour|per day|per week|per year)\b[^.\n]{0,25}$", re.I)
# Money next to these words is what the worker pays, not what they earn.
_FEE_WORDS = re.compile(r"\b(fees?|charges?|deposit|costs?|commission|bond|loan|deduct\w*)\b",
                        re.I)
_SALARY_WORDS = re.compile(r"\b(salary|salaries|wages?|pay|paid|earn\w*|basic|remuneration|"
                           r"compensation|sueldo|salario|gaji)\b", re.I)


@cache
def _wage_pattern() -> re.Pattern:
    symbols = sorted(_aliases()["currencies"], key=len, reverse=True)
    words = "|".join(re.escape(s) for s in symbols if s[0].isalpha())
    signs = "|".join(re.escape(s) for s in symbols if not s[0].isalpha())
    currency = (rf"(?:(?<![A-Za-z])(?:{words})(?![A-Za-z])|{signs}"
                rf"|(?-i:(?<![A-Za-z])(?!(?:{_NOT_CODES})\b)[A-Z]{{3}}(?![A-Za-z])))")
    periods = "|".join(f"(?P<{name}>{pattern})" for name, pattern in _PERIODS.items())
    return re.compile(
        rf"(?P<c1>{currency})?\s{{0,2}}(?P<a1>{_AMOUNT})(?P<k1>{_THOUSANDS})?"
        rf"(?:\s{{0,2}}(?:-|–|—|to|~)\s{{0,2}}(?P<c2>{currency})?\s{{0,2}}"
        rf"(?P<a2>{_AMOUNT})(?P<k2>{_THOUSANDS})?)?"
        rf"(?:\s{{0,2}}(?P<c3>{currency}))?"
        rf"(?:\s{{0,3}}(?:{periods}))?", re.I)


def _amount(digits: str, thousands: str | None) -> Decimal:
    text = digits.replace("\u00a0", "").replace("\u202f", "")
    if re.fullmatch(r"\d+,\d{1,2}", text):  # a decimal comma: "15,50"
        text = text.replace(",", ".")
    number = Decimal(text.replace(",", ""))
    return number * 1000 if thousands else number


def parse_wage_text(text: str, *, prefer: str | None = None, strict: bool = True,
                    default_currency: str | None = None) -> Wage | None:
    """The wage stated in `text`, or None.

    `strict` is for a field that holds a wage (baseSalary as text, a CSV "salary"
    column): an unrecognised currency code is an error, and an amount without a
    currency is read as `default_currency` when no amount with a currency is there.
    Otherwise (scanning an ad's description) only amounts with a currency and either a
    period or a salary word just before them count, so that a fee or a phone number is
    not taken for a wage.
    """
    if not isinstance(text, str):
        return None
    plain = None
    for match in _wage_pattern().finditer(text):
        token = match.group("c1") or match.group("c2") or match.group("c3")
        period = next((name for name in _PERIODS if match.group(name)), None)
        before = text[max(0, match.start() - 40):match.start()]
        if token is None:
            plain = plain or (match, period, before)
            continue
        if not strict and (_FEE_WORDS.search(before[-25:]) or
                           (period is None and not _SALARY_WORDS.search(before))):
            continue
        currency = currency_code(token, prefer)
        if currency is None:
            if strict:
                raise WageError(f"unknown currency {token!r}")
            continue
        return _checked_wage(match, currency, period or _period_before(before), ())
    if strict and plain is not None:
        if default_currency is None:
            raise WageError("the wage has no currency")
        match, period, before = plain
        return _checked_wage(match, default_currency, period or _period_before(before),
                             (currency_assumed(default_currency),))
    return None


_PERIOD_WORDS = {"monthly": "month", "hourly": "hour", "daily": "day", "weekly": "week",
                 "yearly": "year", "annual": "year"}


def _period_before(before: str) -> str | None:
    """A period written before the amount: "Monthly salary: QAR 1,200"."""
    found = _PERIOD_BEFORE.search(before)
    if not found:
        return None
    word = found.group(1).lower()
    return _PERIOD_WORDS.get(word) or word.split()[-1]


def _checked_wage(match: re.Match, currency: str, period: str | None,
                  notes: tuple[dict, ...]) -> Wage:
    low = _amount(match.group("a1"), match.group("k1"))
    high = _amount(match.group("a2"), match.group("k2")) if match.group("a2") else None
    if period is None:
        notes += (PERIOD_NOT_STATED,)
    return checked(low, high, currency, period, notes)


def checked(amount: Decimal, maximum: Decimal | None, currency: str, period: str | None,
            notes: tuple[dict, ...] = ()) -> Wage:
    """A Wage, once the numbers are possible; WageError says why they are not."""
    if amount <= 0:
        raise WageError("the wage must be greater than zero")
    if amount > MAX_AMOUNT or (maximum is not None and maximum > MAX_AMOUNT):
        raise WageError("the wage is implausibly high")
    if maximum is not None and maximum < amount:
        raise WageError("the wage range's maximum is below its minimum")
    quantum = Decimal("0.01")
    assumed = any(n.get("code") == "currency_assumed" for n in notes)
    return Wage(amount.quantize(quantum), currency, period,
                maximum.quantize(quantum) if maximum is not None and maximum != amount
                else None, notes, currency_stated=not assumed)


# ------------------------------------------------------------------ schema.org --

def wage_from_salary(salary: Any, *, currency_hint: Any = None, prefer: str | None = None,
                     default_currency: str | None = None) -> Wage | None:
    """A schema.org baseSalary: MonetaryAmount (value or QuantitativeValue min/max and
    unitText HOUR/DAY/WEEK/MONTH/YEAR), a bare number, or text. None if there is none."""
    if isinstance(salary, list):
        salary = next((s for s in salary if s not in (None, "", {})), None)
    if salary is None or salary == "":
        return None
    if isinstance(salary, str):
        hinted = currency_code(currency_hint, prefer) if currency_hint else None
        if to_decimal(salary) is None:
            return parse_wage_text(salary, prefer=prefer,
                                   default_currency=hinted or default_currency)
        salary = {"value": salary}
    if isinstance(salary, (int, float)) and not isinstance(salary, bool):
        salary = {"value": salary}
    if not isinstance(salary, Mapping):
        raise WageError("baseSalary is neither an amount nor a MonetaryAmount")
    return _monetary_amount(salary, currency_hint, prefer, default_currency)


def _monetary_amount(salary: Mapping, currency_hint: Any, prefer: str | None,
                     default_currency: str | None) -> Wage:
    value, unit = salary.get("value"), salary.get("unitText")
    low = high = None
    if isinstance(value, Mapping):
        unit = value.get("unitText") or unit
        if isinstance(value.get("value"), str) and to_decimal(value["value"]) is None:
            salary, value = {**salary, "value": value["value"]}, value["value"]
    if isinstance(value, Mapping):
        low = to_decimal(value.get("value"))
        low, high = (low, None) if low is not None else (
            to_decimal(value.get("minValue")), to_decimal(value.get("maxValue")))
    else:
        low = to_decimal(value)
        if low is None and isinstance(value, str):  # "1,200 per month" inside a MonetaryAmount
            text = f"{salary.get('currency') or currency_hint or ''} {value}"
            return wage_from_salary(text.strip(), prefer=prefer, default_currency=default_currency)
    if low is None and high is not None:
        low, high = high, None
    if low is None:
        raise WageError("baseSalary has no amount")
    token = salary.get("currency") or currency_hint
    notes: tuple[dict, ...] = ()
    currency = currency_code(token, prefer) if token else None
    if token and currency is None:
        raise WageError(f"unknown currency {token!r}")
    if currency is None:
        if default_currency is None:
            raise WageError("the wage has no currency")
        currency, notes = default_currency, (currency_assumed(default_currency),)
    period = _unit_period(unit)
    if period is None:
        notes += (PERIOD_NOT_STATED,)
    return checked(low, high, currency, period, notes)


def _unit_period(unit: Any) -> str | None:
    if not isinstance(unit, str) or not unit.strip():
        return None
    word = unit.strip().upper()
    if word in UNIT_TEXT:
        return UNIT_TEXT[word]
    for name, pattern in _PERIODS.items():
        if re.fullmatch(pattern, unit.strip(), re.I) or word.startswith(name.upper()):
            return name
    raise WageError(f"unknown wage unit {unit!r}")
