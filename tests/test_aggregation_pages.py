"""Job pages as the web publishes them: JSON-LD `@graph` pages with `@id` references
(WordPress/Yoast style), `@type` lists, locations as lists or plain text, microdata and
RDFa boards, and pages that mix them with a broken block."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.models import JobSource, PostingProvenance
from app.aggregation.normalise import CorridorContext, ItemRejected, normalise_posting
from app.aggregation.parsers import parse_html_page
from app.corridors.models import Corridor
from app.extensions import db
from app.jobs.models import JobPosting
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)

TODAY = dt.date(2026, 11, 25)
NP_QA = CorridorContext("NP", "QA", "QAR")
BASE = "https://careers.pearl.example/jobs/laundry/"
SALARY = {"@type": "MonetaryAmount", "currency": "QAR",
          "value": {"@type": "QuantitativeValue", "value": 1400, "unitText": "MONTH"}}


def _page(*blocks: object, body: str = "") -> bytes:
    scripts = "".join('<script type="application/ld+json">'
                      f"{b if isinstance(b, str) else json.dumps(b)}</script>" for b in blocks)
    return f"<!doctype html><html><head>{scripts}</head><body>{body}</body></html>".encode()


YOAST_GRAPH = {"@context": "https://schema.org", "@graph": [
    {"@type": "WebPage", "@id": BASE, "url": BASE, "mainEntity": {"@id": f"{BASE}#job"}},
    {"@type": "Organization", "@id": "https://careers.pearl.example/#organization",
     "name": "Pearl Linen W.L.L.", "sameAs": ["https://pearl.example"]},
    {"@type": "Place", "@id": "#doha", "address": {"@type": "PostalAddress",
                                                     "addressLocality": "Doha",
                                                     "addressCountry": "QA"}},
    {"@type": ["JobPosting", "Thing"], "@id": f"{BASE}#job", "title": "Laundry Attendant",
     "description": "Wash and iron hotel linen. 8 hours a day, 6 days a week.",
     "identifier": {"@type": "PropertyValue", "name": "Pearl", "value": "PL-7"},
     "hiringOrganization": {"@id": "https://careers.pearl.example/#organization"},
     "jobLocation": [{"@id": "#doha"}], "baseSalary": SALARY,
     "validThrough": "2027-01-31"},
]}


def test_a_graph_posting_takes_its_employer_and_place_from_the_nodes_it_names():
    [item] = parse_html_page(_page(YOAST_GRAPH), base_url=BASE)
    posting = normalise_posting(item.fields, NP_QA, today=TODAY)
    assert (posting.employer, posting.destination) == ("Pearl Linen W.L.L.", "QA")
    assert posting.employer_url == "https://pearl.example" and posting.identifier == "PL-7"
    assert posting.hours_per_week == 48 and posting.assumed == []


def test_references_reach_across_the_pages_blocks_and_an_unknown_one_is_named():
    organisation = {"@context": "https://schema.org", "@type": "Organization",
                    "@id": "https://pearl.example/#org", "name": "Pearl Linen W.L.L."}
    posting = {"@context": "https://schema.org", "@type": "schema:JobPosting",
               "title": "Ironer", "description": "Press linen.", "baseSalary": SALARY,
               "hiringOrganization": {"@id": "https://pearl.example/#org"}}
    stranger = dict(posting, title="Folder",
                    hiringOrganization={"@id": "https://elsewhere.example/#org"})
    items = parse_html_page(_page(organisation, posting, stranger), base_url=BASE)
    assert normalise_posting(items[0].fields, NP_QA, today=TODAY).employer == \
        "Pearl Linen W.L.L."
    with pytest.raises(ItemRejected, match="hiringOrganization refers to "
                                           "https://elsewhere.example/#org"):
        normalise_posting(items[1].fields, NP_QA, today=TODAY)


@pytest.mark.parametrize(("location", "country"), [
    ("Doha, Qatar", "QA"),
    ([{"@type": "Place", "address": "Industrial Area, Doha"},
      {"@type": "Place", "address": {"addressCountry": "Qatar"}}], "QA"),
    ({"@type": "Place", "address": "Al Quoz, Dubai, United Arab Emirates"}, "AE"),
    (["Kuala Lumpur, Malaysia"], "MY"),
])
def test_job_locations_as_lists_and_plain_addresses(location, country):
    item = {"@type": "JobPosting", "title": "Cleaner", "baseSalary": SALARY,
            "hiringOrganization": {"name": "Shine Co"}, "jobLocation": location}
    posting = normalise_posting(item, NP_QA, today=TODAY)
    assert posting.destination == country and "destination" not in posting.assumed


MICRODATA = """
<div itemscope itemtype="https://schema.org/JobPosting">
 <h1 itemprop="title">Steel Fixer</h1><meta itemprop="identifier" content="DC-11">
 <div itemprop="description"><p>Fix <b>steel</b>. 48 hours per week.</p></div>
 <meta itemprop="validThrough" content="2027-02-28">
 <span itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">
   <span itemprop="name">Dune Crest Contracting W.L.L.</span></span>
 <div itemprop="jobLocation" itemscope itemtype="https://schema.org/Place">
   <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
     <span itemprop="addressCountry">QA</span></div></div>
 <div itemprop="baseSalary" itemscope itemtype="https://schema.org/MonetaryAmount">
   <meta itemprop="currency" content="QAR">
   <span itemprop="value" itemscope itemtype="https://schema.org/QuantitativeValue">
     QAR <span itemprop="value">1,500</span><meta itemprop="unitText" content="MONTH">
   </span></div>
