"""The ministry console: known fixture in, the right numbers out of the page, SVG and CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest

from app import audit
from app.console import statistics as stats
from app.console.exports import safe_cell, to_csv
from app.console.statistics import Table
from app.extensions import db
from app.reviews import moderation
from app.reviews.services import submit_review
from grievance import keyring
from grievance.services import file_complaint, new_form_token
from tests.fixtures.builders import PASSWORD
from vetting.models import PostingAssessment

RANGE = "from=2026-01&to=2026-05"
SVG = "{http://www.w3.org/2000/svg}"


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day)


def _tier_change(organisation, action: str, before: str, after: str, day: str) -> None:
    entry = audit.record(None, action, organisation, before=before, after=after)
    entry.at = _at(day)
    db.session.commit()


def _assessed_job(make, organisation, corridor: str, day: str, families: list[str]):
    job = make.job(organisation, corridor=corridor)
    job.created_at = _at(day)
    findings = [{"family": f, "direction": "good_practice" if f == "good_practice" else "risk"}
                for f in families]
    db.session.add(PostingAssessment(job_id=job.id, status="scored", score=40,
                                     findings=findings))
    db.session.commit()
    return job


def _review(make, job, day: str, paid: tuple[str, str] | None):
    worker = make.user("worker")
    application = make.application(job, worker, status="hired")
    fee = ({"paid_fee": "yes", "fee_amount": paid[0], "fee_currency": paid[1]} if paid
           else {"paid_fee": "no"})
    review = submit_review(worker, application.id, {
        "rating_fees": "3", "rating_contract": "3", "rating_passport": "3",
        "rating_wages": "3", "rating_treatment": "3", **fee})
    review.created_at = _at(day)
    db.session.commit()
    return review


@pytest.fixture
def fixture(make):
    """Two corridors; organisations, ads, grievances and reviews on known days of 2026."""
    make.corridor("NP-QA")
    ph_qa = make.corridor("PH-AE")
    early = _at("2025-12-01")
    a = make.organisation("Alpha Manpower", kind="agency", created_at=early)
    b = make.organisation("Bravo Staffing", kind="agency", created_at=early, corridors=[ph_qa])
    c = make.organisation("Charlie Works", created_at=_at("2026-03-15"), tier="flagged")
    # A: flagged in February, suspended in April. C: flagged since it was created in March.
    _tier_change(a, "organisation.tier_changed", "under_review", "flagged", "2026-02-10 09:00")
    _tier_change(a, "organisation.suspend", "flagged", "suspended", "2026-04-05 10:00")
    job_a = _assessed_job(make, a, "NP-QA", "2026-02-03", ["fees", "passport", "good_practice"])
    _assessed_job(make, a, "NP-QA", "2026-02-20", ["fees"])
    job_c = _assessed_job(make, c, "NP-QA", "2026-03-16", [])
    job_b = _assessed_job(make, b, "PH-AE", "2026-02-10", ["fees"])

    keyring.create_keys("the reviewers' passphrase")
    # Each report says "fees"; reviewers classified two of them, one differently.
    for day, status, organisation, category in (
            ("2026-03-02", "received", a, None), ("2026-03-20", "resolved", a, "passport"),
            ("2026-03-25", "triaged", None, "fees")):
        case = file_complaint(make.user("worker"), {
            "category": "fees", "organisation_name": "Some broker",
            "description": "We were asked for 2000 dollars before leaving."},
            [], new_form_token())
        case.received_on, case.status = dt.date.fromisoformat(day), status
        case.organisation_id = organisation.id if organisation else None
        case.category = category
        db.session.commit()

    _review(make, job_a, "2026-04-02 08:00", ("1000", "USD"))
    _review(make, job_a, "2026-04-03 08:00", ("150000", "NPR"))  # 1041.67 USD
    _review(make, job_c, "2026-04-04 08:00", ("500", "USD"))
    _review(make, job_c, "2026-04-05 08:00", None)
    hidden = _review(make, job_a, "2026-04-06 08:00", ("5000", "USD"))
    moderation.moderate(make.user("reviewer"), hidden.id,
                        {"action": "hide", "reason": "Not about this agency."})
    _review(make, job_b, "2026-04-07 08:00", ("2000", "USD"))
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def reviewer_client(make, auth):
    assert auth.login(make.user("reviewer").email, PASSWORD).status_code == 302
    return auth.client


def _csv(client, name: str, query: str) -> list[dict]:
    response = client.get(f"/review/statistics/{name}.csv?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _by_month(rows: list[dict], *columns: str) -> dict[str, tuple]:
    return {row["month"]: tuple(row[c] for c in columns) for row in rows}


def test_organisations_flagged_and_suspended_by_month(fixture, reviewer_client):
    rows = _csv(reviewer_client, "organisations", f"corridor=NP-QA&{RANGE}")
    assert [row["corridor"] for row in rows] == ["NP-QA"] * 5
    assert _by_month(rows, "flagged", "suspended") == {
        "2026-01": ("0", "0"), "2026-02": ("1", "0"), "2026-03": ("2", "0"),
        "2026-04": ("1", "1"), "2026-05": ("1", "1")}
    only_ph = _csv(reviewer_client, "organisations", f"corridor=PH-AE&{RANGE}")
    assert {row["flagged"] for row in only_ph} == {"0"}


def test_signals_by_family(fixture, reviewer_client):
    rows = _csv(reviewer_client, "signals", f"corridor=NP-QA&{RANGE}")
    assert _by_month(rows, "ads", "fees", "passport", "debt")["2026-02"] == ("2", "2", "1", "0")
    assert _by_month(rows, "ads", "fees")["2026-03"] == ("1", "0")
    assert "good_practice" not in rows[0]
    everywhere = _csv(reviewer_client, "signals", RANGE)
    assert _by_month(everywhere, "ads", "fees")["2026-02"] == ("3", "3")


def test_grievances_by_status_from_clear_metadata(fixture, reviewer_client):
    rows = _csv(reviewer_client, "grievances", f"corridor=NP-QA&{RANGE}")
    assert _by_month(rows, "total", "received", "resolved", "triaged")["2026-03"] == (
        "2", "1", "1", "0")
    everywhere = _csv(reviewer_client, "grievances", RANGE)
    assert _by_month(everywhere, "total", "triaged")["2026-03"] == ("3", "1")
    assert _by_month(everywhere, "total")["2026-02"] == ("0",)


def test_grievances_by_the_category_reviewers_gave_them(fixture, reviewer_client):
    rows = _csv(reviewer_client, "grievance_categories", f"corridor=NP-QA&{RANGE}")
    assert _by_month(rows, "total", "passport", "fees", "unclassified")["2026-03"] == (
        "2", "1", "0", "1")
    everywhere = _csv(reviewer_client, "grievance_categories", RANGE)
    assert _by_month(everywhere, "total", "passport", "fees", "unclassified")["2026-03"] == (
        "3", "1", "1", "1")


def test_fees_reported_in_visible_reviews(fixture, reviewer_client):
    rows = _csv(reviewer_client, "fees", f"corridor=NP-QA&{RANGE}")
    assert _by_month(rows, "reviews", "paid_fee", "paid_fee_percent", "median_fee_usd")[
        "2026-04"] == ("4", "3", "75.0", "1000.00")
    assert _by_month(rows, "reviews", "paid_fee_percent", "median_fee_usd")["2026-03"] == (
        "0", "", "")
    everywhere = _csv(reviewer_client, "fees", RANGE)
    assert _by_month(everywhere, "reviews", "paid_fee_percent", "median_fee_usd")[
        "2026-04"] == ("5", "80.0", "1020.84")


def test_charts_are_well_formed_svg_without_script_holding_the_values(fixture,
                                                                      reviewer_client):
    response = reviewer_client.get(f"/review/statistics/fees.svg?corridor=NP-QA&{RANGE}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script"))
    text = " ".join(t for t in root.itertext())
    assert "75" in text and "1,000" in text and "Apr 2026" in text  # the reader's words
    values = [d.text for d in root.iter(f"{SVG}desc") if d.get("class") == "value"]
    assert "75" in values and "1,000" in values

    organisations = ET.fromstring(reviewer_client.get(
        f"/review/statistics/organisations.svg?corridor=NP-QA&{RANGE}").data)
    values = [d.text for d in organisations.iter(f"{SVG}desc") if d.get("class") == "value"]
    flagged, suspended = values[:5], values[5:]  # one series after the other, by month
    assert (flagged, suspended) == (["0", "1", "2", "1", "1"], ["0", "0", "0", "1", "1"])


@pytest.mark.parametrize("name", stats.TABLES)
def test_charts_render_when_a_corridor_has_nothing_to_show(make, reviewer_client, name):
    # One review that reports no fee: the fee chart has a share (0 %) but no median at all.
    job = make.job(make.organisation("Delta Works"), corridor="NP-QA")
    _review(make, job, "2026-04-02 08:00", None)
    response = reviewer_client.get(f"/review/statistics/{name}.svg?corridor=NP-QA&{RANGE}")
    assert response.status_code == 200
    assert ET.fromstring(response.data).tag == f"{SVG}svg"


def test_page_shows_the_tables_and_links_under_a_strict_policy(fixture, reviewer_client):
    response = reviewer_client.get(f"/review/statistics/?corridor=NP-QA&{RANGE}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "<script" not in page
    for name in stats.TABLES:
        assert f'src="/review/statistics/{name}.svg?corridor=NP-QA&amp;from=2026-01' in page
        assert f'href="/review/statistics/{name}.csv?corridor=NP-QA&amp;from=2026-01' in page
    assert "<td>75</td>" in page and "<td>1,000</td>" in page
    # Months, corridors and columns in words, never their stored codes.
    assert "<td>Apr 2026</td>" in page and "<td>Nepal → Qatar</td>" in page
    assert "<th>Workers who paid a fee (%)</th>" in page and "<th>Passports kept</th>" in page
    cells = " ".join(re.findall(r"<t[dh]>([^<]*)</t[dh]>", page))
    assert not re.search(r"NP-QA|\d{4}-\d\d|_", cells), cells


@pytest.mark.parametrize(("query", "field"), [
    ("corridor=XX-YY", "corridor"), ("from=2026-13", "from"), ("to=last+year", "to"),
    ("from=2026-05&to=2026-01", "to"), ("from=2001-01&to=2026-01", "from"),
    ("from=2999-01", "from")])
def test_bad_filters_answer_400_naming_the_field(reviewer_client, make, query, field):
    make.corridor("NP-QA")
    for path in ("/review/statistics/", "/review/statistics/fees.csv",
                 "/review/statistics/signals.svg"):
        response = reviewer_client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert field in response.get_data(as_text=True)
    assert reviewer_client.get("/review/statistics/nothing.csv").status_code == 404


def test_csv_guards_text_cells_against_formulas():
    assert [safe_cell(v) for v in ("=SUM(A1)", "+1", "-2", "@x", "NP-QA", -3, None)] == [
        "'=SUM(A1)", "'+1", "'-2", "'@x", "NP-QA", -3, ""]
    text = to_csv(Table("x", ["month", "note"], [["2026-01", '=HYPERLINK("a,b")']]))
    assert list(csv.reader(io.StringIO(text))) == [["month", "note"],
                                                    ["2026-01", "'=HYPERLINK(\"a,b\")"]]


def test_admins_see_the_console_and_others_do_not(fixture, make, auth, client):
    assert auth.login(make.user("admin").email, PASSWORD).status_code == 302
    assert client.get(f"/review/statistics/fees.csv?{RANGE}").status_code == 200
    auth.logout()
    assert auth.login(make.user("worker").email, PASSWORD).status_code == 302
    assert client.get(f"/review/statistics/fees.csv?{RANGE}").status_code == 403
