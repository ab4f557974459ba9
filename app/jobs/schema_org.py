"""schema.org JobPosting JSON-LD for a posting (the format job search engines read)."""
from __future__ import annotations

from typing import Any

from app.jobs.models import JobPosting

UNIT_TEXT = {"hour": "HOUR", "day": "DAY", "week": "WEEK", "month": "MONTH", "year": "YEAR"}


def job_posting_jsonld(job: JobPosting, url: str, organisation_url: str) -> dict[str, Any]:
    organisation = job.organisation
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": "FairCorridor", "value": str(job.id)},
        "url": url,
        "title": job.title,
        "description": job.description,
        "datePosted": job.created_at.date().isoformat(),
        "validThrough": job.valid_through.isoformat(),
        "hiringOrganization": {"@type": "Organization", "name": organisation.name,
                               "sameAs": organisation.website or organisation_url},
        "jobLocation": {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressCountry": job.corridor.destination}},
        "applicantLocationRequirements": {"@type": "Country", "name": job.corridor.origin},
        "jobBenefits": job.benefits,
    }
    # What an ad read from a job source did not state is left out, never filled in.
    if job.hours_per_week is not None:
        data["employmentType"] = "FULL_TIME" if job.hours_per_week >= 35 else "PART_TIME"
        data["workHours"] = f"{job.hours_per_week} hours per week"
    if job.wage_amount is not None:
        value = {"@type": "QuantitativeValue", "value": float(job.wage_amount)}
        if job.wage_period:
            value["unitText"] = UNIT_TEXT[job.wage_period]
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": job.wage_currency,
                              "value": value}
    if job.occupation is not None:
        data["occupationalCategory"] = f"{job.occupation.isco_group} {job.occupation.label}"
    return data
