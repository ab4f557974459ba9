"""Grievance pages: anonymous reporting and follow-up, workers' complaints, reviewers' inbox.

Reporting pages work without JavaScript, load nothing from other sites, send a strict
Content-Security-Policy and no referrer, are never cached, and are left out of the
access logs (grievance.logs).
"""
from __future__ import annotations

import io

from flask import (Blueprint, current_app, flash, redirect, render_template, request, send_file,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.models import REVIEWER, WORKER
from app.errors import ValidationError
from app.events import sessions_ended
from app.security import public, roles_required
from app.views_util import or_404
from grievance import casework, keyring, proof, services
from grievance.labels import grievance_label
from grievance.logs import install_access_log_filter
from grievance.models import TRANSITIONS
from grievance.services import DuplicateSubmission, MessageRefused, Upload
from grievance.throttle import TooManyAttempts

SESSION_KEY = "grievance_key_token"  # a random token, never the key (see grievance.keyring)
# The one script is the proof of work's, a file under /static (grievance.work).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
reviewers_only = roles_required(REVIEWER)
workers_only = roles_required(WORKER)


def _uploads() -> list[Upload]:
    limit = current_app.config["GRIEVANCE_MAX_FILE_BYTES"]
    return [Upload(f.filename or "", f.stream.read(limit + 1))
            for f in request.files.getlist("attachments") if f.filename]


def _work() -> proof.Work:
    return proof.Work(request.form.get("work_challenge"), request.form.get("work_nonce"))


def _sent_challenge() -> str | None:
    return request.form.get("work_challenge")


def _private_key():
    return keyring.unlocked_key(current_user, session.get(SESSION_KEY))


def _report_form(values, errors):
    return render_template("grievance/report.html", values=values, errors=errors,
                           form_token=services.new_form_token(),
                           work=proof.offer(proof.REPORT, _sent_challenge()),
                           **services.report_choices()), (400 if errors else 200)


def _follow_up_form(errors=None, values=None, note=None, status=None):
    return render_template("grievance/follow_up.html", errors=errors or {}, values=values or {},
                           note=note, work=proof.offer(proof.FOLLOW_UP, _sent_challenge())
                           ), status or (400 if errors else 200)


def _case_page(view, receipt, errors=None, values=None, note=None):
    return render_template("grievance/follow_up_case.html", view=view, receipt=receipt,
                           errors=errors or {}, values=values or {}, note=note,
                           form_token=services.new_form_token(),
                           work=proof.offer(proof.MESSAGE)), (400 if errors else 200)


def _reviewer_page(case_id, errors=None, values=None):
    private = _private_key()
    return render_template(
        "grievance/case.html", errors=errors or {}, values=values or {},
        view=or_404(casework.reviewer_case, current_user, case_id, private),
        history=casework.case_history(current_user, case_id), reviewers=casework.reviewers(),
        transitions=TRANSITIONS,
        **services.report_choices()), (400 if errors else 200)


def _register_hooks(bp: Blueprint) -> None:
    bp.record_once(lambda _state: install_access_log_filter())
    sessions_ended.connect(keyring.lock_all)  # sign-out and role changes lock the key
    bp.add_app_template_filter(grievance_label, "glabel")

    # A URL value preprocessor runs before every before_request hook, CSRF's included,
    # which reads the form: the larger limit for photos must be set before that.
    @bp.url_value_preprocessor
    def allow_uploads(_endpoint, _values):
        request.max_content_length = current_app.config["GRIEVANCE_MAX_REQUEST_BYTES"]

    @bp.after_request
    def privacy_headers(response):
        response.headers.update({"Content-Security-Policy": CSP, "Cache-Control": "no-store",
                                 "Referrer-Policy": "no-referrer",
                                 "X-Content-Type-Options": "nosniff"})
        return response

    @bp.errorhandler(keyring.KeysMissing)
    def keys_missing(_error):
        return render_template("errors/error.html", code=503, message=_(
            "Reporting is not open yet: the reviewers' key has not been set up.")), 503

    @bp.errorhandler(TooManyAttempts)
    def too_many(_error):
        return render_template("errors/error.html", code=429, message=_(
            "This receipt was tried wrongly too many times today. Try again tomorrow; "
            "your report and its replies are safe.")), 429


def _register_reporting(bp: Blueprint) -> None:
    @bp.route("/report", methods=["GET", "POST"])
    @public
    def report():
        if request.method == "GET":
            return _report_form({}, {})
        try:
            sent = services.submit_report(request.form, _uploads(), request.form.get("form_token"),
                                          _work())
        except ValidationError as error:
            return _report_form(request.form, error.errors)
        except DuplicateSubmission as duplicate:  # 409: this copy of the form stored nothing
            return render_template("grievance/receipt.html", receipt=duplicate.receipt,
                                   duplicate=True), 409
        return render_template("grievance/receipt.html", receipt=sent.receipt, duplicate=False)

    @bp.route("/report/follow-up", methods=["GET", "POST"])
    @public
    def follow_up():
        receipt = request.form.get("receipt", "")
        if request.method == "POST":
            try:
                return _case_page(services.follow_up(receipt, _work()), receipt)
            except ValidationError as error:
                return _follow_up_form(error.errors, request.form)
        return _follow_up_form()

    @bp.post("/report/follow-up/message")
    @public
    def reporter_message():
        receipt = request.form.get("receipt", "")
        try:
            view = services.add_reporter_message(receipt, request.form, _uploads(),
                                                 request.form.get("form_token"), _work())
        except DuplicateSubmission:  # stored once already: open the report to read it
            return _follow_up_form(note="duplicate", status=409)
        except MessageRefused as refused:
            return _case_page(refused.view, receipt, refused.errors, request.form)
        except ValidationError as error:  # the receipt or the work: the receipt form again
            return _follow_up_form(error.errors)
        return _case_page(view, receipt, note="sent")


def _register_complaints(bp: Blueprint) -> None:
    @bp.get("/me/complaints")
    @workers_only
    def my_complaints():
        return render_template("grievance/my_complaints.html",
                               views=services.worker_complaints(current_user))

    @bp.route("/me/complaints/new", methods=["GET", "POST"])
    @workers_only
    def new_complaint():
        values, errors = (request.form if request.method == "POST" else request.args), {}
        if request.method == "POST":
            try:
                case = services.file_complaint(current_user, request.form, _uploads(),
                                               request.form.get("form_token"))
                flash(_("Your complaint was sent. Reviewers will answer here."), "success")
                return redirect(url_for("grievance.my_complaint", case_id=case.id))
            except DuplicateSubmission:
                return redirect(url_for("grievance.my_complaints"))
            except ValidationError as error:
                errors = error.errors
        return render_template("grievance/complaint_form.html", values=values, errors=errors,
                               form_token=services.new_form_token(),
                               **services.complaint_choices(current_user)), (400 if errors else 200)

    @bp.get("/me/complaints/<int:case_id>")
    @workers_only
    def my_complaint(case_id: int):
        return render_template("grievance/my_complaint.html", errors={}, values={},
                               view=or_404(services.worker_complaint, current_user, case_id),
                               form_token=services.new_form_token())

    @bp.post("/me/complaints/<int:case_id>/messages")
    @workers_only
    def complaint_message(case_id: int):
        try:
            or_404(services.add_worker_message, current_user, case_id, request.form, _uploads(),
                   request.form.get("form_token"))
            flash(_("Your message was sent."), "success")
        except DuplicateSubmission:
            pass  # the first copy went through
        except ValidationError as error:
            return render_template("grievance/my_complaint.html", errors=error.errors,
                                   values=request.form, form_token=services.new_form_token(),
                                   view=services.worker_complaint(current_user, case_id)), 400
        return redirect(url_for("grievance.my_complaint", case_id=case_id))


ACTIONS = {"status": casework.change_status, "assign": casework.assign_case,
           "reply": casework.reply, "organisation": casework.link_organisation,
           "verify": casework.set_verified, "category": casework.classify}


def _register_inbox(bp: Blueprint) -> None:
    @bp.get("/review/grievances")
    @reviewers_only
    def inbox():
        which = request.args.get("show", "open")
        return render_template("grievance/inbox.html", which=which,
                               filters=casework.INBOX_FILTERS, unlocked=_private_key() is not None,
                               views=casework.inbox(current_user, which, _private_key()))

    @bp.route("/review/grievances/unlock", methods=["GET", "POST"])
    @reviewers_only
    def unlock():
        if request.method == "POST":
            try:
                session[SESSION_KEY] = keyring.unlock(current_user,
                                                      request.form.get("passphrase", ""))
                flash(_("Reports are unlocked for this session."), "success")
                return redirect(url_for("grievance.inbox"))
            except ValidationError as error:
                return render_template("grievance/unlock.html", errors=error.errors), 400
        return render_template("grievance/unlock.html", errors={})

    @bp.post("/review/grievances/lock")
    @reviewers_only
    def lock():
        keyring.lock(current_user, session.pop(SESSION_KEY, None))
        flash(_("Reports are locked."), "info")
        return redirect(url_for("grievance.inbox"))

    @bp.get("/review/grievances/<int:case_id>")
    @reviewers_only
    def case(case_id: int):
        return _reviewer_page(case_id)

    @bp.post("/review/grievances/<int:case_id>/<any(status, assign, reply, organisation, "
             "verify, category):action>")
    @reviewers_only
    def case_action(case_id: int, action: str):
        try:
            or_404(ACTIONS[action], current_user, case_id, request.form)
        except ValidationError as error:
            return _reviewer_page(case_id, error.errors, request.form)
        flash(_("Saved."), "success")
        return redirect(url_for("grievance.case", case_id=case_id))

    @bp.get("/review/grievances/<int:case_id>/files/<int:attachment_id>")
    @reviewers_only
    def attachment(case_id: int, attachment_id: int):
        try:
            info, data = or_404(casework.attachment, current_user, case_id, attachment_id,
                                _private_key())
        except casework.KeyLocked:
            return redirect(url_for("grievance.unlock"))
        return send_file(io.BytesIO(data), mimetype=info.mime, as_attachment=True,
                         download_name=info.name)


def make_blueprint() -> Blueprint:
    bp = Blueprint("grievance", __name__)
    _register_hooks(bp)
    _register_reporting(bp)
    _register_complaints(bp)
    _register_inbox(bp)
    return bp
