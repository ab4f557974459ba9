"""Aggregation runs end to end: demo sources served over loopback HTTP are fetched,
normalised, de-duplicated, stored with provenance, scored, mapped and expired."""
from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.models import JobSource, PostingProvenance, SourceRun
from app.audit import AuditEntry
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)
from vetting.models import PostingAssessment

FIRST_RUN = {  # source -> (fetched, new, updated, unchanged, duplicates, expired, rejected)
    "Dune Crest Contracting careers page": (5, 3, 0, 0, 0, 0, 2),
    "Himal partner agency feed": (5, 2, 0, 0, 2, 0, 1),
    "Palm Lagoon hospitality jobs board": (5, 3, 0, 0, 0, 1, 1),
    "KL Factory Jobs feed": (4, 3, 0, 0, 0, 0, 1),
    "Riyadh Jobs Digest": (3, 2, 0, 0, 0, 0, 1),
    "Cedar Valley seasonal jobs export": (5, 4, 0, 0, 0, 0, 1),
}
COUNTS = ("fetched", "new", "updated", "unchanged", "duplicates", "expired", "rejected")


def _run_all() -> dict[str, SourceRun]:
    sources = services.sources_to_run(force=True)
    return {run.source.name: run for run in services.run_sources(None, sources)}


def _source(name: str) -> JobSource:
    return db.session.scalar(sa.select(JobSource).where(JobSource.name == name))


def _job(title: str) -> JobPosting:
    return db.session.scalar(sa.select(JobPosting).where(JobPosting.title == title))


def _counts(run: SourceRun) -> tuple[int, ...]:
    return tuple(getattr(run, name) for name in COUNTS)


def test_first_run_report_counts_and_rejection_reasons(demo_sources):
    runs = _run_all()
    assert {name: _counts(run) for name, run in runs.items()} == FIRST_RUN
    assert all(run.status == "succeeded" for run in runs.values())
    reasons = {e["reason"] for run in runs.values() for e in run.errors}
    assert {"missing title", "unknown currency 'ZZD'",
            "the wage must be greater than zero", "the item is not a JSON object",
            "unknown country 'Atlantis' in jobLocation"} <= reasons
    assert any(r.startswith("broken JSON-LD") for r in reasons)
    assert any(r.startswith("implausible wage") for r in reasons)
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting))
    assert stored == 18  # 17 new, and the one closed before it was first seen


def test_wages_and_countries_are_normalised(demo_sources):
    _run_all()
    mason, mill, crab = _job("Mason (Blockwork & Plaster)"), _job("Palm Oil Mill Worker"), \
        _job("Crab Picker")
    assert (mason.wage_amount, mason.wage_period, mason.wage_monthly) == (
        Decimal("60.00"), "day", Decimal("1560.00"))
    assert (mill.corridor.code, mill.wage_currency, mill.wage_monthly) == (
        "BD-MY", "MYR", Decimal("1690.00"))
    assert (crab.corridor.code, crab.hours_per_week, crab.wage_monthly_usd) == (
        "MX-US", 40, Decimal("2740.40"))
    assert crab.accommodation == "provided_paid"
    steel = _job("Steel Fixer")
    assert "<" not in steel.description and "tracking" not in steel.description


def test_cross_source_duplicates_merge_and_keep_every_provenance(demo_sources, client):
    _run_all()
    steel = _job("Steel Fixer")
    copies = db.session.scalars(sa.select(PostingProvenance)
                                .where(PostingProvenance.job_id == steel.id)
                                .order_by(PostingProvenance.id)).all()
    assert [(c.source.name, c.primary) for c in copies] == [
        ("Dune Crest Contracting careers page", True), ("Himal partner agency feed", False)]
    assert copies[1].original_url == "https://himal-partner.example/jobs/9001"
    assert '"identifier": "HPF-9001"' in copies[1].raw_item  # exactly what was published
    assert _job("Steel Fixer (Qatar)") is None
    page = client.get(f"/jobs/{steel.id}").get_data(as_text=True)
    assert "Dune Crest Contracting careers page" in page and "Himal partner agency feed" in page
    assert ">https://himal-partner.example/jobs/9001</a>" in page


def test_rerun_on_unchanged_input_changes_nothing_and_embeds_nothing(demo_sources,
                                                                      esco_mapper):
    _run_all()
    before = {j.id: (j.updated_at, j.status, j.occupation_id)
              for j in db.session.scalars(sa.select(JobPosting))}
    scored = dict(db.session.execute(sa.select(PostingAssessment.job_id,
                                               PostingAssessment.scored_at)).all())
    asked = esco_mapper.embedding.encoder.stats.requested
    runs = _run_all()
    for name, run in runs.items():  # each document answers 304: none is parsed again
        fetched, *_, rejected = FIRST_RUN[name]
        assert _counts(run) == (0, 0, 0, fetched - rejected, 0, 0, 0), name
        assert [e["event"] for e in run.log] == ["robots_missing", "not_modified"], name
    db.session.expire_all()
    assert {j.id: (j.updated_at, j.status, j.occupation_id)
            for j in db.session.scalars(sa.select(JobPosting))} == before
    assert dict(db.session.execute(sa.select(PostingAssessment.job_id,
                                             PostingAssessment.scored_at)).all()) == scored
    assert esco_mapper.embedding.encoder.stats.requested == asked


