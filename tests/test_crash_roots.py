"""Inputs that used to crash a page, each refused or shown at its root: a catalogue text
with a percent sign, ids no row can have, a form sent several times at once, JSON too deep
or too large."""
from __future__ import annotations

import re
import threading
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from urllib.error import HTTPError

import pytest
import sqlalchemy as sa

from app.accounts.services import issue_api_token
from app.extensions import db
from app.jobs.models import JobPosting
from app.jsonbody import MAX_BYTES, MAX_DEPTH
from app.routing import MAX_ID
from grievance.models import GrievanceCase, UsedFormToken
from tests.conftest import CSRF_RE
from tests.fixtures.builders import PASSWORD, job_input
from tests.fixtures.grievance import (RECEIPT_RE, grievance_keys,  # noqa: F401
                                      report_data, solved_work)
from tests.test_browser import live_server  # noqa: F401  (a real threaded server)
from vetting.services import assess, refresh_organisation_risk, store_assessment

GUARANTEE_AD = ("Cleaners for Doha towers. 100% guaranteed visa and job within two weeks. "
                "Salary QAR 1,400 per month, 48 hours a week, the employer pays all costs.")
GUARANTEE_WORDS = "The ad guarantees a job or visa"


# --- data texts are translated, never %-formatted ---------------------------------------

def _assessed_job(make, description: str) -> JobPosting:
    job = make.job(title="Cleaners Doha", description=description)
    store_assessment(job, assess(job))
    refresh_organisation_risk(job.organisation)
    db.session.commit()
    return job


def test_a_catalogue_text_with_a_percent_sign_shows_on_the_job_page_and_dossier(
        client, auth, make):
    job = _assessed_job(make, GUARANTEE_AD)
    page = client.get(f"/jobs/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert GUARANTEE_WORDS in html and "100% guaranteed" in html

    auth.login(make.user("reviewer").email, PASSWORD)
    dossier = client.get(f"/review/organisations/{job.organisation_id}")
    html = dossier.get_data(as_text=True)
    assert dossier.status_code == 200
    assert f'title="{GUARANTEE_WORDS}' in html  # the highlighted phrase in the ad's text
    assert html.count("100% guaranteed") >= 2  # the finding and its explanation


def test_the_employers_check_shows_a_percent_sign_too(client, auth, make):
    make.corridor("NP-QA"), make.occupation("building electrician")
    auth.login(make.member().email, PASSWORD)
    form = {**_form_fields(job_input(description=GUARANTEE_AD)), "action": "check"}
    page = auth.post("/org/jobs/new", form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Fair-recruitment check" in html
    assert GUARANTEE_WORDS in html and "100% guaranteed" in html
    assert re.search(r"Risk score: \d+ out of 100\.", html)  # a score said in words


def _form_fields(data: dict) -> dict:
    """A job input as the job form posts it (costs flattened to costs.<item>.<field>)."""
    fields = {k: v for k, v in data.items() if k not in ("costs", "contract_languages")}
    fields["contract_languages"] = ",".join(data["contract_languages"])
    for item, cost in data["costs"].items():
        for key, value in cost.items():
            fields[f"costs.{item}.{key}"] = value
    return fields


# --- ids beyond any row ----------------------------------------------------------------

def _id_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(type(conv).__name__ == "IdConverter" for conv in rule._converters.values())]


def test_every_route_with_an_id_is_covered_by_the_bounded_converter(app):
    with_numbers = [rule.rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(with_numbers) >= 30 and len(_id_rules(app)) == len(with_numbers)


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64 + 1, 10**40])
def test_an_id_no_row_can_have_is_a_404_on_every_route(app, client, auth, make, number):
    auth.login(make.user("worker").email, PASSWORD)
    token = auth.csrf_token()
    for rule in _id_rules(app):
        values = {name: (number if type(conv).__name__ == "IdConverter" else "status")
                  for name, conv in rule._converters.items()}
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<[^>]*:?{name}>", str(value), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, path, response.status_code)


def test_the_largest_id_reaches_the_page_and_the_api_document_says_so(client, make):
    assert client.get(f"/jobs/{MAX_ID}").status_code == 404  # looked up: no such job
    job = make.job()
    assert client.get(f"/jobs/{job.id}").status_code == 200
    document = client.get("/api/v1/openapi.json").get_json()
    parameter = document["paths"]["/jobs/{id}"]["get"]["parameters"][0]
    assert parameter["schema"]["maximum"] == MAX_ID


# --- one form sent several times at the same moment ------------------------------------

def _post_at_once(url: str, body: bytes, headers: dict, copies: int) -> list[tuple[int, str]]:
    """`copies` threads send the same request as close to the same instant as they can."""
    start, answers, lock = threading.Barrier(copies), [], threading.Lock()

    def send() -> None:
        request = Request(url, data=body, headers=headers, method="POST")
        start.wait()
        try:
            with urlopen(request, timeout=60) as response:
                answer = (response.status, response.read().decode())
        except HTTPError as error:
            answer = (error.code, error.read().decode())
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return answers


def test_eight_copies_of_one_report_sent_at_once_store_one_and_answer_already_sent(
        live_server, client, grievance_keys):  # noqa: F811
    with urlopen(f"{live_server}/report") as page:
        cookie = page.headers["Set-Cookie"].split(";")[0]
        html = page.read().decode()
    tokens = {"csrf_token": CSRF_RE.search(html).group(1), **solved_work(html),
              "form_token": re.search(r'name="form_token" value="([^"]+)"', html).group(1)}
    body = urlencode({**tokens, **report_data()}).encode()
    answers = _post_at_once(f"{live_server}/report", body, {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, copies=8)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * 7, statuses
    for status, html in answers:
        if status == 409:
            assert "Your report was already received" in html
            assert "We kept one report, not two." in html
    # Whichever copy the sender reads last, it shows the one receipt.
    assert len({RECEIPT_RE.search(html).group(1) for _, html in answers}) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrievanceCase)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UsedFormToken)) == 1


# --- JSON bodies -----------------------------------------------------------------------

@pytest.fixture
def bearer(make) -> dict[str, str]:
    make.corridor("NP-QA")
    make.occupation("building electrician")
    return {"Authorization": f"Bearer {issue_api_token(make.member())}"}


def _stored_jobs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_json_nested_too_deeply_is_refused_naming_the_limit(client, bearer, depth):
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/jobs", data=body, headers=bearer,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {
        "errors": {"body": f"The JSON body is nested more than {MAX_DEPTH} levels deep."}}
    assert _stored_jobs() == 0


def test_json_nested_within_the_limit_and_brackets_in_text_are_read(client, bearer):
    nested = [[]]
    for _ in range(MAX_DEPTH - 3):  # the body's object and the list around it are two more
        nested = [nested]
    response = client.post("/api/v1/jobs", json=job_input(contract_languages=nested),
                           headers=bearer)
    assert response.status_code == 400  # read, then refused by the field's own rule
    assert list(response.get_json()["errors"]) == ["contract_languages"]
    # Brackets inside a string are text, not nesting.
    response = client.post("/api/v1/jobs", json=job_input(benefits="{" * 500), headers=bearer)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert _stored_jobs() == 1


def test_a_json_body_over_the_size_limit_is_refused_naming_it(client, bearer):
    body = '{"title": "' + "a" * MAX_BYTES + '"}'
    response = client.post("/api/v1/jobs", data=body, headers=bearer,
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json() == {
        "errors": {"body": f"The JSON body is larger than {MAX_BYTES // 1024} KB."}}
    assert _stored_jobs() == 0
