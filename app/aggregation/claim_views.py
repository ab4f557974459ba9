"""Claim pages: an employer or agency claims an organisation listed from job sources and
follows its claims; reviewers and admins decide them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import ORGANISATION_ROLES
from app.aggregation import claims
from app.errors import ValidationError
from app.security import roles_required
from app.views_util import form_error, or_404

members_only = roles_required(*ORGANISATION_ROLES)
deciders_only = roles_required(*claims.DECIDERS)


def make_blueprint() -> Blueprint:
    bp = Blueprint("claims", __name__)

    @bp.route("/organisations/<int:organisation_id>/claim", methods=["GET", "POST"])
    @members_only
    def new(organisation_id: int):
        listed = or_404(claims.claimable, current_user, organisation_id)
        if request.method == "POST":
            try:
                or_404(claims.request_claim, current_user, organisation_id, request.form)
            except ValidationError as error:
                return form_error("aggregation/claim_form.html", request.form, error.errors,
                                  listed=listed)
            flash(_("Your claim was sent; a reviewer will decide it."), "success")
            return redirect(url_for("claims.mine"))
        return render_template("aggregation/claim_form.html", listed=listed, errors={},
                               values=claims.claim_values(None, current_user))

    @bp.get("/org/claims")
    @members_only
    def mine():
        return render_template("aggregation/my_claims.html",
                               claims=or_404(claims.my_claims, current_user))

    @bp.get("/review/claims")
    @deciders_only
    def queue():
        return render_template("aggregation/claims_queue.html",
                               claims=or_404(claims.claim_queue, current_user))

    @bp.route("/review/claims/<int:claim_id>", methods=["GET", "POST"])
    @deciders_only
    def decide(claim_id: int):
        claim = or_404(claims.get_claim, current_user, claim_id)
        if request.method == "POST":
            try:
                or_404(claims.decide_claim, current_user, claim_id, request.form)
            except ValidationError as error:
                return form_error("aggregation/claim.html", request.form, error.errors,
                                  claim=claim, jobs=claims.listed_jobs(claim))
            flash(_("Decision recorded."), "success")
            return redirect(url_for("claims.decide", claim_id=claim_id))
        return render_template("aggregation/claim.html", claim=claim, values={}, errors={},
                               jobs=claims.listed_jobs(claim))

    return bp
