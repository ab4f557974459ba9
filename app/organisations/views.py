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
from app.interviews import services as interviews
from app.jobs import applications as apps
from app.jobs import services as jobs
from app.organisations import job_form, services
from app.reviews import services as reviews
from app.security import public, roles_required
from app.views_util import form_error, or_404
from vetting import services as vetting
from vetting.presentation import vetting_view

members_only = roles_required(*ORGANISATION_ROLES)


def make_blueprint() -> Blueprint:
    bp = Blueprint("organisations", __name__)
    bp.add_app_template_filter(job_form.currency_name, "currency_name")

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
                               postings=or_404(jobs.organisation_jobs, current_user),
                               counts=or_404(services.applicant_counts, current_user))

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
        if request.method == "POST":
            return _post_job(None)
        organisation = or_404(services.organisation_of, current_user)
        code = request.args.get("corridor", job_form.only_corridor())
        corridor = job_form.find_corridor(code)
        if corridor is None:
            return _corridor_step(None, code, job_form.suggested_corridor(organisation))
        return _show_job_form(None, job_form.new_values(corridor), corridor)

    @bp.route("/org/jobs/<int:job_id>/edit", methods=["GET", "POST"])
    @members_only
    def edit_job(job_id: int):
        if request.method == "POST":
            return _post_job(job_id)
        job = or_404(jobs.job_for_member, current_user, job_id)
        code = request.args.get("corridor", job.corridor.code)
        corridor = job_form.find_corridor(code)
        if corridor is None:
            return _corridor_step(job_id, code, job.corridor.code)
        return _show_job_form(job_id, job_form.job_values(jobs.job_as_input(job), corridor),
                              corridor)

    def _corridor_step(job_id: int | None, code: str | None, suggested: str | None):
        """First step: the corridor, whose currencies and languages the form then offers."""
        errors = {"corridor": _("is not one of the corridors below")} if code else {}
        return render_template("organisations/job_form.html", step="corridor", job_id=job_id,
                               corridors=list_corridors(), suggested=suggested, errors=errors,
                               labels=job_form.field_labels()), (400 if errors else 200)

    def _show_job_form(job_id: int | None, values: dict, corridor, errors: dict | None = None,
                       check=None, status: int = 200):
        endpoint = "organisations.new_job" if job_id is None else "organisations.edit_job"
        errors = errors or {}
        return render_template(
            "organisations/job_form.html", step="details", job_id=job_id, values=values,
            errors=errors, check=check, corridors=list_corridors(),
            choices=job_form.corridor_choices(corridor, values), labels=job_form.field_labels(),
            change_corridor_url=url_for(endpoint, job_id=job_id, corridor=""),
            **job_form.cost_panel(values, errors)), status

    def _post_job(job_id: int | None):
        if job_id is not None:  # another organisation's job is not there, whatever is posted
            or_404(jobs.job_for_member, current_user, job_id)
        values = job_form.form_values(request.form)
        corridor = job_form.find_corridor(request.form.get("corridor"))
        try:
            data = job_form.job_form_data(request.form)
            if request.form.get("action") == "check":
                job, result = or_404(jobs.preview_job, current_user, data)
                return _show_job_form(job_id, values, corridor,
                                      check=vetting_view(result, vetting.ad_text(job)))
            job = (or_404(jobs.create_job, current_user, data) if job_id is None
                   else or_404(jobs.update_job, current_user, job_id, data))
        except vetting.PublishBlocked as blocked:
            return _show_job_form(job_id, values, corridor, blocked.errors,
                                  vetting_view(blocked.result, blocked.text), 400)
        except ValidationError as error:
            return _show_job_form(job_id, values, corridor, error.errors, status=400)
        flash(_("The job is published."), "success")
        return redirect(url_for("jobs.detail", job_id=job.id))

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
        under_way = interviews.open_interviews(current_user, [a.id for a in applications])
        return render_template("organisations/applicants.html", job=job,
                               applications=applications, interviews=under_way)

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
