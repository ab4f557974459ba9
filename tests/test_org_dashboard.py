"""The organisation's dashboard: each job with its corridor in words and how many
applicants are new (nobody has acted on them yet) out of all."""
from __future__ import annotations

from tests.fixtures.builders import PASSWORD


def test_each_job_says_how_many_applicants_are_new_of_all(client, auth, make):
    organisation = make.organisation("Lusail Builders")
    busy = make.job(organisation, title="Scaffolder Doha")
    for status in ("received", "received", "received", "shortlisted", "rejected"):
        make.application(busy, status=status)
    one = make.job(organisation, title="Crane operator")
    make.application(one)
    make.job(organisation, title="Painter")
    elsewhere = make.job(make.organisation("Crane Services"), title="Rigger")
    make.application(elsewhere)
    assert auth.login(make.member(organisation).email, PASSWORD).status_code == 302

    page = client.get("/org").get_data(as_text=True)
    assert f'href="/org/jobs/{busy.id}/applicants">3 new applicants of 5</a>' in page
    assert f'href="/org/jobs/{one.id}/applicants">1 new applicant of 1</a>' in page
    assert "<p>No applicants yet</p>" in page  # the painter
    assert "Rigger" not in page
    assert "Nepal → Qatar" in page and "NP-QA" not in page


def test_applicants_others_have_acted_on_are_no_longer_new(client, auth, make):
    organisation = make.organisation()
    job = make.job(organisation)
    application = make.application(job)
    auth.login(make.member(organisation).email, PASSWORD)
    assert "1 new applicant of 1" in client.get("/org").get_data(as_text=True)
    auth.post(f"/org/applications/{application.id}", {"status": "shortlisted"})
    assert "0 new applicants of 1" in client.get("/org").get_data(as_text=True)
