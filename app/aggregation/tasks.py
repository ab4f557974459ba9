"""Aggregation runs on an RQ worker: `REDIS_URL` set, "Run now" on the admin pages queues
the run here instead of running it in the web request.

Start a worker with `rq worker --url "$REDIS_URL" aggregation` (same settings as the app).
"""
from __future__ import annotations

from flask import has_app_context

QUEUE = "aggregation"


def enqueue_runs(redis_url: str, source_ids: list[int], actor_id: int | None,
                 timeout_seconds: int) -> str:
    """Queue one job reading these sources in turn; its id."""
    from redis import Redis
    from rq import Queue

    queue = Queue(QUEUE, connection=Redis.from_url(redis_url))
    job = queue.enqueue(run_sources_job, source_ids, actor_id, job_timeout=timeout_seconds,
                        result_ttl=24 * 3600, description=f"aggregate sources {source_ids}")
    return job.id


def run_sources_job(source_ids: list[int], actor_id: int | None) -> list[int]:
    """The worker's side: read the sources, as the admin who asked; the runs' ids."""
    if has_app_context():  # a worker started inside an app (tests, `flask shell`)
        return _run(source_ids, actor_id)
    from app import create_app  # the worker process has no app until its first job

    with create_app().app_context():
        return _run(source_ids, actor_id)


def _run(source_ids: list[int], actor_id: int | None) -> list[int]:
    from app.accounts.models import User
    from app.aggregation.ingest import run_source
    from app.aggregation.models import JobSource
    from app.extensions import db

    actor = db.session.get(User, actor_id) if actor_id is not None else None
    sources = [s for s in (db.session.get(JobSource, i) for i in source_ids) if s is not None]
    return [run_source(source, actor).id for source in sources]
