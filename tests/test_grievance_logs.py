"""Every spelling of every grievance path stays out of real gunicorn's and Werkzeug's logs."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.serving import make_server

from app.paths import canonical_path
from grievance.logs import is_grievance_path
from tests.fixtures.grievance import grievance_keys  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "127.66.77.88"  # all of 127/8 is the loopback: a distinctive sender address
AGENT = "Quokkabrowser/7.7 (Reporter handset XK-4410)"
WORDS = ("report", "complaint", "grievance")  # no word of a grievance path may be logged


def grievance_paths(app) -> list[tuple[str, str]]:
    """(method, path) for every rule of the grievance blueprint, ids filled in."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("grievance."):
            continue
        values = {name: ("status" if name == "action" else 1) for name in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len({p for _m, p in found}) >= 12  # the inbox, cases, files, complaints, reports
    return found


def spellings(path: str, port: int) -> list[str]:
    """Ways of writing `path` that a server or a browser may send for it."""
    head, rest = path[1], path[2:]
    encoded = "".join(f"%{ord(c):02x}" if c.isalpha() else c for c in path)
    return [
        path, "/" + path, path.replace("/", "//"), "///" + path[1:], path + "/", path + "//",
        "/./" + path[1:], path + "/.", "/x/../" + path[1:], path + "/../" + path.rsplit("/", 1)[1],
        "/" + "%" + f"{ord(head):02X}" + rest, encoded, "/%25" + f"{ord(head):02X}" + rest,
        "/" + path[1:].replace("/", "%2F"), path.upper(), path.title(), path + "?lang=en",
        path + ";x", path + "%20", f"http://127.0.0.1:{port}{path}", f"http://evil{path}",
    ]


def _send(port: int, method: str, target: str, agent: str = AGENT) -> int:
    """One raw HTTP/1.1 request, the target sent byte for byte, from SOURCE."""
    body = b"description=x" if method == "POST" else b""
    head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {agent}\r\n"
            f"Referer: http://127.0.0.1:{port}{target}\r\nConnection: close\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=20,
                                  source_address=(SOURCE, 0)) as conn:
        conn.sendall(head + body)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_server(app, tmp_path):
    """Real gunicorn with the project's gunicorn.conf.py, on the test database."""
    port = _free_port()
    env = {**os.environ, "FAIRCORRIDOR_ENV": "testing", "FAIRCORRIDOR_INSTANCE": app.instance_path,
           "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(tmp_path / "access"),
           "GUNICORN_ERROR_LOG": str(tmp_path / "error"), "GUNICORN_THREADS": "4"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _send_or_none(port) is None:
            assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        yield port, tmp_path / "access", tmp_path / "error"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _send_or_none(port: int) -> int | None:
    try:
        return _send(port, "GET", "/static/style.css", agent="probe")
    except OSError:
        return None


def _leaks(text: str) -> list[str]:
    lowered = unquote(unquote(text)).lower()
    return [w for w in (SOURCE, AGENT, "quokka", *WORDS) if w.lower() in lowered]


def test_gunicorn_logs_no_grievance_request_under_any_spelling(app, gunicorn_server,
                                                               grievance_keys):
    port, access, error = gunicorn_server
    for method, path in grievance_paths(app):
        for target in spellings(path, port):
            _send(port, method, target)
    _send(port, "GET", "/report\\..\\report")  # refused by gunicorn as a malformed request
    # Each spelling reaches the page itself, not a redirect or a "not found".
    for target in ("//report", "/./report", "/x/../report", "/%72eport", "/report/../report",
                   "/report%2Ffollow-up", "//report//follow-up"):
        assert _send(port, "GET", target) == 200, target
    assert _send(port, "GET", "/") == 200  # a page that is logged, as the control
    time.sleep(0.5)
    lines = access.read_text().splitlines()
    assert len(lines) >= 1 and all("GET / " in line or "probe" in line for line in lines)
    assert any(SOURCE in line and AGENT in line for line in lines)  # the log is real
    assert [_leaks(line) for line in lines if "GET / " not in line and "probe" not in line] \
        == []
    assert _leaks(error.read_text()) == []


def test_the_dev_server_logs_no_grievance_request_under_any_spelling(app, grievance_keys,
                                                                     caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for method, path in grievance_paths(app):
                for target in spellings(path, port):
                    _send(port, method, target)
            assert _send(port, "GET", "//report") == 200
            assert _send(port, "GET", "/x/../report/follow-up") == 200
            assert _send(port, "GET", "/") == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any(SOURCE in line and "GET / " in line for line in logged)
    assert [_leaks(line) for line in logged if "GET / " not in line] == []


@pytest.mark.parametrize(("target", "expected"), [
    ("//report", True), ("/%72eport", True), ("/%2572eport", True), ("/x/../report", True),
    ("/REVIEW/Grievances/3", True), ("/me//complaints", True), ("http://h//report?x", True),
    ("/report\\x", True), ("/jobs/4", False), ("/register/", False), ("/review/reviews/", False),
    ("/report-a/../jobs", False), ("[03/Dec/2026:12:57:31", False),
])
def test_the_filter_reads_a_path_as_routing_would(target, expected):
    assert is_grievance_path(target) is expected


@pytest.mark.parametrize(("path", "canonical"), [
    ("//report", "/report"), ("/./report", "/report"), ("/report/../report", "/report"),
    ("/../report", "/report"), ("/review/statistics/", "/review/statistics/"),
    ("/report/.", "/report/"), ("/a//b/", "/a/b/"), ("/", "/"), ("", ""),
])
def test_paths_are_made_canonical(path, canonical):
    assert canonical_path(path) == canonical
