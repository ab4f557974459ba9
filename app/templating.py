"""Template filters and globals: money, countries, languages, labels."""
from __future__ import annotations

from decimal import Decimal

import pycountry
from flask import Flask, request, url_for
from flask_babel import format_currency, format_date, get_locale

from app.jobs.costs import cost_items, cost_label
from app.labels import label
from vetting.highlight import segments as highlight_segments
from vetting.wording import licence_text, line_text


def money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None or not currency:
        return ""
    places = 0 if amount == amount.to_integral_value() else 2
    return format_currency(amount, currency, format=f"¤\xa0#,##0{'.00' if places else ''}",
                           currency_digits=False)


def country_name(code: str | None) -> str:
    country = pycountry.countries.get(alpha_2=code or "")
    return getattr(country, "common_name", None) or getattr(country, "name", code or "")


def language_name(code: str | None) -> str:
    language = pycountry.languages.get(alpha_2=code or "")
    return language.name.removesuffix(" (macrolanguage)") if language else (code or "")


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
                                 date=format_date, risk_line=line_text,
                                 licence_note=licence_text)
    app.jinja_env.globals.update(money=money, cost_items=cost_items, cost_label=cost_label, url_with=url_with,
                                 pairs=pairs, labelled=labelled,
                                 get_locale=get_locale,
                                 highlight_segments=highlight_segments)
