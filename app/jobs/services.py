"""Job posting services: validate, post, edit and close postings; browse and filter them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, load_only, selectinload
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import User
from app.corridors.models import Corridor
from app.errors import NotFound, PermissionDenied
from app.events import job_saved
from app.extensions import db
from app.jobs.costs import cost_item_ids
from app.jobs.models import (ACCOMMODATION, CLOSED, PAYERS, PUBLISHED, WAGE_PERIODS, JobCost,
                             JobPosting)
from app.jobs.wages import from_usd, monthly_equivalent, to_usd
from app.occupations.models import Occupation
from app.occupations.services import find_occupation, suggest_occupations
from app.organisations.models import Organisation
from app.organisations.services import organisation_of
from app.timeutil import today
from app.validation import MAX_ID, InputReader
from vetting import services as vetting
from vetting.models import PostingAssessment
from vetting.results import VettingResult

MAX_VALID_DAYS = 366
MAX_WAGE = 10_000_000
MAX_PAGE = 100_000


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _read_occupation(reader: InputReader) -> Occupation | None:
    label = reader.text("occupation", max_len=200)
    if label is None:
        return None
    occupation = find_occupation(label)
    if occupation is None:
        hints = ", ".join(o.label for o in suggest_occupations(label)) or _l("none found")
        reader.error("occupation", _l("is not an ESCO occupation; did you mean: %(hints)s",
                                      hints=hints))
    return occupation


def _read_corridor(reader: InputReader) -> Corridor | None:
    code = reader.text("corridor", max_len=5)
    if code is None:
        return None
    corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == code.upper(),
                                                           Corridor.active.is_(True)))
    if corridor is None:
        reader.error("corridor", _l("does not exist"))
    return corridor


def _read_costs(reader: InputReader, costs: Any) -> list[JobCost]:
    """Every cost item must say who pays; a cost borne by the worker needs its amount."""
    if not isinstance(costs, Mapping):
        reader.error("costs", _l("must say who pays each recruitment cost"))
        return []
    result = []
    for item in cost_item_ids():
        entry = costs.get(item)
        sub = InputReader(entry if isinstance(entry, Mapping) else {})
        payer = sub.choice("payer", PAYERS)
        amount = currency = None
        if payer == "worker":
            amount = sub.decimal("amount", positive=True, maximum=MAX_WAGE)
            currency = sub.currency("currency")
        for field, reason in sub.errors.items():
            reader.error(f"costs.{item}.{field}", reason)
        if payer:
            result.append(JobCost(item=item, payer=payer, amount=amount, currency=currency))
    return result


def read_job(data: Mapping[str, Any]) -> dict:
    """Check a posting's fields (from a form or a JSON body); raise ValidationError once."""
    reader = InputReader(data)
    fields = {
        "title": reader.text("title", max_len=200, min_len=3),
        "description": reader.text("description", max_len=20_000, min_len=20),
        "corridor": _read_corridor(reader),
        "occupation": _read_occupation(reader),
        "wage_amount": reader.decimal("wage_amount", positive=True, maximum=MAX_WAGE),
        "wage_currency": reader.currency("wage_currency"),
        "wage_period": reader.choice("wage_period", WAGE_PERIODS),
        "hours_per_week": reader.integer("hours_per_week", minimum=1, maximum=100),
        "benefits": reader.text("benefits", required=False, max_len=2000) or "",
        "accommodation": reader.choice("accommodation", ACCOMMODATION),
        "contract_languages": reader.languages("contract_languages", required=True),
        "valid_through": reader.date("valid_through", not_before=today()),
        "costs": _read_costs(reader, data.get("costs") if isinstance(data, Mapping) else None),
    }
    valid = fields["valid_through"]
    if valid and valid > today() + dt.timedelta(days=MAX_VALID_DAYS):
        reader.error("valid_through", _l("must be within a year from today"))
    if None not in (fields["wage_amount"], fields["wage_currency"], fields["wage_period"],
                    fields["hours_per_week"]):
        _add_monthly_wage(reader, fields)
    reader.finish()
    return fields


def _add_monthly_wage(reader: InputReader, fields: dict) -> None:
    """The monthly equivalent, in the wage's currency and in USD; it too must be plausible."""
    monthly = monthly_equivalent(fields["wage_amount"], fields["wage_period"],
                                 fields["hours_per_week"])
    usd = to_usd(monthly, fields["wage_currency"])
    if monthly > MAX_WAGE or (usd is not None and usd > MAX_WAGE):
        reader.error("wage_amount", _l("is implausibly high for one month of work"))
    fields["wage_monthly"], fields["wage_monthly_usd"] = monthly, usd


