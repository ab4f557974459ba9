"""Sign-in limits: refused passwords counted per account and per client (Flask-Limiter).

Only refused sign-ins count, so someone who types their password right is never
slowed down. The account is named by a hash of the e-mail typed, whether or not it
has an account, so a lock-out says nothing about which addresses are registered; the
client by a keyed hash of its address, so the counters store no address in clear.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from app.extensions import limiter


def _account_key() -> str:
    email = request.form.get("email", "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def _client_key() -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    address = (get_remote_address() or "").encode()
    return "client:" + hmac.new(secret, address, hashlib.sha256).hexdigest()


def _refused_sign_in(response: Response) -> bool:
    return response.status_code == 400  # the form came back with "e-mail or password is wrong"


def wait_message(reset_at: float, now: float | None = None) -> str:
    minutes = max(1, math.ceil((reset_at - (time.time() if now is None else now)) / 60))
    return ngettext("Too many attempts. Try again in %(num)d minute.",
                    "Too many attempts. Try again in %(num)d minutes.", minutes)


def _too_many(limit: RequestLimit) -> Response:
    """The sign-in page again, saying how long to wait (even the right password waits)."""
    reset_at = limit.window[0]  # exact; RequestLimit.reset_at adds a second
    page = render_template("accounts/login.html", values=request.form, errors={},
                           refused=wait_message(reset_at))
    retry_after = max(1, math.ceil(reset_at - time.time()))
    return Response(page, status=429, headers={"Retry-After": str(retry_after)})


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def limit_sign_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply both limits to the sign-in view's POSTs."""
    for setting, key, scope in (("LOGIN_LIMIT_ACCOUNT", _account_key, "login-account"),
                                ("LOGIN_LIMIT_CLIENT", _client_key, "login-client")):
        view = limiter.limit(_setting(setting), key_func=key, scope=scope, methods=["POST"],
                             deduct_when=_refused_sign_in, on_breach=_too_many)(view)
    return view
