"""The public register pages: browse, one organisation, the licence check, signed copies."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError
from app.register import keys, services, signing, statements
from app.register.signing import key_id
from app.reviews.services import public_review_summary
from app.security import public
from app.views_util import or_404

# The request limit (MAX_CONTENT_LENGTH) too; a copy of 5,000 organisations is 1.6 MB.
MAX_UPLOAD = 2 * 1024 * 1024
REASONS = {
    signing.MALFORMED: _l("this is not a FairCorridor badge or register copy, or it is damaged."),
    signing.WRONG_KEY: _l("it was not signed with FairCorridor's key."),
    signing.TAMPERED: _l("it was changed after FairCorridor signed it."),
    signing.EXPIRED: _l("it has expired. Ask for a current one, or check the register."),
}


def reason_label(reason: str) -> str:
    return str(REASONS.get(reason, reason))


def _signed(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/json")
    # Inline, so that a browser shows it and a crawler reads it; the links that offer it
    # as a file carry the `download` attribute, and the filename names the saved copy.
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # each copy is stamped with its issue time
    return response


def _key_missing() -> tuple[str, int]:
    return render_template("register/unavailable.html"), 503


def make_blueprint() -> Blueprint:
    bp = Blueprint("register", __name__)

    @bp.get("/register/")
    @public
    def index():
        try:
            filters = services.read_filters(request.args)
        except ValidationError as error:
            return render_template("register/index.html", errors=error.errors,
                                   values=request.args, page=None,
                                   options=services.filter_options()), 400
        return render_template("register/index.html", errors={}, values=filters.as_values(),
                               page=services.browse(filters), options=services.filter_options())

    @bp.get("/register/organisations/<int:organisation_id>")
    @public
    def entry(organisation_id: int):
        entry = or_404(services.register_entry, organisation_id)
        return render_template("register/entry.html", entry=entry,
                               review_summary=public_review_summary(organisation_id),
                               badge_days=current_app.config["REGISTER_BADGE_DAYS"])

    @bp.get("/register/organisations/<int:organisation_id>/badge.json")
    @public
    def badge(organisation_id: int):
        check_url = url_for("register.entry", organisation_id=organisation_id, _external=True)
        try:
            organisation, body = or_404(statements.signed_badge, organisation_id, check_url)
        except keys.KeyMissing:
            return _key_missing()
        return _signed(body, f"faircorridor-badge-{organisation.id}.json")

    @bp.get("/register/licence")
    @public
    def licence_check():
        if "licence_number" not in request.args:
            return render_template("register/licence.html", errors={}, values={}, answer=None)
        try:
            answer = services.check_licence(request.args)
        except ValidationError as error:
            return render_template("register/licence.html", errors=error.errors,
                                   values=request.args, answer=None), 400
        return render_template("register/licence.html", errors={}, values=request.args,
                               answer=answer)

    @bp.get("/register.json")
    @public
    def document():
        try:
            return _signed(statements.signed_register(), "faircorridor-register.json")
        except keys.KeyMissing:
            return _key_missing()

    @bp.get("/register/key.json")
    @public
    def public_key():
        try:
            verify_key = keys.verify_key()
        except keys.KeyMissing:
            return _key_missing()
        return {"algorithm": "Ed25519", "key_id": key_id(verify_key),
                "public_key": bytes(verify_key).hex()}

    @bp.route("/register/verify", methods=["GET", "POST"])
    @public
    def verify():
        if request.method == "GET":
            return render_template("register/verify.html", errors={}, values={}, check=None)
        try:
            check = statements.check_statement(_submitted_statement())
        except ValidationError as error:
            return render_template("register/verify.html", errors=error.errors,
                                   values=request.form, check=None), 400
        except keys.KeyMissing:
            return _key_missing()
        return render_template("register/verify.html", errors={}, values={}, check=check,
                               reason_label=reason_label)

    return bp


def _submitted_statement() -> bytes:
    """The uploaded file, else the pasted text; ValidationError naming the field when neither."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ValidationError(field="file", reason=_("is too large (at most 2 MB)"))
        if data:
            return data
        raise ValidationError(field="file", reason=_("is empty"))
    text = request.form.get("statement", "").strip()
    if not text:
        raise ValidationError(field="statement", reason=_(
            "is required: paste a register copy or a badge, or choose its file"))
    return text.encode("utf-8", errors="surrogatepass")
