"""Pages for workers: corridors, job lists and pages, applying, my applications."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, flash, make_response, redirect, \
    render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.accounts.models import WORKER
from app.aggregation import services as aggregation
from app.corridors.services import get_corridor, list_corridors
from app.errors import Conflict, ValidationError
from app.i18n import current_language
from app.jobs import applications as apps
from app.jobs import caution, disclosure, visitor
from app.jobs import services as jobs
from app.jobs.schema_org import job_posting_jsonld
from app.reviews import services as reviews
from app.security import public, roles_required
from app.views_util import or_404
from vetting import services as vetting


def make_blueprint() -> Blueprint:
    bp = Blueprint("jobs", __name__)
    for helper in (disclosure.job_summary, disclosure.describe_costs, disclosure.cost_name):
        bp.add_app_template_global(helper)

    @bp.get("/")
    @public
    def home():
        corridors, own = visitor.corridors_for_visitor(
            list_corridors(), request.cookies.get(visitor.CORRIDOR_COOKIE), current_language())
        return render_template("jobs/home.html", corridors=corridors, own=own)

    @bp.get("/favicon.ico")
    @public
    def favicon():
        # Browsers ask for /favicon.ico whatever the page links to. Sent from memory: a
        # file response would hold the file open until the client closes it.
        return Response(_favicon(current_app.static_folder), mimetype="image/x-icon",
                        headers={"Cache-Control": "public, max-age=604800"})

    @bp.get("/corridors/<code>")
    @public
    def corridor(code: str):
        corridor = or_404(get_corridor, code)
        errors = {}
        try:
            filters = jobs.read_filters(request.args, corridor)
        except ValidationError as error:
            errors, filters = error.errors, jobs.JobFilters(corridor=corridor)
        page = jobs.search_jobs(filters, filters.page)
        response = make_response(render_template(
            "jobs/corridor.html", corridor=corridor, page=page, filters=filters, errors=errors,
            facets=jobs.corridor_facets(corridor)), 400 if errors else 200)
        return visitor.remember_corridor(response, corridor,
                                         current_app.config.get("SESSION_COOKIE_SECURE", False))

    @bp.get("/jobs/<int:job_id>")
    @public
    def detail(job_id: int):
        job = or_404(jobs.get_public_job, job_id)
        url = url_for("jobs.detail", job_id=job.id, _external=True)
        org_url = url_for("organisations.profile", organisation_id=job.organisation_id,
                          _external=True)
        applied = (current_user.is_authenticated and current_user.role == WORKER
                   and any(a.job_id == job.id for a in apps.worker_applications(current_user)))
        return render_template("jobs/detail.html", job=job, applied=applied,
                               jsonld=job_posting_jsonld(job, url, org_url),
                               wage_local=jobs.wage_in_corridor_currency(job),
                               cost_rows=disclosure.cost_rows(job),
                               vetting=vetting.public_summary(job.organisation, job),
                               review_summary=reviews.public_review_summary(job.organisation_id),
                               provenance=aggregation.posting_provenance(job))

    @bp.post("/jobs/<int:job_id>/apply")
    @roles_required(WORKER)
    def apply(job_id: int):
        try:
            or_404(apps.apply_to_job, current_user, job_id, request.form)
        except caution.WarningNotConfirmed as pending:  # the warning page, with the message
            return render_template("jobs/apply_warning.html", warning=pending.warning,
                                   message=request.form.get("message", ""),
                                   confirm_field=apps.CONFIRM_FIELD)
        except (ValidationError, Conflict) as error:
            message = "; ".join(error.errors.values()) if isinstance(error, ValidationError) \
                else str(error)
            flash(message, "error")
            return redirect(url_for("jobs.detail", job_id=job_id))
        flash(_("Your application was sent. You can follow it under My applications."),
              "success")
        return redirect(url_for("jobs.my_applications"))

    @bp.get("/me/applications")
    @roles_required(WORKER)
    def my_applications():
        return render_template("jobs/my_applications.html",
                               applications=apps.worker_applications(current_user))

    @bp.get("/me/applications/<int:application_id>")
    @roles_required(WORKER)
    def my_application(application_id: int):
        application = or_404(apps.worker_application, current_user, application_id)
        return render_template("jobs/application.html", application=application,
                               history=audit.history(application),
                               can_review=reviews.can_review(application))

    @bp.post("/me/applications/<int:application_id>/withdraw")
    @roles_required(WORKER)
    def withdraw(application_id: int):
        try:
            or_404(apps.withdraw_application, current_user, application_id)
            flash(_("You withdrew this application."), "success")
        except ValidationError as error:
            flash("; ".join(error.errors.values()), "error")
        return redirect(url_for("jobs.my_application", application_id=application_id))

    return bp


@cache
def _favicon(static_folder: str) -> bytes:
    return (Path(static_folder) / "favicon.ico").read_bytes()