</div>"""
RDFA = """
<div vocab="https://schema.org/" typeof="JobPosting" resource="#mason">
 <h2 property="title">Mason</h2><p property="description">Blockwork and plaster.</p>
 <meta property="validThrough" content="2027-03-31">
 <div property="hiringOrganization" typeof="Organization">
   <span property="name">Crest Builders W.L.L.</span></div>
 <div property="jobLocation" typeof="Place"><div property="address" typeof="PostalAddress">
   <span property="addressCountry">Qatar</span></div></div>
 <div property="baseSalary" typeof="MonetaryAmount"><meta property="currency" content="QAR">
   <div property="value" typeof="QuantitativeValue"><span property="value">60</span>
     <meta property="unitText" content="DAY"></div></div>
</div>"""


def test_microdata_and_rdfa_postings_are_read_like_json_ld():
    [steel] = parse_html_page(_page(body=MICRODATA), base_url=BASE)
    [mason] = parse_html_page(_page(body=RDFA), base_url=BASE)
    steel, mason = (normalise_posting(i.fields, NP_QA, today=TODAY) for i in (steel, mason))
    assert (steel.title, steel.employer, steel.identifier) == (
        "Steel Fixer", "Dune Crest Contracting W.L.L.", "DC-11")
    assert (steel.wage.amount, steel.wage.period, steel.hours_per_week) == (1500, "month", 48)
    assert steel.description == "Fix steel. 48 hours per week."
    assert (mason.title, mason.employer, mason.destination) == (
        "Mason", "Crest Builders W.L.L.", "QA")
    assert (mason.wage_monthly, mason.valid_through) == (1560, dt.date(2027, 3, 31))


def _mixed_page() -> bytes:
    """The Steel Fixer in JSON-LD and again in microdata, a Mason in RDFa, a broken block."""
    steel = {"@context": "https://schema.org", "@type": "JobPosting", "title": "Steel Fixer",
             "identifier": "DC-11", "description": "Fix steel. 48 hours per week.",
             "hiringOrganization": {"@type": "Organization",
                                    "name": "Dune Crest Contracting W.L.L."},
             "jobLocation": {"@type": "Place", "address": {"addressCountry": "QA"}},
             "baseSalary": dict(SALARY, value={"value": 1500, "unitText": "MONTH"}),
             "validThrough": "2027-02-28"}
    return _page(steel, '{"@type": "JobPosting", "title": "Broken",', body=MICRODATA + RDFA)


def test_a_mixed_page_gives_each_posting_once_and_its_broken_block_as_one_error():
    items = parse_html_page(_mixed_page(), base_url=BASE)
    assert [(i.label, bool(i.error)) for i in items] == [
        ("item 1 (Steel Fixer)", False), ("JSON-LD block 2", True),
        ("RDFa item 1 (Mason)", False)]
    assert items[1].error.startswith("broken JSON-LD")


def test_a_mixed_page_source_stores_its_postings_with_provenance_and_rereads_unchanged(
        demo_sources, source_files, source_server):
    (source_files / "mixed.html").write_bytes(_mixed_page())
    source = JobSource(name="Mixed board", kind="html_jsonld",
                       location=f"{source_server.url}/sources/mixed.html",
                       corridor=db.session.scalar(sa.select(Corridor)
                                                  .where(Corridor.code == "NP-QA")))
    db.session.add(source)
    db.session.commit()
    first = services.run_sources(None, [source])[0]
    assert (first.fetched, first.new + first.duplicates, first.rejected) == (3, 2, 1)
    mason = db.session.scalar(sa.select(JobPosting).where(JobPosting.title == "Mason"))
    provenance = db.session.scalar(sa.select(PostingProvenance)
                                   .where(PostingProvenance.job_id == mason.id))
    assert provenance.source_id == source.id and '"Crest Builders W.L.L."' in provenance.raw_item
    again = services.run_sources(None, [source])[0]
    assert (again.unchanged, again.new, again.updated) == (2, 0, 0)
