"""One run of one source: fetch, parse, normalise, de-duplicate, store with provenance,
map occupations, score with vetting, expire what is gone -- all in one transaction.

A source that cannot be fetched or parsed ends as a failed run with its reason and
changes nothing else; a bad item is rejected with its reason and the others go on.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from flask import current_app

from app import audit
from app.accounts.models import User
from app.aggregation import dedupe
from app.aggregation.claims import claimant_of
from app.aggregation.esco import assign_occupations
from app.aggregation.crawl import Crawler, Reading, read_source
from app.aggregation.fetch import BackOff, FetchError, FetchLimits
from app.aggregation.models import (FAILED, MAX_RUN_ERRORS, SITEMAP, SUCCEEDED, JobSource,
                                    PostingProvenance, SourceRun)
from app.aggregation.normalise import (CorridorContext, ItemRejected, NormalisedPosting,
                                       clean_text, item_identifier, normalise_posting, web_url)
from app.aggregation.parsers import ParsedItem, ParseError
from app.corridors.models import Corridor
from app.extensions import db
from app.jobs.models import CLOSED, PUBLISHED, JobPosting
from app.organisations.models import EMPLOYER, Organisation
from app.timeutil import today, utcnow
from matching import services as search
from vetting import services as vetting

log = logging.getLogger(__name__)
Progress = Callable[[Iterable, int], Iterable]
SERIOUS = ("high", "critical")  # finding severities that keep a near-copy apart
MAX_WAIT = 24 * 3600  # seconds: a Retry-After longer than a day is read as a day
UNREGISTERED_NOTE = ("Listed from a job source: this organisation has not registered with "
                     "FairCorridor and its licence has not been checked.")


@dataclass(frozen=True)
class Settings:
    limits: FetchLimits
    file_root: Path
    missed_runs: int
    default_valid_days: int


def user_agent(cfg: Mapping[str, Any]) -> str:
    """The User-Agent, with the operator's contact URL when one is set."""
    agent, contact = cfg["AGGREGATION_USER_AGENT"], cfg.get("AGGREGATION_CONTACT_URL")
    if contact and contact not in agent:
        agent = f"{agent} +{contact}"
    return agent


def settings() -> Settings:
    cfg = current_app.config
    return Settings(FetchLimits(timeout=cfg["AGGREGATION_TIMEOUT"],
                                deadline=cfg["AGGREGATION_DEADLINE"],
                                max_bytes=cfg["AGGREGATION_MAX_BYTES"],
                                user_agent=user_agent(cfg),
                                max_redirects=cfg["AGGREGATION_MAX_REDIRECTS"],
                                allow_private=bool(cfg["AGGREGATION_ALLOW_PRIVATE_HOSTS"])),
                    Path(cfg["AGGREGATION_FILE_ROOT"]), cfg["AGGREGATION_MISSED_RUNS"],
                    cfg["AGGREGATION_DEFAULT_VALID_DAYS"])


def run_source(source: JobSource, actor: User | None = None, *,
               progress: Progress | None = None) -> SourceRun:
    """Read `source` once and store what changed; the run row says what happened."""
    config = settings()
    run = SourceRun(source_id=source.id, started_at=utcnow())
    db.session.add(run)
    db.session.commit()  # visible as running while it runs
    run_id, crawler = run.id, Crawler(config.limits)
    try:
        reading = _read(source, config, crawler)
    except BackOff as error:  # the site is busy: no request to it before it said
        source.not_before = utcnow() + dt.timedelta(seconds=min(error.retry_after, MAX_WAIT))
        crawler.log.append({"event": "back_off", "status": error.status,
                            "until": source.not_before.isoformat(timespec="seconds")})
        return _fail(run_id, actor, str(error), crawler.log)
    except (FetchError, ParseError) as error:
        return _fail(run_id, actor, str(error), crawler.log)
    except Exception as error:  # noqa: BLE001 -- a parser library's own failure
        log.exception("source %s could not be read", source.id)
        return _fail(run_id, actor, f"unreadable source ({error.__class__.__name__}: {error})",
                     crawler.log)
    try:
        ingest = _Ingest(source, run, config, actor)
        if reading.not_modified:
            ingest.apply_not_modified()
        else:
            ingest.apply(reading.items, progress)
        if source.kind != SITEMAP:  # a sitemap's pages change without the sitemap changing
            source.etag, source.last_modified = reading.etag, reading.last_modified
        run.status, run.finished_at, run.log = SUCCEEDED, utcnow(), crawler.log
        audit.record(actor, "aggregation.run", run, source=source.name, **run.counts())
        changed = [job.id for job in ingest.changed.values()]
        closed = [job.id for job in ingest.closed.values()]
        db.session.commit()
    except Exception as error:  # noqa: BLE001 -- whatever broke, this run stores nothing
        db.session.rollback()
        log.exception("aggregation run %s of source %s failed", run_id, source.id)
        return _fail(run_id, actor, f"internal error ({error.__class__.__name__}); "
                     "nothing from this run was stored")
    update_search_index(changed, closed)
    return run


