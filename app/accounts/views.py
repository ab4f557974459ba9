"""Sign-in, registration (worker or organisation), the worker profile and API tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import second_factor, second_factor_views, services
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
    if user.role == "reviewer":
        return url_for("vetting.queue")
    return url_for("jobs.home")


def _ask_for_second_factor(user, target: str):
    """The password was right; the code comes next, on its own page."""
    if not second_factor.is_enrolled(user):
        return render_template("accounts/login.html", values=request.form, errors={}, refused=_(
            "Your account needs a second factor, which is not set up yet. Ask an "
            "administrator for a set-up link.")), 403
    session.clear()
    session.update(mfa_user_id=user.get_id(), mfa_next=target)
    return redirect(url_for("accounts.second_factor_step"))


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
                return _ask_for_second_factor(user, target)
            login_user(user)
            return redirect(target)
        return render_template("accounts/login.html", values={}, errors={})

    second_factor_views.register(bp, _home_for)

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
