"""Video interviews: the iCalendar invitation, the Jitsi room and its signed token, and
the settings that decide which Jitsi server a page may talk to."""
from __future__ import annotations

import datetime as dt
import re

import jwt
import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.extensions import db
from app.interviews.calendar import zone_or_utc
from app.interviews.models import Interview
from app.interviews.tokens import JitsiSettings, WrongRoom, mint_token, new_room_name, \
    verify_token
from app.timeutil import utcnow
from tests.test_interviews import (APP_ID, JWT_RE, NOT_FOUND, ROOM_RE, SECRET,  # noqa: F401
                                   as_user, cast, day, jitsi_tokens, propose, scheduled,
                                   slots_form)

# --- the iCalendar invitation ---

def test_invitation_is_valid_icalendar_with_the_interview_link(client, auth, cast):
    interview = scheduled(cast)
    as_user(auth, cast["worker"])
    response = client.get(f"/interviews/{interview.id}/invitation.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and "FairCorridor" in str(calendar["PRODID"])
    [event] = calendar.walk("VEVENT")
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL", "DESCRIPTION"):
        assert prop in event, prop
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == dt.timedelta(0) and end.utcoffset() == dt.timedelta(0)
    assert b"DTSTART:" + interview.starts_at.strftime("%Y%m%dT%H%M%S").encode() + b"Z" \
        in response.data
    assert start.replace(tzinfo=None) == interview.starts_at
    assert end.replace(tzinfo=None) == interview.ends_at
    link = f"http://localhost/interviews/{interview.id}"
    assert str(event["URL"]) == link and link in str(event["DESCRIPTION"])
    assert "Scaffolder Doha" in str(event["SUMMARY"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert interview.room not in response.get_data(as_text=True)  # the link needs a sign-in

    auth.post(f"/interviews/{interview.id}/cancel", {"cancel_reason": "Found another job."})
    [cancelled] = Calendar.from_ical(
        client.get(f"/interviews/{interview.id}/invitation.ics").data).walk("VEVENT")
    assert str(cancelled["UID"]) == str(event["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("SEQUENCE") > event.decoded("SEQUENCE")


def test_no_invitation_before_a_time_is_chosen(client, auth, cast):
    as_user(auth, cast["employer"])
    propose(auth, cast["application"].id, slots_form((day(), "10:00", "11:00")))
    interview = db.session.scalar(sa.select(Interview))
    assert client.get(f"/interviews/{interview.id}/invitation.ics").status_code == 404


# --- the room and its token ---

def room_page(client, interview_id: int) -> tuple[str, str]:
    response = client.get(f"/interviews/{interview_id}/room")
    assert response.status_code == 200
    return response.get_data(as_text=True), response.headers["Content-Security-Policy"]


def test_room_token_claims_follow_the_jitsi_specification(client, auth, cast, jitsi_tokens):
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    as_user(auth, cast["worker"])
    page, _ = room_page(client, interview.id)
    assert ROOM_RE.search(page).group(1) == interview.room
    assert 'data-domain="video.example.org"' in page
    token = JWT_RE.search(page).group(1)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")
    assert claims["iss"] == APP_ID and claims["aud"] == "jitsi"
    assert claims["sub"] == "video.example.org" and claims["room"] == interview.room
    start = interview.starts_at.replace(tzinfo=dt.UTC).timestamp()
    end = interview.ends_at.replace(tzinfo=dt.UTC).timestamp()
    assert claims["nbf"] == start - 15 * 60 and claims["exp"] == end + 30 * 60
    assert claims["context"]["user"] == {"id": str(cast["worker"].id), "name": "Sita Tamang",
                                         "moderator": False}
    assert claims["moderator"] is False
    assert "email" not in token and "sita@example.org" not in str(claims)
    assert verify_token(jitsi_tokens, token, interview.room)["room"] == interview.room
    assert f"?jwt={token}" in page  # the plain links carry it too

    as_user(auth, cast["employer"])
    employer_token = JWT_RE.search(room_page(client, interview.id)[0]).group(1)
    employer_claims = verify_token(jitsi_tokens, employer_token, interview.room)
    assert employer_claims["moderator"] is True
    assert employer_claims["context"]["user"]["moderator"] is True
    assert employer_claims["context"]["user"]["name"] == "Omar Haddad (Lusail Builders)"


def test_tokens_are_minted_per_request_and_never_stored(client, auth, cast, jitsi_tokens):
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    as_user(auth, cast["worker"])
    response = client.get(f"/interviews/{interview.id}/room")
    token = JWT_RE.search(response.get_data(as_text=True)).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                assert token not in str(tuple(row)), table.name


def test_the_verifier_refuses_another_room_and_tokens_outside_their_time(jitsi_tokens):
    now = utcnow()
    current = dict(room="aaaa", user_id="7", name="Sita", moderator=False,
                   starts_at=now + dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=1))
    token = mint_token(jitsi_tokens, **current)
    assert verify_token(jitsi_tokens, token, "aaaa")["context"]["user"]["id"] == "7"
    with pytest.raises(WrongRoom):
        verify_token(jitsi_tokens, token, "bbbb")
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(JitsiSettings(domain="video.example.org", app_id=APP_ID,
                                   app_secret=SECRET[::-1]), token, "aaaa")
    with pytest.raises(jwt.InvalidIssuerError):
        verify_token(JitsiSettings(domain="video.example.org", app_id="someone-else",
                                   app_secret=SECRET), token, "aaaa")

    expired = mint_token(jitsi_tokens, **{**current, "starts_at": now - dt.timedelta(hours=3),
                                          "ends_at": now - dt.timedelta(hours=2)})
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, SECRET, algorithms=["HS256"], audience="jitsi")
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_token(jitsi_tokens, expired, "aaaa")

    early = mint_token(jitsi_tokens, **{**current, "starts_at": now + dt.timedelta(days=1),
                                        "ends_at": now + dt.timedelta(days=1, hours=1)})
    with pytest.raises(jwt.ImmatureSignatureError):
        jwt.decode(early, SECRET, algorithms=["HS256"], audience="jitsi")
    with pytest.raises(jwt.ImmatureSignatureError):
        verify_token(jitsi_tokens, early, "aaaa")


def test_without_a_secret_the_public_jitsi_is_used_with_no_token(client, auth, cast, app,
                                                                   monkeypatch):
    for key, value in {"JITSI_DOMAIN": "meet.jit.si", "JITSI_APP_ID": None,
                       "JITSI_APP_SECRET": None}.items():
        monkeypatch.setitem(app.config, key, value)
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    as_user(auth, cast["worker"])
    page, _ = room_page(client, interview.id)
    assert 'data-jwt=""' in page and 'data-domain="meet.jit.si"' in page
    assert '<script src="https://meet.jit.si/external_api.js" defer></script>' in page
    assert f'href="https://meet.jit.si/{interview.room}"' in page
    assert f'href="org.jitsi.meet://meet.jit.si/{interview.room}"' in page
    assert 'data-display-name="Sita Tamang"' in page


def test_room_is_closed_outside_its_window_and_does_not_show_its_name(client, auth, cast,
                                                                       jitsi_tokens):
    interview = scheduled(cast, starts_in=dt.timedelta(hours=2))
    as_user(auth, cast["worker"])
    page, _ = room_page(client, interview.id)
    assert "not open yet" in page
    assert interview.room not in page and "data-jwt" not in page and "external_api.js" not in page


def test_room_page_policy_admits_only_the_configured_jitsi(client, auth, cast, app, monkeypatch):
    monkeypatch.setitem(app.config, "JITSI_DOMAIN", "jitsi.example.net:8443")
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=1))
    as_user(auth, cast["employer"])
    page, policy = room_page(client, interview.id)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self' https://jitsi.example.net:8443"
    assert directives["frame-src"] == "https://jitsi.example.net:8443"
    assert directives["connect-src"] == ("https://jitsi.example.net:8443 "
                                         "wss://jitsi.example.net:8443")
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script to allow
    assert '<script src="https://jitsi.example.net:8443/external_api.js"' in page
    detail = client.get(f"/interviews/{interview.id}")
    assert "jitsi" not in detail.headers["Content-Security-Policy"]


def test_room_names_are_unguessable_and_distinct():
    names = {new_room_name() for _ in range(200)}
    assert len(names) == 200
    assert all(re.fullmatch(r"[0-9a-f]{40}", name) for name in names)  # 160 bits


def test_settings_refuse_a_malformed_domain_or_scheme():
    for domain in ("meet.jit.si/evil", "a b", "x'; script-src *", ""):
        with pytest.raises(ValueError):
            JitsiSettings(domain=domain)
    with pytest.raises(ValueError):
        JitsiSettings(scheme="javascript")
    assert JitsiSettings(domain="127.0.0.1:8000", scheme="http").script_url == \
        "http://127.0.0.1:8000/external_api.js"
    assert zone_or_utc("Not/AZone").key == "UTC"
