"""A polite crawler: robots.txt honoured for our user agent, a 304 for an unchanged document
(nothing parsed), a busy site left alone for as long as it asks, and a job board read
through its sitemap as one source; each step is in the run's log."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.fetch import retry_after_seconds
from app.aggregation.models import JobSource
from app.corridors.models import Corridor
from app.extensions import db
from app.jobs.models import JobPosting
from app.timeutil import utcnow
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)

AGENT_RULES = ("User-agent: SomeOtherBot\nDisallow: /\n\n"
               "User-agent: FairCorridor-aggregator\nDisallow: /sources/private/\n")


def _source(name: str) -> JobSource:
    return db.session.scalar(sa.select(JobSource).where(JobSource.name == name))


def _new_source(server, name: str, kind: str, path: str) -> JobSource:
    corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == "NP-QA"))
    source = JobSource(name=name, corridor=corridor, kind=kind,
                       location=f"{server.url}/{path}")
    db.session.add(source)
    db.session.commit()
    return source


def _posting_page(title: str, ident: str) -> str:
    posting = {"@context": "https://schema.org", "@type": "JobPosting", "title": title,
               "identifier": ident, "description": f"{title} for towers in Lusail.",
               "hiringOrganization": {"@type": "Organization", "name": "Lusail Build W.L.L."},
               "jobLocation": {"@type": "Place", "address": {"addressCountry": "QA"}},
               "baseSalary": {"@type": "MonetaryAmount", "currency": "QAR", "value": {
                   "@type": "QuantitativeValue", "value": 1500, "unitText": "MONTH"}}}
    return (f'<html><head><script type="application/ld+json">{json.dumps(posting)}'
            "</script></head><body></body></html>")


def test_robots_txt_keeps_the_crawler_out_of_what_it_disallows(demo_sources, source_files,
                                                                source_server):
    source_server.robots = AGENT_RULES
    (source_files / "private").mkdir()
    (source_files / "private" / "jobs.html").write_text(_posting_page("Mason", "M-1"))
    source = _new_source(source_server, "Private board", "html_jsonld",
                         "sources/private/jobs.html")
    run = services.run_sources(None, [source])[0]
    assert run.status == "failed"
    assert "robots.txt does not allow FairCorridor-aggregator" in run.failure
    assert {"event": "robots_disallowed",
            "url": f"{source_server.url}/sources/private/jobs.html"} in run.log
    assert "/sources/private/jobs.html" not in [p for p, _ in source_server.requests]
    # The rule for another bot (Disallow: /) does not bind us: the demo feed is read.
    feed = services.run_sources(None, [_source("KL Factory Jobs feed")])[0]
    assert feed.status == "succeeded" and feed.new == 3


def test_an_unchanged_document_answers_304_and_is_not_parsed_again(demo_sources,
                                                                   source_server, monkeypatch,
                                                                   auth, make, client):
    feed = _source("KL Factory Jobs feed")
    first = services.run_sources(None, [feed])[0]
    assert feed.etag and feed.last_modified
    from app.aggregation import crawl

    def no_parsing(*args, **kwargs):
        raise AssertionError("a 304 must not be parsed")
    monkeypatch.setattr(crawl, "parse_document", no_parsing)
    again = services.run_sources(None, [feed])[0]
    assert again.status == "succeeded" and (again.unchanged, again.new) == (first.new, 0)
    assert {"event": "not_modified", "url": feed.location} in again.log
    sent = [p for p, _ in source_server.requests if p.endswith("kl-factory-jobs.rss")]
    assert len(sent) == 2
    admin = make.user("admin")
    auth.login(admin.email)
    report = client.get(f"/admin/sources/{feed.id}").get_data(as_text=True)
    assert "Unchanged since the last run (the site answered 304)" in report


def test_a_busy_site_is_left_alone_for_as_long_as_it_asks(demo_sources, source_server):
    source = _new_source(source_server, "Busy board", "html_jsonld", "busy")
    run = services.run_sources(None, [source])[0]
    assert run.status == "failed" and "HTTP 429" in run.failure
    assert 115 <= (source.not_before - utcnow()).total_seconds() <= 121
    assert [e["event"] for e in run.log][-1] == "back_off"
    assert source not in services.sources_to_run(force=True)
    asked = len(source_server.requests)
    again = services.run_sources(None, [source])[0]  # an explicit run waits as well
    assert "asked not to be read before" in again.failure
    assert len(source_server.requests) == asked


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120), ("Thu, 03 Dec 2026 15:02:00 GMT", 120), ("soon", 3600), (None, 3600)])
def test_retry_after_as_seconds_or_a_date(header, seconds):
    now = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds(header, now) == seconds


def test_a_sitemap_index_makes_a_job_board_one_source(demo_sources, source_files,
                                                      source_server):
    source_server.robots = AGENT_RULES
    base = f"{source_server.url}/sources"
    (source_files / "private").mkdir()
    for name, title in (("steel.html", "Steel Fixer"), ("mason.html", "Mason"),
                        ("private/welder.html", "Welder")):
        (source_files / name).write_text(_posting_page(title, name))
    urlset = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/'
              '0.9">{}</urlset>')
    (source_files / "jobs-1.xml").write_text(urlset.format(
        f"<url><loc>{base}/steel.html</loc></url><url><loc>{base}/gone.html</loc></url>"
        "<url><loc>https://elsewhere.example/job.html</loc></url>"))
    (source_files / "jobs-2.xml").write_text(urlset.format(
        f"<url><loc>{base}/mason.html</loc></url>"
        f"<url><loc>{base}/private/welder.html</loc></url>"))
    (source_files / "sitemap.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/jobs-1.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/jobs-2.xml</loc></sitemap></sitemapindex>")
    source = _new_source(source_server, "Lusail board sitemap", "sitemap", "sources/sitemap.xml")
    run = services.run_sources(None, [source])[0]
    assert run.status == "succeeded", run.failure
    assert (run.new, run.rejected) == (2, 2)  # the 404 page and the disallowed one
    titles = set(db.session.scalars(sa.select(JobPosting.title).join(
        JobPosting.organisation).where(JobPosting.description.like("%Lusail.%"))))
    assert titles == {"Steel Fixer", "Mason"}
    events = [e["event"] for e in run.log]
    assert events.count("sitemap") == 3 and "robots_disallowed" in events
    assert "/sources/private/welder.html" not in [p for p, _ in source_server.requests]
    assert not any("elsewhere.example" in json.dumps(e) for e in run.log if
                   e["event"] != "sitemap")
