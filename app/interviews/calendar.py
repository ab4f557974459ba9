"""Interview times across time zones, and iCalendar (RFC 5545) invitations.

Free of Flask and the db: times are stored as naive UTC, entered and shown in an
IANA zone, and exported with DTSTART/DTEND in UTC so every calendar agrees.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

PRODID = "-//FairCorridor//Interviews//EN"


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward in that zone."""


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC for a missing or unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_to_utc(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time in `zone` as naive UTC; an ambiguous time takes its first
    occurrence, a time that does not exist there raises NonexistentLocalTime."""
    local = dt.datetime.combine(day, time, tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}")
    return utc.replace(tzinfo=None)


def utc_to_zone(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A stored naive-UTC time as an aware time in `zone`."""
    return moment.replace(tzinfo=dt.UTC).astimezone(zone)


def utc_offset(moment: dt.datetime) -> str:
    """"UTC+05:45" for an aware time in Asia/Kathmandu."""
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Invitation:
    """What goes into one interview's calendar entry."""

    uid: str
    starts_at: dt.datetime  # naive UTC
    ends_at: dt.datetime  # naive UTC
    summary: str
    description: str
    url: str
    sequence: int = 0
    cancelled: bool = False


def build_invitation(invitation: Invitation, now: dt.datetime | None = None) -> bytes:
    """One VEVENT in a VCALENDAR. The UID stays the same across changes and SEQUENCE
    grows, so importing a newer file updates (or cancels) the same calendar entry."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", invitation.uid)
    event.add("dtstamp", now or dt.datetime.now(dt.UTC))
    event.add("dtstart", invitation.starts_at.replace(tzinfo=dt.UTC))
    event.add("dtend", invitation.ends_at.replace(tzinfo=dt.UTC))
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    event.add("url", invitation.url)
    event.add("sequence", invitation.sequence)
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()
