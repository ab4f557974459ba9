"""Security headers on every response: the Content-Security-Policy, no MIME sniffing, a
referrer policy, HSTS in production, and `no-store` for pages that show a secret.

A blueprint or view that sets one of these headers itself keeps its own (the grievance,
console and interview pages have stricter or wider needs); everything else gets these.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, make_response, request

# No inline script or style anywhere: scripts and stylesheets are files under /static.
POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def content_security_policy(**extra: list[str]) -> str:
    """The site's policy, with more sources for some fetch directives:
    `content_security_policy(script=[...], frame=[...], connect=[...])`. A directive the
    site's policy lacks admits exactly the sources given, not this site as well."""
    directives = {name: list(sources) for name, sources in POLICY.items()}
    for kind, sources in extra.items():
        directives.setdefault(f"{kind}-src", []).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def no_store(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view whose page shows a secret (a token, a key, codes): never cached, so the
    back button or a shared computer's cache cannot show it again."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response
    return wrapped


def _referrer_policy() -> str:
    # A grievance page's address must not reach another site, not even its origin.
    return "no-referrer" if request.blueprint == "grievance" else "strict-origin-when-cross-origin"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors, for older browsers
    headers.setdefault("Referrer-Policy", _referrer_policy())
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    seconds = current_app.config["HSTS_SECONDS"]
    if seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
