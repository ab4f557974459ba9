"""Fetching sources over real HTTP from a loopback server: limits hold, failures say why."""
from __future__ import annotations

import socket
import time

import pytest

from app.aggregation.fetch import FetchError, FetchLimits, fetch, read_file
from tests.fixtures.aggregation import source_files, source_server  # noqa: F401

LIMITS = FetchLimits(timeout=0.5, deadline=1.5, max_bytes=200_000, user_agent="FC-test/1")


def test_a_feed_is_fetched_with_a_polite_user_agent(source_server):
    document = fetch(f"{source_server.url}/sources/kl-factory-jobs.rss", "rss", LIMITS,
                     source_server.root)
    assert document.body.startswith(b"<?xml") and document.content_type == "application/rss+xml"
    assert source_server.requests == [("/sources/kl-factory-jobs.rss", "FC-test/1")]


@pytest.mark.parametrize(("path", "kind", "reason"), [
    ("/slow", "html_jsonld", "timed out after 0.5 s"),
    ("/drip", "html_jsonld", "too slow: not complete after 1.5 s"),
    ("/huge", "json", "too large: more than 200,000 bytes"),
    ("/missing", "rss", "HTTP 404"),
    ("/image", "html_jsonld", "unexpected content type image/png"),
])
def test_a_misbehaving_server_is_a_fetch_error_with_its_reason(source_server, path, kind,
                                                               reason):
    started = time.monotonic()
    with pytest.raises(FetchError, match=reason):
        fetch(source_server.url + path, kind, LIMITS, source_server.root)
    assert time.monotonic() - started < 3  # never waits on a server for long


def test_an_unreachable_host_is_a_fetch_error(source_files):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="unreachable"):
        fetch(f"http://127.0.0.1:{port}/feed.rss", "rss", LIMITS, source_files)


def test_files_must_stay_under_the_sources_folder(source_files):
    assert read_file("riyadh-jobs.atom", source_files, 100_000).body.startswith(b"<?xml")
    with pytest.raises(FetchError, match="files must be under"):
        read_file("../../../etc/passwd", source_files, 100_000)
    with pytest.raises(FetchError, match="files must be under"):
        read_file("/etc/passwd", source_files, 100_000)
    with pytest.raises(FetchError, match="too large"):
        read_file("riyadh-jobs.atom", source_files, 100)
    with pytest.raises(FetchError, match="no such file"):
        read_file("gone.csv", source_files, 100_000)
