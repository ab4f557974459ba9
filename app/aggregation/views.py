"""The admin pages for job sources: the list with each source's last run, a source's runs
and rejected items, and the form to add or edit a source."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import ADMIN
from app.aggregation import services
from app.aggregation.models import SOURCE_KINDS
from app.corridors.services import list_corridors
from app.errors import ValidationError
from app.security import roles_required
from app.views_util import form_error, or_404

admin_only = roles_required(ADMIN)


def make_blueprint() -> Blueprint:
    bp = Blueprint("aggregation", __name__, url_prefix="/admin/sources")

    @bp.get("/")
    @admin_only
    def index():
        return render_template("aggregation/sources.html",
                               summaries=or_404(services.list_sources, current_user))

    @bp.get("/<int:source_id>")
    @admin_only
    def source(source_id: int):
        source, runs = or_404(services.source_with_runs, current_user, source_id)
        return render_template("aggregation/source.html", source=source, runs=runs)

    @bp.route("/new", methods=["GET", "POST"])
    @admin_only
    def new_source():
        return _source_form(None)

    @bp.route("/<int:source_id>/edit", methods=["GET", "POST"])
    @admin_only
    def edit_source(source_id: int):
        return _source_form(source_id)

    @bp.post("/<int:source_id>/run")
    @admin_only
    def run_source(source_id: int):
        report = or_404(services.request_run, current_user, source_id=source_id)
        sources = [run.source for run in report.runs] + report.skipped
        return _report(report, sources[0].name if sources else "")

    @bp.post("/corridor/<code>/run")
    @admin_only
    def run_corridor(code: str):
        return _report(or_404(services.request_run, current_user, corridor=code),
                       code.upper())

    def _report(report: services.RunRequest, what: str):
        if report.queued_job:
            flash(_("The run is queued for the worker (job %(job)s); its report appears "
                    "here when it is done.", job=report.queued_job), "success")
            return redirect(url_for("aggregation.index"))
        return render_template("aggregation/run_report.html", report=report, what=what)

    def _source_form(source_id: int | None):
        context = {"source_id": source_id, "kinds": SOURCE_KINDS,
                   "corridors": list_corridors(include_inactive=True)}
        if request.method == "POST":
            try:
                saved = or_404(services.save_source, current_user, request.form, source_id)
            except ValidationError as error:
                return form_error("aggregation/source_form.html", request.form, error.errors,
                                  **context)
            flash(_("Source saved. `flask aggregate --source %(id)s` reads it now.",
                    id=saved.id), "success")
            return redirect(url_for("aggregation.source", source_id=saved.id))
        values = {"active": True, "refresh_minutes": 1440}
        if source_id is not None:
            values = services.source_as_input(
                or_404(services.get_source, current_user, source_id))
        return render_template("aggregation/source_form.html", values=values, errors={},
                               **context)

    return bp
