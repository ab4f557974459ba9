"""What a database dump, a log file or a response header could betray about a reporter: nothing."""
from __future__ import annotations

import datetime as dt
import http.client
import io
import logging
import os
import re
import subprocess
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.extensions import db
from app.timeutil import utcnow
from grievance import models as grievance_models
from grievance.logs import GrievanceAccessFilter
from tests.fixtures import media
from tests.fixtures.grievance import (form_tokens, grievance_keys,  # noqa: F401
                                      receipt_of, report_data, submit_report)

REPORTER_IP = "203.0.113.77"
REPORTER_AGENT = "Quokkabrowser/7.7 (Reporter handset XK-4410)"
REFERRER = "https://referrer.example/leak-page"
TYPED_NAME = "Kestrelmoor Manpower Pvt"
CONTACT = "whatsapp +977 9812 345678 ask for Bimala"
REPORTER_HEADERS = {"User-Agent": REPORTER_AGENT, "Referer": REFERRER,
                    "X-Forwarded-For": REPORTER_IP}


def _submit_with_photo(client):
    # The photo's compressed pixels survive cleaning, so a slice of them is a fair probe.
    photo = media.geotagged_jpeg()
    scan = photo[photo.index(b"\xff\xda") + 200:photo.index(b"\xff\xda") + 264]
    tokens = form_tokens(client)
    response = client.post(
        "/report", content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": REPORTER_IP}, headers=REPORTER_HEADERS,
        data={**tokens, **report_data(organisation_name=TYPED_NAME, contact=CONTACT),
              "attachments": [(io.BytesIO(photo), "camp-photo.jpg")]})
    assert response.status_code == 200
    return receipt_of(response), scan


def _needles(receipt: str, scan: bytes) -> dict[str, bytes]:
    words = {"description word": b"Zephyrine", "place": b"Quillbrook", "typed name": b"Kestrelmoor",
             "contact": b"Bimala", "file name": b"camp-photo", "photo pixels": scan,
             "receipt": receipt.encode(), "receipt secret": receipt.replace("-", "")[5:].encode(),
             "ip": REPORTER_IP.encode(), "user agent": b"Quokkabrowser", "referrer": b"leak-page",
             "category": b"passport"}
    # A dump may print binary columns as hex (PostgreSQL's bytea), so look for that too.
    return {**words, **{f"{k} (hex)": v.hex().encode() for k, v in words.items()}}


def _database_dump() -> bytes:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        # WAL mode: recent pages sit in the -wal file until a checkpoint; read both.
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    result = subprocess.run(["/usr/bin/pg_dump", "-h", url.host or "127.0.0.1",
                             "-p", str(url.port or 5432), "-U", url.username or "postgres",
                             url.database], capture_output=True, env=env, check=True)
    return result.stdout


def _compact_sqlite() -> None:
    """Rewrite the session's SQLite file so that rows deleted by earlier tests are gone too.

    SQLite keeps deleted rows in free pages and in the WAL until they are reused; the
    suite shares one file, so without this the probe would find earlier tests' words.
    """
    db.session.close()
    if db.engine.url.get_backend_name() != "sqlite":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_a_database_dump_after_a_report_reveals_nothing_of_it(client, grievance_keys):
    _compact_sqlite()
    # A word may already be in the dump before the report (the category "passport" names
    # a column elsewhere in the schema): what counts is that the report adds no occurrence.
    before = _database_dump()
    receipt, scan = _submit_with_photo(client)
    db.session.close()
    dump = _database_dump()
    assert b"grievance_cases" in dump  # the dump is real and holds the tables
    found = [name for name, needle in _needles(receipt, scan).items()
             if dump.count(needle) > before.count(needle)]
    assert found == []


