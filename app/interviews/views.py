"""Interview pages: proposing slots, the interview page for both sides, the calendar
file and the video room (Jitsi Meet IFrame API) under its own Content-Security-Policy."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from babel.dates import format_datetime
from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.accounts.models import ORGANISATION_ROLES
from app.errors import ValidationError
from app.interviews import services, zones
from app.interviews.calendar import utc_offset, utc_to_zone, zone_or_utc
from app.interviews.forms import FORM_ROWS, field_labels, flat_values, proposal_form_data
from app.interviews.models import ACTION_LABELS
from app.interviews.tokens import JitsiSettings
from app.interviews.zones import zone_label
from app.security import roles_required
from app.security_headers import content_security_policy
from app.timeutil import utcnow
from app.views_util import form_error, or_404

members_only = roles_required(*ORGANISATION_ROLES)


def room_policy(settings: JitsiSettings) -> str:
    """The site's policy, and the room page may also run the IFrame API script, frame
    the configured Jitsi and talk to it; no other site."""
    sockets = settings.origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return content_security_policy(script=[settings.origin], frame=[settings.origin],
                                   connect=[settings.origin, sockets])


def zone_name(zone_name: str) -> str:
    """A zone's name in words in the reader's language ("Nepal Time"), never its key."""
    return zone_label(zone_or_utc(zone_name).key, get_locale() or "en")


def interview_time(starts_at: dt.datetime, ends_at: dt.datetime, zone_name: str) -> str:
    """"Sunday 10 March 2030, 12:45–13:45 (Nepal Time, UTC+05:45)" for UTC times."""
    zone, locale = zone_or_utc(zone_name), get_locale()
    start, end = utc_to_zone(starts_at, zone), utc_to_zone(ends_at, zone)
    day = format_datetime(start, "EEEE d MMMM y", tzinfo=zone, locale=locale)
    until = format_datetime(end, "HH:mm" if end.date() == start.date() else "EEEE d MMMM, HH:mm",
                            tzinfo=zone, locale=locale)
    label = zone_label(zone.key, locale or "en")
    return f"{day}, {start:%H:%M}–{until} ({label}, {utc_offset(start)})"


def make_blueprint() -> Blueprint:
    bp = Blueprint("interviews", __name__)
    bp.add_app_template_global(services.application_interviews, "application_interviews")
    bp.add_app_template_global(interview_time, "interview_time")
    bp.add_app_template_global(services.can_propose, "can_propose")
    bp.add_app_template_filter(zone_name, "zone_name")
    bp.add_app_template_global(zones.chosen_zone, "chosen_zone")
    bp.add_app_template_global(field_labels, "interview_field_labels")
    # A malformed JITSI_DOMAIN or JITSI_SCHEME stops the app at start, not at the interview.
    bp.record_once(lambda state: JitsiSettings.from_config(state.app.config))

    @bp.route("/org/applications/<int:application_id>/interviews/new", methods=["GET", "POST"])
    @members_only
    def propose(application_id: int):
        application = or_404(services.application_for, current_user, application_id)
        return _slots_form(services.propose_interview, application_id,
                           application=application, interview=None)

    @bp.route("/interviews/<int:interview_id>/reschedule", methods=["GET", "POST"])
    @members_only
    def reschedule(interview_id: int):
        party = or_404(services.interview_for, current_user, interview_id, services.ORGANISATION)
        return _slots_form(services.reschedule_interview, interview_id,
                           application=party.interview.application, interview=party.interview)

    def _slots_form(call: Callable, target_id: int, **context):
        interview, application = context["interview"], context["application"]
        zone = (zones.known_zone(request.form.get("timezone"))
                or getattr(interview, "timezone", None)
                or zones.proposal_zone(current_user, application))
        context.update(rows=range(1, FORM_ROWS + 1),
                       zones=zones.zone_choices(application, zone, get_locale() or "en"))
        if request.method == "POST":
            data = proposal_form_data(request.form)
            try:
                interview = or_404(call, current_user, target_id, data)
            except ValidationError as error:
                return form_error("interviews/propose.html", flat_values(data), error.errors,
                                  **context)
            flash(_("The times were sent to the candidate."), "success")
            return redirect(url_for("interviews.detail", interview_id=interview.id))
        return render_template("interviews/propose.html", values={"timezone": zone}, errors={},
                               **context)

    @bp.get("/interviews/<int:interview_id>")
    def detail(interview_id: int):
        return _detail(interview_id)

    def _detail(interview_id: int, errors: dict[str, str] | None = None):
        party = or_404(services.interview_for, current_user, interview_id)
        interview = party.interview
        return render_template(
            "interviews/detail.html", party=party, interview=interview, now=utcnow(),
            application=interview.application, zone=interview.display_zone(current_user),
            history=audit.history(interview), action_labels=ACTION_LABELS,
            errors=errors or {}, values=request.form if errors else {}), (400 if errors else 200)

    def _act(call: Callable, interview_id: int, done: str):
        """POST one action from the interview page; errors re-render the page with them."""
        try:
            or_404(call, current_user, interview_id, request.form)
        except ValidationError as error:
            return _detail(interview_id, error.errors)
        flash(done, "success")
        return redirect(url_for("interviews.detail", interview_id=interview_id))

    @bp.post("/interviews/<int:interview_id>/choose")
    def choose(interview_id: int):
        return _act(services.choose_slot, interview_id,
                    _("The interview is scheduled. You can add it to your calendar from this page."))

    @bp.post("/interviews/<int:interview_id>/other-times")
    def other_times(interview_id: int):
        return _act(services.request_other_times, interview_id,
                    _("Your request for other times was sent."))

    @bp.post("/interviews/<int:interview_id>/cancel")
    def cancel(interview_id: int):
        return _act(services.cancel_interview, interview_id,
                    _("The interview is cancelled; the other side sees your reason."))

    @bp.post("/interviews/<int:interview_id>/outcome")
    @members_only
    def outcome(interview_id: int):
        return _act(services.record_outcome, interview_id,
                    _("The outcome is recorded and the application moved on."))

    @bp.get("/interviews/<int:interview_id>/invitation.ics")
    def invitation(interview_id: int):
        page = url_for("interviews.detail", interview_id=interview_id, _external=True)
        body = or_404(services.invitation, current_user, interview_id, page)
        return Response(body, mimetype="text/calendar", headers={
            "Content-Disposition": f'attachment; filename="interview-{interview_id}.ics"'})

    @bp.get("/interviews/<int:interview_id>/room")
    def room(interview_id: int):
        settings = JitsiSettings.from_config(current_app.config)
        room = or_404(services.join_room, current_user, interview_id, settings)
        response = current_app.make_response(render_template("interviews/room.html", room=room,
                                                             now=utcnow()))
        response.headers["Content-Security-Policy"] = room_policy(settings)
        response.headers["Cache-Control"] = "no-store"  # the page holds a room token
        return response

    return bp

