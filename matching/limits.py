"""The per-client limit on searches (Flask-Limiter): one client typing or scripting
searches cannot take the embedding model's time from everyone else.

Every search counts, on the search page and in the API alike, per keyed hash of the client
address, so the counters store no address in clear. The counts live in Redis when it is
configured (RATELIMIT_STORAGE_URI), so that every worker process shares them. Many workers
may share one address (a hostel, a recruitment centre, a phone network's gateway), so the
default leaves room for a room full of people: SEARCH_LIMIT_CLIENT in app/config.py.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Response, current_app
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from app.extensions import limiter

SCOPE = "search"  # one budget for the page and the API


def _client_key() -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    address = (get_remote_address() or "").encode()
    return "client:" + hmac.new(secret, address, hashlib.sha256).hexdigest()


def _limit() -> str:
    return current_app.config["SEARCH_LIMIT_CLIENT"]


@cache  # one limit per answer: an app built again (tests) must not count a search twice
def limit_searches(too_many: Callable[[float], Response]
                   ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: past the limit, `too_many(reset_at)` answers instead of the view,
    as 429 with Retry-After (reset_at is when the client may search again, epoch seconds)."""
    def on_breach(limit: RequestLimit) -> Response:
        reset_at = limit.window[0]  # exact; RequestLimit.reset_at adds a second
        response = too_many(reset_at)
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
        return response

    return limiter.shared_limit(_limit, SCOPE, key_func=_client_key, on_breach=on_breach)
