"""Risk lines and licence notes in the reader's language: stored as message ids and
parameters, worded at display time, old English rows still shown, the signed register
the same whoever asks."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from nacl.signing import SigningKey

from app.extensions import db
from app.jobs.models import JobPosting
from app.register.signing import sign_statement
from app.register.statements import register_payload
from tests.fixtures.builders import PASSWORD
from vetting import messages
from vetting.licences import LicenceEntry, LicenceRegister
from vetting.models import OrganisationRisk
from vetting.risk import AdSummary, ReviewReport, organisation_risk
from vetting.services import assess, refresh_organisation_risk, store_assessment
from vetting.wording import line_text

TRANSLATIONS = Path(__file__).parents[1] / "app" / "translations"
ROW_RE = re.compile(r"<tr><td>(.*?)</td><td>(-?\d+)</td></tr>")
TOTAL_RE = re.compile(r"<tr><th>[^<]+</th><th>(\d+)</th></tr>")
EXPIRED_NOTE_EN = "Licence DoFE-1453/075-76 expired on 2025-03-31."  # signed documents
SHOWN_NOTE_EN = "Licence DoFE-1453/075-76 expired on Mar 31, 2025."  # a page, in English
EXPIRED_NOTE_NE = "इजाजतपत्र DoFE-1453/075-76 को म्याद 2025 मार्च 31 मा सकियो।"
PASSPORT_AD = ("Cleaners needed for towers in Doha. Company keeps passports for safekeeping "
               "during the contract. Salary QAR 1,100 per month, 48 hours a week.")


def _risk(organisation) -> OrganisationRisk:
    return db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation.id))


@pytest.fixture
def everest(make):
    """An agency whose licence the demo register lists as expired, with a risky ad."""
    agency = make.organisation(
        "Everest Link Recruitment Pvt. Ltd.", kind="agency", country="NP",
        licence_number="DoFE-1453/075-76",
        licence_authority="Department of Foreign Employment (Nepal)",
        licence_expiry=dt.date(2025, 3, 31))
    job = make.job(agency, title="Cleaners Doha", description=PASSPORT_AD)
    store_assessment(job, assess(job))
    refresh_organisation_risk(agency)
    db.session.commit()
    return agency


# --- the pure core ----------------------------------------------------------------------

def test_every_line_is_an_id_with_params_and_words_in_english():
    reports = [ReviewReport(paid_fee=True, passport=1, wages=5)] * 2
    result = organisation_risk(
        "agency", "revoked", {"note": "revoked", "number": "L-1", "authority": "DoFE"},
        [AdSummary(12, 80, 2, "Cleaners Doha"), AdSummary(13, 40, 1), AdSummary(14, None, 0)],
        ["verified", "unverified"], reports)
    assert [(line.code, line.params) for line in result.lines] == [
        ("licence", {"note": "revoked", "number": "L-1", "authority": "DoFE"}),
        ("worst_ad", {"job_id": 12, "score": 80, "title": "Cleaners Doha", "critical": 2}),
        ("repeated", {"count": 2}),
        ("grievances", {"count": 2, "verified": 1}),
        ("reviews", {"count": 2, "fees": 2, "passports": 2, "wages": 0}),
        ("cap", {})]
    words = [messages.english_line({"code": line.code, "params": line.params})
             for line in result.lines]
    assert words == [
        "DoFE revoked licence L-1.",
        "One of its job ads, «Cleaners Doha», shows serious warning signs.",
        "2 of its job ads have very serious warning signs.",
        "Workers made 2 complaints about it. A reviewer checked and confirmed 1 complaint.",
        "2 workers reviewed it. 2 say they paid a recruitment fee. "
        "2 say the employer kept their passport.", "The score is capped at 100."]
    assert sum(line.points for line in result.lines) == result.score == 100


def test_every_licence_check_names_a_note_that_has_a_sentence():
    today = dt.date(2026, 1, 1)
    register = LicenceRegister([
        LicenceEntry("A-1", "DoFE", "Alpha", "NP", dt.date(2027, 1, 1), "active"),
        LicenceEntry("B-2", "DoFE", "Beta", "NP", dt.date(2027, 1, 1), "revoked"),
        LicenceEntry("C-3", "DoFE", "Gamma", "NP", dt.date(2025, 6, 30), "active")])
    checks = [register.check(None, "Alpha", today), register.check("Z-9", "Alpha", today),
              register.check("A-1", "Other", today), register.check("B-2", "Beta", today),
              register.check("C-3", "Gamma", today), register.check("a 1", "ALPHA", today)]
    assert [c.note_id for c in checks] == ["none", "not_in_register", "other_holder",
                                           "revoked", "expired", "valid"]
    assert {c.note_id for c in checks} == set(messages.LICENCE_NOTES)
    assert checks[4].note == "Licence C-3 expired on 2025-06-30."
    assert checks[5].note == "Licence a 1 is valid until 2027-01-01 (DoFE)."


@pytest.mark.parametrize("line, words", [
    ({"code": "worst_ad", "params": {"job_id": 3, "score": 35}},
     "One of its job ads shows some warning signs."),
    ({"code": "worst_ad", "params": {"job_id": 3, "score": 3, "title": "Welders"}},
     "Its job ads show only small warning signs."),
    ({"code": "worst_ad", "params": {"job_id": 3, "score": 25, "title": "Cleaners",
                                     "critical": 1}},
     "One of its job ads, «Cleaners», shows serious warning signs."),
    ({"code": "repeated", "params": {"count": 1}},
     "1 of its job ads has very serious warning signs."),
    ({"code": "grievances", "params": {"count": 1, "verified": 0}},
     "Workers made 1 complaint about it. A reviewer has not confirmed it yet."),
    ({"code": "reviews", "params": {"count": 1, "fees": 1, "passports": 0, "wages": 1}},
     "1 worker reviewed it. 1 says they paid a recruitment fee. 1 says wages were paid late."),
])
def test_a_line_reads_as_plain_sentences_one_of_something_in_the_singular(app, line, words):
    assert messages.english_line(line) == words
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(line_text(line)) == words


def test_lines_stored_before_params_keep_their_english_sentence():
    old = {"code": "worst_ad", "points": 12, "detail": "Its riskiest job ad (#3) scores 24/100."}
    assert messages.line_phrases(old) is None
    assert messages.english_line(old) == old["detail"]
    assert messages.english_licence_note(None, "Licence X expired.") == "Licence X expired."


# --- catalogues ------------------------------------------------------------------------

def test_every_risk_sentence_is_extracted_and_translations_keep_their_placeholders():
    """`make messages` finds every sentence (`N_` and `ngettext` are names pybabel extracts);
    where the Nepali catalogue has one, it keeps the placeholders and is compiled.
    (tests/test_catalogues.py holds every catalogue complete.)"""
    extracted = {message for _, message, _, _ in
                 extract_from_file("python", str(Path(messages.__file__)))}
    assert set(messages.templates()) <= extracted
    with (TRANSLATIONS / "ne" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle)
    with (TRANSLATIONS / "ne" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)
    for template in messages.templates():
        key = template[0] if isinstance(template, tuple) else template
        entry = po.get(key)
        if entry is None or not entry.string or entry.fuzzy:
            continue  # not translated yet: shown in English
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(re.findall(r"%\((\w+)\)", key))
        for form in forms:
            assert set(re.findall(r"%\((\w+)\)", form)) <= wanted | {"num"}, (key, form)
        compiled = mo.get(key).string if mo.get(key) is not None else None
        assert compiled is not None and tuple(forms) == (
            tuple(compiled) if isinstance(compiled, (list, tuple)) else (compiled,)), key


# --- pages -------------------------------------------------------------------------------

def test_a_worker_reads_the_reasons_in_english_or_nepali(client, everest):
    job_id = db.session.scalar(sa.select(JobPosting.id)
                               .where(JobPosting.organisation_id == everest.id))
    english = client.get(f"/jobs/{job_id}", headers={"Accept-Language": "en"})
    nepali = client.get(f"/jobs/{job_id}", headers={"Accept-Language": "ne,en;q=0.5"})
    html = english.get_data(as_text=True)
    assert SHOWN_NOTE_EN in html and "2025-03-31" not in html
    assert "One of its job ads, «Cleaners Doha», shows serious warning signs." in html
    page = nepali.get_data(as_text=True)
    assert EXPIRED_NOTE_NE in page and SHOWN_NOTE_EN not in page
    for url in (f"/organisations/{everest.id}", f"/register/organisations/{everest.id}"):
        assert EXPIRED_NOTE_NE in client.get(
            url, headers={"Accept-Language": "ne"}).get_data(as_text=True), url
        assert SHOWN_NOTE_EN in client.get(
            url, headers={"Accept-Language": "en"}).get_data(as_text=True), url


def test_the_dossier_is_worded_in_the_reviewers_language_and_still_adds_up(client, auth, make,
                                                                           everest):
    reviewer = make.user("reviewer", locale="ne")
    auth.login(reviewer.email, PASSWORD)
    page = client.get(f"/review/organisations/{everest.id}").get_data(as_text=True)
    rows = ROW_RE.findall(page)
    risk = _risk(everest)
    assert len(rows) == len(risk.lines) >= 2
    assert rows[0][0] == EXPIRED_NOTE_NE
    assert sum(int(points) for _, points in rows) == int(TOTAL_RE.search(page).group(1)) \
        == risk.score
    assert f"— {EXPIRED_NOTE_NE}</p>" in page  # the licence check, worded too
    assert EXPIRED_NOTE_NE in client.get("/review/?tier=under_review").get_data(as_text=True)


def test_rows_stored_in_english_before_the_change_still_show(client, auth, make, everest):
    risk = _risk(everest)
    risk.lines = [{"code": "licence", "points": 30, "detail": "Licence L-OLD expired."},
                  {"code": "worst_ad", "points": 12,
                   "detail": "Its riskiest job ad (#3) scores 24/100."}]
    risk.score, risk.licence_params, risk.licence_note = 42, None, "Licence L-OLD expired."
    db.session.commit()
    public = client.get(f"/organisations/{everest.id}",
                        headers={"Accept-Language": "ne"}).get_data(as_text=True)
    assert "Licence L-OLD expired." in public and "scores 24/100." in public
    auth.login(make.user("reviewer").email, PASSWORD)
    page = client.get(f"/review/organisations/{everest.id}").get_data(as_text=True)
    assert ROW_RE.findall(page) == [("Licence L-OLD expired.", "30"),
                                    ("Its riskiest job ad (#3) scores 24/100.", "12")]
    assert "— Licence L-OLD expired.</p>" in page


# --- the signed register ---------------------------------------------------------------

def test_the_signed_register_is_the_same_in_every_request_language(app, everest):
    key, now = SigningKey.generate(), dt.datetime(2026, 11, 25, 12, 0)
    copies = {}
    for language in ("en", "ne", "ne,en;q=0.5", ""):
        with app.app_context(), app.test_request_context(
                "/register.json", headers={"Accept-Language": language} if language else {}):
            copies[language] = sign_statement(register_payload(now), key)
    assert len(set(copies.values())) == 1
    assert EXPIRED_NOTE_EN.encode() in copies["ne"]


def test_the_published_register_keeps_english_reasons_for_a_nepali_reader(client, everest,
                                                                           app, tmp_path):
    from app.register import keys
    previous = app.config.get("REGISTER_KEY_DIR")
    app.config["REGISTER_KEY_DIR"] = str(tmp_path / "register-key")
    try:
        keys.create_key()
        english = client.get("/register.json").get_json()["payload"]
        nepali = client.get("/register.json", headers={"Accept-Language": "ne"}).get_json()
    finally:
        app.config["REGISTER_KEY_DIR"] = previous
    assert nepali["payload"]["organisations"] == english["organisations"]
    assert EXPIRED_NOTE_EN in english["organisations"][0]["reasons"]
