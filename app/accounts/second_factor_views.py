"""Second-factor pages: the code after the password, and setting up an authenticator
from an admin's one-time link (the secret as a QR code and as text, then recovery codes).

Every page here shows or takes a secret, so none is ever cached.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from app.accounts import enrolment, second_factor, services
from app.errors import ValidationError
from app.security import public
from app.security_headers import no_store


def _scan_page(user, secret: str, errors: dict[str, str]):
    uri = second_factor.provisioning_uri(user, secret)
    return render_template("accounts/enrol.html", step="code", errors=errors, secret=secret,
                           qr=second_factor.qr_svg(uri, _("QR code of the key below")),
                           uri=uri), (400 if errors else 200)


def _password_page(errors: dict[str, str]):
    return render_template("accounts/enrol.html", step="password", errors=errors,
                           values={}), (400 if errors else 200)


def _link_spent():
    return render_template("accounts/enrol_unusable.html"), 404


def _enrol_post(token: str):
    link = enrolment.open_link(token)
    if request.form.get("step") != "code":
        try:
            user, secret = enrolment.check_password(token, request.form.get("password", ""))
        except ValidationError as error:
            return _password_page(error.errors)
        return _scan_page(user, secret, {})
    try:
        codes = enrolment.confirm(token, request.form.get("code", ""))
    except ValidationError as error:
        secret = enrolment.pending_secret(link)
        if secret is None:  # a code before the password: ask for the password
            return _password_page(error.errors)
        return _scan_page(link.user, secret, error.errors)
    return render_template("accounts/recovery_codes.html", codes=codes)


def register(bp: Blueprint, home_for: Callable) -> None:
    @bp.route("/login/code", methods=["GET", "POST"])
    @public
    @no_store
    def second_factor_step():
        user = services.load_user(session.get("mfa_user_id"))
        if user is None:
            return redirect(url_for("accounts.login"))
        errors = {}
        try:
            second_factor.ensure_not_locked(user)
            if request.method == "POST":
                second_factor.verify(user, request.form.get("code", ""))
                target = session.get("mfa_next") or home_for(user)
                session.clear()
                login_user(user)
                return redirect(target)
        except ValidationError as error:
            errors = error.errors
        except second_factor.SecondFactorLocked:
            session.clear()
            flash(_("Too many wrong codes. Wait %(n)d minutes, then sign in again.",
                    n=second_factor.LOCK_MINUTES), "error")
            return redirect(url_for("accounts.login"))
        return render_template("accounts/second_factor.html", errors=errors,
                               values={}), (400 if errors else 200)

    @bp.route("/second-factor/<token>", methods=["GET", "POST"])
    @public
    @no_store
    def enrol(token: str):
        try:
            if request.method == "POST":
                return _enrol_post(token)
            enrolment.open_link(token)
        except enrolment.LinkNotUsable:
            return _link_spent()
        return _password_page({})
