"""Property-based tests: any input to the job forms, the job API and the job filters.

For every submission: no 500, a rejection stores nothing, a 400 names a field. Inputs
that once crashed the app are pinned as regression tests at the end.
"""
from __future__ import annotations

import datetime as dt
import operator
import os
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from app.accounts.services import issue_api_token
from app.audit import AuditEntry
from app.extensions import db
from app.jobs.costs import cost_item_ids
from app.jobs.models import ACCOMMODATION, PAYERS, WAGE_PERIODS, JobCost, JobPosting
from app.jobs.wages import monthly_equivalent, to_usd
from app.timeutil import today
from tests.fixtures.builders import PASSWORD, job_input

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
COSTS = cost_item_ids()
FIELDS = set(job_input()) | {f"costs.{i}.{f}" for i in COSTS for f in ("payer", "amount", "currency")}
FILTERS = {"occupation", "organisation", "min_wage", "sort", "page"}  # the corridor page
NAMED_IN_FORM = re.compile(r'<a href="#f-([^"]+)">')


def _day(offset: int) -> str:
    return (today() + dt.timedelta(days=offset)).isoformat()


# --- strategies: garbage of every JSON type, and valid postings with a few fields spoilt ---

TEXT = st.text()  # any unicode, NUL included
HUGE_TEXT = st.builds(operator.mul, st.text(min_size=1, max_size=3), st.integers(200, 30_000))
# Integer and decimal limits of the databases and of Python's decimal context, to reach
# them more often than st.integers() and st.floats() alone do.
LIMITS = st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**30, -1e30, 1e-30, -1.7e308])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), LIMITS, TEXT,
                    HUGE_TEXT)
ANYTHING = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=5)
NEAR_VALID = {
    "title": ["Welder", "ab", "x" * 200, "x" * 201, "   ", "Welder\x00", "Électricien — 电工 🔌"],
    "description": ["x" * 19, "x" * 20, "y" * 20_001, "Wiring\x00 " * 5],
    "corridor": ["NP-QA", "np-qa", " PH-AE ", "NP-QAX", "XX-YY"],
    "occupation": ["kitchen porter", "BUILDING ELECTRICIAN", "electrician", "%_%", "ab\\"],
    "wage_amount": ["1,800.50", "0", "-1", "0.01", "10000000", "10000000.01", "1e3", "NaN",
                    "Infinity", 1800, 0.5, float("nan"), float("inf")],
    "wage_currency": ["qar", "USD", "KWD", "NPR", "XXX", "ZZZ", "QA", "QARS"],
    "wage_period": [*WAGE_PERIODS, "fortnight", "MONTH"],
    "hours_per_week": [1, 100, 0, 101, "48", " 48 ", "4.8", 48.0, -1],
    "benefits": ["", "x" * 2000, "x" * 2001],
    "accommodation": [*ACCOMMODATION, "free"],
    "contract_languages": [["ne"], [], ["zz"], "ne, en", "ne,,en", ["nep"], ["en"] * 31, [""]],
    "valid_through": [_day(0), _day(-1), _day(366), _day(367), "2026-02-30", "31/12/2026"],
}
COST_ENTRY = st.fixed_dictionaries(
    {"payer": st.sampled_from([*PAYERS, "nobody"]) | SCALARS},
    optional={"amount": st.sampled_from(NEAR_VALID["wage_amount"]) | SCALARS,
              "currency": st.sampled_from(NEAR_VALID["wage_currency"]) | SCALARS}) | ANYTHING


@st.composite
def job_payloads(draw) -> dict:
    """job_input() with up to four fields made odd, wrong or missing, and some cost entries."""
    data = job_input()
    for name in draw(st.lists(st.sampled_from(sorted(NEAR_VALID)), max_size=4, unique=True)):
        how = draw(st.sampled_from(["near", "near", "anything", "missing"]))
        if how == "missing":
            del data[name]
        else:
            data[name] = draw(st.sampled_from(NEAR_VALID[name]) if how == "near" else ANYTHING)
    for item in draw(st.lists(st.sampled_from(COSTS), max_size=3, unique=True)):
        if draw(st.booleans()):
            del data["costs"][item]
        else:
            data["costs"][item] = draw(COST_ENTRY)
    if draw(st.integers(0, 9)) == 0:
        data["costs"] = draw(ANYTHING)
    return data


