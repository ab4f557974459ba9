"""Search in a worker's own language and spelling, through the real pages, the real
embedding model and the real indexes: the job the worker names comes first."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.search import result_titles

# Postings like those of one Nepal-Qatar agency: a search for a driver in Nepali used to
# rank the scaffolder, the handyman and the guard above the one driver job.
JOBS = [
    ("Construction Scaffolder", "construction scaffolder",
     "Erect and dismantle tube and fitting scaffolds on high-rise sites in Lusail."),
    ("Multi-skilled Technician (Handyman)", "handyman",
     "Small repairs, fixtures and general upkeep in staff accommodation in Doha."),
    ("Security Guard (Residential Compound)", "security guard",
     "Gate control, patrols and visitor logs at a residential compound, 12-hour shifts."),
    ("Heavy Vehicle Driver (Tipper/Trailer)", "cargo vehicle driver",
     "Drive tippers and low-bed trailers between Mesaieed and project sites; daily checks."),
    ("Block Mason", "bricklayer",
     "Lay concrete blocks and bricks for villas and boundary walls to line and level."),
    ("Cook – Staff Camp Kitchen", "cook",
     "Prepare breakfast, lunch and dinner for 400 workers: rice, dal, curries, roti."),
    ("Building Cleaner", "building cleaner",
     "Clean offices, corridors, washrooms and glass in a commercial tower."),
    ("Pipe Welder (TIG/ARC)", "pipe welder",
     "Weld carbon-steel process piping to 6G standard on a refinery shutdown."),
]
DRIVER, GUARD, MASON, COOK, CLEANER, WELDER = (JOBS[i][0] for i in (3, 2, 4, 5, 6, 7))


@pytest.fixture
def agency_jobs(make):
    organisation = make.organisation("Himalayan Manpower Services")
    for title, occupation, description in JOBS:
        make.job(organisation, title=title, occupation=occupation, description=description)


@pytest.mark.parametrize("query, first", [
    ("ड्राइभर", DRIVER), ("draibhar", DRIVER), ("गाडी चलाउन सक्छु", DRIVER),  # ne
    ("ड्राइवर", DRIVER), ("draivar", DRIVER), ("राजमिस्त्री", MASON),  # hi
    ("ড্রাইভার", DRIVER), ("রাঁধুনি", COOK),  # bn
    ("tsuper", DRIVER), ("drayber", DRIVER), ("tagalinis", CLEANER),  # tl
    ("chófer", DRIVER), ("conductor", DRIVER), ("soldador", WELDER),  # es
    ("سائق", DRIVER), ("حارس أمن", GUARD),  # ar
])
def test_a_search_in_the_workers_words_puts_that_job_first(client, agency_jobs, query,
                                                           first):
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 200
    assert result_titles(page.get_data(as_text=True))[0] == first


def test_the_worker_sees_their_own_words_not_the_added_english(client, agency_jobs):
    answer = client.get("/api/v1/search", query_string={"q": "ड्राइभर"}).get_json()
    assert answer["query"] == "ड्राइभर" and answer["notice"] is None
    assert answer["items"][0]["title"] == DRIVER
    page = client.get("/search", query_string={"q": "draibhar"}).get_data(as_text=True)
    assert 'value="draibhar"' in page and "Car, taxi and van drivers" not in page


def test_english_searches_are_searched_as_typed(client, agency_jobs):
    answer = client.get("/api/v1/search", query_string={"q": "welder"}).get_json()
    assert answer["query"] == "welder" and answer["items"][0]["title"] == WELDER


def test_expansion_can_be_switched_off(app, client, agency_jobs):
    app.config["SEARCH_EXPAND_QUERY"] = False
    try:
        answer = client.get("/api/v1/search", query_string={"q": "ड्राइभर"}).get_json()
    finally:
        app.config["SEARCH_EXPAND_QUERY"] = True
    # Searched as typed: the English index alone cannot read the Nepali word.
    assert answer["query"] == "ड्राइभर"
    assert [item["title"] for item in answer["items"]][:1] != [DRIVER]


def test_occupations_are_named_in_the_readers_language(client, agency_jobs):
    nepali = client.get("/corridors/NP-QA?lang=ne").get_data(as_text=True)
    assert ">ट्रक चालक (cargo vehicle driver)</option>" in nepali
    assert ">सुरक्षा गार्ड (security guard)</option>" in nepali
    english = client.get("/corridors/NP-QA?lang=en").get_data(as_text=True)
    assert ">cargo vehicle driver</option>" in english and "ट्रक चालक" not in english
    job = client.get("/search", query_string={"q": "سائق", "lang": "ar"}).get_data(as_text=True)
    link = re.search(r'<a href="(/jobs/\d+)"><strong>' + re.escape(DRIVER), job).group(1)
    detail = client.get(link).get_data(as_text=True)
    assert "سائق شاحنة (cargo vehicle driver)" in detail