def test_a_near_copy_that_adds_a_fee_stays_a_posting_of_its_own(demo_sources):
    """An agent's re-post of the Steel Fixer ad adds a fee and a kept passport."""
    _run_all()
    copy = _job("Steel Fixer – Lusail Towers")
    assert copy.organisation.name == "Himal Partner Manpower Pvt. Ltd."
    provenance = db.session.scalar(sa.select(PostingProvenance)
                                   .where(PostingProvenance.job_id == copy.id))
    assert provenance.primary and {"code": "kept_apart",
                                   "job_id": _job("Steel Fixer").id} in provenance.notes
    findings = db.session.scalar(sa.select(PostingAssessment.findings)
                                 .where(PostingAssessment.job_id == copy.id))
    assert {"fees", "passport"} <= {f["family"] for f in findings if f["direction"] == "risk"}


def test_a_changed_item_updates_its_posting_and_is_scored_again(demo_sources, source_files,
                                                                 esco_mapper):
    _run_all()
    mill = _job("Palm Oil Mill Worker")
    scored_at = db.session.scalar(sa.select(PostingAssessment.scored_at)
                                  .where(PostingAssessment.job_id == mill.id))
    feed = source_files / "kl-factory-jobs.rss"
    feed.write_text(feed.read_text().replace("RM 65 per day", "RM 70 per day"))
    asked = esco_mapper.embedding.encoder.stats.requested
    run = services.run_sources(None, [_source("KL Factory Jobs feed")])[0]
    assert (run.updated, run.unchanged, run.new) == (1, 2, 0)
    db.session.expire_all()
    assert (mill.wage_amount, mill.wage_monthly) == (Decimal("70.00"), Decimal("1820.00"))
    assert db.session.scalar(sa.select(PostingAssessment.scored_at)
                             .where(PostingAssessment.job_id == mill.id)) > scored_at
    assert esco_mapper.embedding.encoder.stats.requested == asked  # same title: no embedding


def test_postings_gone_from_their_source_expire_after_n_runs(demo_sources, source_files,
                                                             app, monkeypatch, client):
    monkeypatch.setitem(app.config, "AGGREGATION_MISSED_RUNS", 2)
    _run_all()
    cook = _job("Commis Cook")
    page = source_files / "palm-lagoon-hospitality.html"
    original = page.read_text()
    page.write_text(re.sub(r'\{\s*"@context"[^{]*"identifier": "PL-7790".*?"url": '
                           r'"[^"]+"\s*\},', "", original, flags=re.S))
    board = _source("Palm Lagoon hospitality jobs board")
    first = services.run_sources(None, [board])[0]
    db.session.expire_all()
    assert first.expired == 0 and cook.status == "published"
    second = services.run_sources(None, [board])[0]
    db.session.expire_all()
    assert second.expired == 1 and cook.status == "closed"
    listing = client.get("/corridors/PH-AE").get_data(as_text=True)
    assert "Commis Cook" not in listing and "Room Attendant" in listing
    assert client.get(f"/jobs/{cook.id}").status_code == 200  # kept for reviewers
    page.write_text(original)
    back = services.run_sources(None, [board])[0]
    db.session.expire_all()
    assert back.updated == 1 and cook.status == "published"


def test_postings_past_their_closing_date_leave_search(demo_sources, source_files, client):
    _run_all()
    pool = _job("Pool Attendant (season 2025)")
    assert pool.status == "closed"  # already closed when first seen, kept for reviewers
    feed = source_files / "riyadh-jobs.atom"
    feed.write_text(feed.read_text().replace("2030-12-31", "2025-01-31", 1))
    run = services.run_sources(None, [_source("Riyadh Jobs Digest")])[0]
    assert run.expired == 1
    db.session.expire_all()
    assert _job("Cold Store Forklift Operator").status == "closed"
    assert "Cold Store Forklift" not in client.get("/corridors/IN-SA").get_data(as_text=True)


def test_a_broken_source_is_recorded_and_the_others_go_on(demo_sources, source_server, app,
                                                           monkeypatch, make):
    monkeypatch.setitem(app.config, "AGGREGATION_TIMEOUT", 0.5)
    corridor = make.corridor("NP-QA")
    for name, path, kind in (("Slow board", "/slow", "html_jsonld"),
                             ("Garbage feed", "/garbage", "rss"),
                             ("Gone export", "/missing", "csv")):
        db.session.add(JobSource(name=name, corridor=corridor, kind=kind,
                                 location=source_server.url + path))
    db.session.commit()
    runs = _run_all()
    assert runs["Slow board"].failure == "timed out after 0.5 s"
    assert runs["Garbage feed"].failure.startswith("not an RSS or Atom feed")
    assert runs["Gone export"].failure == "HTTP 404 Not Found"
    assert {runs[n].status for n in FIRST_RUN} == {"succeeded"}


