"""Benchmark: can the web app serve the job list at 200 requests/s on two gunicorn workers?

Builds a throwaway SQLite database (schema by `flask db upgrade`, demo data by
`flask seed demo`, or ~200 jobs from the tests' builders while seed/data/jobs.yaml
does not exist), starts `gunicorn -w 2` on a free loopback port, and loads
/corridors/NP-QA and /api/v1/jobs?corridor=NP-QA from 8 client threads, each
endpoint in turn, for 3000 requests or 20 seconds, whichever comes first. Prints
requests/s and p50/p95/p99 latency per endpoint; asserts nothing.

Run from the project root:  .venv/bin/python bench/joblist.py [--requests N]
    [--seconds S] [--threads T] [--workers W]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: flask and gunicorn live next to python
HOST = "127.0.0.1"  # loopback only
TARGET_RPS = 200
ENDPOINTS = ("/corridors/NP-QA", "/api/v1/jobs?corridor=NP-QA")
BUILDER_JOBS = 200
# (occupation label, corridor, wage currency, contract languages) for builder-made jobs.
JOB_KINDS = [
    ("building electrician", "NP-QA", "QAR", ["ne", "en"]),
    ("construction scaffolder", "NP-QA", "QAR", ["ne", "en"]),
    ("kitchen porter", "NP-QA", "QAR", ["ne", "en"]),
    ("security guard", "NP-QA", "QAR", ["ne", "en"]),
    ("domestic housekeeper", "PH-AE", "AED", ["tl", "en"]),
]


@dataclass
class Result:
    """What one load run measured."""

    path: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    body_bytes: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds this process spent generating the load


def run(*args: str, env: dict[str, str]) -> str:
    """Run a venv command in the project root; stop the benchmark if it fails."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def load_data(env: dict[str, str]) -> str:
    """Schema, then demo data: the seed when its jobs exist, else the tests' builders."""
    run(str(BIN / "flask"), "--app", "app", "db", "upgrade", env=env)
    if (ROOT / "seed" / "data" / "jobs.yaml").exists():
        out = run(str(BIN / "flask"), "--app", "app", "seed", "demo", env=env)
        return "flask seed demo: " + "; ".join(line for line in out.splitlines()
                                               if line.endswith(tuple("0123456789")))
    return f"tests' builders: {build_jobs(BUILDER_JOBS)} jobs"


def build_jobs(count: int) -> int:
    """Create `count` published jobs over 12 organisations (seed/data/jobs.yaml is absent)."""
    # tests/ is not an installed package; the builders are imported from the checkout.
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.extensions import db
    from tests.fixtures.builders import Builders

    app = create_app()  # reads DATABASE_URL from the environment set in main()
    with app.app_context():
        make = Builders()
        organisations = [make.organisation(f"Bench Employer {n}") for n in range(12)]
        for n in range(count):
            occupation, corridor, currency, languages = JOB_KINDS[n % len(JOB_KINDS)]
            make.job(organisations[n % len(organisations)],
                     title=f"{occupation.capitalize()} #{n}", occupation=occupation,
                     corridor=corridor, wage_currency=currency,
                     contract_languages=languages, wage_amount=str(1100 + 7 * n))
        db.session.remove()
        db.engine.dispose()  # no connection of ours stays open while gunicorn runs
    return count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers),
                                 "-b", f"{HOST}:{port}", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_up(server: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", ENDPOINTS[0])
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()}")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.terminate()  # SIGTERM: gunicorn's graceful shutdown
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def client(port: int, path: str, tickets: itertools.count, total: int, deadline: float,
           result: Result, lock: threading.Lock) -> None:
    """One load thread: a keep-alive connection, re-opened when the server closes it."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    latencies, statuses, errors, size = [], {}, 0, 0
    while next(tickets) < total and time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            size += len(response.read())
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            continue
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status == 200:
            latencies.append(time.perf_counter() - start)
        else:
            errors += 1
    conn.close()
    with lock:
        result.latencies += latencies
        result.errors += errors
        result.body_bytes += size
        for status, n in statuses.items():
            result.statuses[status] = result.statuses.get(status, 0) + n


def load(port: int, path: str, threads: int, total: int, seconds: float) -> Result:
    result, lock, tickets = Result(path), threading.Lock(), itertools.count()
    start, cpu = time.monotonic(), time.process_time()
    workers = [threading.Thread(target=client, args=(port, path, tickets, total,
                                                     start + seconds, result, lock))
               for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result.elapsed = time.monotonic() - start
    result.client_cpu = time.process_time() - cpu
    return result


def report(result: Result) -> None:
    done = len(result.latencies)
    rps = done / result.elapsed if result.elapsed else 0.0
    print(f"\n{result.path}")
    print(f"  {done} × 200 OK in {result.elapsed:.2f} s, errors {result.errors}, "
          f"statuses {dict(sorted(result.statuses.items()))}, "
          f"{result.body_bytes / max(done, 1) / 1024:.1f} KiB per response")
    print(f"  throughput  {rps:8.1f} requests/s "
          f"({'meets' if rps >= TARGET_RPS else 'BELOW'} the {TARGET_RPS} requests/s target)")
    if done >= 2:
        cuts = statistics.quantiles(result.latencies, n=100, method="inclusive")
        p50, p95, p99 = (cuts[i - 1] * 1000 for i in (50, 95, 99))
        print(f"  latency ms  p50 {p50:.1f}   p95 {p95:.1f}   p99 {p99:.1f}   "
              f"max {max(result.latencies) * 1000:.1f}")
    # Client and server share this machine's cores: a busy client lowers the figure.
    print(f"  load generator CPU {result.client_cpu:.1f} s "
          f"({100 * result.client_cpu / result.elapsed:.0f}% of one core)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per endpoint")
    parser.add_argument("--seconds", type=float, default=20.0, help="per endpoint, at most")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="faircorridor-bench-") as tmp:
        # Set in this process too: the builders' app reads the same settings as the children.
        os.environ.update(DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                          FAIRCORRIDOR_INSTANCE=tmp, FAIRCORRIDOR_ENV="development",
                          HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        env = dict(os.environ)
        print(f"database: {env['DATABASE_URL']}")
        print(f"data: {load_data(env)}")
        port, log = free_port(), Path(tmp) / "gunicorn.log"
        server = start_gunicorn(port, args.workers, env, log)
        try:
            wait_until_up(server, port, log)
            print(f"gunicorn -w {args.workers} on {HOST}:{port}; {args.threads} client threads, "
                  f"{args.requests} requests or {args.seconds:.0f} s per endpoint; "
                  f"{os.cpu_count()} CPU cores")
            for path in ENDPOINTS:
                load(port, path, args.threads, 50, 10)  # warm-up: imports, caches, pools
                report(load(port, path, args.threads, args.requests, args.seconds))
        finally:
            stop_gunicorn(server)


if __name__ == "__main__":
    main()
