"""The public register: browsing and filters, entries, the licence check, copies and badges."""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.register import keys
from app.reviews.services import submit_review
from app.register.signing import EXPIRED, GENUINE, TAMPERED, parse_time, verify_statement
from app.timeutil import today, utcnow
from nacl.signing import VerifyKey
from vetting.models import ReviewDecision
from vetting.services import refresh_organisation_risk

NAMES_RE = re.compile(r'<a href="/register/organisations/\d+"><strong>([^<]+)</strong>')


@pytest.fixture
def key_dir(app, tmp_path):
    """A register key of its own for one test, under a temporary folder."""
    previous = app.config.get("REGISTER_KEY_DIR")
    app.config["REGISTER_KEY_DIR"] = str(tmp_path / "register-key")
    keys.create_key()
    yield tmp_path / "register-key"
    app.config["REGISTER_KEY_DIR"] = previous


@pytest.fixture
def register(make):
    """Four organisations whose licences the demo licence register knows (or does not)."""
    np_qa, ph_ae = make.corridor("NP-QA"), make.corridor("PH-AE")
    himalayan = make.organisation(
        "Himalayan Manpower Services Pvt. Ltd.", kind="agency", country="NP",
        licence_number="DoFE-1187/068-69",
        licence_authority="Department of Foreign Employment (Nepal)",
        licence_expiry=dt.date(2028, 7, 15), corridors=[np_qa])
    everest = make.organisation(
        "Everest Link Recruitment Pvt. Ltd.", kind="agency", country="NP",
        licence_number="DoFE-1453/075-76",
        licence_authority="Department of Foreign Employment (Nepal)",
        licence_expiry=dt.date(2025, 3, 31), corridors=[np_qa])
    bayanihan = make.organisation(
        "Bayanihan Global Placement Inc.", kind="agency", country="PH",
        licence_number="DMW-117-LB-03214-R",
        licence_authority="Department of Migrant Workers (Philippines)",
        licence_expiry=dt.date(2028, 5, 30), corridors=[ph_ae])
    gulf = make.organisation("Gulf 100% Builders", kind="employer", country="QA",
                             licence_number="CR-77", licence_authority="MoL (Qatar)")
    make.job(gulf)  # in NP-QA through its posting only
    for organisation in (himalayan, everest, bayanihan, gulf):
        refresh_organisation_risk(organisation)
    bayanihan.tier = "suspended"
    db.session.commit()
    return {"himalayan": himalayan, "everest": everest, "bayanihan": bayanihan, "gulf": gulf}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return NAMES_RE.findall(response.get_data(as_text=True))


def test_the_computed_tiers_follow_the_licence_register(register):
    assert register["himalayan"].tier == "vetted"
    assert register["everest"].tier == "under_review"  # expired licence: 30 points
    assert register["gulf"].tier == "under_review"  # not in the licence register


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["Bayanihan Global Placement Inc.", "Everest Link Recruitment Pvt. Ltd.",
          "Gulf 100% Builders", "Himalayan Manpower Services Pvt. Ltd."]),
    ("?corridor=NP-QA", ["Everest Link Recruitment Pvt. Ltd.", "Gulf 100% Builders",
                         "Himalayan Manpower Services Pvt. Ltd."]),
    ("?corridor=np-qa&kind=employer", ["Gulf 100% Builders"]),
    ("?country=PH", ["Bayanihan Global Placement Inc."]),
    ("?tier=suspended", ["Bayanihan Global Placement Inc."]),
    ("?tier=vetted&corridor=NP-QA", ["Himalayan Manpower Services Pvt. Ltd."]),
    ("?tier=flagged", []),
    ("?q=link", ["Everest Link Recruitment Pvt. Ltd."]),
    ("?q=100%25", ["Gulf 100% Builders"]),  # % is a character, not a wildcard
    ("?q=1%25B", []),  # as a wildcard it would match "100% Builders"
])
def test_browse_filters(client, register, query, expected):
    assert _names(client.get(f"/register/{query}")) == expected


def test_the_list_pages(client, register, app):
    first = _names(client.get("/register/?page=1"))
    assert len(first) == 4
    page_two = client.get("/register/?page=2")
    assert page_two.status_code == 200 and _names(page_two) == []


