"""The JSON API: corridors and jobs to read for anyone; posting jobs with an API token."""
from __future__ import annotations

import math
import time

from flask import Blueprint, current_app, jsonify, request

from app.accounts.services import user_for_token
from app.api.openapi import openapi_document
from app.api.schemas import corridor_json, job_json, page_json
from app.corridors.services import get_corridor, list_corridors
from app.errors import NotFound, PermissionDenied, ValidationError
from app.extensions import csrf
from app.jobs import services as jobs
from app.security import public
from app.validation import InputReader
from matching.limits import limit_searches


def _errors(errors: dict[str, str], status: int = 400):
    return jsonify(errors=errors), status


def _too_many_searches(reset_at: float):
    """Past the per-client search limit (matching/limits.py sets 429 and Retry-After)."""
    wait = max(1, math.ceil(reset_at - time.time()))
    return jsonify(error=f"too many searches from this address; try again in {wait} s")


def make_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    # The API authenticates writes with a bearer token, never with the session
    # cookie, so cross-site request forgery cannot reach it.
    csrf.exempt(bp)

    @bp.errorhandler(ValidationError)
    def validation_error(error: ValidationError):
        return _errors(error.errors)

    @bp.errorhandler(NotFound)
    def not_found(error: NotFound):
        return jsonify(error="not found"), 404

    @bp.get("/openapi.json")
    @public
    def openapi():
        return jsonify(openapi_document())

    @bp.get("/corridors")
    @public
    def corridors():
        return jsonify(items=[corridor_json(c) for c in list_corridors()])

    @bp.get("/jobs")
    @public
    def list_jobs():
        reader = InputReader(request.args)
        page = reader.integer("page", required=False, minimum=1, maximum=100_000) or 1
        per_page = reader.integer("per_page", required=False, minimum=1,
                                  maximum=current_app.config["API_MAX_PER_PAGE"]) or 20
        code = reader.text("corridor", required=False, max_len=5)
        reader.finish()
        corridor = None
        if code:
            try:
                corridor = get_corridor(code)
            except NotFound:
                raise ValidationError(field="corridor", reason="does not exist") from None
        filters = jobs.read_filters(request.args, corridor)
        return jsonify(page_json(jobs.search_jobs(filters, page, per_page)))

    @bp.get("/search")
    @public
    @limit_searches(_too_many_searches)
    def search():
        from matching.services import search_jobs
        from matching.views import filters_from

        page = search_jobs(request.args.get("q", ""), filters_from(request.args),
                           include_flagged=request.args.get("include_flagged") == "true")
        return jsonify(query=page.query, notice=page.notice, total=page.total,
                       total_is_lower_bound=page.more, no_close_match=not page.jobs,
                       items=[{**job_json(job), "similarity": similarity}
                              for job, similarity in page.jobs],
                       other_corridors=[{**job_json(job), "similarity": similarity}
                                        for job, similarity in page.elsewhere])

    @bp.get("/jobs/<int:job_id>")
    @public
    def get_job(job_id: int):
        return jsonify(job_json(jobs.get_public_job(job_id)))

    @bp.post("/jobs")
    @public  # authenticated below by bearer token, not by session
    def create_job():
        header = request.headers.get("Authorization", "")
        user = user_for_token(header[7:].strip()) if header.startswith("Bearer ") else None
        if user is None:
            return jsonify(error="a valid API token is required (Authorization: Bearer ...)"), 401
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _errors({"body": "must be a JSON object"})
        try:
            job = jobs.create_job(user, data)
        except PermissionDenied as error:
            return jsonify(error=str(error) or "not allowed"), 403
        return jsonify(job_json(job)), 201

    return bp
