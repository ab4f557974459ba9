"""Pages for employers and agencies: their organisation, postings and applicants;
and each organisation's public page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.accounts.models import ORGANISATION_ROLES
from app.corridors.services import list_corridors
from app.errors import ValidationError
from app.jobs import applications as apps
from app.jobs import services as jobs
from app.jobs.forms import flat_values, job_form_data
from app.organisations import services
from app.reviews import services as reviews
from app.security import public, roles_required
from app.views_util import form_error, or_404
from vetting import services as vetting
from vetting.presentation import vetting_view

members_only = roles_required(*ORGANISATION_ROLES)


def make_blueprint() -> Blueprint:
    bp = Blueprint("organisations", __name__)

    @bp.get("/organisations/<int:organisation_id>")
    @public
    def profile(organisation_id: int):
        organisation = or_404(services.get_organisation, organisation_id)
        postings = jobs.search_jobs(jobs.JobFilters(organisation_id=organisation.id),
                                    per_page=50)
        return render_template("organisations/public.html", organisation=organisation,
                               postings=postings,
                               vetting=vetting.public_summary(organisation),
                               review_summary=reviews.public_review_summary(organisation.id),
                               public_reviews=reviews.public_reviews(organisation.id))

    @bp.get("/org")
    @members_only
    def dashboard():
        return render_template("organisations/dashboard.html",
                               organisation=or_404(services.organisation_of, current_user),
                               postings=or_404(jobs.organisation_jobs, current_user))

    @bp.route("/org/edit", methods=["GET", "POST"])
    @members_only
    def edit():
        organisation = or_404(services.organisation_of, current_user)
        if request.method == "POST":
            try:
                services.update_organisation(current_user, request.form)
            except ValidationError as error:
                return form_error("organisations/edit.html", request.form, error.errors)
            flash(_("Organisation details saved."), "success")
            return redirect(url_for("organisations.dashboard"))
        return render_template("organisations/edit.html", errors={},
                               values=services.organisation_as_input(organisation))

    @bp.route("/org/jobs/new", methods=["GET", "POST"])
    @members_only
    def new_job():
        return _job_form(None)

    @bp.route("/org/jobs/<int:job_id>/edit", methods=["GET", "POST"])
    @members_only
    def edit_job(job_id: int):
        return _job_form(job_id)

    def _job_form(job_id: int | None):
        context = {"corridors": list_corridors(), "job_id": job_id, "check": None}
        if request.method == "POST":
            data = job_form_data(request.form)
            try:
                if request.form.get("action") == "check":
                    job, result = or_404(jobs.preview_job, current_user, data)
                    context["check"] = vetting_view(result, vetting.ad_text(job))
                    return render_template("organisations/job_form.html",
                                           values=flat_values(data), errors={}, **context)
                job = (or_404(jobs.create_job, current_user, data) if job_id is None
                       else or_404(jobs.update_job, current_user, job_id, data))
            except vetting.PublishBlocked as blocked:
                context["check"] = vetting_view(blocked.result, blocked.text)
                return form_error("organisations/job_form.html", flat_values(data),
                                  blocked.errors, **context)
            except ValidationError as error:
                return form_error("organisations/job_form.html", flat_values(data),
                                  error.errors, **context)
            flash(_("The job is published."), "success")
            return redirect(url_for("jobs.detail", job_id=job.id))
        values = ({} if job_id is None else
                  flat_values(jobs.job_as_input(or_404(jobs.job_for_member, current_user,
                                                       job_id))))
        return render_template("organisations/job_form.html", values=values, errors={},
                               **context)

    @bp.post("/org/jobs/<int:job_id>/close")
    @members_only
    def close_job(job_id: int):
        or_404(jobs.close_job, current_user, job_id, request.form.get("reason", ""))
        flash(_("The job is closed and no longer takes applications."), "success")
        return redirect(url_for("organisations.dashboard"))

    @bp.get("/org/jobs/<int:job_id>/applicants")
    @members_only
    def applicants(job_id: int):
        job, applications = or_404(apps.job_applicants, current_user, job_id)
        return render_template("organisations/applicants.html", job=job,
                               applications=applications)

    @bp.route("/org/applications/<int:application_id>", methods=["GET", "POST"])
    @members_only
    def application(application_id: int):
        errors = {}
        if request.method == "POST":
            try:
                or_404(apps.move_application, current_user, application_id, request.form)
                flash(_("Application status updated."), "success")
                return redirect(url_for("organisations.application",
                                        application_id=application_id))
            except ValidationError as error:
                errors = error.errors
        item = or_404(apps.organisation_application, current_user, application_id)
        return render_template("organisations/application.html", application=item,
                               moves=apps.allowed_moves(item), errors=errors,
                               history=audit.history(item)), (400 if errors else 200)

    return bp