def _read(source: JobSource, config: Settings, crawler: Crawler) -> Reading:
    if source.not_before is not None and source.not_before > utcnow():
        raise FetchError("the site asked not to be read before "
                         f"{source.not_before.isoformat(sep=' ', timespec='minutes')} UTC")
    return read_source(crawler, source.kind, source.location, source.mappings or {},
                       config.file_root, source.etag, source.last_modified)


def update_search_index(changed: list[int], closed: list[int], batch: int = 512) -> None:
    """After a run is committed: postings it created, changed or re-opened go into the
    search index (embedded in batches), those it closed leave it. Unchanged postings are
    not touched, so an unchanged re-run embeds nothing. Should this fail, the run stands
    and search indexes what is missing when it next runs (matching.services)."""
    if not changed and not closed:
        return
    try:
        if closed:
            search.backend().remove(closed)
        for start in range(0, len(changed), batch):
            search.index_jobs(db.session.scalars(
                sa.select(JobPosting).options(joinedload(JobPosting.occupation))
                .where(JobPosting.id.in_(changed[start:start + batch]),
                       JobPosting.status == PUBLISHED)))
    except Exception:  # noqa: BLE001 -- the index is rebuilt from the database if need be
        log.exception("aggregated postings could not be added to the search index")


def _fail(run_id: int, actor: User | None, reason: str,
          crawl_log: list[dict] | None = None) -> SourceRun:
    run = db.session.get(SourceRun, run_id)
    run.status, run.failure, run.finished_at = FAILED, reason[:2000], utcnow()
    run.log = crawl_log or None
    audit.record(actor, "aggregation.run_failed", run, reason=reason[:1000],
                 source_id=run.source_id)
    db.session.commit()
    return run


def raw_json(raw: Any) -> str:
    """The item as published, as canonical JSON (what its hash is taken of)."""
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)


def item_key(fields: dict) -> str:
    """A stable name for an item within its source: its identifier, else URL and title."""
    ident = item_identifier(fields.get("identifier"))
    if ident:
        basis = f"id:{ident}"
    else:
        employer = fields.get("hiringOrganization")
        employer = employer.get("name") if isinstance(employer, dict) else employer
        basis = "|".join(("item", web_url(fields.get("url")),
                          clean_text(fields.get("title"), single_line=True).casefold(),
                          clean_text(employer, single_line=True).casefold()))
    return hashlib.sha256(basis.encode()).hexdigest()


def _wage_key(monthly: Decimal | None, amount: Decimal | None,
              currency: str | None) -> tuple[Decimal | None, str | None]:
    """What duplicates are compared on: the monthly wage, else the amount as stated (a
    wage without a period), else None (an ad that states no wage at all)."""
    return (monthly if monthly is not None else amount), currency