def test_a_failed_run_loses_nothing_already_stored(demo_sources, source_files):
    _run_all()
    (source_files / "cedar-valley-seasonal.csv").unlink()
    run = services.run_sources(None, [_source("Cedar Valley seasonal jobs export")])[0]
    assert (run.status, run.failure) == ("failed", "HTTP 404 Not Found")
    db.session.expire_all()
    crab = _job("Crab Picker")
    assert crab.status == "published"
    assert {p.missed_runs for p in db.session.scalars(
        sa.select(PostingProvenance).where(PostingProvenance.job_id == crab.id))} == {0}


def test_an_error_inside_a_run_stores_nothing_of_it(demo_sources, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("scorer down")
    monkeypatch.setattr("vetting.services.store_assessment", broken)
    run = services.run_sources(None, [_source("Riyadh Jobs Digest")])[0]
    assert run.status == "failed" and run.failure.startswith("internal error (RuntimeError)")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_employers_are_listed_unregistered_or_linked_to_the_registered_one(demo_sources,
                                                                          make):
    registered = make.organisation("Al Dafna Contracting W.L.L.",
                                   contact_email="hr@al-dafna.example")
    _run_all()
    assert _job("Duct Fabricator").organisation_id == registered.id
    listed = db.session.scalar(sa.select(Organisation).where(
        Organisation.name == "Dune Crest Contracting W.L.L."))
    assert (listed.kind, listed.licence_number, listed.contact_email) == ("employer", None, "")
    assert listed.tier != "vetted" and listed.website == "https://dune-crest.example"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "organisation.listed_from_source")) == 10


def test_aggregated_ads_are_scored_and_their_warnings_shown_not_blocked(demo_sources, client):
    _run_all()
    welder = _job("Marine Welder (6G)")
    assert welder.status == "published"
    assessment = db.session.scalar(sa.select(PostingAssessment)
                                   .where(PostingAssessment.job_id == welder.id))
    families = {f["family"] for f in assessment.findings if f["direction"] == "risk"}
    assert {"fees", "passport"} <= families and assessment.critical >= 1
    page = client.get(f"/jobs/{welder.id}").get_data(as_text=True)
    assert "Warning signs in this ad" in page and "Riyadh Jobs Digest" in page


def test_titles_map_to_esco_occupations_with_the_real_model(demo_sources):
    _run_all()
    mapped = {title: _job(title).occupation for title in (
        "Cold Store Forklift Operator", "Room Attendant", "Commis Cook", "Palm Oil Mill Worker")}
    assert {t: (o.label, o.isco_group) for t, o in mapped.items()} == {
        "Cold Store Forklift Operator": ("forklift operator", "8344"),
        "Room Attendant": ("room attendant", "9112"),
        "Commis Cook": ("cook", "5120"),
        "Palm Oil Mill Worker": ("oil mill operator", "7514"),
    }


def test_cli_runs_due_sources_with_a_report(demo_sources, runner):
    result = runner.invoke(args=["aggregate", "--corridor", "NP-QA"])
    assert result.exit_code == 0, result.output
    assert ("Dune Crest Contracting careers page (NP-QA): succeeded: fetched 5, new 3, "
            "updated 0, unchanged 0, duplicates merged 0, expired 0, rejected 2") in result.output
    assert "rejected item 4: missing title" in result.output
    assert "2 source(s) read, 0 failed." in result.output
    again = runner.invoke(args=["aggregate", "--corridor", "NP-QA"])
    assert "No source is due" in again.output
    forced = runner.invoke(args=["aggregate", "--source", str(_source("KL Factory Jobs feed").id)])
    assert "KL Factory Jobs feed (BD-MY): succeeded: fetched 4, new 3" in forced.output
    assert runner.invoke(args=["aggregate", "--corridor", "XX-YY"]).exit_code == 1


def test_file_sources_are_read_from_the_sources_folder(app, esco_mapper, source_files,
                                                       monkeypatch, make):
    monkeypatch.setitem(app.config, "AGGREGATION_FILE_ROOT", str(source_files))
    source = JobSource(name="Cedar Valley file", corridor=make.corridor("NP-QA"), kind="csv",
                       location="cedar-valley-seasonal.csv", mappings={
                           "title": "Job Title", "employer": "Company", "country": "Country",
                           "salary": "Pay", "description": "Details", "id": "Ref",
                           "hours": "Hours", "valid_through": "Closing date"})
    db.session.add(source)
    db.session.commit()
    run = services.run_sources(None, [source])[0]
    # The items are for the USA, and this source's corridor has no such destination.
    assert (run.status, run.rejected) == ("succeeded", 5)
    assert "no active corridor NP-US" in {e["reason"] for e in run.errors}
