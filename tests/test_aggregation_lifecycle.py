"""An aggregated posting's life after it is stored: it enters the search index at the end
of the run that brought it, leaves search (not the database) when it expires."""
from __future__ import annotations

import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.models import JobSource, PostingProvenance
from app.extensions import db
from app.jobs.models import JobPosting
from matching import services as search
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)


def _run_all():
    return services.run_sources(None, services.sources_to_run(force=True))


def _source(name: str) -> JobSource:
    return db.session.scalar(sa.select(JobSource).where(JobSource.name == name))


def _ids(status: str) -> set[int]:
    return set(db.session.scalars(sa.select(JobPosting.id).where(JobPosting.status == status)))


def _indexed() -> set[int]:
    backend = search.backend()
    backend.sync()
    return set(backend.vectors.ids.tolist())


def test_a_run_indexes_its_postings_and_an_unchanged_rerun_embeds_nothing(demo_sources):
    encoder = search.encoder()
    _run_all()
    published, closed = _ids("published"), _ids("closed")
    assert len(published) == 17 and len(closed) == 1
    assert _indexed() == published  # before anyone has searched
    asked, embedded = encoder.stats.requested, encoder.stats.encoded
    _run_all()
    assert (encoder.stats.requested, encoder.stats.encoded) == (asked, embedded)
    assert _indexed() == published


def test_a_changed_posting_is_embedded_again_and_an_expired_one_leaves_the_index(
        demo_sources, source_files):
    encoder = search.encoder()
    _run_all()
    mill, forklift = (db.session.scalar(sa.select(JobPosting).where(JobPosting.title == t))
                      for t in ("Palm Oil Mill Worker", "Cold Store Forklift Operator"))
    feed = source_files / "kl-factory-jobs.rss"
    feed.write_text(feed.read_text().replace("RM 65 per day", "RM 70 per day"))
    atom = source_files / "riyadh-jobs.atom"
    atom.write_text(atom.read_text().replace("2030-12-31", "2025-01-31", 1))
    asked = encoder.stats.requested
    services.run_sources(None, [_source("KL Factory Jobs feed"), _source("Riyadh Jobs Digest")])
    assert encoder.stats.requested == asked + 1  # the mill worker's new wording only
    assert mill.id in _indexed() and forklift.id not in _indexed()
    db.session.expire_all()
    assert forklift.status == "closed"  # out of search, still in the database


def _found(client, words: str) -> str:
    return client.get(f"/search?q={words}").get_data(as_text=True)


def test_expired_postings_leave_every_search_and_stay_for_reviewers(
        demo_sources, source_files, app, monkeypatch, client, auth, make):
    """Both expiry rules: the closing date has passed, or the item was gone from its
    source for AGGREGATION_MISSED_RUNS runs."""
    monkeypatch.setitem(app.config, "AGGREGATION_MISSED_RUNS", 1)
    _run_all()
    forklift, mill = (db.session.scalar(sa.select(JobPosting).where(JobPosting.title == t))
                      for t in ("Cold Store Forklift Operator", "Palm Oil Mill Worker"))
    assert "Cold Store Forklift Operator" in _found(client, "forklift cold store")
    assert "Palm Oil Mill Worker" in _found(client, "palm oil mill")
    atom = source_files / "riyadh-jobs.atom"
    atom.write_text(atom.read_text().replace("2030-12-31", "2025-01-31", 1))
    feed = source_files / "kl-factory-jobs.rss"
    text = feed.read_text()
    start = text.index("<item>", text.index("Palm Oil Mill Worker") - 400)
    feed.write_text(text[:start] + text[text.index("</item>", start) + len("</item>"):])
    runs = services.run_sources(None, [_source("Riyadh Jobs Digest"),
                                       _source("KL Factory Jobs feed")])
    assert [run.expired for run in runs] == [1, 1]
    assert "Cold Store Forklift Operator" not in _found(client, "forklift cold store")
    assert "Palm Oil Mill Worker" not in _found(client, "palm oil mill")
    api = client.get("/api/v1/jobs?per_page=100").get_json()
    assert not {forklift.id, mill.id} & {job["id"] for job in api["items"]}
    db.session.expire_all()
    assert (forklift.status, mill.status) == ("closed", "closed")  # still stored
    assert set(db.session.scalars(sa.select(PostingProvenance.job_id))) >= {forklift.id, mill.id}
    auth.login(make.user("reviewer").email)
    dossier = client.get(f"/review/organisations/{mill.organisation_id}").get_data(as_text=True)
    assert "Palm Oil Mill Worker" in dossier
