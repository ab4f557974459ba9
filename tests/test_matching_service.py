"""Search in a worker's own words, jobs for me, and candidates, through the real pages
and the real embedding model; protected attributes never change a ranking."""
from __future__ import annotations

import re

from app.extensions import db
from tests.fixtures.builders import PASSWORD
from tests.fixtures.search import ELECTRICIAN, result_titles, three_jobs

BAD_QUERIES = ["", "%20%20%20", "%09%0A%0D", "%00%00", "%1F%7F%20"]


def test_bad_queries_get_a_clear_message(client, make):
    three_jobs(make)
    for query in BAD_QUERIES:
        response = client.get(f"/search?q={query}")
        assert response.status_code == 400 and "Type a few words" in response.get_data(
            as_text=True), query
    long = client.get("/search?q=" + "electrician+" * 200)
    assert long.status_code == 200 and "shortened" in long.get_data(as_text=True)
    assert result_titles(long.get_data(as_text=True))[0] == ELECTRICIAN[0]
    assert client.get("/search?q=welder&corridor=ZZ-ZZ").status_code == 400
    # Bytes that are not UTF-8 are searched as replacement characters, never a 500.
    assert client.get("/search?q=%FF%FE%80electrician").status_code == 200


def test_bad_api_queries_get_a_clear_message(client, make):
    three_jobs(make)
    for query in BAD_QUERIES:
        response = client.get(f"/api/v1/search?q={query}")
        assert response.status_code == 400, query
        assert "q" in response.get_json()["errors"], response.get_json()
    assert client.get("/api/v1/search").status_code == 400  # no query at all
    long = client.get("/api/v1/search?q=" + "electrician+" * 200).get_json()
    assert "shortened" in long["notice"] and len(long["query"]) <= 500
    assert long["items"][0]["title"] == ELECTRICIAN[0]
    weird = client.get("/api/v1/search?q=%FF%FE%80electrician&q=second")
    # Never a 500; what the mangled words find, if anything, is the electrician's job.
    assert weird.status_code == 200
    assert [i["title"] for i in weird.get_json()["items"]] in ([], [ELECTRICIAN[0]])


def _worker_with_profile(make, auth, **profile):
    worker = make.user("worker")
    auth.login(worker.email, PASSWORD)
    data = {"headline": "Electrician", "skills": "wiring, conduit installation, distribution boards",
            "experience_years": "5", "languages": ["ne", "en"], "corridors": ["NP-QA"],
            "discoverable": "y"}
    data.update(profile)
    assert auth.post("/profile", data).status_code == 302
    return worker


def test_jobs_for_me_explains_each_match(client, auth, make):
    three_jobs(make)
    _worker_with_profile(make, auth)
    page = client.get("/me/matches").get_data(as_text=True)
    assert result_titles(page)[0] == ELECTRICIAN[0]
    assert "Why this match" in page and "wiring" in page and "language" in page
    # Each check in words: the corridor by its countries, languages by name, no codes.
    assert "The job is in Nepal → Qatar" in page and "The contract is in Nepali" in page
    words = re.sub(r"<[^>]+>", " ", page.split("Why this match", 1)[1])
    assert "NP-QA" not in words and "under_review" not in words


def test_contract_language_is_a_hard_constraint(client, auth, make):
    three_jobs(make)
    _worker_with_profile(make, auth, languages="es")
    assert result_titles(client.get("/me/matches").get_data(as_text=True)) == []


def test_candidates_are_only_consenting_workers(client, auth, make):
    jobs = three_jobs(make)
    _worker_with_profile(make, auth, headline="Consenting electrician")
    auth.logout()
    _worker_with_profile(make, auth, headline="Private electrician", discoverable="")
    auth.logout()
    member = make.member(jobs[ELECTRICIAN[0]].organisation)
    auth.login(member.email, PASSWORD)
    page = client.get(f"/org/jobs/{jobs[ELECTRICIAN[0]].id}/candidates").get_data(as_text=True)
    assert "Consenting electrician" in page and "Private electrician" not in page
    outsider = make.member()
    auth.logout()
    auth.login(outsider.email, PASSWORD)
    assert client.get(f"/org/jobs/{jobs[ELECTRICIAN[0]].id}/candidates").status_code == 404


def test_protected_attributes_never_change_a_ranking(client, auth, make):
    """Two workers identical in their work, different in name, gender, age, religion,
    ethnicity and nationality, get identical rankings and the same place as candidates."""
    from app.accounts.models import User
    jobs = three_jobs(make)
    people = [dict(display_name="Ram Bahadur Thapa"), dict(display_name="Fatima Begum")]
    rankings, workers = [], []
    for person in people:
        worker = _worker_with_profile(make, auth, headline="Electrician")
        user = db.session.get(User, worker.id)
        user.display_name = person["display_name"]
        # Attributes a careless system might read: they exist only on this object.
        for name, value in (("gender", "female"), ("religion", "Muslim"), ("age", 52),
                            ("ethnicity", "Madhesi"), ("nationality", "BD"),
                            ("photo", b"\x89PNG")):
            setattr(user.profile, name, value)
        db.session.commit()
        rankings.append(result_titles(client.get("/me/matches").get_data(as_text=True)))
        workers.append(user)
        auth.logout()
    assert rankings[0] == rankings[1] and rankings[0]
    member = make.member(jobs[ELECTRICIAN[0]].organisation)
    auth.login(member.email, PASSWORD)
    page = client.get(f"/org/jobs/{jobs[ELECTRICIAN[0]].id}/candidates").get_data(as_text=True)
    scores = re.findall(r"Similarity of the work: (\d+)%", page)
    assert len(scores) == 2 and scores[0] == scores[1]
    assert "Ram Bahadur" not in page and "Fatima" not in page
