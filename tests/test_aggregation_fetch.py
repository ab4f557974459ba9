"""Fetching sources over real HTTP from a loopback server: limits hold, failures say why,
and with the address guard on nothing private is ever reached."""
from __future__ import annotations

import socket
import time

import pytest

from app.aggregation.fetch import FetchError, FetchLimits, fetch, read_file
from app.aggregation.netguard import AddressRefused, check_url
from tests.fixtures.aggregation import source_files, source_server  # noqa: F401

LIMITS = FetchLimits(timeout=0.5, deadline=1.5, max_bytes=200_000, user_agent="FC-test/1",
                     allow_private=True)
GUARDED = FetchLimits(timeout=0.5, deadline=1.5, max_bytes=200_000, user_agent="FC-test/1")


def test_a_feed_is_fetched_with_a_polite_user_agent(source_server):
    document = fetch(f"{source_server.url}/sources/kl-factory-jobs.rss", "rss", LIMITS,
                     source_server.root)
    assert document.body.startswith(b"<?xml") and document.content_type == "application/rss+xml"
    assert source_server.requests == [("/sources/kl-factory-jobs.rss", "FC-test/1")]


@pytest.mark.parametrize(("path", "kind", "reason"), [
    ("/slow", "html_jsonld", "timed out after 0.5 s"),
    ("/drip", "html_jsonld", "too slow: not complete after 1.5 s"),
    ("/huge", "json", "too large: more than 200,000 bytes"),
    ("/declared", "json", "too large: 1,000,000,000 bytes"),
    ("/missing", "rss", "HTTP 404"),
    ("/image", "html_jsonld", "unexpected content type image/png"),
    ("/sources/kl-factory-jobs.rss", "csv",
     r"unexpected content type application/rss\+xml for a csv source"),
    ("/loop", "rss", r"too many redirects \(more than 3\)"),
    ("/redirect/4/sources/kl-factory-jobs.rss", "rss", "too many redirects"),
    ("/tofile", "rss", "refused: only http and https addresses are read, not file"),
])
def test_a_misbehaving_server_is_a_fetch_error_with_its_reason(source_server, path, kind,
                                                               reason):
    started = time.monotonic()
    with pytest.raises(FetchError, match=reason):
        fetch(source_server.url + path, kind, LIMITS, source_server.root)
    assert time.monotonic() - started < 3  # never waits on a server for long


def test_a_few_redirects_are_followed_and_the_final_address_kept(source_server):
    document = fetch(f"{source_server.url}/redirect/3/sources/kl-factory-jobs.rss", "rss",
                     LIMITS, source_server.root)
    assert document.url == f"{source_server.url}/sources/kl-factory-jobs.rss"
    assert [path for path, _ in source_server.requests] == [
        "/redirect/3/sources/kl-factory-jobs.rss", "/redirect/2/sources/kl-factory-jobs.rss",
        "/redirect/1/sources/kl-factory-jobs.rss", "/sources/kl-factory-jobs.rss"]


def test_an_unreachable_host_is_a_fetch_error(source_files):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="unreachable"):
        fetch(f"http://127.0.0.1:{port}/feed.rss", "rss", LIMITS, source_files)


def test_with_the_guard_on_the_loopback_server_is_never_contacted(source_server):
    for host in ("127.0.0.1", "localhost"):
        url = source_server.url.replace("127.0.0.1", host) + "/sources/kl-factory-jobs.rss"
        with pytest.raises(FetchError, match=r"refused: .*is a loopback address"):
            fetch(url, "rss", GUARDED, source_server.root)
    assert source_server.requests == []


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1/", "a loopback address"),
    ("http://2130706433/", "a loopback address"),          # 127.0.0.1 as one number
    ("http://[::1]:8080/", "a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "a loopback address"),  # IPv4 inside IPv6
    ("http://10.1.2.3/", "a private address"),
    ("https://192.168.0.10/jobs", "a private address"),
    ("http://172.16.5.4/", "a private address"),
    ("http://169.254.169.254/latest/meta-data/", "a link-local address"),  # cloud metadata
    ("http://[fe80::1]/", "a link-local address"),
    ("http://224.0.0.1/", "a multicast address"),
    ("http://240.0.0.1/", "a reserved address"),
    ("http://0.0.0.0/", "an unspecified address"),
    ("http://100.64.0.1/", "not a public address"),       # carrier-grade NAT
    ("ftp://example.org/jobs.csv", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("http:///jobs", "has no host"),
])
def test_private_and_odd_addresses_are_refused(url, reason):
    with pytest.raises(AddressRefused, match=reason):
        check_url(url, allow_private=False)


def test_public_addresses_pass_and_private_ones_pass_only_when_allowed():
    check_url("http://93.184.215.14/jobs.rss", allow_private=False)
    check_url("https://[2606:4700::1]/", allow_private=False)
    check_url("http://127.0.0.1:5000/jobs.rss", allow_private=True)
    with pytest.raises(AddressRefused, match="only http and https"):
        check_url("file:///etc/passwd", allow_private=True)


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
