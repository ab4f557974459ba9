"""The job form as an employer uses it: the corridor first, then currencies and contract
languages from that corridor named in words, and one tick for "the employer pays all
recruitment costs", with each cost declared only where the worker pays something."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs.costs import cost_item_ids
from app.jobs.models import JobCost, JobPosting
from tests.fixtures.builders import PASSWORD, employer_pays_all, job_input

CHECKED = re.compile(r'<input[^>]*name="(?P<name>[^"]+)"[^>]*value="(?P<value>[^"]*)"[^>]*checked')
SELECTED = re.compile(r'<option value="(?P<value>[^"]*)" selected>(?P<text>[^<]*)</option>')


@pytest.fixture
def member(auth, make):
    """A signed-in member of a Qatari employer; two corridors exist."""
    make.corridor("NP-QA"), make.corridor("PH-AE"), make.occupation("building electrician")
    member = make.member(make.organisation("Lusail Builders", country="QA"))
    assert auth.login(member.email, PASSWORD).status_code == 302
    return member


def ticked(page: str) -> set[tuple[str, str]]:
    return {(m["name"], m["value"]) for m in CHECKED.finditer(page)}


def the_form(**overrides) -> dict:
    """The form as a browser posts it with the defaults left alone: the tick, the boxes of
    the corridor's languages, and every cost's select on "Employer"."""
    data = {k: v for k, v in job_input().items() if k not in ("costs", "contract_languages")}
    data.update({"contract_languages": ["ne", "en"], "employer_pays_all": "y"})
    for item in cost_item_ids():
        data[f"costs.{item}.payer"] = "employer"
        data[f"costs.{item}.amount"] = ""
        data[f"costs.{item}.currency"] = "NPR"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_jobs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting))


def test_the_corridor_comes_first_named_in_words_with_the_employers_own_ticked(client, member):
    page = client.get("/org/jobs/new").get_data(as_text=True)
    assert "Nepal → Qatar" in page and "Philippines → United Arab Emirates" in page
    assert ("corridor", "NP-QA") in ticked(page)  # a Qatari employer: Nepal → Qatar
    assert 'name="title"' not in page  # the rest of the form comes after this step


def test_the_form_is_filled_in_from_the_corridor(client, member):
    page = client.get("/org/jobs/new?corridor=NP-QA").get_data(as_text=True)
    assert 'value="QAR" selected>Qatari Riyal' in page  # the wage: the destination's
    assert ">Nepalese Rupee</option>" in page  # the origin's, offered beside it
    assert {("contract_languages", "ne"), ("contract_languages", "en"),
            ("employer_pays_all", "y")} <= ticked(page)
    assert "Nepali" in page and "ISO" not in page and "codes" not in page
    # Each cost's currency starts on the origin's: fees are paid before departure.
    assert 'value="NPR" selected>Nepalese Rupee' in page
    assert "<details class=\"cost-details\" >" in page  # closed while the box is ticked

    other = client.get("/org/jobs/new?corridor=PH-AE").get_data(as_text=True)
    assert 'value="AED" selected>United Arab Emirates Dirham' in other and ">Philippine Peso</option>" in other
    assert {("contract_languages", "tl"), ("contract_languages", "en")} <= ticked(other)


def test_an_unknown_corridor_asks_again_and_names_the_field(client, member):
    response = client.get("/org/jobs/new?corridor=XX-YY")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#f-corridor">Corridor</a>: is not one of the corridors below' in page


def test_one_tick_publishes_the_job_with_the_employer_paying_every_cost(auth, member):
    form = {k: v for k, v in the_form().items() if not k.startswith("costs.")}
    response = auth.post("/org/jobs/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    job = db.session.scalar(sa.select(JobPosting))
    assert job.contract_languages == ["ne", "en"]
    assert {c.item: c.payer for c in job.costs} == {item: "employer" for item in cost_item_ids()}


def test_a_cost_the_worker_pays_needs_its_amount_and_the_form_says_so(auth, member):
    form = the_form(employer_pays_all=None, **{"costs.visa_work_permit.payer": "worker"})
    response = auth.post("/org/jobs/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and stored_jobs() == 0
    assert ('<a href="#f-costs.visa_work_permit.amount">Visa and work permit: amount the '
            'worker pays</a>: is required') in page
    assert "<details class=\"cost-details\" open>" in page
    assert '<div class="cost worker-pays">' in page  # its amount is shown, not hidden
    assert 'value="worker" selected' in page  # what was chosen is kept


def test_the_tick_and_a_cost_the_worker_pays_contradict_and_nothing_is_stored(auth, member):
    form = the_form(**{"costs.medical_exam.payer": "worker", "costs.medical_exam.amount": "9000",
                       "title": "ab"})
    response = auth.post("/org/jobs/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and stored_jobs() == 0
    assert "is ticked, but you said the worker pays: Medical examination" in page
    assert '<a href="#f-title">Job title</a>' in page  # every problem at once
    assert 'value="9000"' in page


def test_a_cost_that_does_not_apply_is_published_as_such(auth, member):
    form = the_form(employer_pays_all=None, **{"costs.domestic_travel_lodging.payer": "not_applicable"})
    assert auth.post("/org/jobs/new", form).status_code == 302
    costs = {c.item: c.payer for c in db.session.scalars(sa.select(JobCost))}
    assert costs.pop("domestic_travel_lodging") == "not_applicable"
    assert set(costs.values()) == {"employer"}


@pytest.mark.parametrize("item", ["recruitment_fee", "medical_exam"])
def test_vetting_still_refuses_a_cost_charged_to_the_worker_and_keeps_the_form(auth, member,
                                                                               item):
    form = the_form(employer_pays_all=None, **{f"costs.{item}.payer": "worker",
                                               f"costs.{item}.amount": "9000",
                                               f"costs.{item}.currency": "NPR"})
    response = auth.post("/org/jobs/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "cannot be published" in page
    assert stored_jobs() == 0
    assert 'value="9000"' in page and 'value="worker" selected' in page


def test_editing_shows_what_is_stored(client, make, member):
    fair = make.job(member.organisation)
    costs = employer_pays_all()
    costs["air_ticket"] = {"payer": "worker", "amount": "25000", "currency": "NPR"}
    charged = make.job(member.organisation, costs=costs, contract_languages=["ne", "ar"])

    page = client.get(f"/org/jobs/{fair.id}/edit").get_data(as_text=True)
    assert ("employer_pays_all", "y") in ticked(page)
    page = client.get(f"/org/jobs/{charged.id}/edit").get_data(as_text=True)
    assert ("employer_pays_all", "y") not in ticked(page)
    assert "<details class=\"cost-details\" open>" in page and 'value="25000.00"' in page
    # A stored language outside the corridor's list stays, named in words.
    assert ("contract_languages", "ar") in ticked(page) and "Arabic" in page


def test_changing_the_corridor_of_a_job_offers_the_new_corridors_choices(client, make,
                                                                          member):
    job = make.job(member.organisation)
    page = client.get(f"/org/jobs/{job.id}/edit").get_data(as_text=True)
    assert f'href="/org/jobs/{job.id}/edit?corridor="' in page
    step = client.get(f"/org/jobs/{job.id}/edit?corridor=").get_data(as_text=True)
    assert ("corridor", "NP-QA") in ticked(step)
    moved = client.get(f"/org/jobs/{job.id}/edit?corridor=PH-AE").get_data(as_text=True)
    assert "Philippines → United Arab Emirates" in moved and "Philippine Peso" in moved
    assert 'value="Building electrician"' in moved  # the rest of the job is still there


def test_another_organisations_job_is_not_found_whatever_is_posted(auth, make, member):
    job = make.job(make.organisation("Crane Services"))
    form = the_form(**{"costs.medical_exam.payer": "worker"})
    assert auth.post(f"/org/jobs/{job.id}/edit", form).status_code == 404
    assert auth.post(f"/org/jobs/{job.id}/edit", {**form, "action": "check"}).status_code == 404
