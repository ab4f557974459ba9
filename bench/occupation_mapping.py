"""How well aggregated job titles map to ESCO occupations, on the 200 labelled demo ads.

    .venv/bin/python bench/occupation_mapping.py

Each demo ad in seed/data/jobs.yaml carries the occupation an expert chose. Prints,
for the title alone, the title plus the start of the description, and the label-text
fallback: the share mapped to exactly that occupation, to its ISCO-08 unit group, and
the similarity of right and wrong guesses (to choose MIN_SIMILARITY). The label matrix
is cached in bench/out/aggregation.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from app.aggregation import occupations  # noqa: E402
from app.aggregation.occupations import OccupationMapper  # noqa: E402
from app.occupations.services import read_esco  # noqa: E402
from matching.encoder import get_encoder  # noqa: E402


def report(name: str, ads: list[dict], guesses: list, isco: dict[str, str],
           by_label: dict[str, str]) -> None:
    exact = group = 0
    right, wrong = [], []
    for ad, guess in zip(ads, guesses):
        want = by_label[ad["occupation"]]
        if guess is None:
            continue
        ok = guess.esco_uri == want
        exact += ok
        group += isco[guess.esco_uri] == isco[want]
        (right if ok else wrong).append(guess.similarity)
    n = len(ads)
    mapped = sum(g is not None for g in guesses)
    print(f"{name:<28} mapped {mapped / n:>5.0%}  exact {exact / n:>5.0%}  "
          f"ISCO group {group / n:>5.0%}  similarity right "
          f"{statistics.median(right) if right else 0:.2f} (min {min(right, default=0):.2f}) "
          f"wrong {statistics.median(wrong) if wrong else 0:.2f} "
          f"(max {max(wrong, default=0):.2f}); below {occupations.MIN_SIMILARITY}: "
          f"{sum(s < occupations.MIN_SIMILARITY for s in right)} right, "
          f"{sum(s < occupations.MIN_SIMILARITY for s in wrong)} wrong")


def main() -> None:
    rows = list(read_esco())
    isco = {r["esco_uri"]: r["isco_group"] for r in rows}
    by_label = {r["label"]: r["esco_uri"] for r in rows}
    ads = yaml.safe_load((ROOT / "seed" / "data" / "jobs.yaml").read_text(encoding="utf-8"))
    titles = [ad["title"] for ad in ads]
    descriptions = [ad["description"] for ad in ads]
    start = time.perf_counter()
    mapper = OccupationMapper(rows, get_encoder(), ROOT / "bench" / "out" / "aggregation")
    mapper.embedding.min_similarity = 0.0
    print(f"{len(mapper.embedding.uris)} labels ready in {time.perf_counter() - start:.1f} s")
    for chars in (0, 100, 300):
        occupations.DESCRIPTION_CHARS = chars
        start = time.perf_counter()
        guesses = mapper.guess_many(titles, descriptions)
        per_s = len(titles) / (time.perf_counter() - start)
        report(f"title + {chars} chars ({per_s:.0f}/s)" if chars else
               f"title alone ({per_s:.0f}/s)", ads, guesses, isco, by_label)
    report("label text fallback", ads, [mapper.labels.guess(t) for t in titles], isco,
           by_label)


if __name__ == "__main__":
    main()
