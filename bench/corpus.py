"""Generated job postings and worker profiles for the matching benchmarks.

Built deterministically from the ESCO occupations shipped in app/data/esco (ESCO v1.1,
© European Union) and varied templates, so every run embeds the same texts and the
on-disk vector cache under bench/out/ is reused.
"""
from __future__ import annotations

import csv
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ESCO_CSV = ROOT / "app" / "data" / "esco" / "occupations_en.csv"

CORRIDORS = {
    "NP-QA": (["Doha", "Al Wakrah", "Lusail", "Al Khor"], "QAR", 3.64, "Qatar"),
    "PH-AE": (["Dubai", "Abu Dhabi", "Sharjah", "Ajman"], "AED", 3.67, "the UAE"),
    "BD-MY": (["Kuala Lumpur", "Penang", "Johor Bahru", "Shah Alam"], "MYR", 4.4, "Malaysia"),
    "IN-SA": (["Riyadh", "Jeddah", "Dammam", "Mecca"], "SAR", 3.75, "Saudi Arabia"),
    "MX-US": (["Houston", "Phoenix", "Atlanta", "Fresno"], "USD", 1.0, "the USA"),
}
LANGUAGES = {"NP-QA": ["en", "ne", "ar"], "PH-AE": ["en", "tl", "ar"],
             "BD-MY": ["en", "bn", "ms"], "IN-SA": ["en", "hi", "ar"], "MX-US": ["en", "es"]}
# Migration corridors mostly recruit for services, crafts, machine operation and elementary work.
GROUP_WEIGHT = {"5": 4, "7": 4, "8": 4, "9": 4, "6": 2, "3": 1, "4": 1, "2": 1, "1": 1}
SKILLS = {
    "5": ["customer service", "food hygiene", "cleaning", "caring for elderly people",
          "cash handling", "first aid"],
    "7": ["hand tools", "reading technical drawings", "workplace safety", "welding",
          "electrical wiring", "measuring"],
    "8": ["forklift driving", "machine maintenance", "quality checks", "heavy vehicle licence",
          "assembly line work"],
    "9": ["manual handling", "cleaning", "loading and unloading", "packing", "gardening"],
    "6": ["crop harvesting", "animal care", "irrigation", "tractor driving"],
}
OFFICE_SKILLS = ["computer literacy", "report writing", "spreadsheets", "team leadership",
                 "project planning"]
EMPLOYER_A = ["Gulf", "Pearl", "Crescent", "Horizon", "Summit", "Delta", "Oasis", "Harbour"]
EMPLOYER_B = ["Contracting", "Services", "Facilities", "Engineering", "Hospitality",
              "Logistics", "Builders", "Care"]
TITLES = ["{label}", "{Label} - {city}", "Experienced {label}", "{Label} ({n} positions)",
          "Senior {label}", "{Label} wanted in {city}", "{Label}, {employer}"]
INTROS = [
    "{employer} is hiring {n} {label} staff for a project in {city}, {country}.",
    "We are looking for a reliable {label} to join our team in {city}.",
    "{employer} in {city} has openings for {label} positions starting next month.",
    "Join {employer}: {n} vacancies for {label} work in {country}.",
]
TERMS = [
    "Salary {cur} {wage} per month for {hours} hours a week; overtime paid.",
    "Monthly wage {cur} {wage}, {hours} hours per week, one day off weekly.",
    "Pay: {wage} {cur} a month. Working hours: {hours} per week.",
]
FAIR = ["The employer pays all recruitment costs, the visa and the air ticket.",
        "No fees are charged to workers. Free accommodation and transport.",
        "Housing provided free of charge; medical insurance included.",
        "Workers keep their own passports. Contract in your language."]


@dataclass(frozen=True)
class Occupation:
    label: str
    alt_labels: tuple[str, ...]
    isco: str
    duty: str  # the first sentence of the ESCO description


@dataclass(frozen=True)
class Posting:
    id: int
    corridor: str
    occupation: str
    title: str
    body: str
    languages: tuple[str, ...]
    wage_usd: float

    @property
    def text(self) -> str:
        return f"{self.title}. {self.body}"


@dataclass(frozen=True)
class Candidate:
    id: int
    corridor: str
    profile: dict


def read_occupations() -> list[Occupation]:
    with ESCO_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [Occupation(row["preferredLabel"].strip(),
                       tuple(a.strip() for a in row["altLabels"].splitlines() if a.strip()),
                       row["iscoGroup"].strip(),
                       re.split(r"(?<=\.)\s", row["description"].strip(), maxsplit=1)[0])
            for row in rows]


