"""Worker reviews: who may review, refused input, anonymity, moderation, and risk."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from app.jobs.applications import move_application, withdraw_application
from app.jobs.models import Application
from app.reviews import services
from app.reviews.models import OrganisationReview
from app.timeutil import utcnow
from tests.fixtures.builders import PASSWORD
from vetting.models import OrganisationRisk
from vetting.risk import REVIEW_CAP, ReviewReport, organisation_risk

GOOD = {"rating_fees": "5", "rating_contract": "4", "rating_passport": "5",
        "rating_wages": "4", "rating_treatment": "5", "paid_fee": "no",
        "comment": "Fair agency, <b>paid</b> everything."}
BAD = {"rating_fees": "1", "rating_contract": "2", "rating_passport": "1",
       "rating_wages": "2", "rating_treatment": "2", "paid_fee": "yes",
       "fee_amount": "150000", "fee_currency": "npr", "comment": ""}


@pytest.fixture
def world(make):
    organisation = make.organisation("Gulf Builders")
    job = make.job(organisation)
    worker = make.user("worker", display_name="Sita Tamang")
    return organisation, job, worker


def _application(make, job, worker, status="interview"):
    return make.application(job, worker, status=status)


def _sign_in(auth, user):
    assert auth.login(user.email, PASSWORD).status_code == 302


def _risk(organisation) -> OrganisationRisk:
    return db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation.id))


# --- eligibility -------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "eligible"), [
    ("received", False), ("shortlisted", False), ("interview", True), ("offered", True),
    ("hired", True)])
def test_eligibility_follows_the_stage_reached(make, world, status, eligible):
    _, job, worker = world
    application = _application(make, job, worker, status)
    assert services.can_review(application) is eligible


@pytest.mark.parametrize("after", ["rejected", "withdrawn"])
def test_a_closed_application_that_reached_interview_stays_eligible(make, world, after):
    organisation, job, worker = world
    member = make.member(organisation)
    application = _application(make, job, worker, "shortlisted")
    move_application(member, application.id, {"status": "interview"})
    if after == "rejected":
        move_application(member, application.id, {"status": "rejected",
                                                  "reason": "Position filled"})
    else:
        withdraw_application(worker, application.id)
    assert application.status == after
    assert application.interview_reached_at is not None
    assert services.can_review(application)


def test_an_application_rejected_before_interview_cannot_be_reviewed(make, auth, world):
    organisation, job, worker = world
    application = _application(make, job, worker, "received")
    move_application(make.member(organisation), application.id,
                     {"status": "rejected", "reason": "Not enough experience"})
    _sign_in(auth, worker)
    assert auth.client.get(f"/me/applications/{application.id}/review").status_code == 404
    assert auth.post(f"/me/applications/{application.id}/review", GOOD).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(OrganisationReview.id))) == 0


def test_another_workers_application_is_not_found(make, auth, world):
    _, job, worker = world
    application = _application(make, job, worker)
    other = make.user("worker")
    _sign_in(auth, other)
    assert auth.post(f"/me/applications/{application.id}/review", GOOD).status_code == 404
    assert auth.client.get(f"/me/applications/{application.id}/review").status_code == 404


def test_a_worker_reviews_once_per_application_and_gets_thanked(make, auth, world):
    organisation, job, worker = world
    application = _application(make, job, worker)
    _sign_in(auth, worker)
    page = auth.client.get(f"/me/applications/{application.id}").get_data(as_text=True)
    assert f"/me/applications/{application.id}/review" in page

    response = auth.post(f"/me/applications/{application.id}/review", GOOD)
    assert response.status_code == 302
    thanks = auth.client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.get_data(as_text=True)
    review = db.session.scalar(sa.select(OrganisationReview))
    assert (review.organisation_id, review.rating_contract, review.paid_fee) == (
        organisation.id, 4, False)
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "review.submitted")).object_id == review.id

    again = auth.post(f"/me/applications/{application.id}/review", GOOD)
    assert again.status_code == 400
    assert "already reviewed" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OrganisationReview.id))) == 1
    page = auth.client.get(f"/me/applications/{application.id}").get_data(as_text=True)
    assert f"/me/applications/{application.id}/review" not in page
    # A second application (to another job of the same organisation) may be reviewed too.
    second = _application(make, make.job(organisation), worker, "hired")
    assert auth.post(f"/me/applications/{second.id}/review", BAD).status_code == 302


def test_the_window_closes_two_years_after_the_interview_stage(make, auth, world):
    _, job, worker = world
    application = _application(make, job, worker)
    application.interview_reached_at = utcnow() - services.REVIEW_WINDOW + dt.timedelta(days=1)
    db.session.commit()
    assert services.can_review(application)
    application.interview_reached_at = utcnow() - services.REVIEW_WINDOW - dt.timedelta(days=1)
    db.session.commit()
    _sign_in(auth, worker)
    response = auth.post(f"/me/applications/{application.id}/review", GOOD)
    assert response.status_code == 400
    assert "window has closed" in response.get_data(as_text=True)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"rating_wages": "6"}, "rating_wages", "at most 5"),
    ({"rating_fees": "0"}, "rating_fees", "at least 1"),
    ({"rating_treatment": "three"}, "rating_treatment", "whole number"),
    ({"rating_contract": ""}, "rating_contract", "required"),
    ({"paid_fee": "maybe"}, "paid_fee", "must be one of"),
    ({"fee_amount": "-5"}, "fee_amount", "greater than zero"),
    ({"fee_amount": "9000000"}, "fee_amount", "not a plausible fee"),
    ({"fee_currency": "XYZ"}, "fee_currency", "ISO 4217"),
    ({"fee_amount": ""}, "fee_amount", "required"),
    ({"comment": "x" * 2001}, "comment", "too long"),
])
def test_impossible_input_is_refused_naming_the_field(make, auth, world, change, field, words):
    _, job, worker = world
    application = _application(make, job, worker)
    _sign_in(auth, worker)
    response = auth.post(f"/me/applications/{application.id}/review", {**BAD, **change})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(rf'href="#f-{field}">{field}</a>: [^<]*{words}', page), page[:3000]
    assert db.session.scalar(sa.select(sa.func.count(OrganisationReview.id))) == 0


def test_a_fee_amount_without_having_paid_is_refused(make, world):
    _, job, worker = world
    application = _application(make, job, worker)
    with pytest.raises(services.ValidationError) as error:
        services.submit_review(worker, application.id, {**GOOD, "fee_amount": "100"})
    assert "fee_amount" in error.value.errors


# --- anonymity ---------------------------------------------------------------------------

def test_the_public_never_learns_who_reviewed(make, client, world):
    organisation, job, worker = world
    application = _application(make, job, worker)
    review = services.submit_review(worker, application.id, BAD | {
        "comment": "They kept <script>alert(1)</script> our passports."})
    day = review.created_at
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    summary = services.public_review_summary(organisation.id)
    as_json = json.dumps(summary)

    assert "A worker in Nepal → Qatar, " + day.strftime("%B %Y") in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    for text in (page, as_json):
        assert "Sita" not in text and worker.email not in text
        assert day.strftime("%Y-%m-%d") not in text and day.isoformat() not in text
        assert f"review-{review.id}" not in text and f"/applications/{application.id}" not in text
    assert set(summary) == {"count", "averages", "overall", "paid_fee_count", "paid_fee_share",
                            "median_fee_usd", "latest_month"}
    assert summary["count"] == 1 and summary["latest_month"] == day.strftime("%Y-%m")
    job_page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Workers rate it" in job_page and "Sita" not in job_page


def test_summary_numbers(make, world):
    organisation, job, worker = world
    assert services.public_review_summary(organisation.id) is None
    services.submit_review(worker, _application(make, job, worker).id, GOOD)
    other = make.user("worker")
    services.submit_review(other, _application(make, job, other).id,
                           BAD | {"fee_amount": "1000", "fee_currency": "USD"})
    summary = services.public_review_summary(organisation.id)
    assert summary["count"] == 2
    assert summary["averages"] == {"fees": 3.0, "contract": 3.0, "passport": 3.0,
                                   "wages": 3.0, "treatment": 3.5}
    assert summary["paid_fee_count"] == 1 and summary["paid_fee_share"] == 0.5
    assert summary["median_fee_usd"] == "1000.00"


# --- moderation and risk -----------------------------------------------------------------

def test_reviews_in_risk_are_weighted_and_capped():
    report = ReviewReport(paid_fee=True, passport=1, wages=2)
    one = organisation_risk("employer", "valid", {}, [], reviews=[report])
    assert [(line.code, line.points) for line in one.lines] == [("reviews", 8 + 6 + 4)]
    assert one.lines[0].params == {"count": 1, "fees": 1, "passports": 1, "wages": 1}
    many = organisation_risk("employer", "valid", {}, [], reviews=[report] * 5)
    assert many.score == REVIEW_CAP
    fine = organisation_risk("employer", "valid", {}, [],
                             reviews=[ReviewReport(False, 5, 4), ReviewReport(False, 3, 3)])
    assert fine.lines == [] and fine.score == 0


def test_moderation_hides_and_unhides_with_audit_public_view_and_risk(make, auth, client,
                                                                      world):
    organisation, job, worker = world
    review = services.submit_review(worker, _application(make, job, worker).id,
                                    BAD | {"comment": "Broker took 150000 rupees."})
    with_review = _risk(organisation)
    line = next(line for line in with_review.lines if line["code"] == "reviews")
    assert line["points"] == 18
    score_with = with_review.score
    reviewer = make.user("reviewer")
    _sign_in(auth, reviewer)
    queue = auth.client.get("/review/reviews/").get_data(as_text=True)
    assert "Broker took 150000 rupees." in queue

    refused = auth.post(f"/review/reviews/{review.id}", {"action": "hide", "reason": ""})
    assert refused.status_code == 400 and "reason" in refused.get_data(as_text=True)
    hidden = auth.post(f"/review/reviews/{review.id}",
                       {"action": "hide", "reason": "Names the broker in full."})
    assert hidden.status_code == 302
    db.session.expire_all()
    assert review.hidden and review.hidden_reason == "Names the broker in full."
    assert _risk(organisation).score == score_with - 18
    assert all(line["code"] != "reviews" for line in _risk(organisation).lines)
    assert services.public_review_summary(organisation.id) is None
    auth.logout()
    assert "Broker took" not in client.get(f"/organisations/{organisation.id}").get_data(
        as_text=True)

    _sign_in(auth, reviewer)
    assert "Broker took" in auth.client.get(
        f"/review/organisations/{organisation.id}").get_data(as_text=True)  # dossier
    assert auth.post(f"/review/reviews/{review.id}",
                     {"action": "unhide", "reason": "The name was a company's."}
                     ).status_code == 302
    db.session.expire_all()
    assert not review.hidden and _risk(organisation).score == score_with
    actions = list(db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id,
                                                AuditEntry.reason)
                                      .where(AuditEntry.object_type == "OrganisationReview")
                                      .order_by(AuditEntry.id)))
    assert actions == [("review.submitted", worker.id, ""),
                       ("review.hidden", reviewer.id, "Names the broker in full."),
                       ("review.unhidden", reviewer.id, "The name was a company's.")]


def test_keeping_a_review_takes_it_off_the_new_queue(make, world):
    _, job, worker = world
    review = services.submit_review(worker, _application(make, job, worker).id, GOOD)
    from app.reviews import moderation
    reviewer = make.user("reviewer")
    assert moderation.moderation_list(reviewer, "new") == [review]
    moderation.moderate(reviewer, review.id, {"action": "keep"})
    assert moderation.moderation_list(reviewer, "new") == []
    assert moderation.moderation_list(reviewer, "all") == [review]
    with pytest.raises(services.ValidationError):
        moderation.moderate(reviewer, review.id, {"action": "unhide", "reason": "not hidden"})


def test_interview_stage_is_kept_when_set_through_the_model(make, world):
    _, job, worker = world
    application = Application(job=job, worker=worker)
    db.session.add(application)
    db.session.commit()
    assert application.interview_reached_at is None
    application.status = "offered"
    db.session.commit()
    reached = application.interview_reached_at
    application.status = "hired"
    db.session.commit()
    assert reached is not None and application.interview_reached_at == reached
