"""The ministry console's pages: statistics by corridor and month, charts (SVG) and CSV."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.models import ADMIN, REVIEWER
from app.console import charts, exports, labels
from app.console import statistics as stats
from app.corridors.services import list_corridors
from app.errors import ValidationError
from app.security import roles_required
from app.views_util import or_404

# The page itself loads nothing but this site's stylesheet and chart images.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
# A chart opened on its own: pygal's inline style, no script, no other resource.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
TITLES = {
    "organisations": _l("Flagged and suspended organisations (at the end of each month)"),
    "signals": _l("Warning signs found in job ads, by family (ads posted that month)"),
    "grievances": _l("Grievances received, by where they stand now"),
    "grievance_categories": _l("Grievances received, by what a reviewer classified them as"),
    "fees": _l("Recruitment fees reported in worker reviews"),
}
console_roles = roles_required(REVIEWER, ADMIN)


def _bad_request(error: ValidationError) -> Response:
    text = "\n".join(f"{field}: {reason}" for field, reason in error.errors.items())
    return Response(text + "\n", status=400, mimetype="text/plain")


def _table(name: str) -> stats.Table | Response:
    if name not in stats.TABLES:
        abort(404)
    try:
        filters = stats.read_filters(request.args)
    except ValidationError as error:
        return _bad_request(error)
    return or_404(stats.build_table, current_user, name, filters)


def make_blueprint() -> Blueprint:
    bp = Blueprint("console", __name__, url_prefix="/review/statistics")
    bp.add_app_template_global(labels.column_label, "console_column")
    bp.add_app_template_global(labels.cell, "console_cell")

    @bp.after_request
    def strict_policy(response: Response) -> Response:
        svg = response.mimetype == "image/svg+xml"
        response.headers["Content-Security-Policy"] = SVG_CSP if svg else PAGE_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @bp.get("/")
    @console_roles
    def index():
        errors, tables = {}, []
        try:
            filters = stats.read_filters(request.args)
            tables = [or_404(stats.build_table, current_user, name, filters)
                      for name in stats.TABLES]
        except ValidationError as error:
            errors = error.errors
        return render_template("console/index.html", errors=errors, tables=tables,
                               titles=TITLES, values=request.args,
                               corridors=list_corridors()), (400 if errors else 200)

    @bp.get("/<name>.svg")
    @console_roles
    def chart(name: str):
        table = _table(name)
        if isinstance(table, Response):
            return table
        return Response(charts.render(table, str(TITLES[name])), mimetype="image/svg+xml")

    @bp.get("/<name>.csv")
    @console_roles
    def export(name: str):
        table = _table(name)
        if isinstance(table, Response):
            return table
        filename = f"faircorridor-{name}-{request.args.get('corridor') or 'all'}.csv"
        return Response(exports.to_csv(table), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{_safe_name(filename)}"'})

    return bp


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in name)
