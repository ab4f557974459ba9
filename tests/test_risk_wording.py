"""Risk lines and licence notes in the reader's language: stored as message ids and
parameters, worded at display time, old English rows still shown, the signed register
the same whoever asks."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
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

TRANSLATIONS = Path(__file__).parents[1] / "app" / "translations"
ROW_RE = re.compile(r"<tr><td>(.*?)</td><td>(-?\d+)</td></tr>")
TOTAL_RE = re.compile(r"<tr><th>[^<]+</th><th>(\d+)</th></tr>")
EXPIRED_NOTE_EN = "Licence DoFE-1453/075-76 expired on 2025-03-31."
EXPIRED_NOTE_NE = "इजाजतपत्र DoFE-1453/075-76 को म्याद 2025-03-31 मा सकियो।"
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
        [AdSummary(12, 80, 2), AdSummary(13, 40, 1), AdSummary(14, None, 0)],
        ["verified", "unverified"], reports)
    assert [(line.code, line.params) for line in result.lines] == [
        ("licence", {"note": "revoked", "number": "L-1", "authority": "DoFE"}),
        ("worst_ad", {"job_id": 12, "score": 80}),
        ("repeated", {"count": 2}),
        ("grievances", {"count": 2, "verified": 1}),
        ("reviews", {"count": 2, "fees": 2, "passports": 2, "wages": 0}),
        ("cap", {})]
    words = [messages.english_line({"code": line.code, "params": line.params})
             for line in result.lines]
    assert words == [
        "DoFE revoked licence L-1.", "Its riskiest job ad (#12) scores 80/100.",
        "2 of its ads have critical findings.", "2 grievance(s), 1 verified by a reviewer.",
        "2 worker review(s): 2 report paying a recruitment fee, 2 the passport kept by the "
        "employer, 0 wages paid late.", "The score is capped at 100."]
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


def test_lines_stored_before_params_keep_their_english_sentence():
    old = {"code": "worst_ad", "points": 12, "detail": "Its riskiest job ad (#3) scores 24/100."}
    assert messages.line_template(old) is None
    assert messages.english_line(old) == old["detail"]
    assert messages.english_licence_note(None, "Licence X expired.") == "Licence X expired."


# --- catalogues ------------------------------------------------------------------------

def test_the_nepali_catalogue_translates_every_risk_sentence_and_is_compiled():
    """`make messages` extracts, updates and compiles; the .mo served must match the .po."""
    with (TRANSLATIONS / "ne" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle)
    with (TRANSLATIONS / "ne" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)
    sentences = set(messages.RISK_LINES.values()) | set(messages.LICENCE_NOTES.values())
    for sentence in sentences:
        assert po.get(sentence) is not None and po.get(sentence).string, sentence
        assert mo.get(sentence) is not None, sentence
        assert mo.get(sentence).string == po.get(sentence).string, sentence
        placeholders = set(re.findall(r"%\((\w+)\)s", sentence))
        assert set(re.findall(r"%\((\w+)\)s", po.get(sentence).string)) == placeholders
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        assert sentences <= {message.id for message in read_po(handle)}


# --- pages -------------------------------------------------------------------------------

def test_a_worker_reads_the_reasons_in_english_or_nepali(client, everest):
    job_id = db.session.scalar(sa.select(JobPosting.id)
                               .where(JobPosting.organisation_id == everest.id))
    english = client.get(f"/jobs/{job_id}", headers={"Accept-Language": "en"})
    nepali = client.get(f"/jobs/{job_id}", headers={"Accept-Language": "ne,en;q=0.5"})
    assert EXPIRED_NOTE_EN in english.get_data(as_text=True)
    page = nepali.get_data(as_text=True)
    assert EXPIRED_NOTE_NE in page and EXPIRED_NOTE_EN not in page
    assert f"यसको सबैभन्दा जोखिमपूर्ण रोजगार विज्ञापन (#{job_id})" in page
    for url in (f"/organisations/{everest.id}", f"/register/organisations/{everest.id}"):
        assert EXPIRED_NOTE_NE in client.get(
            url, headers={"Accept-Language": "ne"}).get_data(as_text=True), url
        assert EXPIRED_NOTE_EN in client.get(url).get_data(as_text=True), url


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
