"""A worker who cannot read well listens to a job offer: real espeak-ng and ffmpeg make the
audio of the summary the job page shows, in the page's language, once per content."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask_babel import force_locale, gettext

from app.aggregation.models import JobSource, PostingProvenance
from app.aggregation.normalise import CorridorContext, normalise_posting
from app.extensions import db
from app.jobs.services import update_job
from app.listen import speech
from app.listen.services import audio_directory
from app.timeutil import today
from tests.fixtures.builders import employer_pays_all, job_input
from vetting import services as vetting

OPUS = "audio/ogg; codecs=opus"
# The recruiter's form says the employer pays every cost; the ad's words charge the visa.
VISA_SCAM = ("Cleaners for offices in Doha. Salary QAR 1,200 per month, 48 hours a week. "
             "Visa charges NPR 60,000 only, paid before departure. Licence DoFE-1187/068-69.")


def assessed_job(make, organisation, description: str, **fields):
    """A posting with its vetting assessment stored, as publishing leaves it."""
    job = make.job(organisation, description=description, **fields)
    vetting.store_assessment(job, vetting.assess(job))
    db.session.commit()
    return job


def page_of(client, job, language: str) -> str:
    return client.get(f"/jobs/{job.id}?lang={language}").get_data(as_text=True)


def summary_of(page: str) -> str:
    """The summary as the reader reads it under the player (or in its place)."""
    found = re.search(r'<div class="spoken">(.*?)</div>', page, re.S)
    assert found, "the page shows no summary text"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()))


def audio_url(page: str) -> str:
    found = re.search(r'<audio controls preload="none">\s*<source src="([^"]+)" '
                      r'type="audio/ogg; codecs=opus">', page)
    assert found, "the page has no audio player"
    return found.group(1)


def stored_file(response):
    """The cached file behind an audio response (its name is the content key, the ETag)."""
    return speech.audio_path(audio_directory(), response.headers["ETag"].strip('"'))


def test_the_nepali_summary_is_small_valid_opus_that_plays_for_its_length(client, make,
                                                                          tmp_path):
    job = make.job(make.organisation("Himalayan Manpower", tier="vetted"))
    page = page_of(client, job, "ne")
    assert "कतारी रियल" in summary_of(page)  # the currency in words, not "QAR"
    assert "१८००" in summary_of(page)  # digits the Nepali voice reads in Nepali

    response = client.get(audio_url(page))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == OPUS
    audio = response.data
    assert audio[:4] == b"OggS" and b"OpusHead" in audio[:200]
    saved = tmp_path / "summary.ogg"
    saved.write_bytes(audio)
    seconds = speech.duration(saved)
    assert 10 < seconds < 240, f"{seconds:.1f} s of audio for a job summary"
    kb_per_minute = len(audio) / 1000 / (seconds / 60)
    assert kb_per_minute < 100, f"{kb_per_minute:.0f} KB a minute"


def test_an_unchanged_job_is_never_synthesised_again_and_a_new_wage_is(client, make, app,
                                                                      monkeypatch):
    employer = make.member(make.organisation("Lusail Builders", tier="vetted"))
    job = make.job(employer.organisation, title="Steel fixer")
    url = f"/jobs/{job.id}/listen/en.ogg"
    first = client.get(url)
    made = stored_file(first).stat()

    # Without espeak-ng the same summary still plays: it comes from the cache.
    monkeypatch.setitem(app.config, "LISTEN_ESPEAK", "espeak-ng-is-not-installed")
    again = client.get(url)
    assert again.status_code == 200 and again.data == first.data
    assert stored_file(again).stat().st_mtime_ns == made.st_mtime_ns
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    update_job(employer, job.id, job_input(title="Steel fixer", wage_amount="2100"))
    missing = client.get(url)  # a new wage needs new audio, and the tool is missing
    assert missing.status_code == 503
    assert "The spoken summary cannot be made right now" in missing.get_data(as_text=True)

    monkeypatch.setitem(app.config, "LISTEN_ESPEAK", "espeak-ng")
    changed = client.get(url)
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.data != first.data
    said = summary_of(page_of(client, job, "en"))
    assert "Wage: 2100 Qatari riyals a month." in said
    assert "The employer pays all the recruitment costs." in said
    assert "Warning" not in said


def test_synthesis_that_takes_too_long_gets_a_clear_page(client, make, app, monkeypatch):
    job = make.job(make.organisation(tier="vetted"), title="Night watchman")
    monkeypatch.setitem(app.config, "LISTEN_TIMEOUT", 0.001)
    response = client.get(f"/jobs/{job.id}/listen/hi.ogg")
    assert response.status_code == 503
    assert "The job page shows the summary to read" in response.get_data(as_text=True)
    assert not audio_directory().exists() or not any(audio_directory().rglob("*.part"))


def test_a_tagalog_reader_is_told_there_is_no_voice_and_reads_the_summary(client, make):
    job = make.job(make.organisation(tier="vetted"), corridor="PH-AE", wage_currency="AED",
                   title="Hotel housekeeper")
    with force_locale("tl"):  # the Tagalog catalogue's own words for these sentences
        no_voice = html.escape(gettext(
            "Listening is not available in this language yet. Here is the summary to read."))
        no_audio = html.escape(gettext(
            "Listening is not available in this language yet. The job page shows the summary "
            "to read."))
        job_line = gettext("Job: %(title)s.", title="Hotel housekeeper")
    assert "Listening is not available" not in no_voice  # it is translated
    page = page_of(client, job, "tl")
    assert no_voice in page
    assert "<audio" not in page
    assert job_line in summary_of(page)
    response = client.get(f"/jobs/{job.id}/listen/tl.ogg")
    assert response.status_code == 404
    assert no_audio in response.get_data(as_text=True)


def test_audio_of_a_job_the_public_may_not_see_is_not_found(client, make):
    job = make.job(make.organisation("Banned Agency", tier="suspended"))
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}/listen/ne.ogg").status_code == 404
    shown = make.job(make.organisation(tier="vetted"))
    for language in ("xx", "fil", "NE", "..%2F..%2Fetc"):
        assert client.get(f"/jobs/{shown.id}/listen/{language}.ogg").status_code == 404
    assert client.get("/jobs/999999/listen/ne.ogg").status_code == 404


def test_the_summary_says_who_pays_and_what_the_ad_makes_the_worker_pay(client, make):
    job = assessed_job(make, make.organisation("Quick Visa Cleaning", tier="under_review"),
                       VISA_SCAM, title="Office cleaner", wage_amount="1200",
                       costs=employer_pays_all())
    said = summary_of(page_of(client, job, "en"))
    assert "Job: Office cleaner. Wage: 1200 Qatari riyals a month. Work: 48 hours a week." \
        in said
    assert "The employer pays all the other recruitment costs." in said
    assert ("Warning: the ad's own words say you pay for Visa and work permit: "
            "60000 Nepalese rupees.") in said
    assert "Never pay money to get a job." in said
    assert "The recruiter, Quick Visa Cleaning, is under review" in said
    assert "Warning signs in this ad: The ad makes workers pay costs of being recruited" in said


def test_a_cost_the_worker_pays_and_a_flagged_recruiter_are_warnings(client, make):
    costs = {**employer_pays_all(), "insurance": {"payer": "not_applicable"},
             "medical_exam": {"payer": "worker", "amount": "4500", "currency": "NPR"}}
    job = make.job(make.organisation("Careful Recruiters", tier="flagged"), costs=costs,
                   wage_amount="15", wage_period="hour")
    said = summary_of(page_of(client, job, "en"))
    assert "Warning: you pay for Medical examination: 4500 Nepalese rupees." in said
    assert "workers should pay none of these" in said
    assert "These costs do not apply to this job: Insurance." in said
    assert "The employer pays all the other recruitment costs." in said
    assert "Wage: about " in said  # a monthly figure worked out from an hourly wage
    assert "Warning: the recruiter, Careful Recruiters, is flagged." in said
    assert "No warning signs" not in said  # the ad was never checked: nothing is promised


def test_hours_the_ad_never_stated_are_said_to_be_not_stated(client, make):
    corridor = make.corridor("NP-QA")
    context = CorridorContext(corridor.origin, corridor.destination, corridor.currency)
    read = normalise_posting({"title": "Warehouse helper", "description": "Loading goods.",
                              "hiringOrganization": {"name": "Doha Stores"},
                              "baseSalary": {"currency": "QAR", "value": {
                                  "value": 1500, "unitText": "MONTH"}}},
                             context, today=today())
    assert read.hours_per_week is None and {"code": "hours_not_stated"} in read.notes
    job = make.job(make.organisation(tier="under_review"), title="Warehouse helper")
    job.hours_per_week = read.hours_per_week  # stored as the aggregator stores it
    source = JobSource(name="Doha board", corridor=corridor, kind="rss",
                       location="https://jobs.example/feed.rss")
    db.session.add(PostingProvenance(job=job, source=source, item_key="k1", raw_hash="0" * 64,
                                     text_hash="0" * 64, signature=b"", raw_compressed=b"",
                                     primary=True, notes=read.notes))
    db.session.commit()
    said = summary_of(page_of(client, job, "en"))
    assert "Hours of work a week: not stated." in said
    assert "hours a week." not in said


@pytest.mark.parametrize("language", ["hi", "bn", "ar", "es"])
def test_each_voiced_language_gets_a_player_and_audio(client, make, language):
    job = make.job(make.organisation(tier="vetted"), title="Mason",
                   valid_through=(today() + dt.timedelta(days=9)).isoformat())
    response = client.get(audio_url(page_of(client, job, language)))
    assert response.status_code == 200 and response.data[:4] == b"OggS"
