""""Run now" on the admin pages: one source or a corridor, read inline with a time limit,
or queued for an RQ worker on a real Redis server; every request audited."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import sqlalchemy as sa

from app.aggregation.models import JobSource, SourceRun
from app.audit import AuditEntry
from app.extensions import db
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)
from tests.fixtures.builders import PASSWORD


def _admin(auth, make):
    admin = make.user("admin")
    assert auth.login(admin.email, PASSWORD).status_code == 302
    return admin


def _source(name: str) -> JobSource:
    return db.session.scalar(sa.select(JobSource).where(JobSource.name == name))


def _runs_audited(actor) -> list[str]:
    """The admin's run requests and the runs they made, in order."""
    return db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.actor_id == actor.id, AuditEntry.action.in_(
            ("aggregation.run_requested", "aggregation.run"))).order_by(AuditEntry.id)).all()


def test_run_now_reads_one_source_and_shows_its_report(demo_sources, auth, make, client):
    admin = _admin(auth, make)
    board = _source("Dune Crest Contracting careers page")
    assert f'action="/admin/sources/{board.id}/run"' in client.get(
        f"/admin/sources/{board.id}").get_data(as_text=True)
    response = auth.post(f"/admin/sources/{board.id}/run")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Run report: Dune Crest Contracting careers page" in page
    assert "fetched 5: new 3, updated 0, unchanged 0, duplicates merged 0, expired 0, rejected 2" \
        in page and "missing title" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceRun)) == 1
    assert _runs_audited(admin) == ["aggregation.run_requested", "aggregation.run"]


def test_run_now_for_a_corridor_reads_its_active_sources(demo_sources, auth, make, client):
    _admin(auth, make)
    assert 'action="/admin/sources/corridor/NP-QA/run"' in client.get(
        "/admin/sources/").get_data(as_text=True)
    page = auth.post("/admin/sources/corridor/np-qa/run").get_data(as_text=True)
    assert "Run report: NP-QA" in page
    assert "Dune Crest Contracting careers page ·" in page and "Himal partner agency feed ·" in page
    assert {r.source.corridor.code for r in db.session.scalars(sa.select(SourceRun))} == {"NP-QA"}
    assert auth.post("/admin/sources/corridor/XX-YY/run").status_code == 404
    assert auth.post("/admin/sources/999999/run").status_code == 404


def test_run_now_needs_the_form_token(demo_sources, auth, make, client):
    _admin(auth, make)
    board = _source("Riyadh Jobs Digest")
    assert client.post(f"/admin/sources/{board.id}/run").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceRun)) == 0


def test_inline_runs_stop_starting_sources_at_the_time_limit(demo_sources, auth, make, app,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "AGGREGATION_INLINE_SECONDS", 0)
    _admin(auth, make)
    page = auth.post("/admin/sources/corridor/NP-QA/run").get_data(as_text=True)
    assert "Not read, for lack of time" in page
    assert "Dune Crest Contracting careers page, Himal partner agency feed" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceRun)) == 0


@pytest.fixture
def redis_url(tmp_path):
    """A real Redis server on a Unix socket, for this test only."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    sock = tmp_path / "redis.sock"
    process = subprocess.Popen([server, "--port", "0", "--unixsocket", str(sock),
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        yield f"unix://{sock}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_a_worker_the_run_is_queued_and_the_worker_runs_it(demo_sources, auth, make,
                                                                 client, app, monkeypatch,
                                                                 redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    admin = _admin(auth, make)
    feed = _source("KL Factory Jobs feed")
    response = auth.post(f"/admin/sources/{feed.id}/run")
    assert response.status_code == 302
    assert "The run is queued for the worker" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceRun)) == 0
    connection = Redis.from_url(redis_url)
    queue = Queue("aggregation", connection=connection)
    assert queue.count == 1
    # The worker runs in this process, inside the test's app (a separate worker process
    # would need the test's database, which may be in memory).
    assert SimpleWorker([queue], connection=connection).work(burst=True)
    run = db.session.scalar(sa.select(SourceRun))
    assert (run.source_id, run.status, run.new) == (feed.id, "succeeded", 3)
    assert _runs_audited(admin) == ["aggregation.run_requested", "aggregation.run"]


def test_with_the_queue_down_the_run_happens_here(demo_sources, auth, make, app, monkeypatch,
                                                  tmp_path):
    monkeypatch.setitem(app.config, "REDIS_URL", f"unix://{tmp_path}/no-redis.sock")
    _admin(auth, make)
    feed = _source("KL Factory Jobs feed")
    response = auth.post(f"/admin/sources/{feed.id}/run")
    assert response.status_code == 200 and "fetched 4: new 3" in response.get_data(as_text=True)
