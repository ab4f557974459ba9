"""The JSON-LD on each job page passes Google for Jobs' documented JobPosting properties,
and carries no value a job source's ad did not state."""
from __future__ import annotations

import datetime as dt
import json
import re

from app.extensions import db
from app.timeutil import today

# Google Search Central, "Job posting (JobPosting) structured data"
# (developers.google.com/search/docs/appearance/structured-data/job-posting).
GOOGLE_REQUIRED = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")
GOOGLE_RECOMMENDED = ("validThrough", "employmentType", "baseSalary", "identifier",
                      "directApply", "applicantLocationRequirements")
EMPLOYMENT_TYPES = {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN",
                    "VOLUNTEER", "PER_DIEM", "OTHER"}
UNIT_TEXTS = {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}


def _jsonld(client, job) -> dict | None:
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block.group(1)) if block else None


def _iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def test_a_posting_made_here_has_every_required_and_recommended_property(client, make):
    job = make.job(title="Steel Fixer", description="Fix steel bars.\n\nFree housing.",
                   wage_amount="1400", wage_period="month", hours_per_week=48)
    data = _jsonld(client, job)
    assert data["@type"] == "JobPosting"
    assert [p for p in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED if p not in data] == []
    assert data["description"] == "<p>Fix steel bars.</p><p>Free housing.</p>"
    assert data["description"] != data["title"]
    assert _iso_date(data["datePosted"]) and _iso_date(data["validThrough"])
    assert data["hiringOrganization"]["name"] == job.organisation.name
    assert data["jobLocation"]["address"]["addressCountry"] == "QA"
    salary = data["baseSalary"]
    assert (salary["currency"], salary["value"]["value"], salary["value"]["unitText"]) == (
        "QAR", 1400.0, "MONTH")
    assert data["employmentType"] in EMPLOYMENT_TYPES and data["directApply"] is True
    assert data["identifier"] == {"@type": "PropertyValue", "name": "FairCorridor",
                                  "value": str(job.id)}


def test_what_an_ad_did_not_state_is_left_out_not_filled_in(client, make):
    job = make.job(title="Warehouse Helper", description="Loading goods in the warehouse.")
    job.wage_amount = job.wage_currency = job.wage_period = job.wage_monthly = None
    job.wage_monthly_usd = job.hours_per_week = None  # as an ad that states neither is stored
    db.session.commit()
    job.description = ""  # an ad with no text of its own
    db.session.commit()
    data = _jsonld(client, job)
    assert [p for p in GOOGLE_REQUIRED if p not in data] == []
    assert {"baseSalary", "employmentType", "workHours"}.isdisjoint(data)
    assert data["description"] == f"<p>Warehouse Helper<br>{job.organisation.name}</p>"
    job.wage_amount, job.wage_currency, job.assumed_fields = 1300, "QAR", ["currency"]
    db.session.commit()
    assert "baseSalary" not in _jsonld(client, job)  # no period, and a currency not stated
    job.wage_period = "month"
    db.session.commit()
    assert "baseSalary" not in _jsonld(client, job)  # the currency is still a guess
    job.assumed_fields = []
    db.session.commit()
    assert _jsonld(client, job)["baseSalary"]["value"]["unitText"] in UNIT_TEXTS


def test_a_job_that_no_longer_takes_applications_carries_no_markup(client, make):
    job = make.job(valid_through=(today() + dt.timedelta(days=3)).isoformat())
    assert _jsonld(client, job) is not None
    job.status = "closed"
    db.session.commit()
    assert _jsonld(client, job) is None
