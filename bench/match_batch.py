"""Batch matching: 10,000 candidates against 100,000 postings, top-10 each, with total
time and peak memory; once over every posting, once within each candidate's corridor.

    .venv/bin/python bench/match_batch.py [--candidates 10000] [--postings 100000]

Postings and their indexes are shared with bench/search.py (cached under bench/out/).
"""
from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from collections import defaultdict

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

import corpus  # noqa: E402
from matching.encoder import get_encoder  # noqa: E402
from matching.explain import profile_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    postings = corpus.make_postings(args.postings)
    encoder = get_encoder(cache_dir=corpus.OUT / "cache")
    vectors, _ = corpus.load_or_build_indexes(postings, encoder)
    candidates = corpus.make_candidates(args.candidates)
    profiles = corpus.embed_all(encoder, [profile_text(c.profile) for c in candidates],
                                label="candidates")
    blas = ", ".join(sorted({f"{i['internal_api']} {i['num_threads']} threads"
                             for i in threadpool_info() if i["user_api"] == "blas"}))
    print(f"{len(candidates):,} candidates x {len(vectors):,} postings, top-{args.k}; "
          f"{os.cpu_count()} cores, {blas}")

    tracemalloc.start()
    started = time.perf_counter()
    ids, _ = vectors.search_many(profiles, args.k)
    everything = time.perf_counter() - started
    peak_all = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    by_corridor = match_within_corridors(vectors, postings, candidates, profiles, args.k)
    within = time.perf_counter() - started
    peak_corridor = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all postings:        {everything:6.2f} s, peak memory of matching "
          f"{peak_all / 2**20:6.1f} MiB")
    print(f"within the corridor: {within:6.2f} s, peak memory of matching "
          f"{peak_corridor / 2**20:6.1f} MiB")
    print(f"peak resident memory of the process (model, indexes, vectors): {rss:,.0f} MiB")
    print(f"top-1 posting in the candidate's desired occupation: "
          f"{same_occupation(ids, postings, candidates):.1%} (all), "
          f"{same_occupation(by_corridor, postings, candidates):.1%} (within corridor)")


def match_within_corridors(vectors, postings, candidates, profiles, k: int) -> np.ndarray:
    """Top-k per candidate among postings of their corridor: one batch per corridor."""
    allowed = defaultdict(list)
    for posting in postings:
        allowed[posting.corridor].append(posting.id)
    rows = defaultdict(list)
    for row, candidate in enumerate(candidates):
        rows[candidate.corridor].append(row)
    out = np.full((len(candidates), k), -1, dtype=np.int64)
    for corridor, members in rows.items():
        ids, _ = vectors.search_many(profiles[members], k, allowed_ids=allowed[corridor])
        out[members, :ids.shape[1]] = ids
    return out


def same_occupation(ids: np.ndarray, postings, candidates) -> float:
    occupation = {p.id: p.occupation for p in postings}
    hits = sum(occupation.get(int(row[0])) == c.profile["desired_occupation"]
               for row, c in zip(ids, candidates))
    return hits / max(len(candidates), 1)


if __name__ == "__main__":
    torch.set_num_threads(os.cpu_count() or 1)
    main()
