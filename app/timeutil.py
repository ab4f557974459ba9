"""Time helpers: one notion of "now" (UTC, naive for portable storage)."""
import datetime as dt


def utcnow() -> dt.datetime:
    """The current UTC time without tzinfo, as stored in every database column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    return utcnow().date()
