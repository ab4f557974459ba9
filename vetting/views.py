"""The ministry reviewer's pages: the queue of flagged organisations, dossiers, decisions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import REVIEWER
from app.errors import ValidationError
from app.security import roles_required
from app.views_util import or_404
from vetting import review
from vetting.evidence import grouped

reviewers_only = roles_required(REVIEWER)


def make_blueprint() -> Blueprint:
    bp = Blueprint("vetting", __name__, url_prefix="/review")
    # Job pages, dossiers and the employer's check all list findings this way.
    bp.add_app_template_filter(grouped, "grouped_findings")

    @bp.get("/")
    @reviewers_only
    def queue():
        tier = request.args.get("tier", "flagged")
        return render_template("vetting/queue.html", tier=tier, tiers=review.QUEUE_TIERS,
                               rows=or_404(review.review_queue, current_user, tier))

    @bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
    @reviewers_only
    def dossier(organisation_id: int):
        errors, values = {}, {}
        if request.method == "POST":
            try:
                or_404(review.decide, current_user, organisation_id, request.form)
                flash(_("Decision recorded."), "success")
                return redirect(url_for("vetting.dossier", organisation_id=organisation_id))
            except ValidationError as error:
                errors, values = error.errors, request.form
        return render_template("vetting/dossier.html", errors=errors, values=values,
                               dossier=or_404(review.dossier, current_user, organisation_id),
                               decision_label=review.decision_label), (400 if errors else 200)

    return bp
