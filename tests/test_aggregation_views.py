"""The job-source admin pages, and what workers see of an aggregated posting's origin."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.models import JobSource, SourceRun
from app.audit import AuditEntry
from app.extensions import db
from app.jobs.models import JobPosting
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)
from tests.fixtures.builders import PASSWORD

FORM = {"name": "Gulf Coast H-2B export", "corridor": "NP-QA", "kind": "csv",
        "location": "cedar-valley-seasonal.csv", "refresh_minutes": "720",
        "mappings": '{"title": "Job Title", "employer": "Company"}', "active": "y"}


def _admin(auth, make):
    admin = make.user("admin")
    assert auth.login(admin.email, PASSWORD).status_code == 302
    return admin


def test_admin_adds_and_edits_a_source(auth, make, client):
    make.corridor("NP-QA")
    admin = _admin(auth, make)
    response = auth.post("/admin/sources/new", FORM)
    source = db.session.scalar(sa.select(JobSource))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/admin/sources/{source.id}")
    assert (source.kind, source.refresh_minutes, source.mappings, source.active) == (
        "csv", 720, {"title": "Job Title", "employer": "Company"}, True)
    edit = client.get(f"/admin/sources/{source.id}/edit").get_data(as_text=True)
    assert "cedar-valley-seasonal.csv" in edit and "Job Title" in edit
    auth.post(f"/admin/sources/{source.id}/edit", {**FORM, "active": "", "mappings": ""})
    db.session.refresh(source)
    assert (source.active, source.mappings) == (False, {})
    actions = db.session.scalars(sa.select(AuditEntry.action)
                                 .where(AuditEntry.actor_id == admin.id)).all()
    assert actions == ["aggregation.source_created", "aggregation.source_updated"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("kind", "pdf", "must be one of"),
    ("corridor", "XX-YY", "does not exist"),
    ("location", "../../app/config.py", "must be a file under"),
    ("location", "missing.csv", "no such file"),
    ("location", "ftp://example.org/jobs.csv", "http(s) address or a file path"),
    ("mappings", "{title: Job}", "must be a JSON object"),
    ("mappings", '{"salary_text": "Pay"}', "has unknown fields salary_text"),
    ("refresh_minutes", "1", "must be at least 5"),
])
def test_a_bad_source_is_refused_with_the_field_named(auth, make, field, value, message):
    make.corridor("NP-QA")
    _admin(auth, make)
    response = auth.post("/admin/sources/new", {**FORM, field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page.replace("&#34;", '"')
    assert f'href="#f-{field}"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobSource)) == 0


def test_a_second_source_cannot_take_a_name(auth, make):
    make.corridor("NP-QA")
    _admin(auth, make)
    auth.post("/admin/sources/new", FORM)
    response = auth.post("/admin/sources/new", {**FORM, "name": FORM["name"].upper()})
    assert response.status_code == 400
    assert "already the name of another source" in response.get_data(as_text=True)


def test_the_list_shows_last_runs_and_the_source_page_their_rejections(demo_sources, auth,
                                                                       make, client):
    services.run_sources(None, services.sources_to_run(force=True))
    _admin(auth, make)
    listing = client.get("/admin/sources/").get_data(as_text=True)
    assert listing.count("Done ·") == 6 and "Riyadh Jobs Digest" in listing
    board = db.session.scalar(sa.select(JobSource).where(JobSource.kind == "atom"))
    page = client.get(f"/admin/sources/{board.id}").get_data(as_text=True)
    assert "fetched 3: new 2, updated 0, unchanged 0" in page
    assert "entry 3 (Date Farm Worker)" in page and "unknown country &#39;Atlantis&#39;" in page
    assert client.get("/admin/").get_data(as_text=True).count("/admin/sources/") >= 1


def test_a_failed_run_shows_its_reason(auth, make, client, source_server):
    source = JobSource(name="Gone", corridor=make.corridor("NP-QA"), kind="rss",
                       location=f"{source_server.url}/missing")
    db.session.add(source)
    db.session.commit()
    services.run_sources(None, [source])
    _admin(auth, make)
    assert "HTTP 404 Not Found" in client.get("/admin/sources/").get_data(as_text=True)
    assert "The run failed: HTTP 404" in client.get(
        f"/admin/sources/{source.id}").get_data(as_text=True)


def test_only_admins_reach_the_source_pages(auth, make, client):
    source = JobSource(name="Any", corridor=make.corridor("NP-QA"), kind="rss",
                       location="https://jobs.example/feed")
    db.session.add(source)
    db.session.commit()
    paths = ["/admin/sources/", "/admin/sources/new", f"/admin/sources/{source.id}",
             f"/admin/sources/{source.id}/edit"]
    assert all(client.get(p).headers["Location"].startswith("/login") for p in paths)
    auth.login(make.user("reviewer").email)
    assert {client.get(p).status_code for p in paths} == {403}
    auth.logout()
    _admin(auth, make)
    assert client.get("/admin/sources/999999").status_code == 404


def test_source_markup_never_reaches_a_page_unescaped(app, esco_mapper, source_server,
                                                     source_files, make, client):
    hostile = {
        "@type": "JobPosting", "identifier": "X-1",
        "title": "<script>alert('t')</script>Cleaner",
        "description": "<img src=x onerror=alert(1)>Clean offices.&lt;script&gt;alert(2)"
                       "&lt;/script&gt; Salary QAR 1,300 per month.",
        "hiringOrganization": {"name": "<b>Bold</b> Cleaning W.L.L.",
                               "sameAs": "javascript:alert(3)"},
        "url": "javascript:alert(4)",
        "baseSalary": "QAR 1,300 per month",
    }
    (source_files / "hostile.json").write_text(json.dumps([hostile]))
    source = JobSource(name="<i>Hostile</i> board", corridor=make.corridor("NP-QA"),
                       kind="json", location=f"{source_server.url}/sources/hostile.json")
    db.session.add(source)
    db.session.commit()
    run = services.run_sources(None, [source])[0]
    assert run.new == 1, run.errors
    job = db.session.scalar(sa.select(JobPosting))
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page and "<b>Bold" not in page
    assert "javascript:" not in page and "<i>Hostile" not in page
    assert "&lt;i&gt;Hostile&lt;/i&gt; board" in page  # shown as text, not markup
    assert job.title == "Cleaner" and job.organisation.name == "Bold Cleaning W.L.L."


def test_direct_postings_show_no_source_section(make, client):
    job = make.job()
    assert "Where this job was found" not in client.get(f"/jobs/{job.id}").get_data(
        as_text=True)


def test_aggregated_posting_tells_workers_where_it_came_from(demo_sources, client):
    services.run_sources(None, services.sources_to_run(force=True))
    mill = db.session.scalar(sa.select(JobPosting)
                             .where(JobPosting.title == "Palm Oil Mill Worker"))
    page = client.get(f"/jobs/{mill.id}").get_data(as_text=True)
    assert "Where this job was found" in page and "KL Factory Jobs feed" in page
    assert 'href="https://kl-factory-jobs.example/jobs/tanjung-mill-2215"' in page
    assert "first seen" in page and "has not registered with FairCorridor" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceRun)) == 6


@pytest.mark.parametrize(("location", "message"), [
    ("http://127.0.0.1:8080/jobs.rss", "refused: 127.0.0.1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "is a link-local address"),
    ("https://10.0.0.7/feed", "is a private address"),
])
def test_with_the_guard_on_a_private_address_is_refused_on_the_form(auth, make, app,
                                                                    monkeypatch, location,
                                                                    message):
    monkeypatch.setitem(app.config, "AGGREGATION_ALLOW_PRIVATE_HOSTS", False)
    make.corridor("NP-QA")
    _admin(auth, make)
    response = auth.post("/admin/sources/new", {**FORM, "kind": "rss", "location": location})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and 'href="#f-location"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobSource)) == 0


def test_with_the_guard_on_a_run_against_the_loopback_fails_with_the_reason(
        auth, make, app, monkeypatch, client, source_server):
    source = JobSource(name="Loopback feed", corridor=make.corridor("NP-QA"), kind="rss",
                       location=f"{source_server.url}/sources/kl-factory-jobs.rss")
    db.session.add(source)
    db.session.commit()
    monkeypatch.setitem(app.config, "AGGREGATION_ALLOW_PRIVATE_HOSTS", False)
    run = services.run_sources(None, [source])[0]
    assert (run.status, run.failure) == ("failed", "refused: 127.0.0.1 is a loopback address")
    assert source_server.requests == []
    _admin(auth, make)
    assert "127.0.0.1 is a loopback address" in client.get(
        f"/admin/sources/{source.id}").get_data(as_text=True)
    monkeypatch.setitem(app.config, "AGGREGATION_ALLOW_PRIVATE_HOSTS", True)
    monkeypatch.setitem(app.config, "AGGREGATION_CONTACT_URL", "https://fc.example/crawler")
    assert services.run_sources(None, [source])[0].fetched == 4
    agent = app.config["AGGREGATION_USER_AGENT"] + " +https://fc.example/crawler"
    assert source_server.requests == [("/robots.txt", agent),  # asked first, as the same agent
                                      ("/sources/kl-factory-jobs.rss", agent)]
