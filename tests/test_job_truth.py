"""Job lists and job pages tell the worker what the ad's own words say about costs, and the
recruiter's verdict with the ad's worst warning sign, not only what the recruiter declared."""
from __future__ import annotations

import re

from app.extensions import db
from tests.fixtures.builders import employer_pays_all
from vetting import services as vetting

VISA_SCAM = ("Cleaners for offices in Doha. Salary QAR 1,200 per month, 48 hours a week. "
             "Visa charges NPR 60,000 only, paid before departure. Licence DoFE-1187/068-69.")
PASSPORT_KEPT = ("Cleaners for offices in Doha. Salary QAR 1,200 per month, 48 hours a week. "
                 "Passports kept by the company for safety. Licence DoFE-1187/068-69.")
FAIR = ("Cleaners for offices in Doha. Salary QAR 1,200 per month, 48 hours a week. "
        "The employer pays all recruitment costs, including visa and ticket. Workers keep "
        "their passports. Licence DoFE-1187/068-69.")


def assessed_job(make, organisation, description: str, **fields):
    """A posting with its vetting assessment stored, as publishing or a rescore leaves it."""
    job = make.job(organisation, description=description, **fields)
    vetting.store_assessment(job, vetting.assess(job))
    db.session.commit()
    return job


def english(client, url: str) -> str:
    """A page as an English reader gets it (corridor pages default to the origin's language)."""
    return client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)


def card_of(page: str, title: str) -> str:
    """The HTML of the job card with this title on a list page."""
    cards = re.findall(r'<li class="card job">.*?</li>', page, re.S)
    found = [card for card in cards if f"<strong>{title}</strong>" in card]
    assert len(found) == 1, f"{len(found)} cards titled {title!r}"
    return found[0]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_scam_ad_is_never_listed_as_costing_the_worker_nothing(client, make):
    organisation = make.organisation("Quick Visa Cleaning", tier="under_review")
    assessed_job(make, organisation, VISA_SCAM, title="Office cleaner",
                 costs=employer_pays_all())
    card = card_of(english(client, "/corridors/NP-QA"), "Office cleaner")
    assert "The ad says you pay: Visa and work permit (NPR 60,000)" in text_of(card)
    assert "No costs for you" not in card
    assert 'class="ok"' not in card


def test_the_cost_table_shows_what_the_ad_says_beside_the_form(client, make):
    job = assessed_job(make, make.organisation(), VISA_SCAM, title="Office cleaner",
                       costs=employer_pays_all())
    page = english(client, f"/jobs/{job.id}")
    rows = {text_of(row).split(" ", 1)[0]: text_of(row)
            for row in re.findall(r"<tr class=.*?</tr>", page, re.S)}
    assert "The recruiter's form and the ad do not agree" in page
    visa = rows["Visa"]
    assert "Employer, says the recruiter's form" in visa
    assert "The ad says you pay: NPR 60,000" in visa
    assert "Visa charges NPR 60,000 only, paid before departure." in visa
    # The other costs are left as declared: only the visa is contradicted.
    assert rows["Medical"].endswith("Employer")


def test_a_fair_ad_gets_the_good_news_and_an_unchecked_one_does_not(client, make):
    vetted = make.organisation("Fair Facility Services", tier="vetted")
    assessed_job(make, vetted, FAIR, title="Fair cleaner")
    make.job(vetted, title="Unchecked cleaner")  # never assessed: its words are unknown
    page = english(client, "/corridors/NP-QA")
    fair = card_of(page, "Fair cleaner")
    assert re.search(r'<p class="ok">.*No costs for you, in the form or in the ad', fair, re.S)
    assert "Recruiter: Vetted · No warning signs in the ad" in text_of(fair)
    unchecked = text_of(card_of(page, "Unchecked cleaner"))
    assert "the ad's words could not be checked" in unchecked
    assert "No costs for you" not in unchecked


def test_each_card_shows_the_verdict_with_a_sign_and_the_worst_warning(client, make):
    assessed_job(make, make.organisation("Hold Passports Ltd", tier="flagged"), PASSPORT_KEPT,
                 title="Guarded cleaner")
    assessed_job(make, make.organisation("Still Checking Ltd", tier="under_review"), FAIR,
                 title="Reviewed cleaner")
    page = english(client, "/corridors/NP-QA")
    flagged = card_of(page, "Guarded cleaner")
    assert "⚠ Recruiter: Flagged · Keeps your passport" in text_of(flagged)
    assert "tier-flagged" in flagged
    # No costs in the form or the ad, but no green tick beside a flagged recruiter.
    assert 'class="ok"' not in flagged
    assert "? Recruiter: Under review" in text_of(card_of(page, "Reviewed cleaner"))


def test_a_cost_the_form_already_charges_is_not_called_a_contradiction(client, make):
    costs = {**employer_pays_all(),
             "visa_work_permit": {"payer": "worker", "amount": "60000", "currency": "NPR"}}
    job = assessed_job(make, make.organisation(), VISA_SCAM, title="Honest about the visa",
                       costs=costs)
    card = text_of(card_of(english(client, "/corridors/NP-QA"),
                           "Honest about the visa"))
    assert "The recruiter says you pay some costs" in card
    assert "The ad says you pay" not in card
    page = english(client, f"/jobs/{job.id}")
    assert "do not agree" not in page
    assert "Worker: NPR" in text_of(page)


def test_flagged_organisations_are_marked_in_the_corridor_filter(client, make):
    make.job(make.organisation("Careful Recruiters", tier="flagged"), title="Helper")
    make.job(make.organisation("Good Recruiters", tier="vetted"), title="Mason")
    page = english(client, "/corridors/NP-QA")
    options = dict((name.strip(), value) for value, name in
                   re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page))
    assert "Careful Recruiters (flagged)" in options
    assert "Good Recruiters" in options
