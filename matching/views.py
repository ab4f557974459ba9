"""Search in a worker's own words, "jobs for me", and an employer's candidate list."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from app.accounts.login_limits import wait_message
from app.accounts.models import ORGANISATION_ROLES, WORKER
from app.corridors.services import get_corridor, list_corridors
from app.errors import NotFound, ValidationError
from app.events import job_saved
from app.jobs.services import JobFilters, read_filters
from app.security import public, roles_required
from app.views_util import or_404
from matching import services, warmup
from matching.expansion import occupation_name
from matching.limits import limit_searches


def filters_from(args) -> JobFilters:
    """Search filters from a query string (corridor code, occupation, wage, organisation)."""
    code = (args.get("corridor") or "").strip()
    try:
        corridor = get_corridor(code) if code else None
    except NotFound:
        raise ValidationError(field="corridor", reason="does not exist") from None
    return read_filters(args, corridor)


def _warm_search() -> None:
    """before_request: the first request a process serves starts warming search."""
    warmup.start(current_app._get_current_object())


def _too_many_searches(reset_at: float) -> Response:
    """The search page again, saying how long to wait (matching/limits.py sets the status)."""
    return Response(render_template("matching/search.html", corridors=list_corridors(),
                                    args=request.args, page=None,
                                    errors={"q": wait_message(reset_at)}))


def make_blueprint() -> Blueprint:
    bp = Blueprint("matching", __name__)
    job_saved.connect(services.on_job_saved)
    bp.before_app_request(_warm_search)
    bp.add_app_template_filter(occupation_name, "occupation_name")

    @bp.get("/search")
    @public
    @limit_searches(_too_many_searches)
    def search():
        context = {"corridors": list_corridors(), "args": request.args, "errors": {},
                   "page": None}
        if "q" in request.args:
            try:
                context["page"] = services.search_jobs(
                    request.args.get("q"), filters_from(request.args),
                    include_flagged=request.args.get("include_flagged") == "y")
            except ValidationError as error:
                context["errors"] = error.errors
        status = 400 if context["errors"] else 200
        return render_template("matching/search.html", **context), status

    @bp.get("/me/matches")
    @roles_required(WORKER)
    def jobs_for_me():
        try:
            matches, error = services.jobs_for_worker(current_user), None
        except ValidationError as problem:
            matches, error = [], "; ".join(problem.errors.values())
        return render_template("matching/jobs_for_me.html", matches=matches, error=error)

    @bp.get("/org/jobs/<int:job_id>/candidates")
    @roles_required(*ORGANISATION_ROLES)
    def candidates(job_id: int):
        job, matches = or_404(services.candidates_for_job, current_user, job_id)
        return render_template("matching/candidates.html", job=job, matches=matches)

    return bp
