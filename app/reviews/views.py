"""Pages for reviews: the worker's form and thanks, and the reviewers' moderation queue."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import REVIEWER, WORKER
from app.errors import ValidationError
from app.reviews import moderation, services
from app.reviews.models import DIMENSIONS
from app.security import roles_required
from app.views_util import or_404


def month_year(month: str) -> str:
    """"2026-03" as "March 2026" in the reader's language (reviews never show a day)."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(dt.date(year, number, 1), "MMMM y")


def make_blueprint() -> Blueprint:
    bp = Blueprint("reviews", __name__)
    bp.add_app_template_filter(month_year, "month_year")
    bp.add_app_template_global(DIMENSIONS, "review_dimensions")

    @bp.route("/me/applications/<int:application_id>/review", methods=["GET", "POST"])
    @roles_required(WORKER)
    def new(application_id: int):
        application = or_404(services.reviewable_application, current_user, application_id)
        errors, values = {}, request.form
        if request.method == "POST":
            try:
                review = or_404(services.submit_review, current_user, application_id,
                                request.form)
                return redirect(url_for("reviews.thanks", review_id=review.id))
            except ValidationError as error:
                errors = error.errors
        elif problem := services.review_problem(application):
            errors = {"application": problem}
        return render_template("reviews/form.html", application=application, errors=errors,
                               values=values), (400 if errors else 200)

    @bp.get("/me/reviews/<int:review_id>/thanks")
    @roles_required(WORKER)
    def thanks(review_id: int):
        return render_template("reviews/thanks.html",
                               review=or_404(services.thanked_review, current_user, review_id))

    def _queue_page(view: str, errors: dict, error_id: int | None = None):
        view = view if view in moderation.VIEWS else "new"
        return render_template("reviews/queue.html", view=view, views=moderation.VIEWS,
                               errors=errors, error_id=error_id, values=request.form,
                               reviews=or_404(moderation.moderation_list, current_user, view)
                               ), (400 if errors else 200)

    @bp.get("/review/reviews/")
    @roles_required(REVIEWER)
    def queue():
        return _queue_page(request.args.get("view", "new"), {})

    @bp.post("/review/reviews/<int:review_id>")
    @roles_required(REVIEWER)
    def moderate(review_id: int):
        view = request.form.get("view", "new")
        try:
            review = or_404(moderation.moderate, current_user, review_id, request.form)
        except ValidationError as error:
            return _queue_page(view, error.errors, review_id)
        flash(_("Review hidden.") if review.hidden else _("Review kept visible."), "success")
        return redirect(url_for("reviews.queue",
                                view=view if view in moderation.VIEWS else "new"))

    return bp
