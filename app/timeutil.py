"""Time helpers: one notion of "now" (UTC, naive for portable storage)."""
import datetime as dt


def utcnow() -> dt.datetime:
    """The current UTC time without tzinfo, as stored in every database column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    return utcnow().date()


def territory_zones(country: str) -> list[str]:
    """The IANA time zones of a country (ISO 3166 code), as CLDR lists them."""
    from babel.core import get_global
    return list(get_global("territory_zones").get((country or "").upper(), []))
