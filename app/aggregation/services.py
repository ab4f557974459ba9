"""Aggregation services: admins manage job sources and read their runs; runs are started
here (CLI); anyone who may see a posting may see where it came from."""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError

from app import audit
from app.accounts.models import ADMIN, User
from app.aggregation.fetch import FetchError, is_url, resolve_file
from app.aggregation.ingest import Progress, run_source
from app.aggregation.models import (SITEMAP, SOURCE_KINDS, JobSource, PostingProvenance,
                                    SourceRun)
from app.aggregation.netguard import AddressRefused, check_url
from app.aggregation.notes import notes_text
from app.aggregation.parsers import MAPPING_KEYS
from app.aggregation.tasks import enqueue_runs
from app.corridors.models import Corridor
from app.errors import NotFound, PermissionDenied, get_or_not_found
from app.extensions import db
from app.jobs.models import JobPosting
from app.timeutil import utcnow
from app.validation import InputReader

MAX_REFRESH_MINUTES = 60 * 24 * 30


def _admin(actor: User | None) -> None:
    if actor is None or actor.role != ADMIN:
        raise PermissionDenied()


@dataclass
class SourceSummary:
    source: JobSource
    last_run: SourceRun | None


def list_sources(actor: User) -> list[SourceSummary]:
    """Every source with its latest run (admins only)."""
    _admin(actor)
    sources = list(db.session.scalars(sa.select(JobSource).join(JobSource.corridor)
                                      .order_by(Corridor.code, JobSource.name)))
    latest = sa.select(sa.func.max(SourceRun.id)).group_by(SourceRun.source_id)
    runs = {r.source_id: r for r in db.session.scalars(
        sa.select(SourceRun).where(SourceRun.id.in_(latest)))}
    return [SourceSummary(s, runs.get(s.id)) for s in sources]


def get_source(actor: User, source_id: int) -> JobSource:
    _admin(actor)
    return get_or_not_found(JobSource, source_id)


def source_with_runs(actor: User, source_id: int,
                     limit: int = 20) -> tuple[JobSource, list[SourceRun]]:
    """A source and its latest runs, newest first, with their counts and errors."""
    source = get_source(actor, source_id)
    return source, list(db.session.scalars(
        sa.select(SourceRun).where(SourceRun.source_id == source.id)
        .order_by(SourceRun.id.desc()).limit(limit)))


def _read_location(reader: InputReader, kind: str | None) -> str | None:
    location = reader.text("location", max_len=500)
    if location is None:
        return None
    if is_url(location):
        parts = urlsplit(location)
        if not parts.netloc or any(c.isspace() for c in location):
            reader.error("location", _l("is not a valid web address"))
            return location
        try:
            check_url(location, allow_private=bool(
                current_app.config["AGGREGATION_ALLOW_PRIVATE_HOSTS"]))
        except AddressRefused as error:
            reader.error("location", _l("cannot be read: %(reason)s", reason=str(error)))
        return location
    if "://" in location:
        reader.error("location", _l("must be an http(s) address or a file path"))
        return None
    root = Path(current_app.config["AGGREGATION_FILE_ROOT"])
    try:
        path = resolve_file(location, root)
    except FetchError:
        reader.error("location", _l("must be a file under %(root)s", root=str(root)))
        return None
    if not path.is_file():
        reader.error("location", _l("no such file under %(root)s", root=str(root)))
    return location


def _read_mappings(reader: InputReader) -> dict[str, str]:
    text = reader.text("mappings", required=False, max_len=5000)
    if not text:
        return {}
    try:
        mappings = json.loads(text)
    except json.JSONDecodeError:
        reader.error("mappings", _l('must be a JSON object such as {"title": "Job title"}'))
        return {}
    if not isinstance(mappings, dict) or not all(
            isinstance(v, str) and 0 < len(v) <= 200 for v in mappings.values()):
        reader.error("mappings", _l("must map field names to column or key names (text)"))
        return {}
    unknown = sorted(set(mappings) - set(MAPPING_KEYS))
    if unknown:
        reader.error("mappings", _l("has unknown fields %(fields)s; known: %(known)s",
                                    fields=", ".join(unknown), known=", ".join(MAPPING_KEYS)))
    return mappings


def read_source(data: Mapping[str, Any], current: JobSource | None = None) -> dict:
    """Check a source's fields from the admin form; raise one ValidationError with all."""
    reader = InputReader(data)
    name = reader.text("name", max_len=120, min_len=3)
    code = reader.text("corridor", max_len=5)
    corridor = None
    if code:
        corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == code.upper()))
        if corridor is None:
            reader.error("corridor", _l("does not exist"))
    kind = reader.choice("kind", SOURCE_KINDS)
    location = _read_location(reader, kind)
    if kind == SITEMAP and location and not is_url(location):
        reader.error("location", _l("of a sitemap must be a web address"))
    fields = {
        "name": name, "corridor": corridor, "kind": kind,
        "location": location,
        "refresh_minutes": reader.integer("refresh_minutes", minimum=5,
                                          maximum=MAX_REFRESH_MINUTES),
        "mappings": _read_mappings(reader), "active": reader.boolean("active"),
    }
    if name:
        taken = db.session.scalar(sa.select(JobSource.id).where(
            sa.func.lower(JobSource.name) == name.lower()))
        if taken and (current is None or taken != current.id):
            reader.error("name", _l("is already the name of another source"))
    reader.finish()
    return fields


