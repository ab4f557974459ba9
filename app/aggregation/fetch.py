"""Fetching one source document: over HTTP(S) with httpx (connect and read timeouts, a
deadline for the whole document, a streamed size limit, a content-type check, a polite
User-Agent, few redirects, each hop checked), or from a file under the configured
directory (pure).

Unless private hosts are allowed (tests against a loopback server), every connection goes
through `netguard.GuardedBackend`: an admin-entered URL never reaches this machine or its
private network.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpcore
import httpx

from app.aggregation.netguard import AddressRefused, GuardedBackend, check_url

ACCEPTED_TYPES = {
    "html_jsonld": ("text/html", "application/xhtml+xml"),
    "rss": ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
            "application/xml", "text/xml"),
    "atom": ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml"),
    "csv": ("text/csv", "application/csv", "text/plain", "text/tab-separated-values",
            "application/vnd.ms-excel"),
    "json": ("application/json", "application/ld+json", "text/json", "text/plain"),
    "sitemap": ("application/xml", "text/xml", "application/gzip", "application/x-gzip",
                "application/octet-stream", "text/plain"),
}
REDIRECTS = (301, 302, 303, 307, 308)
BUSY = (429, 503)  # "too many requests", "unavailable": a site asking us to come back later
DEFAULT_RETRY_AFTER = 3600  # seconds, when a busy site does not say how long


class FetchError(Exception):
    """The document could not be had; the message says why, for the run report."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Refused(FetchError):
    """The address is one that sources may never reach (netguard)."""


class BackOff(FetchError):
    """The site answered 429 or 503: ask again no sooner than `retry_after` seconds."""

    def __init__(self, status: int, retry_after: int) -> None:
        super().__init__(f"HTTP {status}: the site asks to wait {retry_after} s", status)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> int:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER
    now = now or dt.datetime.now(dt.timezone.utc)
    when = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return max(0, int((when - now).total_seconds()))


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 10.0        # seconds to connect, and to wait for each read
    deadline: float = 60.0       # seconds for the whole document (a slow drip ends here)
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str = "FairCorridor-aggregator/1.0"
    max_redirects: int = 3
    allow_private: bool = False  # True only to read test servers on the loopback


@dataclass(frozen=True)
class Document:
    body: bytes
    url: str | None           # where it came from (after redirects), None for a file
    content_type: str
    encoding: str | None
    not_modified: bool = False  # 304: the site says it is what we read last time
    etag: str | None = None
    last_modified: str | None = None


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def fetch(location: str, kind: str, limits: FetchLimits, file_root: Path,
          headers: dict[str, str] | None = None) -> Document:
    """The document at `location` (a URL or a path under `file_root`); FetchError if not.
    `headers` go with an HTTP request (If-None-Match, If-Modified-Since)."""
    if is_url(location):
        return fetch_url(location, kind, limits, headers)
    return read_file(location, file_root, limits.max_bytes)


def _client(limits: FetchLimits) -> httpx.Client:
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    if not limits.allow_private:
        # httpx 0.28 has no parameter for the network backend; the pool takes one.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=4,
            network_backend=GuardedBackend())
    return httpx.Client(transport=transport, follow_redirects=False, trust_env=False,
                        timeout=httpx.Timeout(limits.timeout), headers={
                            "User-Agent": limits.user_agent, "Accept-Encoding": "identity"})


def fetch_url(url: str, kind: str, limits: FetchLimits,
              headers: dict[str, str] | None = None) -> Document:
    started = time.monotonic()
    accept = ", ".join(ACCEPTED_TYPES.get(kind, ("*/*",)))
    headers = {"Accept": accept, **(headers or {})}
    try:
        with _client(limits) as client:
            for _hop in range(limits.max_redirects + 1):
                check_url(url, allow_private=limits.allow_private)
                remaining = max(0.05, limits.deadline - (time.monotonic() - started))
                timeout = httpx.Timeout(min(limits.timeout, remaining))
                with client.stream("GET", url, headers=headers,
                                   timeout=timeout) as response:
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    return _document(response, kind, limits, started)
            raise FetchError(f"too many redirects (more than {limits.max_redirects})")
    except AddressRefused as error:
        raise Refused(str(error)) from None
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {limits.timeout:g} s") from None
    except httpx.ConnectError as error:
        raise FetchError(f"unreachable: {error}") from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
        raise FetchError(f"broken response: {error.__class__.__name__} {error}") from None


def _document(response: httpx.Response, kind: str, limits: FetchLimits,
              started: float) -> Document:
    status = response.status_code
    if status in BUSY:
        raise BackOff(status, retry_after_seconds(response.headers.get("Retry-After")))
    if status >= 400:
        raise FetchError(f"HTTP {status} {response.reason_phrase}", status)
    validators = {"etag": response.headers.get("ETag"),
                  "last_modified": response.headers.get("Last-Modified")}
    if status == 304:
        return Document(b"", str(response.url), "", None, True, **validators)
    declared = response.headers.get("Content-Type", "")
    content_type = declared.split(";", 1)[0].strip().lower()
    if declared and kind in ACCEPTED_TYPES and content_type not in ACCEPTED_TYPES[kind]:
        raise FetchError(f"unexpected content type {content_type} for a {kind} source")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limits.max_bytes:
        raise FetchError(f"too large: {int(length):,} bytes (limit {limits.max_bytes:,})")
    chunks, size = [], 0
    # Decoded bytes are counted, so a compressed bomb stops at the limit as well.
    for chunk in response.iter_bytes():  # as they arrive: the deadline is checked often
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"too large: more than {limits.max_bytes:,} bytes")
        if time.monotonic() - started > limits.deadline:
            raise FetchError(f"too slow: not complete after {limits.deadline:g} s")
        chunks.append(chunk)
    return Document(b"".join(chunks), str(response.url), content_type,
                    response.charset_encoding, **validators)


def resolve_file(location: str, file_root: Path) -> Path:
    """The file a source names, which must lie under `file_root` (no ../ escapes)."""
    root = file_root.resolve()
    path = (root / location).resolve()
    if not path.is_relative_to(root):
        raise FetchError(f"files must be under {root}")
    return path


def read_file(location: str, file_root: Path, max_bytes: int) -> Document:
    path = resolve_file(location, file_root)
    try:
        if not path.is_file():
            raise FetchError(f"no such file: {location}")
        if path.stat().st_size > max_bytes:
            raise FetchError(f"too large: {path.stat().st_size:,} bytes (limit {max_bytes:,})")
        return Document(path.read_bytes(), None, "", None)
    except OSError as error:
        raise FetchError(f"unreadable file: {error.strerror or error}") from None
