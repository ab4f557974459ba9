"""The search relevance floor: chosen on the development queries of
tests/data/search_relevance.yaml over the 200 demo jobs, then scored on the held-out ones.

    .venv/bin/python bench/search_floor.py [--floor 0.35 0.28] [--no-expand]

Queries are expanded through the job-title lexicon as search expands them (matching/
expansion.py), unless --no-expand. Prints the chosen floor pair (any hit; a hit whose
title shares a word with the query), its scores on both parts, some floors around it,
and with --floor that pair's too (SEARCH_MIN_SIMILARITY, SEARCH_MIN_SIMILARITY_TITLED).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from app.occupations.services import ESCO_DIR  # noqa: E402
from matching.encoder import get_encoder  # noqa: E402
from matching.lexicon import expand_query, load_lexicon  # noqa: E402
from matching.relevance import (Floor, choose_floor, labelled_pairs,  # noqa: E402
                                read_labels, score_floor)

LABELS = ROOT / "tests" / "data" / "search_relevance.yaml"
JOBS = ROOT / "seed" / "data" / "jobs.yaml"


def similarities(expand: bool = True) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """(labelled queries, query × job cosine similarities, title-word matches, labels) over
    the demo jobs, each query as search would send it."""
    with JOBS.open(encoding="utf-8") as fh:
        jobs = yaml.safe_load(fh)
    queries = read_labels(LABELS)
    lexicon = load_lexicon(ESCO_DIR / "ISCOGroups_en.csv") if expand else None
    searched = (lambda q: str(expand_query(q, lexicon).text)) if lexicon else str
    return (queries, *labelled_pairs(queries, jobs, get_encoder(), searched))


def report(sims: np.ndarray, titled: np.ndarray, labels: np.ndarray, dev: np.ndarray,
           floor: Floor) -> None:
    print(f"  development: {score_floor(sims[dev], titled[dev], labels[dev], floor)}")
    print(f"  held out:    {score_floor(sims[~dev], titled[~dev], labels[~dev], floor)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=float, nargs=2, metavar=("ANY", "TITLED"),
                        help="also score this floor pair")
    parser.add_argument("--no-expand", action="store_true", help="search the words alone")
    args = parser.parse_args()
    queries, sims, titled, labels = similarities(expand=not args.no_expand)
    dev = np.array([not q.holdout for q in queries])
    print(f"{dev.sum()} development and {(~dev).sum()} held-out queries, {sims.shape[1]} jobs")
    chosen = choose_floor(sims[dev], titled[dev], labels[dev]).floor
    print(f"chosen on the development queries: {chosen}")
    report(sims, titled, labels, dev, chosen)
    untitled = np.zeros_like(titled)
    one = choose_floor(sims[dev], untitled[dev], labels[dev]).floor
    print(f"one floor for every hit (titles ignored), chosen the same way: {one.similarity:.2f}")
    report(sims, untitled, labels, dev, Floor(one.similarity, one.similarity))
    others = [Floor(round(chosen.similarity + d, 2), chosen.titled) for d in (-0.05, 0.05)]
    others += [Floor(chosen.similarity, round(chosen.titled + d, 2)) for d in (-0.08, 0.04)]
    for floor in others + ([Floor(*args.floor)] if args.floor else []):
        print(f"floor {floor}:")
        report(sims, titled, labels, dev, floor)
    print("best similarity of queries with no relevant job:")
    for q, top, row in zip(queries, sims.max(axis=1), labels):
        if not (row == 1).any():
            print(f"  {top:.2f}  {q.query}{' (held out)' if q.holdout else ''}")


if __name__ == "__main__":
    main()
