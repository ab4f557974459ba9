"""Which time zone interview times are entered and shown in, and each zone's name in words.

Pure: no Flask, no database. The organisation proposes times in its own zone (by default
the corridor destination's); the worker sees them in theirs (by default the origin's).
"""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from app.timeutil import main_zone, territory_zones

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.jobs.models import Application

# What an account holds until its owner picks a zone (the column's default). Nobody in
# the corridors lives on UTC, so it is read as "not chosen yet".
UNSET = "UTC"


def known_zone(name: object) -> str | None:
    """`name` if it is a zone of the tz database, else None (a tampered or empty field)."""
    return name if isinstance(name, str) and name in available_timezones() else None


def chosen_zone(user: User) -> str | None:
    """The zone the user picked, or None while they have not."""
    zone = getattr(user, "timezone", None)
    return zone if zone and zone != UNSET else None


def worker_zone(application: Application) -> str:
    """The worker's own zone, or else the corridor origin's: where the worker lives."""
    origin = application.job.corridor.origin
    return chosen_zone(application.worker) or main_zone(origin) or UNSET


def proposal_zone(actor: User, application: Application) -> str:
    """The zone a member proposes times in: their own, or else the corridor destination's,
    where the employer is (an agency based in the origin country: the origin's)."""
    corridor = application.job.corridor
    country = application.job.organisation.country
    at_home = corridor.origin if country == corridor.origin else corridor.destination
    return chosen_zone(actor) or main_zone(at_home) or UNSET


def zone_label(zone: str, locale: Locale | str) -> str:
    """"Nepal Time", "United States (New York) Time": a zone named in the reader's language."""
    if zone in (UNSET, "Etc/UTC", "Etc/GMT"):
        return "UTC"
    try:
        return get_timezone_location(zone, locale=locale)
    except LookupError:  # a zone the tz database has and CLDR does not name
        return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def _named_zones(locale: str) -> tuple[tuple[str, str], ...]:
    """Every zone CLDR names (aliases left out), sorted by its name in words; computed
    once per language, since naming all of them takes a noticeable moment."""
    zones = get_global("zone_territories")
    return tuple(sorted(((zone, zone_label(zone, locale)) for zone in zones),
                        key=lambda pair: pair[1]))


def zone_choices(application: Application, current: str | None,
                 locale: Locale | str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The zones to offer: the corridor's two countries' first (and the zone already
    chosen), then every other zone, each as (zone, name in words)."""
    corridor = application.job.corridor
    first = [*territory_zones(corridor.destination), *territory_zones(corridor.origin)]
    if current and current not in first:
        first.insert(0, current)
    first = list(dict.fromkeys(first))
    others = [pair for pair in _named_zones(str(locale)) if pair[0] not in first]
    return [(zone, zone_label(zone, locale)) for zone in first], others
