"""How FairCorridor read an aggregated ad, in the reader's language: the notes normalising
stores ({"code": ..., params}) as sentences. Rows stored before notes had codes hold
English sentences; those are shown as they are."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.templating import country_name

MESSAGES = {
    "hours_not_stated": _l("The ad does not state the working hours."),
    "wage_not_stated": _l("The ad does not state the wage."),
    "period_not_stated": _l("The ad does not say whether the wage is per hour, day, week, "
                            "month or year, so no monthly wage is worked out."),
    "no_monthly_without_hours": _l("The wage is per hour and the ad does not state the "
                                   "hours, so no monthly wage is worked out."),
    "wage_in_description": _l("The wage was read from the ad's text."),
    "currency_assumed": _l("The ad does not name the currency of the wage; it is read as "
                           "%(currency)s, the corridor's currency."),
    "destination_assumed": _l("The ad does not state the country of the job; it is read as "
                              "%(country)s, where this job source's corridor leads."),
    "closing_date_assumed": _l("The ad states no closing date; FairCorridor lists it for "
                               "%(days)s days from %(start)s."),
    "closing_date_capped": _l("The ad's closing date, %(stated)s, is more than a year ahead; "
                              "FairCorridor lists it until %(horizon)s."),
    "kept_apart": _l("Kept apart from job %(job_id)s, which it nearly repeats, because this "
                     "copy adds warning signs."),
}


def _date(value: Any) -> str:
    try:
        return format_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _params(note: Mapping[str, Any]) -> dict[str, str]:
    params = {k: str(v) for k, v in note.items() if k != "code"}
    if "country" in note:
        params["country"] = country_name(str(note["country"]))
    for key in ("start", "stated", "horizon"):
        if key in note:
            params[key] = _date(note[key])
    return params


def note_text(note: Any) -> str:
    """One note as a sentence; an unknown code is left out rather than shown as a code."""
    if isinstance(note, str):
        return note
    if not isinstance(note, Mapping) or note.get("code") not in MESSAGES:
        return ""
    return str(MESSAGES[note["code"]]) % _params(note)


def notes_text(notes: Iterable[Any]) -> list[str]:
    return [text for text in (note_text(n) for n in notes or ()) if text]