def _organisation_may_post(organisation: Organisation) -> None:
    if organisation.tier == "suspended":
        raise PermissionDenied(str(_l("this organisation is suspended and cannot post jobs")))


def create_job(actor: User, data: Mapping[str, Any]) -> JobPosting:
    """Publish a new posting for the actor's organisation, unless vetting finds a critical risk."""
    organisation = organisation_of(actor)
    _organisation_may_post(organisation)
    job = JobPosting(organisation=organisation, created_by_id=actor.id, status=PUBLISHED,
                     **read_job(data))
    result = vetting.check_publishable(job)
    db.session.add(job)
    audit.record(actor, "job.created", job, title=job.title)
    _record_vetting(job, result)
    db.session.commit()
    job_saved.send(job)
    return job


def preview_job(actor: User, data: Mapping[str, Any]) -> tuple[JobPosting, VettingResult]:
    """What vetting would say about a draft, without saving it (the "check my ad" button)."""
    organisation = organisation_of(actor)
    job = JobPosting(organisation=organisation, status=PUBLISHED, **read_job(data))
    return job, vetting.assess(job)


def _record_vetting(job: JobPosting, result: VettingResult) -> None:
    vetting.store_assessment(job, result)
    vetting.refresh_organisation_risk(job.organisation)


def job_for_member(actor: User, job_id: int) -> JobPosting:
    """A posting of the actor's own organisation; anyone else's is NotFound."""
    job = db.session.get(JobPosting, job_id)
    if job is None or not actor.is_org_member or job.organisation_id != actor.organisation_id:
        raise NotFound()
    return job


def update_job(actor: User, job_id: int, data: Mapping[str, Any]) -> JobPosting:
    job = job_for_member(actor, job_id)
    fields = read_job(data)
    costs = fields.pop("costs")
    for key, value in fields.items():
        setattr(job, key, value)
    job.costs.clear()
    db.session.flush()  # the old cost rows go before the new ones reuse their items
    job.costs.extend(costs)
    try:
        result = vetting.check_publishable(job)
    except vetting.PublishBlocked:
        db.session.rollback()  # the published version stays as it was
        raise
    audit.record(actor, "job.updated", job)
    _record_vetting(job, result)
    db.session.commit()
    job_saved.send(job)
    return job


def close_job(actor: User, job_id: int, reason: str = "") -> JobPosting:
    job = job_for_member(actor, job_id)
    if job.status != CLOSED:
        job.status = CLOSED
        audit.record(actor, "job.closed", job, reason=reason[:1000])
        db.session.commit()
    return job


def job_as_input(job: JobPosting) -> dict:
    """A posting's values in the shape read_job accepts (to prefill the edit form)."""
    return {
        "title": job.title, "description": job.description, "corridor": job.corridor.code,
        "occupation": job.occupation.label if job.occupation else "",
        "wage_amount": "" if job.wage_amount is None else str(job.wage_amount),
        "wage_currency": job.wage_currency, "wage_period": job.wage_period,
        "hours_per_week": job.hours_per_week,
        "benefits": job.benefits, "accommodation": job.accommodation,
        "contract_languages": ", ".join(job.contract_languages),
        "valid_through": job.valid_through.isoformat(),
        "costs": {c.item: {"payer": c.payer, "amount": c.amount, "currency": c.currency}
                  for c in job.costs},
    }


def organisation_jobs(actor: User) -> list[JobPosting]:
    organisation = organisation_of(actor)
    return list(db.session.scalars(sa.select(JobPosting)
                                   .where(JobPosting.organisation_id == organisation.id)
                                   .order_by(JobPosting.created_at.desc())))


# What a job card and the API show, loaded with the list rather than one job at a time
# (the assessment: what the ad's own words say, app/jobs/disclosure.py).
ASSESSMENT_OPTION = selectinload(JobPosting.assessment).load_only(
    PostingAssessment.score, PostingAssessment.findings, PostingAssessment.scored_text)
CARD_OPTIONS = (selectinload(JobPosting.costs), joinedload(JobPosting.occupation),
                joinedload(JobPosting.corridor), contains_eager(JobPosting.organisation),
                ASSESSMENT_OPTION)


