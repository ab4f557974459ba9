"""The JSON API (/api/v1): reading jobs, the OpenAPI document, and posting with a token.

Responses are checked against the schemas of app/api/openapi.yaml, so the API
keeps the promises its published document makes.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
import yaml

from app.accounts.services import issue_api_token
from app.api.openapi import SPEC
from app.errors import PermissionDenied
from app.extensions import db
from app.jobs.costs import cost_item_ids
from app.jobs.models import JobCost, JobPosting
from app.timeutil import today
from tests.fixtures.builders import employer_pays_all, job_input

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
COMPONENTS = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
         "object": dict, "array": list, "null": type(None)}


def schema_problems(value, schema: dict, where: str = "$") -> list[str]:
    """What in `value` breaks `schema` (a small subset of JSON Schema; [] if nothing).

    Stricter than JSON Schema on purpose: a declared property is required, because
    job_json always sends every field the document describes.
    """
    if "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    # In Python a bool is an int; in JSON true is no integer.
    if types and not any(isinstance(value, TYPES[t]) and (t == "boolean") == isinstance(value, bool)
                         for t in types):
        return [f"{where}: {value!r} is not {'/'.join(types)}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    if isinstance(value, str) and not _has_format(value, schema.get("format")):
        return [f"{where}: {value!r} is not a {schema['format']}"]
    problems = []
    if isinstance(value, dict):
        declared = schema.get("properties", {})
        problems += [f"{where}.{key}: missing" for key in declared if key not in value]
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in declared:
                problems += schema_problems(item, declared[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                problems += schema_problems(item, extra, f"{where}.{key}")
            elif declared:
                problems.append(f"{where}.{key}: not in the document")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            problems += schema_problems(item, schema["items"], f"{where}[{n}]")
    return problems


def _has_format(value: str, fmt: str | None) -> bool:
    try:
        if fmt == "date":
            dt.date.fromisoformat(value)
        elif fmt == "date-time":
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif fmt == "uri":
            return bool(urlparse(value).scheme and urlparse(value).netloc)
    except ValueError:
        return False
    return True


def stored_jobs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting))


@pytest.fixture
def member(make):
    make.corridor("NP-QA")
    make.occupation("building electrician")
    return make.member()


@pytest.fixture
def bearer(member) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_api_token(member)}"}


# --- reading ---------------------------------------------------------------------------

def test_list_filters_by_corridor_and_matches_the_document(client, make):
    make.corridor("PH-AE")
    doha = make.job(title="Electrician Doha")
    make.job(title="Electrician Dubai", corridor="PH-AE", wage_currency="AED")
    body = client.get("/api/v1/jobs?corridor=np-qa").get_json()
    assert [job["id"] for job in body["items"]] == [doha.id]
    assert body["items"][0]["corridor"] == "NP-QA"
    assert schema_problems(body, {"$ref": "#/components/schemas/JobPage"}) == []
    assert client.get("/api/v1/jobs").get_json()["total"] == 2


def test_pagination_counts_pages_and_splits_items(client, make):
    organisation = make.organisation()
    ids = {make.job(organisation, title=f"Job number {n}").id for n in range(7)}
    pages = [client.get(f"/api/v1/jobs?per_page=3&page={n}").get_json() for n in (1, 2, 3, 4)]
    assert [(p["page"], p["per_page"], p["total"], p["pages"]) for p in pages] == [
        (n, 3, 7, 3) for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert {job["id"] for p in pages for job in p["items"]} == ids
    assert client.get("/api/v1/jobs").get_json()["per_page"] == 20


@pytest.mark.parametrize("query, field", [("per_page=0", "per_page"), ("per_page=101", "per_page"),
                                          ("per_page=ten", "per_page"), ("page=0", "page")])
def test_per_page_and_page_out_of_bounds_are_named(client, query, field):
    response = client.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_largest_page_size_is_accepted(client, make):
    make.job()
    body = client.get("/api/v1/jobs?per_page=100").get_json()
    assert (body["per_page"], body["total"], body["pages"]) == (100, 1, 1)


def test_one_job_shows_wage_costs_and_licence(client, make):
    costs = employer_pays_all()
    costs["medical_exam"] = {"payer": "worker", "amount": "9000", "currency": "NPR"}
    job = make.job(wage_amount="7.50", wage_period="hour", hours_per_week=48, costs=costs)
    body = client.get(f"/api/v1/jobs/{job.id}").get_json()
    assert schema_problems(body, {"$ref": "#/components/schemas/Job"}) == []
    assert body["wage"] == {"amount": "7.50", "currency": "QAR", "period": "hour",
                            "monthly": "1560.00"}  # 7.50 × 48 h × 52/12 weeks
    assert set(body["costs"]) == set(cost_item_ids())
    assert body["costs"]["medical_exam"] == {"payer": "worker", "amount": "9000.00",
                                             "currency": "NPR"}
    assert body["costs"]["air_ticket"] == {"payer": "employer", "amount": None, "currency": None}
    assert body["organisation"]["licence_status"] == "valid"


@pytest.mark.parametrize("licence, status", [
    ({"licence_expiry": dt.date(2020, 1, 1)}, "expired"),
    ({"licence_number": None, "licence_expiry": None}, "none")])
def test_licence_status_tells_an_expired_or_missing_licence(client, make, licence, status):
    job = make.job(make.organisation(**licence))
    assert client.get(f"/api/v1/jobs/{job.id}").get_json()["organisation"]["licence_status"] \
        == status


def test_unknown_job_is_a_json_404(client, make):
    make.job()
    response = client.get("/api/v1/jobs/999999")
    assert response.status_code == 404
    assert response.is_json and response.get_json() == {"error": "not found"}


def test_unknown_corridor_is_named(client, make):
    make.corridor("NP-QA")
    response = client.get("/api/v1/jobs?corridor=XX-YY")
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["corridor"]


def test_suspended_organisations_jobs_are_hidden(client, make):
    visible = make.job(title="Visible job")
    hidden = make.job(make.organisation(tier="suspended"), title="Hidden job")
    assert [job["id"] for job in client.get("/api/v1/jobs").get_json()["items"]] == [visible.id]
    assert client.get(f"/api/v1/jobs/{hidden.id}").status_code == 404


# --- the OpenAPI document --------------------------------------------------------------

def _refs(node):
    if isinstance(node, dict):
        yield from ([node["$ref"]] if "$ref" in node else [])
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1.") and doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"][0]["url"] == "http://localhost/api/v1"
    for ref in _refs(doc):
        _, section, kind, name = ref.split("/")
        assert name in doc[section][kind], ref
    documented = {}
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS & set(item):
            declared = {p["name"] for p in item[method].get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path)), (path, method)
        documented[re.sub(r"\{\w+\}", "{}", path)] = HTTP_METHODS & set(item)
    routed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        # The document does not list its own URL (nor does FastAPI's); all else must be there.
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/api/v1"))
            routed.setdefault(path, set()).update(m.lower() for m in rule.methods
                                                  if m not in ("HEAD", "OPTIONS"))
    assert documented == routed


# --- posting ---------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer fc_not-a-real-token"},
                                     {"Authorization": "fc_token-without-bearer"}])
def test_posting_needs_a_valid_token(client, member, headers):
    issue_api_token(member)
    response = client.post("/api/v1/jobs", json=job_input(), headers=headers)
    assert response.status_code == 401 and "token" in response.get_json()["error"]
    assert stored_jobs() == 0


def test_member_with_token_posts_a_job(client, member, bearer):
    response = client.post("/api/v1/jobs", json=job_input(title="  Welder  "), headers=bearer)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert schema_problems(body, {"$ref": "#/components/schemas/Job"}) == []
    assert body["title"] == "Welder" and body["organisation"]["id"] == member.organisation_id
    assert client.get(f"/api/v1/jobs/{body['id']}").get_json() == body
    assert [job["id"] for job in client.get("/api/v1/jobs").get_json()["items"]] == [body["id"]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobCost)) == 10


YESTERDAY = (today() - dt.timedelta(days=1)).isoformat()
WITHOUT_TICKET = {k: v for k, v in employer_pays_all().items() if k != "air_ticket"}
WORKER_PAYS_NOTHING_SAID = {**employer_pays_all(), "medical_exam": {"payer": "worker"}}
BAD_FIELDS = [
    ({"wage_currency": "ZZZ"}, ["wage_currency"]),
    ({"wage_amount": "0"}, ["wage_amount"]),
    ({"wage_amount": -1800}, ["wage_amount"]),
    ({"valid_through": YESTERDAY}, ["valid_through"]),
    ({"corridor": "XX-YY"}, ["corridor"]),
    ({"title": "x" * 201}, ["title"]),
    ({"title": ["Electrician"]}, ["title"]),
    ({"hours_per_week": "forty-eight"}, ["hours_per_week"]),
    ({"contract_languages": {"ne": True}}, ["contract_languages"]),
    ({"costs": "employer pays everything"}, ["costs"]),
    ({"costs": WITHOUT_TICKET}, ["costs.air_ticket.payer"]),
    ({"costs": WORKER_PAYS_NOTHING_SAID}, ["costs.medical_exam.amount",
                                           "costs.medical_exam.currency"]),
]


@pytest.mark.parametrize("overrides, fields", BAD_FIELDS,
                         ids=[",".join(fields) for _, fields in BAD_FIELDS])
def test_bad_field_is_named_and_nothing_is_stored(client, bearer, overrides, fields):
    response = client.post("/api/v1/jobs", json=job_input(**overrides), headers=bearer)
    assert response.status_code == 400
    assert sorted(response.get_json()["errors"]) == sorted(fields)
    assert stored_jobs() == 0


def test_every_bad_field_is_reported_at_once(client, bearer):
    overrides = {}
    for more, _ in BAD_FIELDS[:6]:
        overrides.update(more)
    response = client.post("/api/v1/jobs", json=job_input(**overrides), headers=bearer)
    assert set(response.get_json()["errors"]) == {
        "wage_currency", "wage_amount", "valid_through", "corridor", "title"}


@pytest.mark.parametrize("body", [["a", "list"], "text", 42, None])
def test_body_that_is_not_an_object_is_named(client, bearer, body):
    response = client.post("/api/v1/jobs", json=body, headers=bearer)
    assert response.status_code == 400 and list(response.get_json()["errors"]) == ["body"]


def test_wage_that_rounds_to_zero_is_refused(client, bearer):
    # Wages are stored with two decimals: 0.001 would be published as a wage of 0.00.
    response = client.post("/api/v1/jobs", json=job_input(wage_amount="0.001"), headers=bearer)
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["wage_amount"]


@pytest.mark.parametrize("role", ["worker", "reviewer", "admin"])
def test_only_organisation_members_get_a_token(make, role):
    with pytest.raises(PermissionDenied):
        issue_api_token(make.user(role))


def test_worker_with_a_forged_token_cannot_post(client, make, member):
    worker = make.user("worker")
    worker.set_api_token("fc_forged")  # what issue_api_token refuses to do
    db.session.commit()
    response = client.post("/api/v1/jobs", json=job_input(),
                           headers={"Authorization": "Bearer fc_forged"})
    assert response.status_code == 403 and stored_jobs() == 0


def test_suspended_organisation_cannot_post(client, make, member):
    suspended = make.member(make.organisation(tier="suspended"))
    response = client.post("/api/v1/jobs", json=job_input(),
                           headers={"Authorization": f"Bearer {issue_api_token(suspended)}"})
    assert response.status_code == 403 and "suspended" in response.get_json()["error"]
    assert stored_jobs() == 0