class _Ingest:
    """The state of one run: the source's known items, the duplicate index, what to score."""

    def __init__(self, source: JobSource, run: SourceRun, config: Settings,
                 actor: User | None) -> None:
        self.source, self.run, self.config, self.actor = source, run, config, actor
        corridor = source.corridor
        self.context = CorridorContext(corridor.origin, corridor.destination, corridor.currency)
        self.corridors = {(c.origin, c.destination): c for c in db.session.scalars(
            sa.select(Corridor).where(Corridor.active.is_(True)))}
        self.known = {p.item_key: p for p in db.session.scalars(
            sa.select(PostingProvenance).options(selectinload(PostingProvenance.job))
            .where(PostingProvenance.source_id == source.id))}
        self.seen: set[str] = set()
        self.jobs: list[JobPosting] = []            # duplicate-index refs are positions here
        self.indexes: dict[int, dedupe.DuplicateIndex] = {}
        self.organisations: dict[str, Organisation] = {}
        self.listed: list[Organisation] = []         # organisations new in this run
        self.to_map: dict[int, JobPosting] = {}      # id(job) -> job: its title is new
        self.to_score: dict[int, JobPosting] = {}    # id(job) -> job: its content is new
        self.changed: dict[int, JobPosting] = {}     # id(job) -> job: (re)enters search
        self.closed: dict[int, JobPosting] = {}      # id(job) -> job: leaves search
        self.today, self.now = today(), utcnow()
        self.norms: dict | None = None  # corridor wage norms for vetting, read when needed

    # ------------------------------------------------------------------ items --
    def apply_not_modified(self) -> None:
        """A 304: the document is the one read last time (nothing is parsed): what it held
        then is unchanged, and what was missing from it then is missing still."""
        for key, known in self.known.items():
            if known.missed_runs == 0:
                self.seen.add(key)
                self._unchanged(known)
        self._expire_missing()
        self._expire_past()
        db.session.flush()

    def apply(self, items: list[ParsedItem], progress: Progress | None) -> None:
        self.run.fetched = len(items)
        for item in progress(items, len(items)) if progress else items:
            self._item(item)
        self._expire_missing()
        self._expire_past()
        db.session.flush()
        for organisation in self.listed:  # after the one flush: each has its id
            audit.record(self.actor, "organisation.listed_from_source", organisation,
                         source=self.source.name)
        self._map_and_score()

    def _reject(self, item: ParsedItem, reason: str) -> None:
        self.run.rejected += 1
        if len(self.run.errors or []) < MAX_RUN_ERRORS:
            self.run.errors = [*(self.run.errors or []), {"item": item.label[:200],
                                                         "reason": reason[:500]}]

    def _item(self, item: ParsedItem) -> None:
        if item.error:
            return self._reject(item, item.error)
        raw = raw_json(item.raw)
        raw_hash = hashlib.sha256(raw.encode()).hexdigest()
        key = item_key(item.fields)
        if key in self.seen:  # the same item twice in one document
            self.run.duplicates += 1
            return None
        self.seen.add(key)
        known = self.known.get(key)
        if known is not None and known.raw_hash == raw_hash:
            return self._unchanged(known)
        try:
            posting = normalise_posting(item.fields, self.context, today=self.today,
                                        default_valid_days=self.config.default_valid_days)
            corridor = self.corridors.get((posting.origin, posting.destination))
            if corridor is None:
                raise ItemRejected(f"no active corridor {posting.origin}-{posting.destination}")
        except ItemRejected as error:
            if known is not None:  # still published, now unreadable: keep what we have
                known.last_seen, known.missed_runs = self.now, 0
            return self._reject(item, str(error))
        fp = dedupe.fingerprint(posting.title, posting.employer, posting.description,
                                posting.destination, *_wage_key(
                                    posting.wage_monthly, *((posting.wage.amount,
                                                             posting.wage.currency)
                                                            if posting.wage else (None, None))))
        if known is not None:
            return self._changed(known, posting, corridor, fp, raw, raw_hash)
        return self._new(key, posting, corridor, fp, raw, raw_hash)

    def _unchanged(self, known: PostingProvenance) -> None:
        known.last_seen, known.missed_runs = self.now, 0
        job = known.job
        if known.primary and job.status == CLOSED and job.valid_through >= self.today:
            job.status = PUBLISHED  # back at its source after being missed
            self.changed[id(job)] = job
            self.run.updated += 1
        else:
            self.run.unchanged += 1

    def _changed(self, known: PostingProvenance, posting: NormalisedPosting,
                 corridor: Corridor, fp: dedupe.Fingerprint, raw: str, raw_hash: str) -> None:
        self._record(known, posting, fp, raw, raw_hash)
        job = known.job
        if not known.primary:  # only the item that created a posting may change it
            self.run.updated += 1
            return
        if job.title != posting.title:
            self.to_map[id(job)] = job
        self._fill(job, posting, corridor)
        self.to_score[id(job)] = job
        self._count_arrival(job, "updated")

    def _new(self, key: str, posting: NormalisedPosting, corridor: Corridor,
             fp: dedupe.Fingerprint, raw: str, raw_hash: str) -> None:
        index = self._index(corridor)
        match = index.find(fp)
        if match is not None and match.how == "near" and self._adds_warnings(
                posting, corridor, self.jobs[match.ref]):
            posting.notes.append({"code": "kept_apart", "job_id": self.jobs[match.ref].id})
            match = None
        provenance = PostingProvenance(source_id=self.source.id, item_key=key,
                                       first_seen=self.now)
        if match is not None:
            job = self.jobs[match.ref]
            provenance.job, provenance.primary = job, False
            index.add(match.ref, fp)  # the variant's wording finds later copies too
            self.run.duplicates += 1
        else:
            job = JobPosting(contract_languages=[], status=PUBLISHED)
            self._fill(job, posting, corridor)
            db.session.add(job)
            provenance.job, provenance.primary = job, True
            self.jobs.append(job)
            index.add(len(self.jobs) - 1, fp)
            self.to_map[id(job)] = self.to_score[id(job)] = job
            self._count_arrival(job, "new")
        self._record(provenance, posting, fp, raw, raw_hash)
        db.session.add(provenance)
        self.known[key] = provenance

    def _close(self, job: JobPosting) -> None:
        job.status = CLOSED
        self.changed.pop(id(job), None)
        self.closed[id(job)] = job
        self.run.expired += 1

    def _count_arrival(self, job: JobPosting, what: str) -> None:
        self.changed[id(job)] = job
        if job.valid_through < self.today and job.status == PUBLISHED:
            self._close(job)
        elif job.valid_through < self.today:
            self.run.expired += what == "new"
            self.run.updated += what == "updated"
        else:
            setattr(self.run, what, getattr(self.run, what) + 1)

    def _record(self, provenance: PostingProvenance, posting: NormalisedPosting,
                fp: dedupe.Fingerprint, raw: str, raw_hash: str) -> None:
        provenance.original_url = posting.url
        provenance.last_seen = provenance.fetched_at = self.now
        provenance.raw_hash, provenance.text_hash = raw_hash, fp.text_hash
        provenance.signature = fp.signature.tobytes()
        provenance.raw_compressed = zlib.compress(raw.encode("utf-8"), 6)
        provenance.notes, provenance.missed_runs = posting.notes, 0

    def _fill(self, job: JobPosting, posting: NormalisedPosting, corridor: Corridor) -> None:
        wage = posting.wage
        job.organisation = self._organisation(posting)
        job.corridor = corridor
        job.title, job.description, job.benefits = (posting.title, posting.description,
                                                    posting.benefits)
        job.wage_amount, job.wage_currency, job.wage_period = (
            (wage.amount, wage.currency, wage.period) if wage else (None, None, None))
        job.wage_monthly, job.wage_monthly_usd = posting.wage_monthly, posting.wage_monthly_usd
        job.hours_per_week, job.accommodation = posting.hours_per_week, posting.accommodation
        job.valid_through, job.assumed_fields = posting.valid_through, posting.assumed
        if job.status == CLOSED and posting.valid_through >= self.today:
            job.status = PUBLISHED

    def _adds_warnings(self, posting: NormalisedPosting, corridor: Corridor,
                       original: JobPosting) -> bool:
        """Whether a near-copy of an ad adds serious warning signs to it.

        Agents re-post employers' ads with a fee or a kept passport added (ILO General
        Principles 7 and 11): for a worker that is another offer, so it stays a posting
        of its own and its score shows, instead of hiding behind the original.
        """
        variant = JobPosting(title=posting.title, description=posting.description,
                             benefits=posting.benefits, corridor=corridor,
                             organisation=original.organisation, costs=[],
                             hours_per_week=posting.hours_per_week,
                             wage_amount=posting.wage.amount if posting.wage else None,
                             wage_monthly_usd=posting.wage_monthly_usd)
        ours, theirs = (self._warnings(job) for job in (variant, original))
        return bool(ours - theirs)

    def _warnings(self, job: JobPosting) -> set[str]:
        if self.norms is None:
            self.norms = vetting.wage_norms()
        result = vetting.get_scorer().score(vetting.ad_input(job, self.norms))
        return {f.signal_id for f in result.risks if f.severity in SERIOUS}

    # ------------------------------------------------------------ organisations --
    def _organisation(self, posting: NormalisedPosting) -> Organisation:
        """The organisation named in the ad: a registered one of that name (or the one that
        claimed a listing of that name), else one listed from this source (unregistered,
        no licence, under review)."""
        key = posting.employer.casefold()
        if key in self.organisations:
            return self.organisations[key]
        with db.session.no_autoflush:  # this run's new ones are in self.organisations
            organisation = db.session.scalar(sa.select(Organisation).where(
                sa.func.lower(Organisation.name) == posting.employer.lower()).limit(1))
            claimant = claimant_of(organisation.id) if organisation is not None else None
            if claimant is not None:  # the listing was claimed: its ads go to the claimant
                organisation = db.session.get(Organisation, claimant)
        if organisation is None:
            organisation = Organisation(
                name=posting.employer, kind=EMPLOYER, country=posting.employer_country,
                website=posting.employer_url[:300], description=UNREGISTERED_NOTE,
                contact_email="", tier="under_review")
            db.session.add(organisation)
            self.listed.append(organisation)
        self.organisations[key] = organisation
        return organisation

    # --------------------------------------------------------------- duplicates --
    def _index(self, corridor: Corridor) -> dedupe.DuplicateIndex:
        """The corridor's open postings, fingerprinted once per run when first needed."""
        if corridor.id in self.indexes:
            return self.indexes[corridor.id]
        index = self.indexes[corridor.id] = dedupe.DuplicateIndex()
        jobs = list(db.session.scalars(
            sa.select(JobPosting).options(joinedload(JobPosting.organisation))
            .where(JobPosting.corridor_id == corridor.id, JobPosting.status == PUBLISHED)))
        copies: dict[int, list[PostingProvenance]] = {}
        for provenance in db.session.scalars(sa.select(PostingProvenance).where(
                PostingProvenance.job_id.in_([j.id for j in jobs]))) if jobs else ():
            copies.setdefault(provenance.job_id, []).append(provenance)
        for job in jobs:
            ref = len(self.jobs)
            self.jobs.append(job)
            monthly, currency = _wage_key(job.wage_monthly, job.wage_amount, job.wage_currency)
            index.add(ref, dedupe.fingerprint(job.title, job.organisation.name, job.description,
                                              corridor.destination, monthly, currency))
            for provenance in copies.get(job.id, ()):
                index.add(ref, dedupe.Fingerprint(
                    provenance.text_hash, "", dedupe.signature_from_bytes(provenance.signature),
                    corridor.destination, monthly, currency))
        return index

    # ------------------------------------------------------------------ expiry --
    def _expire_missing(self) -> None:
        """Items gone from the source: after N runs missed, their postings leave search."""
        limit = self.config.missed_runs
        for key, provenance in self.known.items():
            if key in self.seen:
                continue
            provenance.missed_runs += 1
            job = provenance.job
            if job.status != PUBLISHED or not self._aggregated(job):
                continue
            copies = db.session.scalars(sa.select(PostingProvenance)
                                        .where(PostingProvenance.job_id == job.id))
            if all(p.missed_runs >= limit for p in copies):
                self._close(job)

    def _expire_past(self) -> None:
        """Postings of this source whose closing date has passed leave search."""
        for job in db.session.scalars(
                sa.select(JobPosting).join(PostingProvenance)
                .where(PostingProvenance.source_id == self.source.id,
                       PostingProvenance.primary.is_(True),
                       JobPosting.status == PUBLISHED, JobPosting.valid_through < self.today)):
            self._close(job)

    @staticmethod
    def _aggregated(job: JobPosting) -> bool:
        """Created from a source (never close a posting an employer made directly)."""
        return job.created_by_id is None and db.session.scalar(
            sa.select(sa.func.count()).select_from(PostingProvenance)
            .where(PostingProvenance.job_id == job.id, PostingProvenance.primary.is_(True))) > 0

    # -------------------------------------------------------- occupation, score --
    def _map_and_score(self) -> None:
        assign_occupations(list(self.to_map.values()))
        jobs = list(self.to_score.values())
        if not jobs:
            return
        norms = vetting.wage_norms()  # afresh: this run's postings count in the norms
        results = vetting.get_scorer().iter_scores(vetting.ad_input(job, norms) for job in jobs)
        for job, result in zip(jobs, results):
            vetting.store_assessment(job, result)
        db.session.flush()
        for organisation in {id(job.organisation): job.organisation for job in jobs}.values():
            vetting.refresh_organisation_risk(organisation)
