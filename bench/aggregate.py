"""Ingestion throughput: generated postings in local files (JSON, CSV, RSS, HTML JSON-LD,
Atom) through the whole aggregation run -- fetch, parse, normalise, de-duplicate, store,
map occupations, score -- and then the same unchanged files a second time.

    .venv/bin/python bench/aggregate.py [--postings 10000]

Prints items/s of both runs, where the first run's time went (including adding the new
postings to the search index), the embedding throughput of the ingest path beside the
model's raw `encode` on the same titles, and what the second run embedded (for
occupations and for the search index) and scored again (all must be 0). SQLite in a temporary folder;
the ESCO label matrix is cached in bench/out/aggregation.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.aggregation import crawl, esco, ingest, services  # noqa: E402
from app.extensions import db  # noqa: E402
from seed.builders import seed_corridors  # noqa: E402
from seed.sources import seed_sources  # noqa: E402
from matching import services as search  # noqa: E402
from vetting.models import PostingAssessment  # noqa: E402

CORRIDORS = [("NP-QA", "Qatar", "QAR", 900, 2500), ("PH-AE", "United Arab Emirates", "AED",
             1200, 3500), ("BD-MY", "Malaysia", "MYR", 1500, 2800), ("IN-SA", "Saudi Arabia",
             "SAR", 1000, 3000), ("MX-US", "United States", "USD", 2200, 4200)]
KINDS = ["json", "csv", "rss", "html_jsonld", "atom"]
TITLES = ["Steel Fixer", "Mason", "Shuttering Carpenter", "Electrician", "Plumber", "Welder",
          "Heavy Vehicle Driver", "Light Driver", "Forklift Operator", "Crane Operator",
          "Scaffolder", "Painter", "Tile Setter", "HVAC Technician", "Security Guard",
          "Room Attendant", "Housekeeper", "Waiter", "Commis Cook", "Kitchen Helper", "Baker",
          "Cleaner", "Laundry Worker", "Gardener", "Farm Worker", "Fruit Picker", "Packer",
          "Machine Operator", "Production Operator", "Warehouse Helper", "Caregiver",
          "Nursing Assistant", "Cashier", "Sales Assistant", "Barista", "Butcher",
          "Fish Processing Worker", "Plantation Worker", "Glove Factory Operator", "Deckhand"]
QUALIFIERS = ["", "", "Senior", "Junior", "Night Shift", "Villa Projects", "Hotel",
              "Hospital", "Factory", "Airport", "Mall", "Residential Towers", "Seasonal"]
SENTENCES = [
    "Work on {n} sites across {place} with a team of {m}.",
    "Two years of experience in a similar role is required; trade test in {place}.",
    "Free shared accommodation for {m} per room, with air conditioning.",
    "Transport to the site is provided every day at {n}:00.",
    "The employer pays the visa, medical test and air ticket.",
    "Overtime is paid at {p}% of the basic wage.",
    "{d} days of paid annual leave and a return ticket every {y} years.",
    "Medical insurance from the first day of work.",
    "Salary paid monthly into your own bank account.",
    "Contract of {y} years, renewable, signed in your language before departure.",
    "Uniform, safety shoes and protective equipment are provided free.",
    "Friday off; {h} hours a day, {w} days a week.",
    "Food allowance of {n}0 per month in addition to the basic wage.",
    "Interviews in {place} on the {d}th of each month.",
    "No recruitment fee: workers pay nothing at any stage.",
    "Grievances can be raised through a hotline in your language.",
    "You keep your passport at all times.",
    "End-of-service gratuity as the labour law provides.",
]
PLACES = ["Kathmandu", "Birtamod", "Dhaka", "Sylhet", "Manila", "Cebu", "Lucknow", "Kochi",
          "Oaxaca", "Puebla", "Chitwan", "Pokhara", "Davao", "Chennai", "Comilla"]


def _employers(rng: random.Random, n: int) -> list[str]:
    parts = ["Dune", "Crest", "Pearl", "Oasis", "Falcon", "Cedar", "Harbor", "Lotus", "Summit",
             "Coral", "Amber", "Orchid", "Bay", "Ridge", "Meadow", "Sand", "Star", "Palm"]
    ends = ["Contracting W.L.L.", "Services LLC", "Sdn. Bhd.", "Co.", "Facilities LLC",
            "Hotels LLC", "Farms LLC", "Industries Co."]
    return [f"{rng.choice(parts)} {rng.choice(parts)} {rng.choice(ends)} {i}" for i in range(n)]


def make_items(n: int, seed: int = 42) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    employers = _employers(rng, 400)
    per_corridor: dict[str, list[dict]] = defaultdict(list)
    for i in range(n):
        code, country, currency, low, high = CORRIDORS[i % len(CORRIDORS)]
        title = f"{rng.choice(QUALIFIERS)} {rng.choice(TITLES)}".strip()
        slots = dict(n=rng.randint(2, 60), m=rng.randint(2, 8), p=rng.choice([125, 150]),
                     d=rng.randint(10, 30), y=rng.randint(1, 3), h=rng.choice([8, 9, 10]),
                     w=rng.choice([5, 6]), place=rng.choice(PLACES))
        text = " ".join(s.format(**slots) for s in rng.sample(SENTENCES, 7))
        per_corridor[code].append({
            "id": f"B-{i}", "title": title, "employer": rng.choice(employers),
            "country": country, "currency": currency, "amount": rng.randint(low, high),
            "description": f"{title} wanted, reference B-{i}. {text}",
            "url": f"https://bench.example/jobs/{i}"})
    return per_corridor


def _posting(item: dict) -> dict:
    return {"@context": "https://schema.org/", "@type": "JobPosting", "identifier": item["id"],
            "title": item["title"], "description": item["description"], "url": item["url"],
            "validThrough": "2030-12-31",
            "hiringOrganization": {"@type": "Organization", "name": item["employer"]},
            "jobLocation": {"@type": "Place", "address": {"addressCountry": item["country"]}},
            "baseSalary": {"@type": "MonetaryAmount", "currency": item["currency"], "value": {
                "@type": "QuantitativeValue", "value": item["amount"], "unitText": "MONTH"}}}


def write_file(kind: str, items: list[dict], folder: Path) -> str:
    name = f"bench-{kind}.{ {'html_jsonld': 'html', 'rss': 'rss', 'atom': 'atom'}.get(kind, kind)}"
    path = folder / name
    if kind == "json":
        path.write_text(json.dumps([_posting(i) for i in items]))
    elif kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "title", "employer", "country", "salary", "valid_through",
                         "url", "description"])
        for i in items:
            writer.writerow([i["id"], i["title"], i["employer"], i["country"],
                             f"{i['currency']} {i['amount']:,} per month", "2030-12-31",
                             i["url"], i["description"]])
        path.write_text(out.getvalue())
    elif kind == "html_jsonld":
        blocks = "\n".join(f'<script type="application/ld+json">{json.dumps(_posting(i))}'
                           "</script>" for i in items)
        path.write_text(f"<!doctype html><html><head>{blocks}</head><body></body></html>")
    else:
        entries = "\n".join(_feed_entry(kind, i) for i in items)
        path.write_text(f'<?xml version="1.0"?><rss version="2.0" '
                        f'xmlns:job="https://faircorridor.example/ns/job"><channel>'
                        f"<title>bench</title>{entries}</channel></rss>" if kind == "rss" else
                        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
                        f'xmlns:job="https://faircorridor.example/ns/job"><title>bench</title>'
                        f"<id>urn:bench</id>{entries}</feed>")
    return name


def _feed_entry(kind: str, i: dict) -> str:
    job = (f"<job:employer>{escape(i['employer'])}</job:employer><job:country>{i['country']}"
           f"</job:country><job:salary>{i['currency']} {i['amount']} per month</job:salary>"
           "<job:validThrough>2030-12-31</job:validThrough>")
    if kind == "rss":
        return (f"<item><title>{escape(i['title'])}</title><link>{i['url']}</link><guid>{i['id']}"
                f"</guid><description>{escape(i['description'])}</description>{job}</item>")
    return (f"<entry><title>{escape(i['title'])}</title><id>{i['id']}</id><link href="
            f"\"{i['url']}\"/><summary>{escape(i['description'])}</summary>{job}</entry>")


class Timer:
    """Seconds spent in wrapped functions, by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sources"
        folder.mkdir()
        items = make_items(args.postings)
        rows = [{"name": f"bench {code}", "corridor": code, "kind": kind,
                 "location": write_file(kind, items[code], folder)}
                for (code, *_), kind in zip(CORRIDORS, KINDS)]
        app = create_app({"FAIRCORRIDOR_ENV": "testing", "INSTANCE_PATH": tmp,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                          "AGGREGATION_FILE_ROOT": str(folder),
                          "AGGREGATION_MAX_BYTES": 50 * 1024 * 1024,
                          "AGGREGATION_CACHE_DIR": str(ROOT / "bench" / "out" / "aggregation")})
        with app.app_context():
            run_benchmark(rows, items, args.postings)


