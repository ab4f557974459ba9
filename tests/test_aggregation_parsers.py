"""Reading source documents into job items, and recognising re-posted ads (no app)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.aggregation import dedupe
from app.aggregation.normalise import clean_text
from app.aggregation.parsers import (ParseError, parse_csv, parse_document, parse_feed,
                                     parse_html_page, parse_json)

SOURCES = Path(__file__).resolve().parent.parent / "seed" / "data" / "sources"


def _read(name: str) -> bytes:
    return (SOURCES / name).read_bytes()


def test_json_ld_in_its_real_world_shapes():
    """A single object, an @graph with a nested organisation, a list, an ItemList."""
    items = parse_html_page(_read("dune-crest-careers.html"),
                              base_url="https://dune-crest.example/careers/")
    good = [i for i in items if not i.error]
    assert [i.fields.get("title") for i in good] == [
        "Steel Fixer", "Shuttering Carpenter", "Mason (Blockwork &amp; Plaster)", None]
    assert good[0].fields["url"] == "https://dune-crest.example/careers/steel-fixer-dcc-2026-014"
    broken = [i for i in items if i.error]
    assert len(broken) == 1 and broken[0].error.startswith("broken JSON-LD")
    board = parse_html_page(_read("palm-lagoon-hospitality.html"))
    assert [i.fields["identifier"] for i in board] == ["PL-7781", "PL-7790", "PL-7702",
                                                       "SD-112", "SD-113"]


def test_a_page_without_json_ld_has_no_items():
    assert parse_html_page(b"<html><body><h1>Jobs</h1></body></html>") == []


def test_rss_and_atom_entries_with_namespaced_job_fields():
    rss = parse_feed(_read("kl-factory-jobs.rss"))
    assert len(rss) == 4
    first = rss[0].fields
    assert first["hiringOrganization"]["name"] == "Kenanga Electronics Sdn. Bhd."
    assert first["jobLocation"]["address"]["addressCountry"] == "Malaysia"
    assert first["identifier"] == "kfj-2211" and first["validThrough"] == "2030-12-31"
    assert rss[1].fields["baseSalary"] == "RM 65 per day"
    atom = parse_feed(_read("riyadh-jobs.atom"))
    assert [e.fields["hiringOrganization"]["name"] for e in atom] == [
        "Qassim Cold Stores Co.", "Yanbu Marine Works Co.", "Qassim Cold Stores Co."]
    assert "Monthly salary: SR 1,800" in atom[0].fields["description"]


def test_feed_mappings_point_fields_at_other_elements():
    items = parse_feed(_read("riyadh-jobs.atom"), {"employer": "title"})
    assert items[0].fields["hiringOrganization"]["name"] == "Cold Store Forklift Operator"


def test_csv_columns_are_renamed_by_the_source_mappings():
    mappings = {"id": "Ref", "title": "Job Title", "employer": "Company", "country": "Country",
                "salary": "Pay", "hours": "Hours", "valid_through": "Closing date",
                "url": "Link", "description": "Details"}
    items = parse_csv(_read("cedar-valley-seasonal.csv"), mappings)
    assert len(items) == 5
    first = items[0].fields
    assert (first["title"], first["baseSalary"], first["workHours"]) == (
        "Farmworker – Apple Harvest", "$17.50/hr", "40 hours per week")
    assert items[0].label == "line 2 (Farmworker – Apple Harvest)"


def test_csv_with_semicolons_and_a_ragged_row():
    body = ("title;employer;salary;country\nCook;Palm Lagoon Hotels LLC;AED 2,000/month;AE\n"
            "Helper;Sand Dollar;AED 1,200/month;AE;extra\n").encode()
    items = parse_csv(body)
    assert items[0].fields["hiringOrganization"]["name"] == "Palm Lagoon Hotels LLC"
    assert items[1].error == "the row has more cells than the header"


def test_json_array_of_job_postings_and_of_flat_records():
    items = parse_json(_read("himal-partner-feed.json"))
    assert [bool(i.error) for i in items] == [False, False, False, False, True]
    flat = parse_json(b'{"data": {"jobs": [{"Position": "Cook", "Firm": "Sand Dollar"}]}}',
                      {"items_path": "data.jobs", "title": "Position", "employer": "Firm"})
    assert flat[0].fields["title"] == "Cook"
    assert flat[0].fields["hiringOrganization"]["name"] == "Sand Dollar"


@pytest.mark.parametrize(("kind", "body", "reason"), [
    ("json", b"{not json", "not valid JSON"),
    ("json", b'{"count": 3}', "no array of job items"),
    ("rss", b"\x00\x01 garbage", "not an RSS or Atom feed"),
    ("csv", b"", "no header row"),
])
def test_unreadable_documents_raise_parse_error(kind, body, reason):
    with pytest.raises(ParseError, match=reason):
        parse_document(kind, body)


# ------------------------------------------------------------------ duplicates --

AD = ("Dune Crest Contracting is hiring 25 steel fixers for residential towers in Lusail. "
      "Cut, bend and fix reinforcement bars to drawings; two years' experience on building "
      "sites. Salary paid monthly into your own bank account. Free shared accommodation, "
      "transport and medical insurance. 8 hours a day, 6 days a week; overtime paid at 125%. "
      "The employer pays all recruitment costs: visa, air ticket and medical test.")


def _fp(description=AD, title="Steel Fixer", employer="Dune Crest", monthly="1400",
        country="QA"):
    return dedupe.fingerprint(title, employer, description, country, Decimal(monthly), "QAR")


def test_markup_case_and_spacing_do_not_make_a_new_ad():
    copy = clean_text(f"<p>{AD.upper().replace('. ', '.  ')}</p>\n\n")
    assert _fp().text_hash == _fp(copy).text_hash


def test_reposted_ad_with_small_edits_is_a_near_duplicate():
    index = dedupe.DuplicateIndex()
    index.add(7, _fp())
    edited = AD.replace("two years'", "2 years") + " Apply at our Kathmandu office on Sunday."
    match = index.find(_fp(edited, title="Steel Fixer (Qatar)", employer="Himal Partner"))
    assert match.ref == 7 and match.how == "near" and match.similarity >= dedupe.THRESHOLD


def test_same_title_employer_country_and_wage_is_the_same_ad():
    index = dedupe.DuplicateIndex()
    index.add(1, _fp())
    assert index.find(_fp("A much shorter copy of the ad.")).how == "key"


def test_a_different_job_or_different_pay_is_not_merged():
    index = dedupe.DuplicateIndex()
    index.add(1, _fp())
    other = ("Palm Lagoon Hotels is looking for room attendants for a beach resort. Clean "
             "and prepare guest rooms to brand standards. Duty meals and medical insurance.")
    assert index.find(_fp(other, title="Room Attendant", employer="Palm Lagoon")) is None
    assert index.find(_fp(AD + " Now hiring.", title="Steel Fixer", monthly="1800")) is None
    assert index.find(_fp(AD + " Now hiring.", country="SA")) is None
