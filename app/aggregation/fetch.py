"""Fetching one source document: over HTTP(S) with timeouts, a size limit, a content-type
check and a polite User-Agent, or from a file under the configured directory (pure).

Only the standard library is used (urllib): the opener knows http and https and nothing
else, so a redirect can never lead to a local file.
"""
from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHUNK = 64 * 1024
ACCEPTED_TYPES = {
    "html_jsonld": ("text/html", "application/xhtml+xml"),
    "rss": ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
            "application/xml", "text/xml"),
    "atom": ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml"),
    "csv": ("text/csv", "application/csv", "text/plain", "text/tab-separated-values",
            "application/vnd.ms-excel"),
    "json": ("application/json", "application/ld+json", "text/json", "text/plain"),
}


class FetchError(Exception):
    """The document could not be had; the message says why, for the run report."""


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 10.0        # seconds for the connection and for each read
    deadline: float = 60.0       # seconds for the whole document (a slow drip ends here)
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str = "FairCorridor-aggregator/1.0"


@dataclass(frozen=True)
class Document:
    body: bytes
    url: str | None           # where it came from (after redirects), None for a file
    content_type: str
    encoding: str | None


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def fetch(location: str, kind: str, limits: FetchLimits, file_root: Path) -> Document:
    """The document at `location` (a URL or a path under `file_root`); FetchError if not."""
    if is_url(location):
        return fetch_url(location, kind, limits)
    return read_file(location, file_root, limits.max_bytes)


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor(),
                    urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    return opener


def fetch_url(url: str, kind: str, limits: FetchLimits) -> Document:
    request = urllib.request.Request(url, headers={
        "User-Agent": limits.user_agent, "Accept": ", ".join(ACCEPTED_TYPES.get(kind, ("*/*",))),
        "Accept-Encoding": "identity"})
    started = time.monotonic()
    try:
        with _opener().open(request, timeout=limits.timeout) as response:
            content_type = response.headers.get_content_type()
            if response.headers.get("Content-Type") and content_type not in ACCEPTED_TYPES[kind]:
                raise FetchError(f"unexpected content type {content_type} for a {kind} source")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(f"too large: {int(declared):,} bytes (limit "
                                 f"{limits.max_bytes:,})")
            body = _read_body(response, limits, started)
            return Document(body, response.geturl(), content_type,
                            response.headers.get_content_charset())
    except urllib.error.HTTPError as error:
        error.close()
        raise FetchError(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise FetchError(f"timed out after {limits.timeout:g} s") from None
        raise FetchError(f"unreachable: {reason}") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"timed out after {limits.timeout:g} s") from None
    except (http.client.HTTPException, ConnectionError, ValueError) as error:
        raise FetchError(f"broken response: {error.__class__.__name__} {error}") from None


def _read_body(response: http.client.HTTPResponse, limits: FetchLimits,
               started: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() - started > limits.deadline:
            raise FetchError(f"too slow: not complete after {limits.deadline:g} s")
        chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"too large: more than {limits.max_bytes:,} bytes")
        chunks.append(chunk)


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
