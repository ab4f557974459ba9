"""Every route in the URL map × every role gets the access the policy table says.

The table is written by hand from the product's rules, never read from the decorators,
so a missing or wrong guard fails here, and a new route fails until it is classified.
"""
from __future__ import annotations

import datetime as dt
import time
import zlib
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts import enrolment, second_factor
from app.accounts.second_factor import MAX_FAILURES
from app.aggregation.models import JobSource, OrganisationClaim, PostingProvenance
from app.extensions import db
from app.interviews.models import SCHEDULED, Interview
from app.interviews.services import new_room_name
from app.register import keys as register_keys
from app.reviews.services import submit_review
from app.timeutil import utcnow
from grievance import keyring
from grievance.services import Upload, file_complaint, new_form_token
from tests.fixtures.media import png_with_text
from tests.conftest import CSRF_RE
from tests.fixtures.builders import PASSWORD, job_input

ROLES = ("anonymous", "worker", "employer", "agency", "reviewer", "admin",
         "other_worker", "other_employer", "pending_reviewer")

# Who is who (see `_actor`): "worker" W has applied to job J of employer A, and
# "employer" is a member of A. "agency" is a member of agency B, "other_employer" of
# employer C, "other_worker" a worker with no application: for A's and W's objects they
# are the other organisation / the other worker, so their columns are filled only where
# a route shows one owner's object. "pending_reviewer" gave the password but not yet
# the second-factor code: until then the session must be worth no more than anonymous.
#
# Cells: ok = may use it (GET answers 200; a POST answers anything but a denial);
# login = 302 to /login; 302 = a redirect elsewhere (a reviewer must first unlock the
# reports to download a file); 401, 403, 404 = that status; . = case not generated.
# A GET+POST route is checked with GET; api.create_job is called with the role's own
# API token (anonymous and pending_reviewer send none).
POLICY = """
# endpoint                     method anon  worker empl  agency review admin o_wrk o_emp pending
jobs.home                      GET    ok    ok     ok    ok     ok     ok    .     .     ok
jobs.favicon                   GET    ok    ok     ok    ok     ok     ok    .     .     ok
jobs.corridor                  GET    ok    ok     ok    ok     ok     ok    .     .     ok
jobs.detail                    GET    ok    ok     ok    ok     ok     ok    .     .     ok
jobs.apply                     POST   login ok     403   403    403    403   .     .     login
jobs.my_applications           GET    login ok     403   403    403    403   .     .     login
jobs.my_application            GET    login ok     403   403    403    403   404   .     login
jobs.withdraw                  POST   login ok     403   403    403    403   404   .     login
accounts.login                 GET    ok    ok     ok    ok     ok     ok    .     .     ok
accounts.second_factor_step    GET    login login  login login  login  login .     .     ok
accounts.logout                POST   login ok     ok    ok     ok     ok    .     .     login
accounts.register              GET    ok    ok     ok    ok     ok     ok    .     .     ok
accounts.register_organisation GET    ok    ok     ok    ok     ok     ok    .     .     ok
accounts.profile               GET    login ok     403   403    403    403   .     .     login
accounts.api_token             GET    login 403    ok    ok     403    403   .     .     login
accounts.enrol                 GET    ok    ok     ok    ok     ok     ok    .     .     ok
organisations.profile          GET    ok    ok     ok    ok     ok     ok    .     .     ok
organisations.dashboard        GET    login 403    ok    ok     403    403   .     .     login
organisations.edit             GET    login 403    ok    ok     403    403   .     .     login
organisations.new_job          GET    login 403    ok    ok     403    403   .     .     login
organisations.edit_job         GET    login 403    ok    404    403    403   .     404   login
organisations.close_job        POST   login 403    ok    404    403    403   .     404   login
organisations.applicants       GET    login 403    ok    404    403    403   .     404   login
organisations.application      GET    login 403    ok    404    403    403   .     404   login
admin.index                    GET    login 403    403   403    403    ok    .     .     login
admin.new_corridor             GET    login 403    403   403    403    ok    .     .     login
admin.edit_corridor            GET    login 403    403   403    403    ok    .     .     login
admin.users                    GET    login 403    403   403    403    ok    .     .     login
admin.user                     GET    login 403    403   403    403    ok    .     .     login
admin.second_factor_link       POST   login 403    403   403    403    ok    .     .     login
admin.audit_log                GET    login 403    403   403    ok     ok    .     .     login
api.openapi                    GET    ok    ok     ok    ok     ok     ok    .     .     ok
api.corridors                  GET    ok    ok     ok    ok     ok     ok    .     .     ok
api.list_jobs                  GET    ok    ok     ok    ok     ok     ok    .     .     ok
api.get_job                    GET    ok    ok     ok    ok     ok     ok    .     .     ok
api.create_job                 POST   401   403    ok    ok     403    403   .     .     401
interviews.propose             GET    login 403    ok    404    403    403   .     404   login
interviews.reschedule          GET    login 403    ok    404    403    403   .     404   login
interviews.detail              GET    login ok     ok    404    404    404   404   404   login
interviews.room                GET    login ok     ok    404    404    404   404   404   login
interviews.invitation          GET    login ok     ok    404    404    404   404   404   login
interviews.choose              POST   login ok     403   404    404    404   404   404   login
interviews.other_times         POST   login ok     403   404    404    404   404   404   login
interviews.cancel              POST   login ok     ok    404    404    404   404   404   login
interviews.outcome             POST   login 403    ok    404    403    403   .     404   login
matching.search                GET    ok    ok     ok    ok     ok     ok    .     .     ok
matching.jobs_for_me           GET    login ok     403   403    403    403   .     .     login
matching.candidates            GET    login 403    ok    404    403    403   .     404   login
api.search                     GET    ok    ok     ok    ok     ok     ok    .     .     ok
grievance.report               GET    ok    ok     ok    ok     ok     ok    .     .     ok
grievance.follow_up            GET    ok    ok     ok    ok     ok     ok    .     .     ok
grievance.reporter_message     POST   ok    ok     ok    ok     ok     ok    .     .     ok
grievance.my_complaints        GET    login ok     403   403    403    403   .     .     login
grievance.new_complaint        GET    login ok     403   403    403    403   .     .     login
grievance.my_complaint         GET    login ok     403   403    403    403   404   .     login
grievance.complaint_message    POST   login ok     403   403    403    403   404   .     login
grievance.inbox                GET    login 403    403   403    ok     403   .     .     login
grievance.unlock               GET    login 403    403   403    ok     403   .     .     login
grievance.lock                 POST   login 403    403   403    ok     403   .     .     login
grievance.case                 GET    login 403    403   403    ok     403   .     .     login
grievance.case_action          POST   login 403    403   403    ok     403   .     .     login
grievance.attachment           GET    login 403    403   403    302    403   .     .     login
aggregation.index              GET    login 403    403   403    403    ok    .     .     login
aggregation.source             GET    login 403    403   403    403    ok    .     .     login
aggregation.new_source         GET    login 403    403   403    403    ok    .     .     login
aggregation.edit_source        GET    login 403    403   403    403    ok    .     .     login
aggregation.run_source         POST   login 403    403   403    403    ok    .     .     login
aggregation.run_corridor       POST   login 403    403   403    403    ok    .     .     login
claims.new                     GET    login 403    ok    ok     403    403   .     .     login
claims.mine                    GET    login 403    ok    ok     403    403   .     .     login
claims.queue                   GET    login 403    403   403    ok     ok    .     .     login
claims.decide                  GET    login 403    403   403    ok     ok    .     .     login
vetting.queue                  GET    login 403    403   403    ok     403   .     .     login
vetting.dossier                GET    login 403    403   403    ok     403   .     .     login
reviews.new                    GET    login ok     403   403    403    403   404   .     login
reviews.thanks                 GET    login ok     403   403    403    403   404   .     login
reviews.queue                  GET    login 403    403   403    ok     403   .     .     login
reviews.moderate               POST   login 403    403   403    ok     403   .     .     login
console.index                  GET    login 403    403   403    ok     ok    .     .     login
console.chart                  GET    login 403    403   403    ok     ok    .     .     login
console.export                 GET    login 403    403   403    ok     ok    .     .     login
register.index                 GET    ok    ok     ok    ok     ok     ok    .     .     ok
register.entry                 GET    ok    ok     ok    ok     ok     ok    .     .     ok
register.badge                 GET    ok    ok     ok    ok     ok     ok    .     .     ok
register.licence_check         GET    ok    ok     ok    ok     ok     ok    .     .     ok
register.document              GET    ok    ok     ok    ok     ok     ok    .     .     ok
register.public_key            GET    ok    ok     ok    ok     ok     ok    .     .     ok
register.verify                GET    ok    ok     ok    ok     ok     ok    .     .     ok
listen.audio                   GET    ok    ok     ok    ok     ok     ok    .     .     ok
"""
# A query string some routes need to answer at all (a search needs words).
QUERIES = {"matching.search": "?q=electrician", "api.search": "?q=electrician",
           "register.licence_check": "?licence_number=DoFE-1187/068-69"}
