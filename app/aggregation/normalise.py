"""One job item, schema.org JobPosting-shaped, made into the fields FairCorridor stores (pure).

Countries become ISO 3166-1 alpha-2 codes, currencies ISO 4217 (see salaries.py), text is
stripped of every tag with nh3 (a page shows it escaped, as plain text). What the ad does
not state stays unknown (None: hours, wage, its period) or, where a posting needs a value
(its country, currency, closing date), is taken from the source's corridor and named in
`assumed`; every such step is a note ({"code": ..., params}, worded by notes.py).
"""
from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import nh3
import pycountry

from app.aggregation.linkeddata import is_reference
from app.aggregation.salaries import (UNIT_TEXT, Wage, WageError, country_aliases,
                                      parse_wage_text, wage_from_salary)
from app.jobs.wages import DEFAULT_HOURS_PER_WEEK, monthly_equivalent, to_usd

MAX_TITLE, MAX_DESCRIPTION, MAX_BENEFITS = 200, 20_000, 2000
MAX_VALID_DAYS = 366  # the horizon a direct posting may have, too
# A monthly wage outside this band (US dollars) is a misreading, not a job: the lowest
# legal minimum wages in the demo corridors are about USD 100 a month.
PLAUSIBLE_MONTHLY_USD = (Decimal(20), Decimal(100_000))
_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/ul|/ol|p|li)\b[^>]*>", re.I)
_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class ItemRejected(ValueError):
    """An item that cannot become a posting; the message is the reason shown to admins."""


@dataclass(frozen=True)
class CorridorContext:
    """What the source's corridor tells about its items when they do not say it themselves."""

    origin: str
    destination: str
    currency: str


@dataclass
class NormalisedPosting:
    title: str
    description: str
    employer: str
    employer_country: str
    employer_url: str
    origin: str
    destination: str
    wage: Wage | None               # None: the ad states no wage
    wage_monthly: Decimal | None    # None: no wage, no period, or hourly without hours
    wage_monthly_usd: Decimal | None
    hours_per_week: int | None      # None: the ad states no hours
    benefits: str
    accommodation: str
    valid_through: dt.date
    url: str
    identifier: str
    notes: list[dict] = field(default_factory=list)
    # Stored values the ad did not state ("destination", "currency", "valid_through").
    assumed: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ text --

