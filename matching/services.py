"""Binds search and matching to the marketplace: which jobs and workers may be shown,
what is embedded for them, and the ranking with its explanation."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.accounts.models import WORKER, User, WorkerProfile
from app.corridors.models import Corridor
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.jobs.models import PUBLISHED, JobPosting
from app.jobs.services import ASSESSMENT_OPTION, JobFilters, filtered, job_for_member, \
    visible_jobs
from app.jobs.wages import to_usd
from app.organisations.models import Organisation
from app.timeutil import today
from matching.backend import Document, EmbeddedBackend, SearchBackend, SearchFilters
from matching.elastic import DEFAULT_INDEX
from matching.encoder import get_encoder
from matching.errors import QueryError, SearchBackendUnavailable
from matching.expansion import expanded
from matching.explain import CandidateFacts, JobFacts, MatchExplanation, explain_match, \
    job_embed_text, profile_text
from matching.hybrid import FusionWeights, SearchResult
from matching.relevance import Floor, close_hits

_lock = threading.Lock()
_backends: dict[tuple, SearchBackend] = {}
# By default workers see jobs of vetted organisations and of those still under review.
DEFAULT_TIERS = ("vetted", "under_review")
# What document() reads, loaded with the postings in one query.
_DOCUMENT_OPTIONS = (joinedload(JobPosting.occupation), joinedload(JobPosting.corridor),
                     joinedload(JobPosting.organisation))
UNAVAILABLE = _l("Search is unavailable at the moment; please try again in a few minutes.")


def encoder():
    cfg = current_app.config
    return get_encoder(cfg.get("EMBEDDING_MODEL"),
                       cache_dir=Path(cfg["INSTANCE_PATH"]) / "embeddings")


def backend() -> SearchBackend:
    """This process's search backend for the configured backend, location and model.

    Opening it checks what is stored against the model. The embedded backend then indexes,
    at each search, whatever the database allows but it lacks; Elasticsearch filters on its
    own fields, so an index it had to recreate, or one missing postings, is filled here.
    """
    cfg, enc = current_app.config, encoder()
    kind = (cfg.get("SEARCH_BACKEND") or "embedded").strip().lower()
    if kind not in ("embedded", "elasticsearch"):
        raise ValueError(f"SEARCH_BACKEND must be 'embedded' or 'elasticsearch', not {kind!r}")
    where = (cfg["ELASTICSEARCH_URL"], cfg.get("ELASTICSEARCH_INDEX") or DEFAULT_INDEX) \
        if kind == "elasticsearch" else (cfg["INSTANCE_PATH"],)
    key = (kind, *where, enc.name)
    with _lock:
        opened = _backends.get(key)
        if opened is None:
            opened = _backends[key] = _open(kind, where, enc)
            fresh = True
        else:
            fresh = False
    if fresh and not opened.wants_allowed_ids:
        try:
            _complete(opened)
        except Exception:
            with _lock:  # try again with the next search
                _backends.pop(key, None)
            raise
    return opened


def _open(kind: str, where: tuple, enc) -> SearchBackend:
    if kind == "elasticsearch":
        from matching.elastic import ElasticBackend
        if not where[0]:
            raise ValueError("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
        opened: SearchBackend = ElasticBackend(where[0], enc, where[1])
    else:
        opened = EmbeddedBackend(Path(where[0]) / "search", enc)
    if opened.rebuilt_reason:
        current_app.logger.warning("search index to be rebuilt from the database: %s",
                                   opened.rebuilt_reason)
    return opened


def _complete(search: SearchBackend) -> None:
    """Index every posting the backend lacks (all of them after a model change)."""
    ids = np.fromiter(db.session.scalars(sa.select(JobPosting.id)), np.int64)
    missing = search.missing(ids).tolist()
    for start in range(0, len(missing), 256):
        chunk = missing[start:start + 256]
        search.upsert([document(job) for job in db.session.scalars(
            sa.select(JobPosting).where(JobPosting.id.in_(chunk)).options(*_DOCUMENT_OPTIONS))],
            visible_now=False)
    if missing:
        search.save()
        current_app.logger.warning("search: indexed %d postings missing from the index",
                                   len(missing))


def warm_backend() -> SearchBackend:
    """The backend with every posting it lacks indexed now, rather than at the first search
    that needs it (matching/warmup.py)."""
    search = backend()
    if search.wants_allowed_ids:  # the other backends complete themselves when opened
        _complete(search)
    return search


def reset_backends() -> None:
    """Forget every open backend (tests empty the database between runs)."""
    with _lock:
        for item in _backends.values():
            item.close()
        _backends.clear()


def document(job: JobPosting) -> Document:
    """What is searched for a job, and what search filters on: never anything about a
    worker."""
    occupation = job.occupation.label if job.occupation else ""
    body = " ".join(part for part in (occupation, job.description, job.benefits) if part)
    embed = job_embed_text(job.title, occupation, job.description)
    wage = float(job.wage_monthly_usd) if job.wage_monthly_usd is not None else None
    return Document(job.id, job.title, body, embed, corridor=job.corridor.code,
                    occupation_id=job.occupation_id, organisation_id=job.organisation_id,
                    monthly_wage_usd=wage, organisation_tier=job.organisation.tier,
                    valid_through=job.valid_through, published=job.status == PUBLISHED)


def index_jobs(jobs: Iterable[JobPosting]) -> None:
    backend().upsert([document(job) for job in jobs])


def on_job_saved(job: JobPosting) -> None:
    """Keep the index current when a posting is published or edited.

    The posting is already saved: a search server that is down must not undo that. The
    backend is forgotten instead, so that the next one opened indexes what it lacks.
    """
    try:
        index_jobs([job])
    except SearchBackendUnavailable:
        current_app.logger.exception("search backend unavailable; job %s indexed later", job.id)
        reset_backends()


def reindex(progress: Callable[[Iterable, int], Iterable] | None = None,
            batch: int = 256) -> int:
    """Rebuild the whole index from the database (`flask matching reindex`)."""
    search = backend()
    search.clear()
    ids = list(db.session.scalars(sa.select(JobPosting.id).order_by(JobPosting.id)))
    chunks = [ids[i:i + batch] for i in range(0, len(ids), batch)]
    for chunk in (progress(chunks, len(chunks)) if progress else chunks):
        jobs = db.session.scalars(sa.select(JobPosting).where(JobPosting.id.in_(chunk))
                                  .options(*_DOCUMENT_OPTIONS))
        search.upsert([document(job) for job in jobs], visible_now=False)
    search.save()
    return len(ids)


def _allowed_ids(stmt: sa.Select) -> np.ndarray:
    """Ids passing the hard constraints, with any not yet indexed indexed now."""
    ids = np.fromiter(db.session.scalars(stmt.with_only_columns(JobPosting.id)), np.int64)
    missing = backend().missing(ids)
    if len(missing):
        index_jobs(db.session.scalars(sa.select(JobPosting).options(*_DOCUMENT_OPTIONS)
                                      .where(JobPosting.id.in_(missing.tolist()))))
    return ids


def _search_filters(stmt: sa.Select, filters: JobFilters, tiers: Iterable[str],
                    corridors: tuple[str, ...] = ()) -> SearchFilters:
    """The hard constraints in the form the configured backend applies them: the ids the
    database allows (embedded), or the same rules on the indexed fields (Elasticsearch)."""
    if backend().wants_allowed_ids:
        return SearchFilters(allowed_ids=_allowed_ids(stmt))
    wage = None
    if filters.min_monthly_wage is not None:
        currency = filters.corridor.currency if filters.corridor else "USD"
        floor = to_usd(filters.min_monthly_wage, currency)
        # As in app.jobs.services.filtered: a wage that cannot be converted matches nothing.
        wage = float(floor) if floor is not None else 1e18
    # Tiers change without a posting being saved: name the hidden organisations from the
    # database (few: suspended, flagged) rather than trust the tier in the index.
    hidden = tuple(db.session.scalars(sa.select(Organisation.id)
                                      .where(Organisation.tier.not_in(tuple(tiers)))))
    return SearchFilters(
        corridors=(filters.corridor.code,) if filters.corridor else corridors,
        occupation_id=filters.occupation_id, organisation_id=filters.organisation_id,
        min_monthly_wage_usd=wage, excluded_organisations=hidden, open_on=today())


def _constrained(filters: JobFilters, tiers: Iterable[str]) -> sa.Select:
    return filtered(visible_jobs().where(Organisation.tier.in_(tuple(tiers))), filters)


# A search ranks this many jobs and counts those close enough as its matches; a page
# shows the first `k` of them. With no close match in a corridor, up to ELSEWHERE close
# matches from other corridors are shown instead, marked as such.
RANKED, ELSEWHERE = 100, 5


@dataclass
class SearchPage:
    """A search's close matches (the first of `total`) and, when a corridor has none, the
    close matches in other corridors (`elsewhere`)."""

    query: str
    notice: str | None
    jobs: list[tuple[JobPosting, float | None]]
    total: int = 0
    more: bool = False  # more than RANKED jobs may match: `total` is a lower bound
    elsewhere: list[tuple[JobPosting, float | None]] = field(default_factory=list)
    corridor: Corridor | None = None  # the corridor searched, if one was chosen


def search_jobs(query: object, filters: JobFilters, *, include_flagged: bool = False,
                k: int = 20) -> SearchPage:
    """A worker's own-words search, ranked by keywords and meaning, after hard filters;
    only jobs above the relevance floor count (matching/relevance.py)."""
    tiers = DEFAULT_TIERS + (("flagged",) if include_flagged else ())
    # The worker's words with the English job titles they name (matching/expansion.py).
    searched = expanded(query)
    stmt = _constrained(filters, tiers)
    result = _ranked(searched.text, stmt, filters, tiers)
    close = _close(result)
    page = SearchPage(searched.shown(result.query), result.notice,
                      _load_in_order(close[:k], stmt), total=_count_allowed(close, stmt),
                      more=len(result.hits) >= RANKED and len(close) == len(result.hits),
                      corridor=filters.corridor)
    if not page.jobs and filters.corridor is not None:
        page.elsewhere = _elsewhere(searched.text, filters, tiers)
    return page


def _close(result: SearchResult) -> list[tuple[int, float | None]]:
    """The ranked hits above the relevance floor (matching/relevance.py), as (id, cosine)."""
    cfg = current_app.config
    floor = Floor(cfg["SEARCH_MIN_SIMILARITY"], cfg["SEARCH_MIN_SIMILARITY_TITLED"])
    titles = {i: title for i, title in db.session.execute(
        sa.select(JobPosting.id, JobPosting.title)
        .where(JobPosting.id.in_([h.id for h in result.hits])))}
    return [(h.id, h.similarity) for h in close_hits(result.hits, floor, result.query, titles)]


def _ranked(text: object, stmt: sa.Select, filters: JobFilters,
            tiers: tuple[str, ...]) -> SearchResult:
    cfg = current_app.config
    weights = FusionWeights(vector=cfg["SEARCH_WEIGHT_VECTOR"], text=cfg["SEARCH_WEIGHT_TEXT"])
    try:
        return backend().search(text, RANKED, weights, _search_filters(stmt, filters, tiers))
    except QueryError as error:
        raise ValidationError(field="q", reason=str(error)) from None
    except SearchBackendUnavailable:
        current_app.logger.exception("search backend unavailable")
        raise ValidationError(field="q", reason=str(UNAVAILABLE)) from None


def _count_allowed(ranked: list[tuple[int, float | None]], stmt: sa.Select) -> int:
    """How many of the ranked jobs the database allows (an index may lag behind it)."""
    if not ranked:
        return 0
    allowed = stmt.where(JobPosting.id.in_([i for i, _ in ranked])).with_only_columns(
        JobPosting.id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(allowed.subquery()))


def _elsewhere(text: object, filters: JobFilters,
               tiers: tuple[str, ...]) -> list[tuple[JobPosting, float | None]]:
    """Close matches in the other corridors, for a search that has none in its own (the
    same filters, but a wage floor in the corridor's currency means nothing elsewhere)."""
    others = dataclasses.replace(filters, corridor=None, min_monthly_wage=None)
    stmt = _constrained(others, tiers).where(JobPosting.corridor_id != filters.corridor.id)
    return _load_in_order(_close(_ranked(text, stmt, others, tiers))[:ELSEWHERE], stmt)


def _load_in_order(ranked: list[tuple[int, float | None]], stmt: sa.Select | None = None
                   ) -> list[tuple[JobPosting, float | None]]:
    """The ranked jobs that the database still allows (`stmt`, else any visible job): an
    index updated a moment late never shows a job its filters or a suspension exclude."""
    jobs = {job.id: job for job in db.session.scalars(
        (stmt if stmt is not None else visible_jobs())
        .where(JobPosting.id.in_([i for i, _ in ranked]))
        .options(contains_eager(JobPosting.organisation), joinedload(JobPosting.occupation),
                 joinedload(JobPosting.corridor), selectinload(JobPosting.costs),
                 ASSESSMENT_OPTION))}
    return [(jobs[i], score) for i, score in ranked if i in jobs]


def _candidate(profile: WorkerProfile) -> CandidateFacts:
    return CandidateFacts(skills=tuple(profile.skills or ()),
                          languages=tuple(profile.languages or ()),
                          corridors=tuple(c.code for c in profile.corridors),
                          available_from=profile.available_from)


def _job_facts(job: JobPosting) -> JobFacts:
    return JobFacts(title=job.title, description=job.description, corridor=job.corridor.code,
                    contract_languages=tuple(job.contract_languages),
                    valid_through=job.valid_through, published=job.status == "published",
                    organisation_tier=job.organisation.tier,
                    occupation=job.occupation.label if job.occupation else None)


@dataclass
class Match:
    score: float
    explanation: MatchExplanation
    job: JobPosting | None = None
    profile: WorkerProfile | None = None


def _rank(similarity: float, explanation: MatchExplanation) -> float:
    cfg = current_app.config
    return (cfg["MATCH_WEIGHT_SIMILARITY"] * similarity
            + cfg["MATCH_WEIGHT_SKILLS"] * explanation.skill_overlap)


def jobs_for_worker(actor: User, k: int = 20) -> list[Match]:
    """The best open jobs for a worker's profile, each with why it matched."""
    if actor.role != WORKER:
        raise PermissionDenied()
    profile = actor.profile or WorkerProfile()
    text = profile_text(profile)
    if not text:
        raise ValidationError(field="profile", reason="add your skills or experience first")
    candidate = _candidate(profile)
    stmt = _constrained(JobFilters(), DEFAULT_TIERS)
    if candidate.corridors:
        stmt = stmt.where(JobPosting.corridor_id.in_([c.id for c in profile.corridors]))
    try:
        scope = _search_filters(stmt, JobFilters(), DEFAULT_TIERS, candidate.corridors)
        hits = backend().nearest(encoder().encode_one(text), k * 3, scope)
    except SearchBackendUnavailable:
        current_app.logger.exception("search backend unavailable")
        raise ValidationError(field="profile", reason=str(UNAVAILABLE)) from None
    matches = []
    for job, similarity in _load_in_order(hits, stmt):
        explanation = explain_match(candidate, _job_facts(job), similarity, today=today(),
                                    encoder=encoder())
        if explanation.passed:
            matches.append(Match(_rank(similarity, explanation), explanation, job=job))
    return sorted(matches, key=lambda m: -m.score)[:k]


def candidates_for_job(actor: User, job_id: int, k: int = 20) -> tuple[JobPosting, list[Match]]:
    """Discoverable workers who fit a posting of the actor's organisation, best first.

    Only workers who consented to be found are ever considered.
    """
    job = job_for_member(actor, job_id)
    facts = _job_facts(job)
    profiles = list(db.session.scalars(
        sa.select(WorkerProfile).join(WorkerProfile.user)
        .where(WorkerProfile.discoverable.is_(True), User.active.is_(True))
        .options(selectinload(WorkerProfile.corridors))))
    pairs = [(p, text) for p in profiles if (text := profile_text(p))]
    if not pairs:
        return job, []
    profiles = [p for p, _ in pairs]
    vectors = encoder().encode([text for _, text in pairs])
    similarities = vectors @ encoder().encode_one(document(job).embed_text)
    matches = []
    for profile, similarity in zip(profiles, similarities.tolist()):
        explanation = explain_match(_candidate(profile), facts, similarity, today=today(),
                                    encoder=encoder())
        if explanation.passed:
            matches.append(Match(_rank(similarity, explanation), explanation, profile=profile))
    return job, sorted(matches, key=lambda m: -m.score)[:k]


