"""What a job source's ad does not state is never shown as a fact: no wage and no hours are
"not stated" on every page, in the API and the JSON-LD; values taken from the source's
corridor say so; vetting counts the gaps instead of crediting a made-up figure."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.models import JobSource
from app.corridors.models import Corridor
from app.extensions import db
from app.jobs.models import JobPosting
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)
from vetting.models import PostingAssessment

# An ad as many boards publish it: no hours, no closing date, no currency, no period.
BARE_AD = {"@context": "https://schema.org/", "@type": "JobPosting", "identifier": "B-1",
           "title": "Laundry Attendant", "description": "Wash and iron hotel linen in Doha.",
           "hiringOrganization": {"@type": "Organization", "name": "Pearl Linen W.L.L."},
           "baseSalary": "1,300"}
ENGLISH = {"Accept-Language": "en"}  # a corridor page otherwise speaks its origin's language


def _job(title: str) -> JobPosting:
    return db.session.scalar(sa.select(JobPosting).where(JobPosting.title == title))


def _signals(job: JobPosting) -> set[str]:
    findings = db.session.scalar(sa.select(PostingAssessment.findings)
                                 .where(PostingAssessment.job_id == job.id))
    return {f["signal_id"] for f in findings}


def _jsonld(page: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def _run_demo() -> None:
    services.run_sources(None, services.sources_to_run(force=True))


def test_an_ad_without_wage_or_hours_says_not_stated_everywhere(demo_sources, client):
    _run_demo()
    helper = _job("Warehouse Helper")  # "Good salary! Contact our agent for details."
    assert (helper.wage_amount, helper.wage_monthly, helper.hours_per_week) == (None, None, None)
    page = client.get(f"/jobs/{helper.id}").get_data(as_text=True)
    assert "Wage not stated" in page and "Hours not stated" in page
    assert "48 hours" not in page
    assert "The ad does not state the working hours." in page  # how it was read
    assert "Wage: not stated." in page and "Hours of work a week: not stated." in page  # spoken
    card = client.get("/corridors/BD-MY", headers=ENGLISH).get_data(as_text=True)
    assert "Warehouse Helper" in card and "Hours not stated" in card
    data = client.get(f"/api/v1/jobs/{helper.id}").get_json()
    assert data["hours_per_week"] is None and data["wage"]["amount"] is None
    assert {"workHours", "baseSalary", "employmentType"}.isdisjoint(_jsonld(page))


def test_vetting_counts_missing_wage_and_hours_as_gaps_not_as_compliance(demo_sources):
    _run_demo()
    helper, operator = _job("Warehouse Helper"), _job("Production Operator – Electronics "
                                                      "Assembly")
    assert {"deception.no_wage_stated", "deception.no_hours_stated"} <= _signals(helper)
    assert "good.hours_stated" not in _signals(helper)
    assert operator.hours_per_week == 48  # "8 hours a day, 6 days a week"
    assert "good.hours_stated" in _signals(operator)
    assert "deception.no_hours_stated" not in _signals(operator)


def test_values_taken_from_the_corridor_are_shown_as_such(demo_sources, source_files,
                                                          source_server, client):
    (source_files / "bare.json").write_text(json.dumps([BARE_AD]))
    corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == "NP-QA"))
    source = JobSource(name="Bare board", corridor=corridor, kind="json",
                       location=f"{source_server.url}/sources/bare.json")
    db.session.add(source)
    db.session.commit()
    run = services.run_sources(None, [source])[0]
    assert (run.new, run.rejected) == (1, 0), run.errors
    job = _job("Laundry Attendant")
    assert (job.wage_amount, job.wage_currency, job.wage_period) == (1300, "QAR", None)
    assert job.wage_monthly is None  # no period: no monthly figure is made up
    assert job.assumed_fields == ["currency", "destination", "valid_through"]
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "the ad does not say per hour, day, week or month" in page
    assert "currency not stated in the ad" in page and "country not stated in the ad" in page
    assert "the ad states no closing date" in page and "per month)" not in page
    card = client.get("/corridors/NP-QA", headers=ENGLISH).get_data(as_text=True)
    assert "currency not stated in the ad" in card
    assert client.get(f"/api/v1/jobs/{job.id}").get_json()["assumed"] == [
        "currency", "destination", "valid_through"]