def test_the_dump_probe_would_find_plain_text(client, grievance_keys):
    """The same probe does see words stored in clear (here, an organisation's name)."""
    from app.organisations.models import Organisation
    _compact_sqlite()
    db.session.add(Organisation(name="Zephyrine Quillbrook Ltd", kind="agency", country="NP"))
    db.session.commit()
    db.session.close()
    assert b"Zephyrine" in _database_dump()


def _recent_times(since: dt.datetime) -> dict[str, int]:
    """How many values of each date-time column lie at or after `since`."""
    counts = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.DateTime):
                counts[f"{table.name}.{column.name}"] = db.session.scalar(
                    sa.select(sa.func.count()).select_from(table).where(column >= since))
    return counts


def test_no_address_agent_or_precise_time_of_a_reporter_is_stored(client, grievance_keys):
    since = utcnow() - dt.timedelta(seconds=2)
    times_before = _recent_times(since)
    _submit_with_photo(client)
    # No audit entry and no other time-stamped row: its time would date the report.
    assert _recent_times(since) == times_before
    for model in (grievance_models.GrievanceCase, grievance_models.GrievanceMessage,
                  grievance_models.GrievanceAttachment, grievance_models.UsedFormToken):
        for column in model.__table__.columns:
            assert not isinstance(column.type, sa.DateTime), column
            name = column.name
            assert not re.search(r"(^|_)(ip|addr|address|agent|referr\w*)($|_)", name), column


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _request_from(port: int, source: str, method: str, path: str, body: str = "") -> int:
    """An HTTP request sent from a distinctive loopback address (all of 127/8 is ours)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                            source_address=(source, 0))
    connection.request(method, path, body=body, headers={
        "User-Agent": REPORTER_AGENT, "Content-Type": "application/x-www-form-urlencoded"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_reporting_pages_are_left_out_of_the_access_log(live_server, grievance_keys, caplog):
    source = "127.66.77.88"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert _request_from(live_server, source, "GET", "/report") == 200
        assert _request_from(live_server, source, "POST", "/report", "description=x") == 400
        assert _request_from(live_server, source, "GET", "/report/follow-up") == 200
        assert source not in caplog.text and "Quokkabrowser" not in caplog.text
        # Other pages are still logged, so the filter is what keeps the reporter out.
        assert _request_from(live_server, source, "GET", "/") == 200
    assert source in caplog.text


def test_gunicorn_access_lines_for_grievance_paths_are_dropped():
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    config = Config()
    config.set("accesslog", "-")
    gunicorn_log = Logger(config)
    gunicorn_log.access_log.addHandler(handler)
    gunicorn_log.access_log.addFilter(GrievanceAccessFilter())
    for path in ("/report", "/report/follow-up/message", "/jobs/4"):
        environ = {"REMOTE_ADDR": REPORTER_IP, "REQUEST_METHOD": "POST", "PATH_INFO": path,
                   "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": path,
                   "HTTP_USER_AGENT": REPORTER_AGENT}
        request = SimpleNamespace(headers=[("USER-AGENT", REPORTER_AGENT)], method="POST",
                                  path=path, query="", uri=path, version=(1, 1))
        response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
        gunicorn_log.access(response, request, environ, dt.timedelta(seconds=0.01))
    assert len(records) == 1 and "/jobs/4" in records[0] and REPORTER_IP in records[0]


def test_reporting_pages_set_a_strict_policy_and_load_nothing_from_elsewhere(client,
                                                                             grievance_keys):
    for path in ("/report", "/report/follow-up"):
        response = client.get(path)
        headers = response.headers
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        # Scripts from this site only, and no inline script: the one script is a file.
        assert "script-src 'self';" in headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        assert re.findall(r"<script[^>]*>", html) == [
            '<script src="/static/grievance-work.js" defer>']
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either
        sources = re.findall(r'(?:src|href|action)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
    receipt_page = submit_report(client)
    assert receipt_page.headers["Cache-Control"] == "no-store"
    assert receipt_page.headers["Referrer-Policy"] == "no-referrer"
