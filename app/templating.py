"""Template filters and globals: money, countries, languages, labels."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pycountry
from babel import Locale
from flask import Flask, request, url_for
from babel.dates import get_timezone_location
from flask_babel import format_currency, format_date, format_time, get_locale, get_translations

from app.audit_labels import action_label, object_label
from app.jobs.costs import cost_items, cost_label
from app.labels import label
from matching.wording import constraint_text
from vetting.highlight import segments as highlight_segments
from vetting.wording import licence_text, line_text


def money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None or not currency:
        return ""
    places = 0 if amount == amount.to_integral_value() else 2
    return format_currency(amount, currency, format=f"¤\xa0#,##0{'.00' if places else ''}",
                           currency_digits=False)


def _reader_locale() -> Locale:
    return get_locale() or Locale("en")


def country_name(code: str | None) -> str:
    """A country's name in the reader's language (ISO 3166 code in)."""
    localised = _reader_locale().territories.get((code or "").upper())
    if localised:
        return localised
    country = pycountry.countries.get(alpha_2=code or "")
    return getattr(country, "common_name", None) or getattr(country, "name", code or "")


def language_name(code: str | None) -> str:
    """A language's name in the reader's language (ISO 639-1 code in)."""
    localised = _reader_locale().languages.get((code or "").lower())
    if localised:
        return localised
    language = pycountry.languages.get(alpha_2=code or "")
    return language.name.removesuffix(" (macrolanguage)") if language else (code or "")


def corridor_name(corridor: object) -> str:
    """"Nepal → Qatar" in the reader's language; the arrow follows the reading direction."""
    arrow = "←" if _reader_locale().text_direction == "rtl" else "→"
    origin, destination = getattr(corridor, "origin", ""), getattr(corridor, "destination", "")
    return f"{country_name(origin)} {arrow} {country_name(destination)}"


def zone_options(zones: list[str]) -> list[tuple[str, str]]:
    """(zone, "Nepal Time") options, named in the reader's language."""
    return [(zone, zone if zone == "UTC" else get_timezone_location(zone, locale=_reader_locale()))
            for zone in zones]


def when(moment: dt.datetime | None) -> str:
    """A stored time (UTC) as the reader's locale writes a day and a time, to the minute."""
    if moment is None:
        return ""
    day, time = format_date(moment, "medium"), format_time(moment, "short")
    return _reader_locale().datetime_formats["medium"].format(f"{time} UTC", day)


def translated(text: object) -> str:
    """A text that comes from data (the signal catalogue, the cost catalogue) in the reader's
    language. Never %-formatted: Jinja's `_()` formats every string it is given, and a
    catalogue text such as "100% guaranteed" is not a format."""
    return get_translations().ugettext(str(text)) if text else ""


def url_with(**changes: object) -> str:
    """The current page's URL with some query arguments changed (pagination links)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def pairs(objects: list, value: str, text: str) -> list[tuple[str, str]]:
    """(value, label) options for a select, from a list of objects."""
    return [(getattr(o, value), getattr(o, text)) for o in objects]


def labelled(codes: list[str]) -> list[tuple[str, str]]:
    """(code, translated label) options for a select."""
    return [(code, label(code)) for code in codes]


def register(app: Flask) -> None:
    app.jinja_env.filters.update(label=label, country=country_name, language=language_name,
                                 corridor_name=corridor_name,
                                 date=format_date, risk_line=line_text,
                                 licence_note=licence_text, translated=translated,
                                 when=when, audit_action=action_label,
                                 constraint_text=constraint_text)
    app.jinja_env.globals.update(money=money, cost_items=cost_items, cost_label=cost_label, url_with=url_with,
                                 pairs=pairs, labelled=labelled, zone_options=zone_options,
                                 get_locale=get_locale,
                                 highlight_segments=highlight_segments,
                                 audit_object=object_label)