def _weights(occupations: Sequence[Occupation]) -> list[int]:
    return [GROUP_WEIGHT.get(o.isco[:1], 1) for o in occupations]


def make_postings(n: int, seed: int = 7) -> list[Posting]:
    """`n` varied postings over the five demo corridors."""
    rng = random.Random(seed)
    occupations = read_occupations()
    picks = rng.choices(occupations, weights=_weights(occupations), k=n)
    return [_posting(i + 1, occ, rng) for i, occ in enumerate(picks)]


def _posting(pid: int, occ: Occupation, rng: random.Random) -> Posting:
    corridor = rng.choice(list(CORRIDORS))
    cities, cur, rate, country = CORRIDORS[corridor]
    wage_usd = rng.randrange(300, 2500, 25)
    label = rng.choice((occ.label,) + occ.alt_labels)
    slots = {"label": label, "Label": label[:1].upper() + label[1:], "city": rng.choice(cities),
             "country": country, "n": rng.randint(2, 60), "cur": cur,
             "wage": f"{round(wage_usd * rate, -1):,.0f}", "hours": rng.choice([40, 45, 48]),
             "employer": f"{rng.choice(EMPLOYER_A)} {rng.choice(EMPLOYER_B)}"}
    body = " ".join([rng.choice(INTROS), occ.duty, rng.choice(TERMS), rng.choice(FAIR)])
    languages = tuple(sorted({"en", rng.choice(LANGUAGES[corridor])}))
    return Posting(pid, corridor, occ.label, rng.choice(TITLES).format(**slots),
                   body.format(**slots), languages, float(wage_usd))


def make_candidates(n: int, seed: int = 11) -> list[Candidate]:
    """`n` worker profiles (non-protected fields only, as matching sees them)."""
    rng = random.Random(seed)
    occupations = read_occupations()
    picks = rng.choices(occupations, weights=_weights(occupations), k=n)
    out = []
    for i, occ in enumerate(picks):
        corridor = rng.choice(list(CORRIDORS))
        years = rng.randint(0, 15)
        skills = rng.sample(SKILLS.get(occ.isco[:1], OFFICE_SKILLS), 2)
        label = rng.choice((occ.label,) + occ.alt_labels)
        out.append(Candidate(i + 1, corridor, {
            "headline": f"{label} with {years} years of experience",
            "desired_occupation": occ.label, "skills": skills, "experience_years": years,
            "experience": f"Worked as {label} in {rng.choice(CORRIDORS[corridor][0])}.",
            "languages": sorted({"en", rng.choice(LANGUAGES[corridor])})}))
    return out


def embed_all(encoder, texts: Sequence[str], chunk: int = 2048, label: str = "") -> np.ndarray:
    """Encode in chunks (each chunk is cached as soon as it is done), showing progress."""
    parts, started = [], time.perf_counter()
    for start in range(0, len(texts), chunk):
        parts.append(encoder.encode(texts[start:start + chunk]))
        done = min(start + chunk, len(texts))
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r{label} embedded {done:,}/{len(texts):,} ({rate:,.0f}/s)", end="",
              file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return np.concatenate(parts) if parts else np.empty((0, encoder.dim), np.float32)


def load_or_build_indexes(postings: Sequence[Posting], encoder):
    """The vector and keyword indexes of `postings` under bench/out/index, built on first use
    (or when stale) from the cached vectors, and reloaded afterwards."""
    from matching.errors import IndexUnusableError
    from matching.text_index import TextIndex
    from matching.vector_index import VectorIndex

    where = OUT / f"index-{len(postings)}"
    try:
        vectors = VectorIndex.load(where / "vectors", encoder.name, encoder.dim)
        if len(vectors) != len(postings):
            raise IndexUnusableError(str(where), "wrong count")
    except IndexUnusableError as exc:
        print(f"building the vector index ({exc})", file=sys.stderr)
        matrix = embed_all(encoder, [p.text for p in postings], label="postings")
        vectors = VectorIndex(encoder.dim, encoder.name, capacity=len(postings))
        vectors.upsert([p.id for p in postings], matrix)
        vectors.save(where / "vectors")
    texts = TextIndex(where / "text")
    if len(texts) != len(postings):
        print("building the keyword index", file=sys.stderr)
        texts.clear()
        texts.upsert((p.id, p.title, p.body) for p in postings)
    return vectors, texts