def save_source(actor: User, data: Mapping[str, Any], source_id: int | None = None) -> JobSource:
    """Add a source, or edit one when `source_id` is given (admins only)."""
    _admin(actor)
    source = None if source_id is None else get_source(actor, source_id)
    fields = read_source(data, source)
    if source is None:
        source = JobSource(**fields)
        db.session.add(source)
        action = "aggregation.source_created"
    else:
        if (fields["location"], fields["kind"]) != (source.location, source.kind):
            source.etag = source.last_modified = None  # validators of another document
        for key, value in fields.items():
            setattr(source, key, value)
        action = "aggregation.source_updated"
    audit.record(actor, action, source, name=source.name, kind=source.kind,
                 location=source.location, active=source.active)
    db.session.commit()
    return source


def source_as_input(source: JobSource) -> dict:
    """A source's values in the shape read_source accepts (to prefill the edit form)."""
    return {"name": source.name, "corridor": source.corridor.code, "kind": source.kind,
            "location": source.location, "refresh_minutes": source.refresh_minutes,
            "mappings": json.dumps(source.mappings, indent=1) if source.mappings else "",
            "active": source.active}


def sources_to_run(*, corridor: str | None = None, source_id: int | None = None,
                   force: bool = False, now: dt.datetime | None = None) -> list[JobSource]:
    """Active sources to read now: one by id (always), else those due by their refresh
    interval (all of them with `force`), optionally of one corridor."""
    if source_id is not None:
        source = get_or_not_found(JobSource, source_id)
        return [source]
    stmt = sa.select(JobSource).where(JobSource.active.is_(True)).order_by(JobSource.id)
    if corridor:
        found = db.session.scalar(sa.select(Corridor.id).where(Corridor.code == corridor.upper()))
        if found is None:
            raise NotFound()
        stmt = stmt.where(JobSource.corridor_id == found)
    now = now or utcnow()
    # A site that answered "come back later" is not asked again before it said, forced or not.
    sources = [s for s in db.session.scalars(stmt) if s.not_before is None or s.not_before <= now]
    if force:
        return sources
    last = dict(db.session.execute(sa.select(SourceRun.source_id, sa.func.max(
        SourceRun.started_at)).group_by(SourceRun.source_id)).all())
    return [s for s in sources if s.id not in last
            or last[s.id] + dt.timedelta(minutes=s.refresh_minutes) <= now]


def run_sources(actor: User | None, sources: list[JobSource],
                progress: Progress | None = None) -> list[SourceRun]:
    """Run each source in turn; one source's failure never stops the others."""
    return [run_source(source, actor, progress=progress) for source in sources]


@dataclass
class RunRequest:
    """What "Run now" did: the runs made here, the sources left for lack of time, or the
    id of the job queued for the worker."""

    runs: list[SourceRun]
    skipped: list[JobSource]
    queued_job: str | None = None


def request_run(actor: User, *, source_id: int | None = None,
                corridor: str | None = None) -> RunRequest:
    """Read one source (even inactive), or a corridor's active sources, now (admins only).

    With a worker (`REDIS_URL`) the run is queued; without one it runs here, source after
    source, and stops starting new ones after AGGREGATION_INLINE_SECONDS (a web request
    must end); `flask aggregate` reads the rest.
    """
    _admin(actor)
    sources = sources_to_run(corridor=corridor, source_id=source_id, force=True)
    target = sources[0] if source_id is not None else db.session.scalar(
        sa.select(Corridor).where(Corridor.code == (corridor or "").upper()))
    cfg = current_app.config
    audit.record(actor, "aggregation.run_requested", target,
                 sources=[s.id for s in sources], queued=bool(cfg["REDIS_URL"]))
    db.session.commit()
    ids = [s.id for s in sources]
    if cfg["REDIS_URL"]:
        timeout = int(cfg["AGGREGATION_DEADLINE"] * 2 + 600) * max(1, len(ids))
        try:
            return RunRequest([], [], enqueue_runs(cfg["REDIS_URL"], ids, actor.id, timeout))
        except RedisError:  # no queue to put it on: the admin still gets the run, here
            current_app.logger.exception("could not queue the aggregation run; running inline")
    stop_at = time.monotonic() + cfg["AGGREGATION_INLINE_SECONDS"]
    runs, skipped = [], []
    for source in sources:
        if time.monotonic() >= stop_at:
            skipped.append(source)
        else:
            runs.append(run_source(source, actor))
    return RunRequest(runs, skipped)


@dataclass
class Provenance:
    """Where a worker is told a posting came from."""

    source: str
    url: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    still_listed: bool


def posting_provenance(job: JobPosting) -> dict[str, Any]:
    """The sources a posting was seen at, and what was assumed in reading it; empty for a
    posting made on FairCorridor itself."""
    copies = list(db.session.scalars(
        sa.select(PostingProvenance).join(PostingProvenance.source)
        .where(PostingProvenance.job_id == job.id)
        .order_by(PostingProvenance.primary.desc(), PostingProvenance.first_seen)))
    if not copies:
        return {}
    primary = next((c for c in copies if c.primary), None)
    return {
        "sources": [Provenance(c.source.name, c.original_url, c.first_seen, c.last_seen,
                               c.missed_runs == 0) for c in copies],
        "notes": notes_text(primary.notes) if primary else [],
        "aggregated": primary is not None,
        "registered": bool(job.organisation.members),
    }
