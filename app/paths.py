"""One spelling per path: repeated slashes and dot segments are resolved before routing.

`//report`, `/./report` and `/x/../report` all reach the report form, so every
spelling that reaches a view is the one the access-log filter checks
(grievance.logs). Percent-encoding is decoded once by the WSGI server (PEP 3333);
decoding it again here would make `%2572` a further spelling of `r`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable], Iterable[bytes]]


def canonical_path(path: str) -> str:
    """`path` with empty and `.` segments removed and `..` resolved (RFC 3986, 5.2.4)."""
    if not path:
        return path
    parts: list[str] = []
    segments = path.split("/")
    for segment in segments:
        if segment == "..":
            if parts:
                parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    # A trailing slash is part of some routes (/review/statistics/): it is kept.
    trailing = bool(parts) and segments[-1] in ("", ".", "..")
    return "/" + "/".join(parts) + ("/" if trailing else "")


class CanonicalPaths:
    """WSGI middleware: the application sees PATH_INFO in its canonical spelling."""

    def __init__(self, wsgi_app: WSGIApp) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        canonical = canonical_path(path)
        if canonical != path:
            # The server's logger reads this same environ: it too sees the canonical path.
            environ["PATH_INFO"] = canonical
        return self.wsgi_app(environ, start_response)