QUERY_NEAR = {"corridor": ["NP-QA", "np-qa", "XX-YY", "NP-QAX"], "occupation": ["1", "0", "x"],
              "organisation": ["1", "-1", "1.5"], "min_wage": ["1500", "-5", "1,000", "NaN"],
              "sort": ["newest", "wage", "oldest"], "page": ["2", "0", "100001", " 3 "],
              "per_page": ["1", "100", "101", "0"]}


@st.composite
def query_strings(draw) -> list[tuple[str, str]]:
    """Known and unknown parameters, some repeated, with near-valid or arbitrary values."""
    keys = draw(st.lists(st.sampled_from(sorted(QUERY_NEAR)) | st.text(max_size=6), max_size=5))
    return [(key, draw(st.sampled_from(QUERY_NEAR.get(key, [""])) | SCALARS.map(_text)))
            for key in keys]


def _text(value) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def form_fields(data: dict) -> dict:
    """The posting as a browser sends it: every value text, a list as a repeated field."""
    flat = {k: v for k, v in data.items() if k != "costs"}
    if isinstance(flat.get("contract_languages"), list) and all(
            isinstance(v, str) for v in flat["contract_languages"]):
        flat["contract_languages"] = ", ".join(flat["contract_languages"])
    costs = data.get("costs")
    for item, entry in (costs.items() if isinstance(costs, dict) else []):
        for field, value in (entry.items() if isinstance(entry, dict) else [("payer", entry)]):
            flat[f"costs.{item}.{field}"] = value
    return {k: [_text(x) for x in v] if isinstance(v, list) else _text(v)
            for k, v in flat.items() if v is not None}


# --- helpers ---------------------------------------------------------------------------

def send(call, *args, **kwargs):
    """One request; if it raises (a 500 in production), free the shared session, re-raise."""
    try:
        return call(*args, **kwargs)
    except Exception:
        db.session.rollback()
        raise


def stored_rows() -> tuple[int, int, int]:
    """Committed postings, cost disclosures and audit entries, read on a fresh connection."""
    with db.engine.connect() as conn:
        return tuple(conn.scalar(sa.select(sa.func.count()).select_from(model.__table__))
                     for model in (JobPosting, JobCost, AuditEntry))


def stored_job(job_id: int) -> tuple:
    with db.engine.connect() as conn:
        job = conn.execute(sa.select(JobPosting.__table__).where(JobPosting.id == job_id)).one()
        costs = conn.execute(sa.select(JobCost.item, JobCost.payer, JobCost.amount,
                                       JobCost.currency).where(JobCost.job_id == job_id)
                             .order_by(JobCost.item)).all()
        return tuple(job), tuple(costs)


def assert_names_fields(names, allowed) -> None:
    assert names and set(names) <= set(allowed), names


def _api_errors(response) -> list[str]:
    return list(response.get_json()["errors"])


def _page_errors(response) -> list[str]:
    """The fields a re-rendered form lists in its error summary."""
    return NAMED_IN_FORM.findall(response.get_data(as_text=True))


@pytest.fixture
def member(auth, make):
    """A signed-in employer member; corridors and occupations a posting may name exist."""
    for code in ("NP-QA", "PH-AE"):
        make.corridor(code)
    for label in ("building electrician", "kitchen porter"):
        make.occupation(label)
    member = make.member()
    assert auth.login(member.email, PASSWORD).status_code == 302
    return member


@pytest.fixture
def own_job_id(make, member) -> int:
    """A posting of the member's organisation, to edit, and to see untouched by rejections."""
    return make.job(member.organisation).id


