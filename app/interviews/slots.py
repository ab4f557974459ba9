"""Reading the times an organisation proposes: up to five rows of a date, a start and an
end, entered in one IANA zone and stored as naive UTC."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from app.interviews.calendar import NonexistentLocalTime, local_to_utc
from app.timeutil import utcnow
from app.validation import InputReader

MAX_SLOTS = 5
MIN_LENGTH = dt.timedelta(minutes=10)
MAX_LENGTH = dt.timedelta(hours=4)
MAX_AHEAD = dt.timedelta(days=366)
Slot = tuple[dt.datetime, dt.datetime]


def _read_time(reader: InputReader, name: str) -> dt.time | None:
    value = reader.text(name, max_len=8)
    if value is None:
        return None
    try:
        time = dt.time.fromisoformat(value)
    except ValueError:
        time = None
    if time is None or time.tzinfo is not None:
        reader.error(name, _l("must be a time written HH:MM"))
        return None
    return time


def _to_utc(reader: InputReader, name: str, day: dt.date, time: dt.time,
            zone: ZoneInfo) -> dt.datetime | None:
    try:
        return local_to_utc(day, time, zone)
    except NonexistentLocalTime:
        reader.error(name, _l("does not exist on that day in this time zone (the clocks "
                              "change); choose another time"))
        return None


def _read_slot(reader: InputReader, zone: ZoneInfo | None, now: dt.datetime) -> Slot | None:
    """One row of the form: a date and a start and end time, in the chosen zone."""
    day = reader.date("date")
    start, end = _read_time(reader, "start"), _read_time(reader, "end")
    if start is not None and end is not None and end <= start:
        reader.error("end", _l("must be after the start"))
    if day is None or start is None or end is None or zone is None or reader.errors:
        return None
    starts_at, ends_at = _to_utc(reader, "start", day, start, zone), _to_utc(reader, "end", day,
                                                                            end, zone)
    if starts_at is None or ends_at is None:
        return None
    if not MIN_LENGTH <= ends_at - starts_at <= MAX_LENGTH:
        reader.error("end", _l("an interview lasts from 10 minutes to 4 hours"))
    if starts_at <= now:
        reader.error("start", _l("is in the past"))
    elif starts_at > now + MAX_AHEAD:
        reader.error("date", _l("must be within a year from today"))
    return (starts_at, ends_at) if not reader.errors else None


def _row_order(key: str) -> tuple:
    return (not key.isdigit(), int(key) if key.isdigit() else 0, key)


def _filled(entry: Any) -> bool:
    if isinstance(entry, Mapping):
        return any(v is not None and str(v).strip() for v in entry.values())
    return entry not in (None, "")


def _read_slots(reader: InputReader, raw: Any, zone: ZoneInfo | None) -> list[Slot]:
    """Up to MAX_SLOTS filled rows ("slots.<n>.<field>" in the form); blank rows are ignored."""
    rows = {str(k): v for k, v in raw.items() if _filled(v)} if isinstance(raw, Mapping) else {}
    if not rows:
        reader.error("slots", _l("propose at least one time"))
        return []
    if len(rows) > MAX_SLOTS:
        reader.error("slots", _l("propose at most %(n)d times", n=MAX_SLOTS))
        return []
    now, slots = utcnow(), []
    for key in sorted(rows, key=_row_order):
        row = InputReader(rows[key])
        slot = _read_slot(row, zone, now)
        if slot is not None and slot in slots:
            row.error("start", _l("is the same as another proposed time"))
        for field, reason in row.errors.items():
            reader.error(f"slots.{key}.{field}", reason)
        if slot is not None and not row.errors:
            slots.append(slot)
    return sorted(slots)


def read_proposal(reader: InputReader, data: Any) -> tuple[str | None, list[Slot]]:
    zone = reader.timezone("timezone")
    raw = data.get("slots") if isinstance(data, Mapping) else None
    return zone, _read_slots(reader, raw, ZoneInfo(zone) if zone else None)


def iso(slots: list[Slot]) -> list[list[str]]:
    return [[start.isoformat() + "Z", end.isoformat() + "Z"] for start, end in slots]
