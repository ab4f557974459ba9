"""schema.org JobPosting JSON-LD for a posting, as Google for Jobs reads it: its required
properties (title, an HTML description, datePosted, hiringOrganization, jobLocation) and
the recommended ones the posting states (validThrough, employmentType, baseSalary,
identifier, directApply, applicantLocationRequirements)."""
from __future__ import annotations

from typing import Any

from markupsafe import escape

from app.jobs.models import JobPosting

UNIT_TEXT = {"hour": "HOUR", "day": "DAY", "week": "WEEK", "month": "MONTH", "year": "YEAR"}
FULL_TIME_HOURS = 35  # a common threshold; the posting's own hours decide


def html_description(job: JobPosting) -> str:
    """The plain-text description as the HTML paragraphs Google asks for; an ad without
    one is described by its stated title and employer (never the title alone)."""
    text = job.description.strip() or f"{job.title}\n{job.organisation.name}"
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{str(escape(p)).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def job_posting_jsonld(job: JobPosting, url: str,
                       organisation_url: str) -> dict[str, Any] | None:
    """The posting's JSON-LD; None once it no longer takes applications (Google asks for
    the markup of a filled job to be removed)."""
    if not job.is_open:
        return None
    organisation = job.organisation
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "FairCorridor", "value": str(job.id)},
        "url": url,
        "title": job.title,
        "description": html_description(job),
        "datePosted": job.created_at.date().isoformat(),
        "validThrough": job.valid_through.isoformat(),
        "hiringOrganization": {"@type": "Organization", "name": organisation.name,
                               "sameAs": organisation.website or organisation_url},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressCountry": job.corridor.destination}},
        "applicantLocationRequirements": {"@type": "Country", "name": job.corridor.origin},
        "directApply": True,  # workers apply on this page
        "jobBenefits": job.benefits,
    }
    # What an ad read from a job source did not state is left out, never filled in: no
    # employment type without hours, no salary without its amount, stated currency and period.
    if job.hours_per_week is not None:
        data["employmentType"] = ("FULL_TIME" if job.hours_per_week >= FULL_TIME_HOURS
                                  else "PART_TIME")
        data["workHours"] = f"{job.hours_per_week} hours per week"
    stated = "currency" not in (job.assumed_fields or [])
    if job.wage_amount is not None and job.wage_period and stated:
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": job.wage_currency,
                              "value": {"@type": "QuantitativeValue",
                                        "value": float(job.wage_amount),
                                        "unitText": UNIT_TEXT[job.wage_period]}}
    if job.occupation is not None:
        data["occupationalCategory"] = f"{job.occupation.isco_group} {job.occupation.label}"
    return data
