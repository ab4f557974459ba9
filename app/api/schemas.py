"""JSON shapes of the API's resources."""
from __future__ import annotations

from typing import Any

from flask import url_for

from app.corridors.models import Corridor
from app.jobs.models import JobPosting
from app.jobs.services import Page


def corridor_json(corridor: Corridor) -> dict[str, Any]:
    return {"code": corridor.code, "name": corridor.name, "origin": corridor.origin,
            "destination": corridor.destination, "currency": corridor.currency,
            "languages": corridor.languages}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def job_json(job: JobPosting) -> dict[str, Any]:
    organisation = job.organisation
    return {
        "id": job.id,
        "url": url_for("jobs.detail", job_id=job.id, _external=True),
        "title": job.title,
        "description": job.description,
        "corridor": job.corridor.code,
        "occupation": None if job.occupation is None else {
            "label": job.occupation.label, "esco_uri": job.occupation.esco_uri,
            "isco_group": job.occupation.isco_group},
        # null where the ad (read from a job source) did not state it
        "wage": {"amount": _text(job.wage_amount), "currency": job.wage_currency,
                 "period": job.wage_period, "monthly": _text(job.wage_monthly)},
        "hours_per_week": job.hours_per_week,
        "benefits": job.benefits,
        "accommodation": job.accommodation,
        "contract_languages": job.contract_languages,
        "costs": {c.item: {"payer": c.payer,
                           "amount": None if c.amount is None else str(c.amount),
                           "currency": c.currency} for c in job.costs},
        "valid_through": job.valid_through.isoformat(),
        "assumed": list(job.assumed_fields or []),  # values the ad did not state
        "status": job.status,
        "open": job.is_open,
        "organisation": {"id": organisation.id, "name": organisation.name,
                         "kind": organisation.kind, "country": organisation.country,
                         "licence_number": organisation.licence_number,
                         "licence_status": organisation.licence_status,
                         "tier": organisation.tier},
        "posted_at": job.created_at.isoformat(timespec="seconds") + "Z",
    }


def page_json(page: Page) -> dict[str, Any]:
    return {"items": [job_json(job) for job in page.items], "page": page.page,
            "per_page": page.per_page, "total": page.total, "pages": page.pages}