@pytest.fixture
def bearer(member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_api_token(member)}"}


# --- properties ------------------------------------------------------------------------

@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
@SETTINGS
@given(data=job_payloads())
def test_job_form_survives_any_input(auth, own_job_id, editing, data):
    url = f"/org/jobs/{own_job_id}/edit" if editing else "/org/jobs/new"
    before, job_before = stored_rows(), stored_job(own_job_id)
    response = send(auth.post, url, form_fields(data))
    after = stored_rows()
    event(f"HTTP {response.status_code}")
    assert response.status_code < 500
    if response.status_code == 302:  # an edit keeps the posting's one row per cost item
        assert after[:2] == (before[0] + (not editing), before[1] + len(COSTS) * (not editing))
    else:
        assert (after, stored_job(own_job_id)) == (before, job_before)
    if response.status_code == 400:
        assert_names_fields(_page_errors(response), FIELDS)


@st.composite
def api_bodies(draw):
    """Mostly spoilt postings; one in four is any JSON value at all."""
    return draw(ANYTHING if draw(st.integers(0, 3)) == 0 else job_payloads())


@settings(SETTINGS, max_examples=100)
@given(body=api_bodies())
def test_job_api_survives_any_body(client, bearer, body):
    before = stored_rows()
    response = send(client.post, "/api/v1/jobs", json=body, headers=bearer)
    after = stored_rows()
    event(f"HTTP {response.status_code}")
    assert response.status_code < 500
    if response.status_code == 201:
        assert after[:2] == (before[0] + 1, before[1] + len(COSTS))
    else:
        assert after == before
    if response.status_code == 400:
        assert_names_fields(_api_errors(response), FIELDS | {"body"})
        assert all(isinstance(why, str) and why for why in response.get_json()["errors"].values())


@pytest.fixture
def listed_job(make):
    return make.job()


@pytest.mark.parametrize("url, named, allowed", [
    ("/api/v1/jobs", _api_errors, set(QUERY_NEAR)), ("/corridors/NP-QA", _page_errors, FILTERS)])
@SETTINGS
@given(query=query_strings())
def test_job_lists_survive_any_query(client, listed_job, url, named, allowed, query):
    response = send(client.get, f"{url}?{urlencode(query)}")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_names_fields(named(response), allowed)


# --- regressions: the smallest inputs hypothesis found, each once a 500 --------------------

@pytest.mark.parametrize("url, field", [
    ("/api/v1/jobs?occupation=9223372036854775808", "occupation"),
    ("/api/v1/jobs?organisation=2147483648", "organisation"),
    ("/corridors/NP-QA?organisation=9223372036854775808", "organisation"),
    ("/corridors/NP-QA?page=461168601842738792", "page"),
])
def test_out_of_range_ids_and_pages_are_named(client, listed_job, url, field):
    response = send(client.get, url)
    assert response.status_code == 400 and field in response.get_data(as_text=True)


@pytest.mark.parametrize("overrides, field", [
    ({"title": "Building electrician\ud800"}, "title"),
    ({"occupation": "\ud800"}, "occupation"),
    ({"wage_amount": "10000000", "wage_currency": "KWD", "wage_period": "hour",
      "hours_per_week": 100}, "wage_amount"),
])
def test_unstorable_text_and_overflowing_wages_are_named(client, bearer, overrides, field):
    before = stored_rows()
    response = send(client.post, "/api/v1/jobs", json=job_input(**overrides), headers=bearer)
    assert response.status_code == 400 and field in response.get_json()["errors"]
    assert stored_rows() == before


@pytest.mark.parametrize("url", ["/api/v1/jobs?min_wage=-1e26", "/corridors/NP-QA?min_wage=-1e26"])
def test_wage_filter_too_long_to_round_is_named(client, listed_job, url):
    # Found by test_job_lists_survive_any_query (decimal.InvalidOperation, a 500).
    response = send(client.get, url)
    assert response.status_code == 400 and "min_wage" in response.get_data(as_text=True)