def visible_jobs() -> sa.Select:
    """Postings a worker may find: published, still valid, organisation not suspended."""
    return (sa.select(JobPosting).join(JobPosting.organisation)
            .where(JobPosting.status == PUBLISHED, JobPosting.valid_through >= today(),
                   Organisation.tier != "suspended"))


@dataclass
class JobFilters:
    corridor: Corridor | None = None
    occupation_id: int | None = None
    organisation_id: int | None = None
    min_monthly_wage: Decimal | None = None  # in the corridor's currency
    sort: str = "newest"
    page: int = 1


def read_filters(args: Mapping[str, Any], corridor: Corridor | None) -> JobFilters:
    """Browse filters from a query string; a bad value is reported, not ignored."""
    reader = InputReader(args)
    filters = JobFilters(
        corridor=corridor,
        occupation_id=reader.integer("occupation", required=False, minimum=1, maximum=MAX_ID),
        organisation_id=reader.integer("organisation", required=False, minimum=1,
                                       maximum=MAX_ID),
        page=reader.integer("page", required=False, minimum=1, maximum=MAX_PAGE) or 1,
        min_monthly_wage=reader.decimal("min_wage", required=False, maximum=MAX_WAGE),
        sort=reader.choice("sort", ("newest", "wage"), required=False) or "newest",
    )
    reader.finish()
    return filters


def filtered(stmt: sa.Select, filters: JobFilters) -> sa.Select:
    """`stmt` narrowed by the browse filters (corridor, occupation, organisation, wage)."""
    if filters.corridor is not None:
        stmt = stmt.where(JobPosting.corridor_id == filters.corridor.id)
    if filters.occupation_id:
        stmt = stmt.where(JobPosting.occupation_id == filters.occupation_id)
    if filters.organisation_id:
        stmt = stmt.where(JobPosting.organisation_id == filters.organisation_id)
    if filters.min_monthly_wage is not None:
        currency = filters.corridor.currency if filters.corridor else "USD"
        floor = to_usd(filters.min_monthly_wage, currency)
        stmt = stmt.where(JobPosting.wage_monthly_usd >= floor)
    return stmt


def search_jobs(filters: JobFilters, page: int = 1, per_page: int = 20) -> Page:
    """One page of visible jobs, with what their cards and the API show."""
    stmt = filtered(visible_jobs(), filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    order = (JobPosting.wage_monthly_usd.desc().nulls_last() if filters.sort == "wage"
             else JobPosting.created_at.desc())
    page = max(1, page)
    items = list(db.session.scalars(stmt.options(*CARD_OPTIONS)
                                    .order_by(order, JobPosting.id.desc())
                                    .offset((page - 1) * per_page).limit(per_page)))
    return Page(items, page, per_page, total)


def corridor_facets(corridor: Corridor) -> dict[str, list]:
    """Occupations and organisations that have visible jobs in the corridor (filter menus)."""
    visible = visible_jobs().where(JobPosting.corridor_id == corridor.id).subquery()
    occupations = db.session.scalars(
        sa.select(Occupation).options(load_only(Occupation.id, Occupation.label,
                                                Occupation.isco_group))
        .where(Occupation.id.in_(sa.select(visible.c.occupation_id)))
        .order_by(Occupation.label))
    organisations = db.session.scalars(
        sa.select(Organisation).options(load_only(Organisation.id, Organisation.name,
                                                  Organisation.tier))
        .where(Organisation.id.in_(sa.select(visible.c.organisation_id)))
        .order_by(Organisation.name))
    return {"occupations": list(occupations), "organisations": list(organisations)}


def get_public_job(job_id: int) -> JobPosting:
    """A posting anyone may read: any posting of a non-suspended organisation."""
    job = db.session.get(JobPosting, job_id)
    if job is None or job.organisation.tier == "suspended":
        raise NotFound()
    return job


def wage_in_corridor_currency(job: JobPosting) -> Decimal | None:
    """The monthly wage converted to the corridor's currency, for comparison."""
    if job.wage_monthly is None:  # the ad states no wage, or no monthly figure for it
        return None
    if job.wage_currency == job.corridor.currency:
        return job.wage_monthly
    if job.wage_monthly_usd is None:
        return None
    return from_usd(job.wage_monthly_usd, job.corridor.currency)
