"""How the near-duplicate threshold was chosen: recall on edited re-posts of the demo ads,
false merges among distinct demo ads of the same corridor, for a range of thresholds.

    .venv/bin/python bench/dedupe_threshold.py

Positives are each demo ad (seed/data/jobs.yaml) against a re-post with one realistic
edit (a sentence dropped, an agent's footer added, paragraphs reordered, the text cut
at 70%, words swapped, two edits at once). Negatives are all pairs of different demo
ads in one corridor, many written from the same agency template. A pair is merged when
the MinHash estimate reaches the threshold AND country and wage agree (dedupe.py); the
"text only" column shows false merges without that guard.
"""
from __future__ import annotations

import itertools
import random
import re
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from app.aggregation.dedupe import _comparable, fingerprint, similarity  # noqa: E402
from app.jobs.wages import monthly_equivalent  # noqa: E402

JOBS = Path(__file__).resolve().parent.parent / "seed" / "data" / "jobs.yaml"
SWAPS = {"workers": "staff", "employer": "company", "free": "complimentary", "salary": "pay",
         "years": "yrs", "experience": "exp.", "accommodation": "housing"}
FOOTER = ("\n\nApply now through Summit Bridge Placements - call +977-1-5550101. "
          "Interviews every Sunday at our office. Share this post with friends!")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def edits(text: str, rng: random.Random) -> dict[str, str]:
    sentences = _sentences(text)
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    dropped = list(sentences)
    if len(dropped) > 3:
        dropped.pop(rng.randrange(1, len(dropped)))
    reordered = list(paragraphs)
    rng.shuffle(reordered)
    swapped = " ".join(SWAPS.get(w, w) for w in text.split(" "))
    return {
        "drop a sentence": " ".join(dropped),
        "agent footer": text + FOOTER,
        "reorder paragraphs": "\n\n".join(reordered),
        "cut at 70%": " ".join(sentences[:max(1, int(len(sentences) * 0.7))]),
        "swap words": swapped,
        "drop + footer": " ".join(dropped) + FOOTER,
    }


def main() -> None:
    rng = random.Random(7)
    ads = yaml.safe_load(JOBS.read_text(encoding="utf-8"))
    prints = []
    for ad in ads:
        wage = ad["wage"]
        monthly = monthly_equivalent(Decimal(str(wage["amount"])), wage["period"],
                                     ad["hours_per_week"])
        country = ad["corridor"].split("-")[1]
        prints.append((ad, fingerprint(ad["title"], "", ad["description"], country, monthly,
                                       wage["currency"])))
    positives: dict[str, list[float]] = defaultdict(list)
    for ad, fp in prints:
        for name, text in edits(ad["description"], rng).items():
            other = fingerprint(ad["title"], "", text, fp.destination, fp.monthly, fp.currency)
            positives[name].append(similarity(fp.signature, other.signature))
    negatives, guarded = [], []
    for (a, fa), (b, fb) in itertools.combinations(prints, 2):
        if a["corridor"] == b["corridor"]:
            score = similarity(fa.signature, fb.signature)
            negatives.append(score)
            guarded.append(score if _comparable(fa, fb) else 0.0)
    print(f"{len(prints)} ads, {sum(map(len, positives.values()))} edited re-posts, "
          f"{len(negatives)} same-corridor pairs of different ads")
    print(f"highest similarity of two different ads: {max(negatives):.2f} "
          f"(with the country/wage guard: {max(guarded):.2f})")
    header = "threshold  " + "  ".join(f"{n[:14]:>14}" for n in positives)
    print(header + "   false merges (text only / with guard)")
    for threshold in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9):
        recall = "  ".join(f"{sum(s >= threshold for s in v) / len(v):>14.0%}"
                           for v in positives.values())
        fp_text = sum(s >= threshold for s in negatives)
        fp_guard = sum(s >= threshold for s in guarded)
        print(f"{threshold:>9.2f}  {recall}   {fp_text:>5} / {fp_guard}")


if __name__ == "__main__":
    main()
