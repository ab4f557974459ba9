"""Corridor statistics by month, for ministry reviewers: each one a small table.

Every table has one row per month of the range, for one corridor (the filter) or for all
corridors together. Only aggregates leave here: grievances are counted from their clear
metadata (status, day received, linked organisation, the category a reviewer gave it),
never from sealed content.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import ADMIN, REVIEWER, User
from app.audit import AuditEntry
from app.corridors.models import Corridor
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation, organisation_corridors
from app.reviews.models import OrganisationReview
from app.timeutil import today
from grievance.models import CATEGORIES, STATUSES, GrievanceCase
from vetting.catalogue import FAMILIES
from vetting.models import PostingAssessment

TABLES = ("organisations", "signals", "grievances", "grievance_categories", "fees")
UNCLASSIFIED = "unclassified"
MAX_MONTHS = 120
DEFAULT_MONTHS = 12
# Audit actions that change an organisation's tier; each entry's details hold before/after.
TIER_ACTIONS = ("organisation.tier_changed", "organisation.clear", "organisation.warn",
                "organisation.suspend", "organisation.refer")
RISK_FAMILIES = tuple(f for f in FAMILIES if f != "good_practice")


@dataclass(frozen=True)
class Filters:
    corridor: Corridor | None
    first: dt.date  # the first day of the first month
    last: dt.date   # the first day of the last month

    @property
    def months(self) -> list[str]:
        months, day = [], self.first
        while day <= self.last:
            months.append(day.strftime("%Y-%m"))
            day = _next_month(day)
        return months

    @property
    def end(self) -> dt.datetime:
        """The first moment after the range."""
        return dt.datetime.combine(_next_month(self.last), dt.time())

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time())

    @property
    def corridor_code(self) -> str:
        return self.corridor.code if self.corridor else "all"


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def require_console(actor: User) -> None:
    if actor.role not in (REVIEWER, ADMIN):
        raise PermissionDenied()


def read_filters(args: Mapping[str, Any]) -> Filters:
    """corridor (a code, optional), from and to (months written YYYY-MM, inclusive)."""
    errors: dict[str, str] = {}
    corridor = None
    code = (args.get("corridor") or "").strip().upper()
    if code:
        corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == code[:5]))
        if corridor is None or len(code) > 5:
            errors["corridor"] = str(_l("is not a known corridor code (e.g. NP-QA)"))
    this_month = today().replace(day=1)
    last = _read_month(args, "to", this_month, errors)
    first = _read_month(args, "from", _month_back(last or this_month, DEFAULT_MONTHS - 1),
                        errors)
    if first and last and first > last:
        errors["to"] = str(_l("must not be before the start of the range (from)"))
    elif first and last and (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        errors["from"] = str(_l("the range may span at most %(n)d months", n=MAX_MONTHS))
    if errors:
        raise ValidationError(errors)
    return Filters(corridor, first, last)


def _read_month(args: Mapping[str, Any], name: str, default: dt.date,
                errors: dict[str, str]) -> dt.date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    try:
        day = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        errors[name] = str(_l("must be a month written YYYY-MM"))
        return None
    if day.year < 2000 or day > _next_month(today()):
        errors[name] = str(_l("must be a month between 2000-01 and next month"))
        return None
    return day


def _organisation_ids(filters: Filters) -> set[int] | None:
    """Organisations working in the corridor (declared, or with a posting there); None = all."""
    if filters.corridor is None:
        return None
    declared = db.session.scalars(sa.select(organisation_corridors.c.organisation_id).where(
        organisation_corridors.c.corridor_id == filters.corridor.id))
    posting = db.session.scalars(sa.select(JobPosting.organisation_id).distinct().where(
        JobPosting.corridor_id == filters.corridor.id))
    return set(declared) | set(posting)


def build_table(actor: User, name: str, filters: Filters) -> Table:
    require_console(actor)
    return {"organisations": organisations_table, "signals": signals_table,
            "grievances": grievances_table, "grievance_categories": grievance_categories_table,
            "fees": fees_table}[name](filters)


def organisations_table(filters: Filters) -> Table:
    """How many organisations were flagged, and suspended, at the end of each month.

    The tier at a month's end is replayed from the audit log (every tier change is
    audited); before its first audited change an organisation had that change's "before"
    tier, and one never changed has its current tier since it was created.
    """
    in_scope = _organisation_ids(filters)
    query = sa.select(Organisation.id, Organisation.tier, Organisation.created_at)
    if in_scope is not None:
        query = query.where(Organisation.id.in_(in_scope))
    organisations = list(db.session.execute(query))
    changes: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for at, object_id, details in db.session.execute(
            sa.select(AuditEntry.at, AuditEntry.object_id, AuditEntry.details).where(
                AuditEntry.object_type == "Organisation", AuditEntry.action.in_(TIER_ACTIONS))
            .order_by(AuditEntry.at, AuditEntry.id)):
        if details and details.get("after"):
            changes[object_id].append((at, details.get("before") or "", details["after"]))
    table = Table("organisations", ["month", "corridor", "flagged", "suspended"])
    for month in filters.months:
        end = dt.datetime.combine(_next_month(dt.date.fromisoformat(month + "-01")), dt.time())
        tiers = [_tier_at(end, tier, created, changes.get(org_id, []))
                 for org_id, tier, created in organisations if created < end]
        table.rows.append([month, filters.corridor_code, tiers.count("flagged"),
                           tiers.count("suspended")])
    return table


def _tier_at(moment: dt.datetime, current: str, created: dt.datetime,
             changes: list[tuple[dt.datetime, str, str]]) -> str:
    before = [after for at, _, after in changes if at < moment]
    if before:
        return before[-1]
    later = [was for at, was, _ in changes if at >= moment]
    return later[0] if later else current


def signals_table(filters: Filters) -> Table:
    """Warning signs found in the job ads posted each month, by family (stored assessments)."""
    query = (sa.select(JobPosting.created_at, PostingAssessment.findings)
             .join(PostingAssessment, PostingAssessment.job_id == JobPosting.id)
             .where(JobPosting.created_at >= filters.start, JobPosting.created_at < filters.end))
    if filters.corridor is not None:
        query = query.where(JobPosting.corridor_id == filters.corridor.id)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ads: dict[str, int] = defaultdict(int)
    for created_at, findings in db.session.execute(query):
        month = created_at.strftime("%Y-%m")
        ads[month] += 1
        for finding in findings or []:
            if finding.get("direction") == "risk" and finding.get("family") in RISK_FAMILIES:
                counts[month][finding["family"]] += 1
    table = Table("signals", ["month", "corridor", "ads", *RISK_FAMILIES])
    for month in filters.months:
        table.rows.append([month, filters.corridor_code, ads[month],
                           *(counts[month][family] for family in RISK_FAMILIES)])
    return table


def _grievance_counts(filters: Filters, column) -> dict[str, dict[str, int]]:
    """Grievances received each month in the range, counted by one clear column's value.

    A case counts in a corridor once a reviewer has linked it to an organisation working
    there.
    """
    query = sa.select(GrievanceCase.received_on, column).where(
        GrievanceCase.received_on >= filters.first,
        GrievanceCase.received_on < _next_month(filters.last))
    in_scope = _organisation_ids(filters)
    if in_scope is not None:
        query = query.where(GrievanceCase.organisation_id.in_(in_scope))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for received_on, value in db.session.execute(query):
        counts[received_on.strftime("%Y-%m")][value] += 1
    return counts


def _counts_table(name: str, filters: Filters, counts: dict[str, dict[str, Any]],
                  columns: tuple[str, ...]) -> Table:
    table = Table(name, ["month", "corridor", "total", *columns])
    for month in filters.months:
        row = counts[month]
        table.rows.append([month, filters.corridor_code, sum(row.values()),
                           *(row[column] for column in columns)])
    return table


def grievances_table(filters: Filters) -> Table:
    """Grievances received each month, by where they stand now."""
    return _counts_table("grievances", filters,
                         _grievance_counts(filters, GrievanceCase.status), STATUSES)


def grievance_categories_table(filters: Filters) -> Table:
    """Grievances received each month, by what a reviewer classified them as.

    The reporter's own words and choices stay sealed; a case not yet classified by a
    reviewer counts as unclassified.
    """
    counts = _grievance_counts(filters, GrievanceCase.category)
    for row in counts.values():
        if None in row:
            row[UNCLASSIFIED] = row.pop(None)
    return _counts_table("grievance_categories", filters, counts, (*CATEGORIES, UNCLASSIFIED))


def fees_table(filters: Filters) -> Table:
    """Recruitment fees workers report in visible reviews: share paying, median in US dollars."""
    query = sa.select(OrganisationReview.created_at, OrganisationReview.paid_fee,
                      OrganisationReview.fee_usd).where(
        OrganisationReview.hidden.is_(False), OrganisationReview.created_at >= filters.start,
        OrganisationReview.created_at < filters.end)
    if filters.corridor is not None:
        query = query.where(OrganisationReview.corridor_id == filters.corridor.id)
    reviews: dict[str, int] = defaultdict(int)
    paid: dict[str, list[Decimal | None]] = defaultdict(list)
    for created_at, paid_fee, usd in db.session.execute(query):
        month = created_at.strftime("%Y-%m")
        reviews[month] += 1
        if paid_fee:
            paid[month].append(usd)
    table = Table("fees", ["month", "corridor", "reviews", "paid_fee", "paid_fee_percent",
                           "median_fee_usd"])
    for month in filters.months:
        amounts = [usd for usd in paid[month] if usd is not None]
        share = round(100 * len(paid[month]) / reviews[month], 1) if reviews[month] else None
        median = Decimal(statistics.median(amounts)).quantize(Decimal("0.01")) if amounts else None
        table.rows.append([month, filters.corridor_code, reviews[month], len(paid[month]),
                           share, median])
    return table
