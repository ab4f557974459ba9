"""Time helpers: one notion of "now" (UTC, naive for portable storage)."""
import datetime as dt
from functools import cache


def utcnow() -> dt.datetime:
    """The current UTC time without tzinfo, as stored in every database column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    return utcnow().date()


def territory_zones(country: str) -> list[str]:
    """The IANA time zones of a country (ISO 3166 code), as CLDR lists them."""
    from babel.core import get_global
    return list(get_global("territory_zones").get((country or "").upper(), []))


@cache
def _main_zones() -> dict[str, str]:
    """Each country's first zone in the tz database's zone.tab, which lists a country's
    most populous zone first (CLDR's lists are alphabetical: America/Adak for the US)."""
    from importlib.resources import files
    from pathlib import Path
    try:  # the tzdata package (pinned), else the system's copy
        text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text("utf-8") if system.exists() else ""
    lines = text.splitlines()
    zones: dict[str, str] = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) >= 3 and not line.startswith("#"):
            zones.setdefault(parts[0], parts[2])
    return zones


def main_zone(country: str) -> str | None:
    """The zone most of a country's people live in (Asia/Kathmandu, America/New_York),
    or None for an unknown country."""
    zones = territory_zones(country)
    main = _main_zones().get((country or "").upper())
    return main if main in zones else (zones[0] if zones else None)
