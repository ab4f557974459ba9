"""Job sources, the runs that read them, and where each aggregated posting came from."""
from __future__ import annotations

import datetime as dt
import zlib
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.corridors.models import Corridor
    from app.jobs.models import JobPosting
    from app.organisations.models import Organisation

HTML_JSONLD, RSS, ATOM, CSV, JSON, SITEMAP = ("html_jsonld", "rss", "atom", "csv", "json",
                                              "sitemap")
# A sitemap source is a job board's sitemap (or sitemap index): its pages are read as
# html_jsonld pages, all under the one source.
SOURCE_KINDS = (HTML_JSONLD, RSS, ATOM, CSV, JSON, SITEMAP)
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
RUN_COUNTS = ("fetched", "new", "updated", "unchanged", "duplicates", "expired", "rejected")
MAX_RUN_ERRORS = 200  # item errors kept per run; the count in `rejected` stays exact


class JobSource(db.Model):
    """Somewhere job offers for a corridor are published: a page, a feed or an export."""

    __tablename__ = "job_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    corridor_id: Mapped[int] = mapped_column(sa.ForeignKey("corridors.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # An http(s) URL, or a file path relative to AGGREGATION_FILE_ROOT.
    location: Mapped[str] = mapped_column(sa.String(500))
    refresh_minutes: Mapped[int] = mapped_column(default=24 * 60)
    # Source field -> our field, for CSV columns, JSON keys and feed elements.
    mappings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The validators of the last document read, sent back so that an unchanged document
    # costs the site a 304 and us no parsing; None until a site gives one.
    etag: Mapped[str | None] = mapped_column(sa.String(200))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    # The site answered 429 or 503 with Retry-After: no request before this time.
    not_before: Mapped[dt.datetime | None]

    corridor: Mapped[Corridor] = relationship()

    def __repr__(self) -> str:
        return f"<JobSource {self.id} {self.kind}>"

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


class SourceRun(db.Model):
    """One reading of a source: what it found, what changed, and what was rejected and why."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=RUNNING)
    fetched: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)  # merged into an existing posting
    expired: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # Why the run failed as a whole (unreachable, too large, not a feed...), else "".
    failure: Mapped[str] = mapped_column(sa.Text, default="")
    # Rejected items: [{"item": "...", "reason": "..."}], at most MAX_RUN_ERRORS.
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)
    # How the site was treated: [{"event": "robots_allowed" | "robots_disallowed" |
    # "not_modified" | "back_off" | "sitemap" | "page_skipped", ...}] (crawl.py).
    log: Mapped[list | None] = mapped_column(sa.JSON)

    source: Mapped[JobSource] = relationship()

    def __repr__(self) -> str:
        return f"<SourceRun {self.id} {self.status}>"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in RUN_COUNTS}


class PostingProvenance(db.Model):
    """One source's copy of a posting: where it was seen, when, and exactly what it said.

    A posting merged from several sources has one row per source item. Only the
    primary row (the item that created the posting) may change the posting's content;
    the others are kept as evidence.
    """

    __tablename__ = "posting_provenances"
    __table_args__ = (sa.UniqueConstraint("source_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_postings.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_sources.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(sa.String(64))  # stable id of the item in its source
    original_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    raw_hash: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 of the raw item
    text_hash: Mapped[str] = mapped_column(sa.String(64), index=True)  # normalised ad text
    signature: Mapped[bytes] = mapped_column(sa.LargeBinary)  # MinHash of the ad text
    raw_compressed: Mapped[bytes] = mapped_column(sa.LargeBinary)  # the item, zlib
    notes: Mapped[list] = mapped_column(sa.JSON, default=list)  # what normalising assumed
    missed_runs: Mapped[int] = mapped_column(default=0)
    primary: Mapped[bool] = mapped_column(default=False)

    job: Mapped[JobPosting] = relationship()
    source: Mapped[JobSource] = relationship()

    def __repr__(self) -> str:
        return f"<PostingProvenance job={self.job_id} source={self.source_id}>"

    @property
    def raw_item(self) -> str:
        """The item exactly as the source published it (decompressed)."""
        return zlib.decompress(self.raw_compressed).decode("utf-8")


CLAIM_PENDING, CLAIM_APPROVED, CLAIM_REFUSED = "pending", "approved", "refused"
CLAIM_STATUSES = (CLAIM_PENDING, CLAIM_APPROVED, CLAIM_REFUSED)


class OrganisationClaim(db.Model):
    """A registered organisation's request to take over an organisation listed from job
    sources, with its evidence, and the reviewer's decision and reason."""

    __tablename__ = "organisation_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    listed_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    claimant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    licence_number: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # What the licence register said when the claim was made.
    register_note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=CLAIM_PENDING, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    moved_jobs: Mapped[int] = mapped_column(default=0)

    listed: Mapped[Organisation] = relationship(foreign_keys=[listed_id])
    claimant: Mapped[Organisation] = relationship(foreign_keys=[claimant_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<OrganisationClaim {self.id} {self.status}>"