def _raw_rate(encoder, titles: list[str]) -> float:
    """Texts/s of the bare model on `titles` (the machine's speed right now)."""
    started = time.perf_counter()
    encoder.model.encode(titles, batch_size=encoder.batch_size, show_progress_bar=False)
    return len(titles) / (time.perf_counter() - started)


def run_benchmark(rows: list[dict], items: dict[str, list[dict]], n: int) -> None:
    db.create_all()
    seed_corridors()
    seed_sources(rows)
    mapper = esco.occupation_mapper()  # the label matrix loads here, outside the timing
    encoder = mapper.embedding.encoder
    encoder.encode(["warm-up"])
    from vetting.services import get_scorer
    get_scorer().score("warm up the pipeline")
    timer = Timer()
    timer.wrap(crawl, "fetch", "fetch")
    timer.wrap(crawl, "parse_document", "parse")
    timer.wrap(ingest, "assign_occupations", "occupations (embedding)")
    timer.wrap(ingest._Ingest, "_map_and_score", "occupations + vetting")
    timer.wrap(encoder, "encode", "encoder.encode")
    timer.wrap(ingest, "update_search_index", "search index")
    indexer = search.encoder()
    indexer.encode(["warm-up"])
    titles = sorted({item["title"] for per in items.values() for item in per})
    raw_before = _raw_rate(encoder, titles)
    sources = services.sources_to_run(force=True)
    start = time.perf_counter()
    runs = services.run_sources(None, sources)
    first = time.perf_counter() - start
    stored = sum(r.new + r.duplicates for r in runs)
    print(f"first run: {n:,} items in {first:.1f} s = {n / first:,.0f} items/s "
          f"({sum(r.new for r in runs):,} new, {sum(r.duplicates for r in runs):,} merged, "
          f"{sum(r.rejected for r in runs):,} rejected; {stored:,} stored)")
    seconds = dict(timer.seconds)
    scoring = seconds.pop("occupations + vetting") - seconds["occupations (embedding)"]
    rest = first - seconds["fetch"] - seconds["parse"] - seconds["occupations (embedding)"] \
        - scoring - seconds["search index"]
    print(f"  fetch {seconds['fetch']:.1f} s, parse {seconds['parse']:.1f} s, normalise + "
          f"de-duplicate + store {rest:.1f} s, occupations {seconds['occupations (embedding)']:.1f}"
          f" s, vetting {scoring:.1f} s, search index {seconds['search index']:.1f} s "
          f"({indexer.stats.encoded - 1:,} postings embedded, "
          f"{len(search.backend().vectors.ids):,} in the index)")
    embed_seconds, embedded = seconds["encoder.encode"], encoder.stats.encoded - 1
    raw = (raw_before + _raw_rate(encoder, titles)) / 2
    print(f"  embedding in the ingest path: {embedded:,} distinct titles in {embed_seconds:.2f} s"
          f" = {embedded / embed_seconds:,.0f}/s; raw model.encode on the same titles just "
          f"before and after: {raw:,.0f}/s ({embedded / embed_seconds / raw:.0%})")
    asked, encoded = encoder.stats.requested, encoder.stats.encoded
    indexed_asked = indexer.stats.requested
    second_start = db.session.scalar(sa.select(sa.func.now()))
    start = time.perf_counter()
    again = services.run_sources(None, services.sources_to_run(force=True))
    second = time.perf_counter() - start
    rescored = db.session.scalar(sa.select(sa.func.count()).select_from(PostingAssessment)
                                 .where(PostingAssessment.scored_at > second_start))
    print(f"second run (unchanged): {n:,} items in {second:.1f} s = {n / second:,.0f} items/s, "
          f"{sum(r.unchanged for r in again):,} unchanged, {sum(r.new + r.updated for r in again)}"
          f" new or updated; texts sent to the encoder: {encoder.stats.requested - asked}, "
          f"embedded: {encoder.stats.encoded - encoded}, postings sent to the search index: "
          f"{indexer.stats.requested - indexed_asked}, postings re-scored: {rescored}")


if __name__ == "__main__":
    main()
