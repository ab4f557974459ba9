"""Hybrid job search over 100,000 generated postings on one core: p50/p95/p99 latency
including query embedding, its parts, and the raw NumPy matrix-product floor.

    .venv/bin/python bench/search.py [--postings 100000] [--queries 400]

The first run embeds the postings (cached under bench/out/, minutes to an hour on two
cores); later runs reload the saved indexes.
"""
from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import corpus  # noqa: E402
from matching.encoder import CachedEncoder, get_encoder  # noqa: E402
from matching.hybrid import hybrid_search  # noqa: E402

HANDWRITTEN = ["care for old people", "electrician Doha", "welder with 3 years",
               "cleaning hotel rooms", "drive a truck", "cook in a restaurant",
               "picking fruit on a farm", "security guard night shift", "build houses",
               "fix air conditioners", "sewing clothes in a factory", "nurse in a hospital",
               "look after children", "painter for buildings", "plumber Dubai no fees"]
QUERY_TEMPLATES = ["{label} {city}", "{label} job in {city}", "{label} with {n} years",
                   "work as {label} in {country}", "{label}", "experienced {label} {city}"]


def make_queries(count: int, seed: int = 3) -> list[str]:
    """Distinct queries a worker might type (distinct, so each is really embedded)."""
    rng = random.Random(seed)
    occupations = [o for o in corpus.read_occupations() if o.isco[:1] in "56789"]
    queries = dict.fromkeys(HANDWRITTEN)
    while len(queries) < count:
        occ = rng.choice(occupations)
        cities, _, _, country = corpus.CORRIDORS[rng.choice(list(corpus.CORRIDORS))]
        queries[rng.choice(QUERY_TEMPLATES).format(
            label=rng.choice((occ.label,) + occ.alt_labels), city=rng.choice(cities),
            country=country, n=rng.randint(1, 10))] = None
    return list(queries)[:count]


def percentiles(times_ms: list[float]) -> str:
    p50, p95, p99 = np.percentile(times_ms, [50, 95, 99])
    return f"p50 {p50:7.2f}   p95 {p95:7.2f}   p99 {p99:7.2f}   mean {np.mean(times_ms):7.2f}"


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    postings = corpus.make_postings(args.postings)
    vectors, texts = corpus.load_or_build_indexes(postings, get_encoder(
        cache_dir=corpus.OUT / "cache"))
    raw = np.load(corpus.OUT / f"index-{len(postings)}" / "vectors" / "vectors.npy")
    queries = make_queries(args.queries)
    np_qa = [p.id for p in postings if p.corridor == "NP-QA"]
    # No memory cache for queries: every query below is really embedded.
    query_encoder = CachedEncoder(memory_size=0)
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        report(queries, query_encoder, vectors, texts, raw, np_qa)
    titles = {p.id: p.title for p in postings}
    for query in HANDWRITTEN[:3]:
        hits = hybrid_search(query, encoder=query_encoder, vectors=vectors, texts=texts, k=3)
        print(f"{query!r:24} -> " + " | ".join(titles[h.id] for h in hits.hits))


def report(queries, encoder, vectors, texts, raw, np_qa) -> None:
    def search(q, allowed=None):
        return hybrid_search(q, encoder=encoder, vectors=vectors, texts=texts, k=20,
                             allowed_ids=allowed)

    timed(search, HANDWRITTEN)  # warm-up
    query_vectors = encoder.encode(queries)
    rows = {
        "hybrid search, query embedding included": timed(search, queries),
        "hybrid search, corridor filter (NP-QA)": timed(lambda q: search(q, np_qa), queries),
        "  query embedding alone": timed(lambda q: encoder.encode([q]), queries),
        "  vector top-100 alone": timed(lambda v: vectors.search(v, 100), query_vectors),
        "  BM25 top-100 alone": timed(lambda q: texts.search(q, 100), queries),
        "  raw NumPy matrix product (floor)": timed(lambda v: raw @ v, query_vectors),
    }
    print(f"{len(raw):,} postings, {len(queries)} distinct queries, one thread "
          f"(torch {torch.get_num_threads()}, BLAS 1); times in ms")
    for label, times in rows.items():
        print(f"{label:42s} {percentiles(times)}")
    print()


if __name__ == "__main__":
    main()
