"""What workers, employers and reviewers read about an ad's warning signs is in words: what
the job form says as a sentence (the cost by its name, the wage with its currency, hours a
week), a warning sign found several times shown once with every quote, dates and audit
entries as people write them, never a field name, a code or a score out of 100."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from grievance.models import GrievanceCase
from tests.fixtures.builders import PASSWORD, employer_pays_all
from tests.fixtures.grievance import (grievance_keys, sign_in_reviewer,  # noqa: F401
                                      submit_report)
from vetting.evidence import grouped
from vetting.services import assess, refresh_organisation_risk, store_assessment

# The ad names a visa fee twice; the form says the worker pays the visa and the ticket.
TWICE_AD = ("Cleaners for Doha towers. Pay a visa fee of NPR 60,000 before you fly. "
            "The visa fee is paid at our office in Kathmandu. Salary QAR 1,400 per month, "
            "48 hours a week.")
LEFTOVERS = re.compile(r"\b[a-z]+_[a-z_]+\b|\(s\)|\b\d+/100\b|#\d+|\d{4}-\d\d-\d\d"
                       r"|\b[a-z]+\.[a-z]+_[a-z_]+\b|cost paid by the worker|posting form")


def _text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style|textarea)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))


@pytest.fixture
def job(make):
    costs = {**employer_pays_all(),
             "visa_work_permit": {"payer": "worker", "amount": "60000", "currency": "NPR"},
             "air_ticket": {"payer": "worker", "amount": "45000", "currency": "NPR"}}
    job = make.job(make.organisation("Kestrel Manpower", kind="agency", country="NP"),
                   title="Cleaners Doha", description=TWICE_AD, costs=costs)
    store_assessment(job, assess(job))
    refresh_organisation_risk(job.organisation)
    db.session.commit()
    return job


def test_a_worker_reads_the_forms_costs_in_words_and_each_warning_once(client, job):
    html = client.get(f"/jobs/{job.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    warnings = html[html.index("Warning signs in this ad"):html.index("About the job")]
    text = _text(warnings)
    assert "The job form says the worker pays this cost: Visa and work permit, NPR 60,000." \
        in text
    assert "The job form says the worker pays this cost: International travel, NPR 45,000." \
        in text
    # The ad's "visa fee" (twice) and the form's two costs are one warning sign with all of
    # its evidence, the repeated quote once: not four warning signs.
    costs = [item for item in re.findall(r"(?s)<li class=\"finding risk\">.*?</li>", warnings)
             if "The job form says the worker pays" in item]
    assert len(costs) == 1, costs
    assert costs[0].count("<q>visa fee</q>") == 1 and costs[0].count("form-note") == 2
    assert not LEFTOVERS.search(text), LEFTOVERS.search(text)
    assert "One of its job ads, «Cleaners Doha», shows serious warning signs." in html


def test_reviewers_and_employers_read_form_facts_as_sentences(client, auth, make, job):
    # An ad that leaves wage, hours and licence to the form's fields.
    quiet = make.job(job.organisation, title="Helpers Doha",
                     description="Helpers for towers in Doha. Apply at our office.")
    job.organisation.licence_number = "DoFE-1187/068-69"
    store_assessment(quiet, assess(quiet))
    refresh_organisation_risk(job.organisation)
    db.session.commit()
    auth.login(make.user("reviewer").email, PASSWORD)
    html = client.get(f"/review/organisations/{job.organisation_id}",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    text = _text(html)
    for sentence in ("The job form gives the wage: QAR 1,800 per month.",
                     "The job form says 48 hours a week.",
                     "The job form gives licence number DoFE-1187/068-69."):
        assert sentence in text, sentence
    assert re.search(r"Risk score: \d+ out of 100", text)
    assert re.search(r"risk score \d+ out of 100", text)
    assert "Rating changed after new evidence" in text  # the audit trail, in words
    assert not LEFTOVERS.search(text), LEFTOVERS.search(text)


def test_grouping_keeps_every_quote_and_never_shows_a_developers_note(app):
    findings = [
        {"signal_id": "fees.recruitment_fee", "source": "text", "text": "visa fee",
         "amounts": [{"kind": "money", "value": 60000.0, "currency": "NPR",
                      "text": "NPR 60,000"}]},
        {"signal_id": "fees.recruitment_fee", "source": "text", "text": "visa fee"},
        {"signal_id": "fees.recruitment_fee", "source": "text", "text": "service charge"},
        # Stored before findings carried facts: its text was a note for developers.
        {"signal_id": "fees.related_costs", "source": "structured",
         "text": "cost paid by the worker: visa_work_permit"},
    ]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        groups = grouped(findings)
    assert [(g["signal_id"], g["quotes"], g["notes"]) for g in groups] == [
        ("fees.recruitment_fee", ["visa fee", "service charge"], []),
        ("fees.related_costs", [], [])]
    assert groups[0]["amount_texts"] == ["NPR\xa060,000"]  # money() keeps it on one line


def test_the_audit_log_reads_in_words(client, auth, make, job):
    auth.login(make.user("admin").email, PASSWORD)
    text = _text(client.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(
        as_text=True))
    assert "Rating changed after new evidence" in text and "organisation " in text
    assert "organisation.tier_changed" not in text and "UTC" in text
    assert not re.search(r"\d{4}-\d\d-\d\d", text)


def test_the_category_starts_from_the_reporters_choice(client, auth, make, grievance_keys):
    submit_report(client, category="wages")
    case_id = db.session.scalar(sa.select(GrievanceCase.id))
    sign_in_reviewer(auth, make, unlock=False)
    locked = client.get(f"/review/grievances/{case_id}").get_data(as_text=True)
    assert "Unlock the reports to start from what the reporter chose." in locked
    assert "selected>" not in locked.split('id="f-category"')[1].split("</select>")[0]

    auth.post("/review/grievances/unlock", {"passphrase": "the reviewers' long passphrase"})
    page = client.get(f"/review/grievances/{case_id}").get_data(as_text=True)
    assert '<option value="wages" selected>' in page
    assert "The reporter chose: Wages were withheld or not paid." in page

    assert auth.post(f"/review/grievances/{case_id}/category",
                     {"category": "fees"}).status_code == 302
    page = client.get(f"/review/grievances/{case_id}").get_data(as_text=True)
    assert '<option value="fees" selected>' in page and "The reporter chose" not in page