# Routes that are no one's business to classify: files served from app/static.
UNCLASSIFIED = {"static"}
# (endpoint, role) -> why the app gets it wrong today; each is an xfail(strict=True).
KNOWN_BUGS: dict[tuple[str, str], str] = {}
DENIALS = {401, 403, 404}


def _read_policy(text: str) -> dict[str, tuple[str, dict[str, str]]]:
    policy = {}
    for line in text.strip().splitlines():
        if line.startswith("#"):
            continue
        endpoint, method, *cells = line.split()
        assert len(cells) == len(ROLES), f"{endpoint}: {len(cells)} cells for {len(ROLES)} roles"
        assert endpoint not in policy, f"{endpoint} is in the table twice"
        policy[endpoint] = (method, dict(zip(ROLES, cells)))
    return policy


EXPECTED = _read_policy(POLICY)


def _cases() -> list:
    cases = []
    for endpoint, (_, cells) in EXPECTED.items():
        for role, expected in cells.items():
            if expected == ".":
                continue
            bug = KNOWN_BUGS.get((endpoint, role))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            cases.append(pytest.param(endpoint, role, id=f"{endpoint}-{role}", marks=marks))
    return cases


def _objects(make) -> dict:
    """Employer A's job J and worker W's application to it: the objects URLs point at."""
    employer_a = make.organisation("Acme Contracting", tier="vetted")  # may have a badge
    job = make.job(employer_a)
    application = make.application(job, make.user("worker"), status="interview")
    starts_at = (utcnow() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    interview = Interview(application=application, room=new_room_name(), timezone="Asia/Qatar",
                          status=SCHEDULED, starts_at=starts_at,
                          ends_at=starts_at + dt.timedelta(hours=1))
    db.session.add(interview)
    db.session.commit()
    source = JobSource(name="Gulf board", corridor=job.corridor, kind="rss",
                       location="https://jobs.example/feed.rss")
    db.session.add(source)
    listed = make.organisation("Listed Contracting W.L.L.")  # from a source, unregistered
    listed_job = make.job(listed)
    db.session.add(PostingProvenance(job=listed_job, source=source, item_key="k1",
                                     raw_hash="0" * 64, text_hash="0" * 64, signature=b"",
                                     raw_compressed=zlib.compress(b"{}"), primary=True))
    db.session.add(OrganisationClaim(listed=listed, claimant=employer_a,
                                     licence_number="CR-1", note="Ours."))
    db.session.commit()
    keyring.create_keys("the reviewers' passphrase")
    # A set-up link an admin made for a new reviewer: its page is open to whoever has it.
    enrolment_token = enrolment.issue_link(make.user("admin"), make.user("reviewer").id)
    register_keys.ensure_key()
    case = file_complaint(application.worker, {
        "application": str(application.id), "category": "passport",
        "description": "The supervisor keeps our passports in his office."},
        [Upload("photo.png", png_with_text())], new_form_token())
    # W also worked for A through another posting, and reviewed A for it.
    hired = make.application(make.job(employer_a), application.worker, status="hired")
    review = submit_review(application.worker, hired.id, {
        "rating_fees": "5", "rating_contract": "4", "rating_passport": "5", "rating_wages": "4",
        "rating_treatment": "4", "paid_fee": "no"})
    # The review recomputed A's risk, and a made-up licence is not in the register: A stays
    # vetted here as if a reviewer had cleared it, so that its badge can be fetched.
    employer_a.tier = "vetted"
    db.session.commit()
    return {"organisation": employer_a, "job": job, "application": application,
            "interview": interview, "case": case, "source": source, "review": review,
            "listed": listed, "claim": db.session.scalar(sa.select(OrganisationClaim)),
            "enrolment_token": enrolment_token}


def _actor(make, role: str, objects: dict):
    """The one user who plays `role` (None for anonymous), made only when needed."""
    build = {
        "anonymous": lambda: None,
        "worker": lambda: objects["application"].worker,
        "employer": lambda: make.member(objects["organisation"]),
        "agency": lambda: make.member(make.organisation("Bridge Recruitment", kind="agency")),
        "reviewer": lambda: make.user("reviewer"),
        "pending_reviewer": lambda: make.user("reviewer"),
        "admin": lambda: make.user("admin"),
        "other_worker": lambda: make.user("worker"),
        "other_employer": lambda: make.member(make.organisation("Crane Services")),
    }
    return build[role]()


def _url_values(objects: dict, endpoint: str = "") -> dict:
    """URL values; claims.new points at the listed organisation, other routes at A."""
    job, application = objects["job"], objects["application"]
    return {"job_id": job.id, "application_id": application.id, "code": job.corridor.code,
            "corridor_id": job.corridor_id, "user_id": application.worker_id,
            "interview_id": objects["interview"].id,
            "case_id": objects["case"].id, "action": "reply",
            "attachment_id": objects["case"].attachments[0].id,
            "source_id": objects["source"].id, "review_id": objects["review"].id,
            "token": objects["enrolment_token"],
            "name": "fees", "claim_id": objects["claim"].id, "language": "ne",
            "organisation_id": (objects["listed"].id if endpoint == "claims.new"
                                else job.organisation_id)}


def _sign_in(client, auth, role: str, user) -> None:
    if user is None:
        return
    if role == "pending_reviewer":  # the password step alone, as test_second_factor does
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": auth.csrf_token()})
        assert response.headers["Location"] == "/login/code", "no second-factor step"
        return
    assert auth.login(user.email, PASSWORD).status_code == 302, "sign-in failed"


def _rule(app, endpoint: str):
    return next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def _api_headers(role: str, user) -> dict[str, str]:
    """The role's own API token; set directly so roles that may not have one can try."""
    if user is None or role == "pending_reviewer":
        return {}
    token = f"fc_test_token_for_{user.id}"
    user.set_api_token(token)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _request(client, auth, endpoint: str, method: str, path: str, role: str, user):
    if endpoint == "api.create_job":
        return client.post(path, json=job_input(), headers=_api_headers(role, user))
    if method == "POST":
        return auth.post(path)
    return client.get(path)


def _assert_outcome(response, method: str, expected: str) -> None:
    code = response.status_code
    to_login = code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    if expected == "ok" and method == "GET":
        assert code == 200, f"allowed GET answered {code}"
    elif expected == "ok":
        assert code not in DENIALS and not to_login, f"allowed POST was denied ({code})"
    elif expected == "login":
        assert to_login, f"expected a redirect to /login, got {code}"
    else:
        assert code == int(expected), f"expected {expected}, got {code}"


def test_every_route_is_in_the_policy_table(app):
    """A new route must be classified here before its test can pass."""
    in_map = {rule.endpoint for rule in app.url_map.iter_rules()} - UNCLASSIFIED
    assert sorted(in_map - EXPECTED.keys()) == [], "routes missing from POLICY"
    assert sorted(EXPECTED.keys() - in_map) == [], "POLICY names routes that do not exist"


@pytest.mark.parametrize(("endpoint", "role"), _cases())
def test_role_gets_the_expected_access(app, client, auth, make, endpoint, role):
    method, cells = EXPECTED[endpoint]
    rule = _rule(app, endpoint)
    assert method in rule.methods, f"{endpoint} does not answer {method}"
    objects = _objects(make)
    values = _url_values(objects, endpoint)
    path = app.url_map.bind("localhost").build(
        endpoint, {name: values[name] for name in rule.arguments}) + QUERIES.get(endpoint, "")
    user = _actor(make, role, objects)
    _sign_in(client, auth, role, user)

    response = _request(client, auth, endpoint, method, path, role, user)

    assert response.status_code < 500, f"{method} {path} as {role} crashed"
    _assert_outcome(response, method, cells[role])


def test_wrong_codes_count_even_if_the_old_session_cookie_is_resent(client, auth, make):
    """Five wrong codes end a reviewer's sign-in attempt, however the client replays cookies."""
    reviewer = make.user("reviewer")
    _sign_in(client, auth, "pending_reviewer", reviewer)
    page = client.get("/login/code").get_data(as_text=True)
    totp = pyotp.TOTP(second_factor.secret_of(reviewer))
    valid = {totp.at(time.time() + drift) for drift in (-30, 0, 30)}
    wrong = next(code for code in ("000000", "111111") if code not in valid)
    cookie = client.get_cookie("session").value
    for _ in range(MAX_FAILURES):
        client.set_cookie("session", cookie)
        response = client.post("/login/code",
                                data={"code": wrong, "csrf_token": CSRF_RE.search(page).group(1)})
    assert response.headers.get("Location") == "/login"
