"""The public register: browse and search organisations, one entry, and the licence check.

Anyone may read all of it: it shows what the public is entitled to know about a
recruiter (licence, tier and the reasons for it), never reviewers' notes or evidence.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask_babel import lazy_gettext as _l

from app.corridors.models import Corridor
from app.errors import NotFound
from app.extensions import db
from app.jobs.models import JobPosting
from app.jobs.services import MAX_PAGE, Page
from app.organisations.models import KINDS, TIERS, Organisation, organisation_corridors
from app.timeutil import today
from app.validation import InputReader
from vetting.licences import EXPIRED, NOT_IN_REGISTER, REVOKED, VALID, LicenceEntry, number_key
from vetting.models import OrganisationRisk, ReviewDecision
from vetting.services import licence_register, risk_reasons

PER_PAGE = 25
MAX_QUERY = 100
MAX_LICENCE = 100
# What issuing authorities write in licence numbers: DoFE-1187/068-69, RL-1342,
# B-0817/MUM/PER/1000+/5/9876/2022, "No. 12 (2023)".
LICENCE_CHARS = re.compile(r"[0-9A-Za-z .,+/()#:_\-]+")


@dataclass
class RegisterFilters:
    corridor: str | None = None
    kind: str | None = None
    country: str | None = None
    tier: str | None = None
    q: str | None = None
    page: int = 1

    def as_values(self) -> dict[str, Any]:
        """The filters as the form shows them back."""
        return {k: v for k, v in vars(self).items() if v is not None and k != "page"}


@dataclass
class RegisterEntry:
    """One organisation as the register shows it."""

    organisation: Organisation
    summary: dict[str, Any]  # as vetting.services.public_summary: tier, reasons, licence status
    last_checked: dt.datetime | None  # its last risk computation or reviewer decision


def read_filters(data: Mapping[str, Any]) -> RegisterFilters:
    """The browse filters from a query string; ValidationError names each bad field."""
    reader = InputReader(data)
    corridor = reader.text("corridor", required=False, max_len=5)
    if corridor:
        corridor = corridor.upper()
        if db.session.scalar(sa.select(Corridor.id).where(Corridor.code == corridor)) is None:
            reader.error("corridor", _l("is not a corridor in the register"))
    filters = RegisterFilters(
        corridor=corridor, kind=reader.choice("kind", KINDS, required=False),
        country=reader.country("country", required=False),
        tier=reader.choice("tier", TIERS, required=False),
        q=reader.text("q", required=False, max_len=MAX_QUERY),
        page=reader.integer("page", required=False, minimum=1, maximum=MAX_PAGE) or 1)
    reader.finish()
    return filters


def _last_decisions():
    return (sa.select(ReviewDecision.organisation_id,
                      sa.func.max(ReviewDecision.created_at).label("decided_at"))
            .group_by(ReviewDecision.organisation_id).subquery())


def _entries_query() -> sa.Select:
    decided = _last_decisions()
    return (sa.select(Organisation, OrganisationRisk, decided.c.decided_at)
            .outerjoin(OrganisationRisk, OrganisationRisk.organisation_id == Organisation.id)
            .outerjoin(decided, decided.c.organisation_id == Organisation.id)
            .options(selectinload(Organisation.corridors)))


def _filtered(stmt: sa.Select, filters: RegisterFilters) -> sa.Select:
    if filters.corridor:
        corridor_id = sa.select(Corridor.id).where(Corridor.code == filters.corridor)
        # In the corridor: declared on the organisation's profile, or posting jobs there.
        stmt = stmt.where(sa.or_(
            Organisation.id.in_(sa.select(organisation_corridors.c.organisation_id)
                                .where(organisation_corridors.c.corridor_id.in_(corridor_id))),
            Organisation.id.in_(sa.select(JobPosting.organisation_id)
                                .where(JobPosting.corridor_id.in_(corridor_id)))))
    if filters.kind:
        stmt = stmt.where(Organisation.kind == filters.kind)
    if filters.country:
        stmt = stmt.where(Organisation.country == filters.country)
    if filters.tier:
        stmt = stmt.where(Organisation.tier == filters.tier)
    if filters.q:
        stmt = stmt.where(sa.func.lower(Organisation.name).contains(filters.q.lower(),
                                                                    autoescape=True))
    return stmt


def _entry(organisation: Organisation, risk: OrganisationRisk | None,
           decided_at: dt.datetime | None) -> RegisterEntry:
    """The entry from one joined row (no query per organisation, for the whole register)."""
    summary = {"tier": organisation.tier, "reasons": risk_reasons(risk),
               "licence_status": risk.licence_status if risk else None}
    checks = [moment for moment in (risk.computed_at if risk else None, decided_at)
              if moment is not None]
    return RegisterEntry(organisation, summary, max(checks) if checks else None)


def browse(filters: RegisterFilters, per_page: int = PER_PAGE) -> Page:
    """One page of register entries matching the filters, by name."""
    stmt = _filtered(_entries_query(), filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(Organisation.name, Organisation.id)
                              .offset((filters.page - 1) * per_page).limit(per_page))
    return Page([_entry(*row) for row in rows], filters.page, per_page, total)


def all_entries() -> list[RegisterEntry]:
    """Every organisation, in id order (the published register)."""
    rows = db.session.execute(_entries_query().order_by(Organisation.id))
    return [_entry(*row) for row in rows]


def register_entry(organisation_id: int) -> RegisterEntry:
    row = db.session.execute(_entries_query().where(Organisation.id == organisation_id)).first()
    if row is None:
        raise NotFound()
    return _entry(*row)


def filter_options() -> dict[str, list]:
    """What the filter menus offer: corridors, and the countries organisations are in."""
    corridors = list(db.session.scalars(sa.select(Corridor).order_by(Corridor.code)))
    countries = list(db.session.scalars(sa.select(Organisation.country).distinct()
                                        .order_by(Organisation.country)))
    return {"corridors": corridors, "countries": countries, "kinds": KINDS, "tiers": TIERS}


@dataclass
class LicenceAnswer:
    """What the register and FairCorridor say about one licence number."""

    number: str
    status: str  # valid, expired, revoked, not_in_register
    entry: LicenceEntry | None
    organisations: list[Organisation] = field(default_factory=list)

    @property
    def holder_mismatch(self) -> list[Organisation]:
        """Organisations here quoting a number the register gives to someone else."""
        if self.entry is None:
            return []
        return [o for o in self.organisations
                if number_key(o.name) != number_key(self.entry.holder)]


def register_status(entry: LicenceEntry | None, day: dt.date) -> str:
    """The status of a licence as its authority publishes it, on `day`."""
    if entry is None:
        return NOT_IN_REGISTER
    if entry.status == "revoked":
        return REVOKED
    if entry.status == "expired" or entry.expires < day:
        return EXPIRED
    return VALID


def check_licence(data: Mapping[str, Any]) -> LicenceAnswer:
    """Answer from a licence number alone: holder, register status, and its tier here."""
    reader = InputReader(data)
    number = reader.text("licence_number", max_len=MAX_LICENCE)
    if number is not None and not LICENCE_CHARS.fullmatch(number):
        reader.error("licence_number", _l(
            "may contain only letters, digits, spaces and . , + / ( ) # : _ -"))
    elif number is not None and not number_key(number):
        reader.error("licence_number", _l("must contain at least one letter or digit"))
    reader.finish()
    entry = licence_register().lookup(number)
    key = number_key(number)
    # Numbers are compared as the licence register compares them (case, spaces and
    # punctuation ignored), which SQL cannot do portably; a register holds thousands.
    quoting = [o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.licence_number.is_not(None))
        .order_by(Organisation.name)) if number_key(o.licence_number) == key]
    return LicenceAnswer(number, register_status(entry, today()), entry, quoting)
