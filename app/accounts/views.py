"""Sign-in, registration (worker or organisation), the worker profile and API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import second_factor, services
from app.accounts.login_limits import limit_sign_in
from app.accounts.models import ORGANISATION_ROLES, WORKER
from app.corridors.services import list_corridors
from app.errors import ValidationError
from app.i18n import current_language
from app.security import public, roles_required
from app.security_headers import no_store
from app.views_util import form_error, or_404


def _safe_next(default: str) -> str:
    """Only a local path is followed after sign-in (no open redirect)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _home_for(user) -> str:
    if user.role == WORKER:
        return url_for("jobs.my_applications")
    if user.role in ORGANISATION_ROLES:
        return url_for("organisations.dashboard")
    if user.role == "admin":
        return url_for("admin.index")
    return url_for("jobs.home")


def make_blueprint() -> Blueprint:
    bp = Blueprint("accounts", __name__)

    @bp.route("/login", methods=["GET", "POST"])
    @public
    @limit_sign_in
    def login():
        if request.method == "POST":
            try:
                user = services.authenticate(request.form.get("email", ""),
                                             request.form.get("password", ""))
            except ValidationError as error:
                return form_error("accounts/login.html", request.form, error.errors)
            target = _safe_next(_home_for(user))
            if second_factor.required_for(user, current_app.config["SECOND_FACTOR_ROLES"]):
                session.clear()
                session.update(mfa_user_id=user.get_id(), mfa_next=target)
                return redirect(url_for("accounts.second_factor_step"))
            login_user(user)
            return redirect(target)
        return render_template("accounts/login.html", values={}, errors={})

    @bp.route("/login/code", methods=["GET", "POST"])
    @public
    def second_factor_step():
        user = services.load_user(session.get("mfa_user_id"))
        if user is None:
            return redirect(url_for("accounts.login"))
        if user.totp_secret is None and "mfa_enrol_secret" not in session:
            session["mfa_enrol_secret"] = second_factor.new_secret()
        enrol = session.get("mfa_enrol_secret") if user.totp_secret is None else None
        errors = {}
        try:
            second_factor.ensure_not_locked(user)
            if request.method == "POST":
                second_factor.verify(user, request.form.get("code", ""), enrol_secret=enrol)
                target = session.get("mfa_next") or _home_for(user)
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
        uri = second_factor.provisioning_uri(user, enrol) if enrol else None
        return render_template("accounts/second_factor.html", errors=errors, values={},
                               enrol_secret=enrol, enrol_uri=uri), (400 if errors else 200)

    @bp.post("/logout")
    def logout():
        # Server-side first: a copy of this session's cookie must not outlive the sign-out.
        services.end_sessions(current_user)
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
        return redirect(url_for("jobs.home"))

    @bp.route("/register", methods=["GET", "POST"])
    @public
    def register():
        if request.method == "POST":
            try:
                user = services.register_worker(request.form, locale=current_language())
            except ValidationError as error:
                return form_error("accounts/register.html", request.form, error.errors)
            login_user(user)
            flash(_("Welcome! Tell employers about your work in your profile."), "success")
            return redirect(_safe_next(url_for("accounts.profile")))
        return render_template("accounts/register.html", values={}, errors={})

    @bp.route("/register/organisation", methods=["GET", "POST"])
    @public
    def register_organisation():
        if request.method == "POST":
            try:
                user = services.register_organisation(request.form,
                                                     locale=current_language())
            except ValidationError as error:
                return form_error("accounts/register_organisation.html", request.form,
                                  error.errors)
            login_user(user)
            flash(_("Your organisation is registered. You can post jobs now."), "success")
            return redirect(url_for("organisations.dashboard"))
        return render_template("accounts/register_organisation.html", values={}, errors={})

    @bp.route("/profile", methods=["GET", "POST"])
    @roles_required(WORKER)
    def profile():
        corridors = list_corridors()
        choices = services.profile_choices(current_user, corridors)
        if request.method == "POST":
            data = request.form.to_dict()
            for name in ("corridors", "languages"):
                data[name] = request.form.getlist(name)
            try:
                services.update_profile(current_user, data)
            except ValidationError as error:
                return form_error("accounts/profile.html", data, error.errors,
                                  corridors=corridors, **choices)
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
        return render_template("accounts/profile.html", corridors=corridors, errors={},
                               values=services.profile_as_input(current_user), **choices)

    @bp.route("/account/api-token", methods=["GET", "POST"])
    @roles_required(*ORGANISATION_ROLES)
    @no_store
    def api_token():
        token = None
        if request.method == "POST":
            token = or_404(services.issue_api_token, current_user)
        return render_template("accounts/api_token.html", token=token)

    return bp