def clean_text(value: Any, *, single_line: bool = False) -> str:
    """Plain text from text or HTML: every tag removed (scripts with their content).

    Descriptions are often HTML, sometimes HTML escaped once more ("&lt;p&gt;"), so
    the text is cleaned until no tag is left.
    """
    if isinstance(value, list):
        value = "\n".join(v for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    text = value
    for _ in range(3):
        text = html.unescape(nh3.clean(_BLOCK_TAGS.sub("\n", text), tags=set()))
        if not _TAG.search(text):
            break
    else:
        text = _TAG.sub("", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", {})), None)
    return value


def _name(value: Any) -> str:
    value = _first(value)
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("legalName")
    return clean_text(value, single_line=True)


def web_url(value: Any) -> str:
    """An http(s) URL, or "" (javascript:, data: and the like are never kept)."""
    value = _first(value)
    if isinstance(value, Mapping):
        value = value.get("url") or value.get("@id")
    if not isinstance(value, str):
        return ""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(value) > 1000:
        return ""
    return value


# ------------------------------------------------------------------- countries --

def country_code(value: Any) -> str | None:
    """ISO 3166-1 alpha-2 for a code, a name, a schema.org Country or PostalAddress."""
    value = _first(value)
    if isinstance(value, Mapping):
        value = (value.get("addressCountry") or value.get("identifier") or value.get("name")
                 or value.get("address"))
        if isinstance(value, Mapping):
            return country_code(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    found = _one_country(text)
    if found is None and ("," in text or "\n" in text):
        # A plain-text address ("Al Quoz, Dubai, United Arab Emirates"): the country is
        # usually last, a city with a known country ("Doha") will do.
        parts = [p.strip() for p in re.split(r"[,\n]", text) if p.strip()]
        found = next((c for c in map(_one_country, reversed(parts)) if c), None)
    return found


def _one_country(text: str) -> str | None:
    alias = country_aliases().get(text.lower())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def _place_country(place: Any) -> str | None:
    """The country of a jobLocation (Place with a PostalAddress) or an address."""
    for item in place if isinstance(place, list) else [place]:
        if not isinstance(item, Mapping):
            code = country_code(item)
        else:
            address = item.get("address", item)
            code = country_code(address.get("addressCountry")) if isinstance(
                address, Mapping) else country_code(address)
            if code is None and isinstance(address, Mapping):
                code = (country_code(address.get("addressRegion"))
                        or country_code(address.get("addressLocality")))
        if code:
            return code
    return None


def _origin(requirements: Any, context: CorridorContext) -> str:
    """The corridor's origin, unless the ad is only for applicants from somewhere else."""
    if requirements in (None, "", [], {}):
        return context.origin
    codes = [country_code(r) for r in (requirements if isinstance(requirements, list)
                                       else [requirements])]
    codes = [c for c in codes if c]
    if not codes or context.origin in codes:
        return context.origin
    return codes[0]


# ------------------------------------------------------------- dates and hours --

def parse_date(value: Any) -> dt.date | None:
    """A date from ISO 8601 text (date or date-time), day/month/year, or a date object."""
    value = _first(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%B %d, %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_HOURS_WEEK = re.compile(r"(\d{1,3})\s*(?:hours?|hrs?|h)\s*(?:per|a|/|each)?\s*(?:week|wk)", re.I)
_HOURS_DAY = re.compile(r"(\d{1,2})\s*(?:hours?|hrs?|h)\s*(?:per|a|/|each)?\s*day", re.I)
_DAYS_WEEK = re.compile(r"(\d)\s*days?\s*(?:per|a|/|each)?\s*week", re.I)


def parse_hours(*texts: str) -> int | None:
    """Hours a week from "48 hours per week" or "8 hours a day, 6 days a week"."""
    for text in texts:
        if not text:
            continue
        if found := _HOURS_WEEK.search(text):
            hours = int(found.group(1))
        elif (per_day := _HOURS_DAY.search(text)) and (days := _DAYS_WEEK.search(text)):
            hours = int(per_day.group(1)) * int(days.group(1))
        else:
            continue
        if 1 <= hours <= 100:
            return hours
    return None


_FREE_HOUSING = re.compile(r"(free|no[- ]cost)\s+([\w-]+\s+)?(accommodation|housing|lodging|hostel)"
                           r"|(accommodation|housing|lodging)\s+(is\s+)?(provided\s+)?"
                           r"(free|at no cost|by the (employer|company))", re.I)
_PAID_HOUSING = re.compile(r"(accommodation|housing|lodging)\s+(is\s+)?(deducted|charged|"
                           r"at (your|the worker'?s) (own )?cost)|(pay|pays|deduct\w*)\s+(for\s+)?"
                           r"(the\s+)?(accommodation|housing|lodging)", re.I)
_NO_HOUSING = re.compile(r"(accommodation|housing)\s+(is\s+)?not\s+provided"
                         r"|no\s+(accommodation|housing)", re.I)


def accommodation_of(*texts: str) -> str:
    """What the ad says about housing; "not_stated" when it says nothing."""
    text = "\n".join(t for t in texts if t)
    if _PAID_HOUSING.search(text):
        return "provided_paid"
    if _NO_HOUSING.search(text):
        return "not_provided"
    if _FREE_HOUSING.search(text):
        return "provided_free"
    return "not_stated"


# --------------------------------------------------------------------- posting --

def normalise_posting(item: Mapping[str, Any], context: CorridorContext, *, today: dt.date,
                      default_valid_days: int = 60) -> NormalisedPosting:
    """The storable fields of one JobPosting-shaped item; ItemRejected says why not."""
    notes: list[dict] = []
    title = clean_text(item.get("title") or item.get("name"), single_line=True)[:MAX_TITLE]
    if len(title) < 3:
        raise ItemRejected("missing title")
    description = clean_text(item.get("description"))[:MAX_DESCRIPTION]
    organisation = _first(item.get("hiringOrganization"))
    if is_reference(organisation):
        raise ItemRejected(f"hiringOrganization refers to {str(organisation['@id'])[:200]}, "
                           "which the page does not describe")
    employer = _name(organisation)[:200]
    if not employer:
        raise ItemRejected("no employer named (hiringOrganization)")
    destination = _destination(item.get("jobLocation"), context, notes)
    wage = _wage(item, context, description, notes)
    hours = parse_hours(clean_text(item.get("workHours")), description)
    if hours is None:  # unknown, never a default: a worker must not read 48 the ad never said
        notes.append(note("hours_not_stated"))
    monthly, usd = _monthly(wage, hours, notes)
    benefits = clean_text(item.get("jobBenefits"))[:MAX_BENEFITS]
    valid_through = _valid_through(item, today, default_valid_days, notes)
    notes += list(wage.notes) if wage else []
    return NormalisedPosting(
        title=title, description=description, employer=employer,
        employer_country=_place_country(organisation.get("address")) if isinstance(
            organisation, Mapping) and organisation.get("address") else destination,
        employer_url=web_url(organisation.get("sameAs") or organisation.get("url"))
        if isinstance(organisation, Mapping) else "",
        origin=_origin(item.get("applicantLocationRequirements"), context),
        destination=destination, wage=wage, wage_monthly=monthly, wage_monthly_usd=usd,
        hours_per_week=hours, benefits=benefits,
        accommodation=accommodation_of(benefits, description), valid_through=valid_through,
        url=web_url(item.get("url")), identifier=item_identifier(item.get("identifier")),
        notes=notes, assumed=assumed_fields(notes))


def note(code: str, **params: Any) -> dict:
    """A note on how an item was read: a code notes.py words, and its values."""
    return {"code": code, **params}


# Which stored field each note says was taken from elsewhere than the ad.
ASSUMING_NOTES = {"destination_assumed": "destination", "currency_assumed": "currency",
                  "closing_date_assumed": "valid_through"}


def assumed_fields(notes: list[dict]) -> list[str]:
    return sorted({ASSUMING_NOTES[n["code"]] for n in notes if n.get("code") in ASSUMING_NOTES})


def _monthly(wage: Wage | None, hours: int | None,
             notes: list[dict]) -> tuple[Decimal | None, Decimal | None]:
    """The monthly equivalent and its USD value, where the ad gives what it takes."""
    if wage is None or wage.period is None:
        if wage is not None:
            _check_plausible(wage, hours)
        return None, None
    if wage.period == "hour" and hours is None:
        notes.append(note("no_monthly_without_hours"))
        _check_plausible(wage, hours)
        return None, None
    monthly = monthly_equivalent(wage.amount, wage.period, hours)
    usd = to_usd(monthly, wage.currency)
    low, high = PLAUSIBLE_MONTHLY_USD
    if usd is not None and not low <= usd <= high:
        raise ItemRejected(f"implausible wage: about USD {usd:,.0f} a month")
    return monthly, usd


def _check_plausible(wage: Wage, hours: int | None) -> None:
    """A wage whose monthly figure is unknown is still a misreading when no reading of it
    (any period it could be, a usual working week) gives a plausible month."""
    low, high = PLAUSIBLE_MONTHLY_USD
    periods = [wage.period] if wage.period else UNIT_TEXT.values()
    figures = [to_usd(monthly_equivalent(wage.amount, period, hours or DEFAULT_HOURS_PER_WEEK),
                      wage.currency) for period in periods]
    if all(usd is not None and not low <= usd <= high for usd in figures):
        raise ItemRejected(f"implausible wage: {wage.currency} {wage.amount:,} is no "
                           "plausible monthly, weekly, daily, hourly or yearly pay")


def _stated_countries(place: Any) -> list[str]:
    found = []
    for item in place if isinstance(place, list) else [place]:
        address = item.get("address", item) if isinstance(item, Mapping) else None
        country = address.get("addressCountry") if isinstance(address, Mapping) else None
        country = _first(country)
        if isinstance(country, Mapping):
            country = country.get("name") or country.get("identifier")
        if isinstance(country, str) and country.strip():
            found.append(country.strip())
    return found


def _destination(place: Any, context: CorridorContext, notes: list[dict]) -> str:
    code = _place_country(place) if place not in (None, "", [], {}) else None
    if code:
        return code
    stated = _stated_countries(place)
    if stated:
        raise ItemRejected(f"unknown country {stated[0][:60]!r} in jobLocation")
    notes.append(note("destination_assumed", country=context.destination))
    return context.destination


def _wage(item: Mapping, context: CorridorContext, description: str,
          notes: list[dict]) -> Wage | None:
    """The wage the item states (a schema.org salary, else its description), or None."""
    common = dict(prefer=context.currency, default_currency=context.currency)
    try:
        wage = (wage_from_salary(item.get("baseSalary"), currency_hint=item.get("salaryCurrency"),
                                 **common)
                or wage_from_salary(item.get("estimatedSalary"),
                                    currency_hint=item.get("salaryCurrency"), **common))
        if wage is None:
            wage = parse_wage_text(description, prefer=context.currency, strict=False)
            if wage is not None:
                notes.append(note("wage_in_description"))
    except WageError as error:
        raise ItemRejected(str(error)) from None
    if wage is None:  # stored as unknown; vetting counts it as a gap (ILO GP 8, GP 10)
        notes.append(note("wage_not_stated"))
    return wage


def _valid_through(item: Mapping, today: dt.date, default_days: int,
                   notes: list[dict]) -> dt.date:
    """The closing date stated, else (a posting must leave search some day) a listing
    period from its posting date, noted as assumed; never more than a year ahead."""
    valid = parse_date(item.get("validThrough"))
    if valid is None:
        posted = parse_date(item.get("datePosted"))
        start = posted if posted and posted <= today else today
        valid = start + dt.timedelta(days=default_days)
        notes.append(note("closing_date_assumed", days=default_days, start=start.isoformat()))
    horizon = today + dt.timedelta(days=MAX_VALID_DAYS)
    if valid > horizon:
        notes.append(note("closing_date_capped", stated=valid.isoformat(),
                          horizon=horizon.isoformat()))
        valid = horizon
    return valid


def item_identifier(value: Any) -> str:
    value = _first(value)
    if isinstance(value, Mapping):
        value = value.get("value") or value.get("@id") or value.get("name")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return clean_text(value, single_line=True)[:200] if isinstance(value, str) else ""
