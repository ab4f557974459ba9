"""Benchmark: does the site hold 20 concurrent users while they search?

Builds a throwaway SQLite database with the demo data (`flask db upgrade`, `flask seed
demo`), then serves it twice on free loopback ports, one after the other: gunicorn with the
project's gunicorn.conf.py (as `make serve` runs it, production settings) and `flask run`
(the development server, threaded). Each server gets three scenarios from C client threads
for at most S seconds and N requests each: the home page alone, search with queries never
sent before (`/api/v1/search`, so no cache helps), and a mix (half the clients search, half
load the home page: does the site stay usable under a search flood?). Prints requests/s,
p50/p95/p99 latency and errors per path; asserts nothing.

All clients share 127.0.0.1, so the per-client search limit is lifted for the run
(SEARCH_LIMIT_CLIENT): this measures capacity, not the limit.

Run from the project root:  .venv/bin/python bench/serve_load.py [--clients C]
    [--seconds S] [--requests N] [--data DIR] [--servers gunicorn,flask]
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: flask and gunicorn live next to python
HOST = "127.0.0.1"  # loopback only
HOME = "/"
SEARCH = "/api/v1/search?q="
# Words a worker might type, combined so that every query of a run is new.
WHAT = ("cook", "driver", "welder", "electrician", "nurse", "cleaner", "farm worker",
        "housekeeper", "kitchen helper", "scaffolder", "security guard", "plumber", "painter",
        "carpenter", "caregiver", "waiter", "mason", "fruit picker", "factory worker",
        "forklift operator", "steel fixer", "room attendant", "baker", "gardener")
HOW = ("experienced", "night shift", "with visa", "no fee", "good salary", "free housing",
       "two years", "urgent", "overtime paid", "female", "helper", "senior", "trainee",
       "hospital", "hotel", "building site", "restaurant", "glove factory")
WHERE = ("Qatar", "Doha", "Dubai", "UAE", "Malaysia", "Saudi", "Riyadh", "USA", "abroad",
         "Gulf", "Kuala Lumpur", "Texas", "near airport", "camp")


class UniqueQueries:
    """An endless, thread-safe supply of search queries, none repeated within a run."""

    def __init__(self, seed: int) -> None:
        combos = list(itertools.product(WHAT, HOW, WHERE))
        random.Random(seed).shuffle(combos)
        self._combos = combos
        self._next = itertools.count()

    def __call__(self) -> str:
        n = next(self._next)
        what, how, where = self._combos[n % len(self._combos)]
        # Past one pass the run number keeps them unique (never reached in a bounded run).
        lap = n // len(self._combos)
        return f"{how} {what} {where}" + (f" {lap}" if lap else "")


@dataclass
class Result:
    """What the clients of one path measured in one scenario."""

    path: str
    latencies: list[float] = field(default_factory=list)  # seconds, 200 responses only
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0
    # The server's CPU over the whole scenario (every path of it): on a shared machine
    # the CPU a request costs says more than requests/s, which depends on what else runs.
    server_cpu: float = 0.0
    scenario_requests: int = 0

    def add(self, latencies: list[float], errors: int, statuses: dict[int, int]) -> None:
        self.latencies += latencies
        self.errors += errors
        for status, n in statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


def run(*args: str, env: dict[str, str]) -> str:
    """Run a venv command in the project root; stop the benchmark if it fails."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def load_data(folder: Path, env: dict[str, str]) -> str:
    """The demo data in `folder`, seeded unless an earlier run left it there."""
    if (folder / "bench.sqlite").exists() and (folder / "seeded").exists():
        return f"demo data kept from an earlier run in {folder}"
    seed_env = {**env, "FAIRCORRIDOR_ENV": "development"}  # production refuses demo data
    run(str(BIN / "flask"), "--app", "app", "db", "upgrade", env=seed_env)
    run(str(BIN / "flask"), "--app", "app", "seed", "demo", env=seed_env)
    (folder / "seeded").write_text("flask seed demo\n")
    return f"flask seed demo into {folder}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_command(kind: str, port: int, folder: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and extra environment of one server."""
    if kind == "gunicorn":
        return ([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
                {"GUNICORN_BIND": f"{HOST}:{port}",
                 "GUNICORN_ACCESS_LOG": str(folder / "gunicorn-access.log")})
    return ([str(BIN / "flask"), "--app", "app", "run", "--host", HOST, "--port", str(port),
             "--no-reload", "--no-debugger", "--with-threads"], {})


@contextmanager
def serving(kind: str, env: dict[str, str], folder: Path):
    """A server of `kind` on a free port, stopped (SIGTERM) on leaving."""
    port, log = free_port(), folder / f"{kind}.log"
    command, extra = server_command(kind, port, folder)
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env={**env, **extra}, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_until_up(server, port, log)
        yield port, server.pid
    finally:
        server.terminate()  # gunicorn's graceful shutdown; flask run exits
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_up(server: subprocess.Popen, port: int, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if get(http.client.HTTPConnection(HOST, port, timeout=5), HOME) == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    sys.exit(f"server did not answer within {timeout:.0f} s:\n{log.read_text()}")


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants (/proc)."""
    parents, used = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        pid = int(entry.name)
        parents[pid], used[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    family, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(used.get(pid, 0) for pid in family) / os.sysconf("SC_CLK_TCK")


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def client(port: int, next_path, tickets, total: int, deadline: float, result: Result,
           lock: threading.Lock) -> None:
    """One simulated user: a keep-alive connection, one request after the other."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies, statuses, errors = [], {}, 0
    while next(tickets) < total and time.monotonic() < deadline:
        path = next_path()
        start = time.perf_counter()
        try:
            status = get(conn, path)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            continue
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            latencies.append(time.perf_counter() - start)
        else:
            errors += 1
    conn.close()
    with lock:
        result.add(latencies, errors, statuses)


def scenario(server: tuple[int, int], groups: list[tuple[str, object, int]], total: int,
             seconds: float) -> list[Result]:
    """Run client groups (label, path supplier, clients) at once against (port, pid); one
    Result per group."""
    (port, pid), lock = server, threading.Lock()
    cpu, start = cpu_seconds(pid), time.monotonic()
    results, threads = [], []
    for label, next_path, count in groups:
        result, tickets = Result(label), itertools.count()
        results.append(result)
        threads += [threading.Thread(target=client, args=(port, next_path, tickets, total,
                                                          start + seconds, result, lock))
                    for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu, done = cpu_seconds(pid) - cpu, sum(len(r.latencies) + r.errors for r in results)
    for result in results:
        result.elapsed = time.monotonic() - start
        result.server_cpu, result.scenario_requests = cpu, done
    return results


def scenarios(clients: int, queries: UniqueQueries) -> dict[str, list[tuple[str, object, int]]]:
    search = lambda: SEARCH + quote(queries())  # noqa: E731
    home = lambda: HOME  # noqa: E731
    half = clients // 2
    return {"pages": [("home page", home, clients)],
            "search": [("search, unique queries", search, clients)],
            "mix": [("search, unique queries", search, clients - half),
                    ("home page", home, half)]}


def row(server: str, name: str, result: Result) -> str:
    done = len(result.latencies)
    rps = done / result.elapsed if result.elapsed else 0.0
    p50 = p95 = p99 = float("nan")
    if done >= 2:
        cuts = statistics.quantiles(result.latencies, n=100, method="inclusive")
        p50, p95, p99 = (cuts[i - 1] * 1000 for i in (50, 95, 99))
    bad = {s: n for s, n in sorted(result.statuses.items()) if s != 200}
    failed = result.errors - sum(bad.values())
    detail = ", ".join([f"{n}×{s}" for s, n in bad.items()]
                       + ([f"{failed} failed"] if failed else []))
    cores = result.server_cpu / result.elapsed if result.elapsed else 0.0
    per_request = 1000 * result.server_cpu / max(result.scenario_requests, 1)
    return (f"{server:<9} {name:<7} {result.path:<23} {done:>6} {rps:>7.1f} {p50:>7.0f} "
            f"{p95:>7.0f} {p99:>7.0f} {result.errors:>6} {cores:>6.2f} {per_request:>6.1f}"
            f"  {detail}")


HEADER = (f"{'server':<9} {'scenario':<7} {'path':<23} {'200s':>6} {'req/s':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'cores':>6} {'CPU ms':>6}"
          "\n(cores: the server's CPU seconds per second; CPU ms: its CPU per request of the "
          "scenario, all paths)")


def measure(kind: str, env: dict[str, str], folder: Path, args: argparse.Namespace,
            queries: UniqueQueries) -> list[str]:
    rows = []
    with serving(kind, env, folder) as server:
        plan = scenarios(args.clients, queries)
        # Warm-up: every process loads its model and opens its index before any figure.
        scenario(server, plan["mix"], 4 * args.clients, 20)
        for name, groups in plan.items():
            for result in scenario(server, groups, args.requests, args.seconds):
                rows.append(row(kind, name, result))
                print(rows[-1], flush=True)
    return rows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario, at most")
    parser.add_argument("--requests", type=int, default=5000, help="per path and scenario")
    parser.add_argument("--servers", default="gunicorn,flask")
    parser.add_argument("--data", type=Path, help="a folder to keep the demo data in between "
                                                  "runs (default: a temporary one)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="faircorridor-serve-") as tmp:
        folder = (args.data or Path(tmp)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
               "FAIRCORRIDOR_INSTANCE": str(folder), "FAIRCORRIDOR_ENV": "production",
               "SECRET_KEY": secrets.token_urlsafe(32),
               "TOTP_ENCRYPTION_KEY": secrets.token_urlsafe(32),
               "SEARCH_LIMIT_CLIENT": "1000000 per minute",
               "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        print(load_data(folder, env))
        print(f"{args.clients} clients, at most {args.seconds:.0f} s or {args.requests} "
              f"requests per path and scenario; {os.cpu_count()} CPU cores, load average "
              f"{os.getloadavg()[0]:.1f} at the start\n\n{HEADER}", flush=True)
        queries = UniqueQueries(secrets.randbits(32))
        rows = [line for kind in args.servers.split(",")
                for line in measure(kind.strip(), env, folder, args, queries)]
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end\n\n{HEADER}")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
