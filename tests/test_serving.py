"""Serving as `make serve` does: gunicorn.conf.py's sizing, torch's share of the cores per
worker, and real gunicorn workers sharing one search limit through the real Redis."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
# A database number of this file's own on the machine's Redis, emptied before and after.
REDIS_URL = os.environ.get("TEST_SERVING_REDIS_URL", "redis://127.0.0.1:6379/7")
CORES = len(os.sched_getaffinity(0))


def _gunicorn_settings(**env: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                           "--print-config"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, check=True)
    return dict((part.strip() for part in line.split("=", 1))
                for line in done.stdout.splitlines() if " = " in line)


def test_one_threaded_worker_per_core_and_the_private_access_log():
    settings = _gunicorn_settings()
    assert settings["workers"] == str(CORES)
    assert settings["worker_class"] == "gthread" and int(settings["threads"]) > 1
    assert settings["preload_app"] == "False"
    assert settings["logger_class"] == "grievance.logs.PrivateLogger"
    assert _gunicorn_settings(GUNICORN_THREADS="1")["worker_class"] == "sync"


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_each_worker_gives_torch_its_share_of_the_cores(workers):
    code = ("import runpy, torch; conf = runpy.run_path('gunicorn.conf.py'); "
            "conf['post_fork'](None, None); print(torch.get_num_threads())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "GUNICORN_WORKERS": str(workers)},
                          check=True)
    assert int(done.stdout) == max(1, CORES // workers)


@pytest.fixture
def shared_counts():
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    server.flushdb()
    yield server
    server.flushdb()
    server.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str) -> int | None:
    """One request on a new connection, so that either worker may take it."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


@pytest.fixture
def two_workers(app, tmp_path, shared_counts):
    """Real gunicorn, two workers, the search limit counted in Redis, on the test database."""
    port = _free_port()
    env = {**os.environ, "FAIRCORRIDOR_ENV": "testing", "FAIRCORRIDOR_INSTANCE": app.instance_path,
           "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
           "GUNICORN_ACCESS_LOG": str(tmp_path / "access"),
           "GUNICORN_ERROR_LOG": str(tmp_path / "error"),
           "RATELIMIT_STORAGE_URI": REDIS_URL, "SEARCH_LIMIT_CLIENT": "4 per minute"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _get(port, "/static/style.css") is None:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_workers_share_one_search_limit_through_redis(two_workers, shared_counts):
    statuses = [_get(two_workers, f"/api/v1/search?q=cook+{n}") for n in range(8)]
    assert statuses == [200] * 4 + [429] * 4
    keys = [key.decode() for key in shared_counts.scan_iter("*")]
    assert keys and all("search" in key and "127.0.0.1" not in key for key in keys)