@pytest.mark.parametrize(("query", "fields"), [
    ("?corridor=XX-YY", ["corridor"]),
    ("?corridor=much-too-long", ["corridor"]),
    ("?kind=broker&tier=gold", ["kind", "tier"]),
    ("?country=ZZ", ["country"]),
    ("?q=" + "a" * 101, ["q"]),
    ("?q=%00", ["q"]),
    ("?page=0", ["page"]),
    ("?page=two", ["page"]),
])
def test_bad_filters_are_named(client, register, query, fields):
    response = client.get(f"/register/{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for name in fields:
        assert f'href="#f-{name}"' in page


def test_an_entry_shows_licence_tier_reasons_and_last_check(client, register, make):
    everest = register["everest"]
    reviewer = make.user("reviewer")
    later = utcnow() + dt.timedelta(days=3)
    db.session.add(ReviewDecision(organisation=everest, reviewer=reviewer, decision="warn",
                                  reason="Licence expired in March.", risk_score=30,
                                  tier_before="under_review", tier_after="under_review",
                                  created_at=later))
    db.session.commit()

    page = client.get(f"/register/organisations/{everest.id}").get_data(as_text=True)

    assert "DoFE-1453/075-76" in page
    assert "Department of Foreign Employment (Nepal)" in page
    assert "Licence expired" in page and "Under review" in page
    assert "Licence DoFE-1453/075-76 expired on Mar 31, 2025." in page  # the reason
    assert f"last checked {later:%b} {later.day}, {later.year}" in page  # the decision
    assert "Download the signed badge" not in page and "No badge" in page
    assert "Reviewer" not in page and "Licence expired in March." not in page


def test_an_entry_shows_what_workers_say_without_saying_who(client, register, make):
    himalayan = register["himalayan"]
    page = client.get(f"/register/organisations/{himalayan.id}").get_data(as_text=True)
    assert "What workers say" not in page  # no review yet

    worker = make.user("worker", display_name="Sita Gurung")
    application = make.application(make.job(himalayan), worker, status="hired")
    submit_review(worker, application.id, {
        "rating_fees": "2", "rating_contract": "4", "rating_passport": "5",
        "rating_wages": "4", "rating_treatment": "5", "paid_fee": "yes",
        "fee_amount": "400", "fee_currency": "USD"})

    page = client.get(f"/register/organisations/{himalayan.id}").get_data(as_text=True)
    assert "What workers say" in page and "1 review" in page
    assert "100% of reviewing workers say they paid a recruitment fee." in page
    assert "Sita" not in page and worker.email not in page


def test_an_unknown_entry_is_404(client, register):
    assert client.get("/register/organisations/999999").status_code == 404


# ---------------------------------------------------------- licence check --

@pytest.mark.parametrize(("number", "status", "holder"), [
    ("DoFE-1187/068-69", "Valid licence", "Himalayan Manpower Services Pvt. Ltd."),
    ("dofe 1187 068 69", "Valid licence", "Himalayan Manpower Services Pvt. Ltd."),
    ("DoFE-1453/075-76", "Licence expired", "Everest Link Recruitment Pvt. Ltd."),
    ("DoFE-0511/066-67", "Licence revoked", "Kanchan Overseas Pvt. Ltd."),
    ("DoFE-9999/080-81", "Licence not in the register", None),
])
def test_licence_check_for_each_status(client, register, number, status, holder):
    response = client.get("/register/licence", query_string={"licence_number": number})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<span class="licence-' in page and f">{status}</span>" in page
    if holder:
        assert f"<dd>{holder}</dd>" in page
    else:
        assert "not in the register of any authority" in page


def test_licence_check_names_the_organisation_here_and_its_tier(client, register):
    page = client.get("/register/licence?licence_number=DoFE-1187/068-69").get_data(
        as_text=True)
    himalayan = register["himalayan"]
    assert f'href="/register/organisations/{himalayan.id}">{himalayan.name}</a>' in page
    assert "Vetted" in page

    unknown = client.get("/register/licence?licence_number=CR-77").get_data(as_text=True)
    assert "Licence not in the register" in unknown and "Gulf 100% Builders" in unknown


def test_licence_check_warns_when_the_register_names_another_holder(client, register, make):
    make.organisation("Everest Copycat Agency", kind="agency", country="NP",
                      licence_number="DoFE-1187/068-69")
    page = client.get("/register/licence?licence_number=DoFE-1187/068-69").get_data(
        as_text=True)
    assert ("The licence register gives this number to Himalayan Manpower Services Pvt. Ltd., "
            "not to Everest Copycat Agency.") in page


@pytest.mark.parametrize(("value", "message"), [
    ("", "is required"),
    ("   ", "is required"),
    ("A" * 101, "is too long"),
    ("<script>alert(1)</script>", "may contain only letters"),
    ("DoFE\u20121187", "may contain only letters"),
    ("---///", "must contain at least one letter or digit"),
    ("DoFE\x00", "forbidden character"),
])
def test_licence_check_bad_input_names_the_field(client, register, value, message):
    response = client.get("/register/licence", query_string={"licence_number": value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#f-licence_number"' in page and message in page


def test_the_licence_form_alone_is_no_error(client):
    response = client.get("/register/licence")
    assert response.status_code == 200 and 'class="errors"' not in response.get_data(
        as_text=True)


# ---------------------------------------------------- signed copies, badges --

def _public_key(client) -> VerifyKey:
    body = client.get("/register/key.json").get_json()
    assert body["algorithm"] == "Ed25519"
    return VerifyKey(bytes.fromhex(body["public_key"]))


def test_the_register_copy_is_signed_and_complete(client, register, key_dir):
    response = client.get("/register.json")
    assert response.status_code == 200 and response.mimetype == "application/json"

    verdict = verify_statement(response.data, _public_key(client), utcnow())

    assert verdict.reason == GENUINE
    payload = verdict.payload
    assert payload["type"] == "register"
    assert parse_time(payload["expires_at"]) - parse_time(payload["issued_at"]) == \
        dt.timedelta(days=7)
    entries = {entry["name"]: entry for entry in payload["organisations"]}
    assert set(entries) == {o.name for o in register.values()}
    everest = entries["Everest Link Recruitment Pvt. Ltd."]
    assert everest["licence"] == {"number": "DoFE-1453/075-76", "expires": "2025-03-31",
                                  "authority": "Department of Foreign Employment (Nepal)",
                                  "register_status": "expired"}
    assert everest["tier"] == "under_review" and everest["corridors"] == ["NP-QA"]
    assert "Licence DoFE-1453/075-76 expired on 2025-03-31." in everest["reasons"]
    assert entries["Bayanihan Global Placement Inc."]["tier"] == "suspended"


def test_a_mirror_that_changes_one_byte_fails_on_the_verify_page(client, auth, register,
                                                                  key_dir):
    copy = client.get("/register.json").data
    mirrored = copy.replace(b'"tier":"suspended"', b'"tier":"suspendeD"', 1)
    assert len(mirrored) == len(copy) and sum(a != b for a, b in zip(copy, mirrored)) == 1

    genuine = auth.post("/register/verify", {"statement": copy.decode()})
    altered = auth.post("/register/verify", {"statement": mirrored.decode()})

    assert genuine.status_code == 200 and "<strong>GENUINE</strong>" in genuine.get_data(
        as_text=True)
    page = altered.get_data(as_text=True)
    assert altered.status_code == 200 and "<strong>NOT GENUINE</strong>" in page
    assert "changed after FairCorridor signed it" in page
    assert verify_statement(mirrored, _public_key(client), utcnow()).reason == TAMPERED


def test_a_vetted_organisation_downloads_a_badge_that_verifies(client, register, key_dir):
    himalayan = register["himalayan"]
    entry = client.get(f"/register/organisations/{himalayan.id}").get_data(as_text=True)
    assert "Download the signed badge" in entry
    assert f'/register/organisations/{himalayan.id}"&gt;Vetted by FairCorridor' in entry

    response = client.get(f"/register/organisations/{himalayan.id}/badge.json")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="faircorridor-badge-{himalayan.id}.json"')
    verdict = verify_statement(response.data, _public_key(client), utcnow())
    assert verdict.reason == GENUINE
    payload = verdict.payload
    assert payload["organisation"]["name"] == himalayan.name and payload["tier"] == "vetted"
    assert payload["licence"]["number"] == "DoFE-1187/068-69"
    assert payload["check_url"].endswith(f"/register/organisations/{himalayan.id}")
    lifetime = parse_time(payload["expires_at"]) - parse_time(payload["issued_at"])
    assert lifetime == dt.timedelta(days=30)
    # Thirty-one days on, the same badge is expired.
    later = parse_time(payload["issued_at"]) + dt.timedelta(days=31)
    assert verify_statement(response.data, _public_key(client), later).reason == EXPIRED


def test_a_badge_never_outlives_the_licence(client, register, key_dir):
    himalayan = register["himalayan"]
    himalayan.licence_expiry = today() + dt.timedelta(days=5)
    db.session.commit()
    payload = json.loads(client.get(
        f"/register/organisations/{himalayan.id}/badge.json").data)["payload"]
    assert parse_time(payload["expires_at"]) == dt.datetime.combine(
        today() + dt.timedelta(days=6), dt.time())


@pytest.mark.parametrize("name", ["everest", "bayanihan", "gulf"])
def test_organisations_that_are_not_vetted_get_no_badge(client, register, key_dir, name):
    organisation = register[name]
    assert client.get(f"/register/organisations/{organisation.id}/badge.json"
                      ).status_code == 404


def test_a_suspended_organisations_badge_shows_todays_tier(client, auth, register, key_dir):
    himalayan = register["himalayan"]
    badge = client.get(f"/register/organisations/{himalayan.id}/badge.json").data
    himalayan.tier = "suspended"
    db.session.commit()

    assert client.get(f"/register/organisations/{himalayan.id}/badge.json"
                      ).status_code == 404
    upload = auth.post("/register/verify", {"file": (io.BytesIO(badge), "badge.json")},
                       content_type="multipart/form-data")
    page = upload.get_data(as_text=True)
    assert "<strong>GENUINE</strong>" in page
    assert "Today the register rates this organisation: Suspended." in page


def test_the_verify_page_names_the_missing_field(client, auth, key_dir):
    assert client.get("/register/verify").status_code == 200
    response = auth.post("/register/verify", {"statement": "  "})
    assert response.status_code == 400
    assert 'href="#f-statement"' in response.get_data(as_text=True)
    empty = auth.post("/register/verify", {"file": (io.BytesIO(b""), "badge.json")},
                      content_type="multipart/form-data")
    assert empty.status_code == 400 and 'href="#f-file"' in empty.get_data(as_text=True)
    junk = auth.post("/register/verify", {"file": (io.BytesIO(b"\xff\xfe not json"), "x.json")},
                     content_type="multipart/form-data")
    assert junk.status_code == 200 and "NOT GENUINE" in junk.get_data(as_text=True)


def test_without_a_key_signed_copies_are_unavailable_not_broken(app, client, register,
                                                                 tmp_path):
    previous = app.config.get("REGISTER_KEY_DIR")
    app.config["REGISTER_KEY_DIR"] = str(tmp_path / "no-key-yet")
    try:
        himalayan = register["himalayan"]
        for path in ("/register.json", "/register/key.json",
                     f"/register/organisations/{himalayan.id}/badge.json"):
            assert client.get(path).status_code == 503, path
        assert client.get("/register/").status_code == 200
    finally:
        app.config["REGISTER_KEY_DIR"] = previous


def test_the_footer_links_the_register_and_the_licence_check(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/register/"' in page and 'href="/register/licence"' in page


# ------------------------------------------------------- any input at all --

FILTER_NAMES = ("corridor", "kind", "country", "tier", "q", "page")
NAMED_IN_FORM = re.compile(r'<a href="#f-([^"]+)">')
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=130)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(query=st.dictionaries(st.sampled_from(FILTER_NAMES), ANY_TEXT | st.sampled_from(
    ["NP-QA", "agency", "NP", "vetted", "2", "-1", "99999999999"])))
def test_any_filters_answer_a_page_or_name_a_field(client, query):
    response = client.get("/register/", query_string=query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        named = set(NAMED_IN_FORM.findall(response.get_data(as_text=True)))
        assert named and named <= set(query)


@SETTINGS
@given(number=ANY_TEXT)
def test_any_licence_number_answers_or_names_the_field(client, number):
    response = client.get("/register/licence", query_string={"licence_number": number})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert NAMED_IN_FORM.findall(response.get_data(as_text=True)) == ["licence_number"]
