"""The admin console: corridors, users and the audit log."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import enrolment
from app.accounts import services as accounts
from app.accounts.models import ADMIN, REVIEWER, ROLES
from app.admin import services
from app.corridors import services as corridors
from app.errors import ValidationError
from app.security import roles_required
from app.security_headers import no_store
from app.views_util import form_error, or_404

admin_only = roles_required(ADMIN)


def make_blueprint() -> Blueprint:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.get("/")
    @admin_only
    def index():
        return render_template("admin/index.html",
                               counts=or_404(services.user_counts, current_user),
                               corridors=corridors.list_corridors(include_inactive=True))

    @bp.route("/corridors/new", methods=["GET", "POST"])
    @admin_only
    def new_corridor():
        return _corridor_form(None)

    @bp.route("/corridors/<int:corridor_id>", methods=["GET", "POST"])
    @admin_only
    def edit_corridor(corridor_id: int):
        return _corridor_form(corridor_id)

    def _corridor_form(corridor_id: int | None):
        if request.method == "POST":
            try:
                or_404(corridors.save_corridor, current_user, request.form, corridor_id)
            except ValidationError as error:
                return form_error("admin/corridor_form.html", request.form, error.errors,
                                  corridor_id=corridor_id)
            flash(_("Corridor saved."), "success")
            return redirect(url_for("admin.index"))
        values = {"active": True}
        if corridor_id is not None:
            values = corridors.corridor_as_input(
                or_404(corridors.corridor_by_id, current_user, corridor_id))
        return render_template("admin/corridor_form.html", values=values, errors={},
                               corridor_id=corridor_id)

    @bp.get("/users")
    @admin_only
    def users():
        role = request.args.get("role", "")
        query = request.args.get("q", "")[:100]
        return render_template("admin/users.html", roles=ROLES, role=role, query=query,
                               users=or_404(accounts.list_users, current_user, role=role,
                                            query=query))

    @bp.route("/users/<int:user_id>", methods=["GET", "POST"])
    @admin_only
    def user(user_id: int):
        target = or_404(accounts.get_user, current_user, user_id)
        if request.method == "POST":
            try:
                accounts.admin_update_user(current_user, user_id, request.form)
            except ValidationError as error:
                return form_error("admin/user_form.html", request.form, error.errors,
                                  user=target, roles=ROLES)
            flash(_("User saved."), "success")
            return redirect(url_for("admin.users"))
        values = {"role": target.role, "active": target.active}
        return render_template("admin/user_form.html", values=values, errors={}, user=target,
                               roles=ROLES)

    @bp.post("/users/<int:user_id>/second-factor")
    @admin_only
    @no_store
    def second_factor_link(user_id: int):
        try:
            token = or_404(enrolment.issue_link, current_user, user_id)
        except ValidationError as error:
            flash(_("No link was made: %(why)s.", why=error.errors["role"]), "error")
            return redirect(url_for("admin.user", user_id=user_id))
        return render_template("admin/second_factor_link.html", user=accounts.get_user(
            current_user, user_id), link=url_for("accounts.enrol", token=token, _external=True),
            hours=current_app.config["SECOND_FACTOR_LINK_HOURS"])

    @bp.get("/audit")
    @roles_required(ADMIN, REVIEWER)
    def audit_log():
        object_type = request.args.get("type", "")[:40]
        return render_template("admin/audit.html", object_type=object_type,
                               entries=or_404(services.audit_log, current_user,
                                              object_type=object_type))

    return bp
