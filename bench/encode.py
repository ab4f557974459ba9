"""Embedding throughput of the ingestion path (CachedEncoder, every text a cache miss)
beside raw SentenceTransformer.encode on the same texts, and what re-encoding costs.

    .venv/bin/python bench/encode.py [--texts 384] [--rounds 6]
"""
from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

import corpus  # noqa: E402
from matching.encoder import DEFAULT_MODEL, CachedEncoder, _load_model  # noqa: E402


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=384, help="texts per round")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    # Another seed than the search corpus, so none of these texts is in any cache.
    texts = [p.text for p in corpus.make_postings(args.texts * args.rounds, seed=1234)]
    model = _load_model(DEFAULT_MODEL)
    batch = CachedEncoder().batch_size
    model.encode(texts[:64], batch_size=batch, show_progress_bar=False)  # warm-up
    with tempfile.TemporaryDirectory() as tmp:
        raw_s, ours_s, inside_s = run_rounds(model, texts, args.texts, batch, Path(tmp))
        total = args.texts * args.rounds
        print(f"\n{total} texts ({sum(len(t.split()) for t in texts) / total:.0f} words each "
              f"on average), batch {batch}, torch threads {torch.get_num_threads()}")
        print(f"raw SentenceTransformer.encode  {total / raw_s:7.1f} texts/s")
        print(f"CachedEncoder (all misses)      {total / ours_s:7.1f} texts/s "
              f"= {100 * raw_s / ours_s:.1f}% of raw")
        print(f"CachedEncoder time outside the model (hashing, cache look-ups and writes): "
              f"{(ours_s - inside_s) * 1000:.0f} ms of {ours_s * 1000:.0f} ms "
              f"= {100 * (ours_s - inside_s) / ours_s:.2f}%")
        report_reencoding(texts[:args.texts], Path(tmp) / "0", batch)


def run_rounds(model, texts: list[str], size: int, batch: int,
               tmp: Path) -> tuple[float, float, float]:
    """Raw encode and CachedEncoder on the same fresh texts, round by round, in alternating
    order so that drift in machine load favours neither; returns (raw, ours, ours inside
    the model) in seconds."""
    raw_encode, inside = model.encode, []

    def timed_encode(*args, **kwargs):
        start = time.perf_counter()
        try:
            return raw_encode(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - start)

    raw_s = ours_s = 0.0
    model.encode = timed_encode  # what CachedEncoder calls; raw runs call the original
    for r in range(len(texts) // size):
        chunk = texts[r * size:(r + 1) * size]
        encoder = CachedEncoder(cache_dir=tmp / str(r), batch_size=batch)
        runs = [functools.partial(raw_encode, chunk, batch_size=batch, show_progress_bar=False),
                functools.partial(encoder.encode, chunk)]
        raw, ours = [seconds(run) for run in runs] if r % 2 == 0 else \
            [seconds(run) for run in runs[::-1]][::-1]
        raw_s, ours_s = raw_s + raw, ours_s + ours
        print(f"round {r + 1}: raw {size / raw:6.1f} texts/s   "
              f"CachedEncoder {size / ours:6.1f} texts/s")
    del model.encode  # back to the class's method
    return raw_s, ours_s, sum(inside)


def report_reencoding(chunk: list[str], cache_dir: Path, batch: int) -> None:
    """The same texts again: from memory, then from disk in a fresh encoder (a restart)."""
    warm = CachedEncoder(cache_dir=cache_dir, batch_size=batch)
    disk = seconds(lambda: warm.encode(chunk))
    memory = seconds(lambda: warm.encode(chunk))
    print(f"re-encoding {len(chunk)} unchanged texts: from disk {disk * 1000:.1f} ms, "
          f"from memory {memory * 1000:.1f} ms, texts sent to the model: {warm.stats.encoded}")


if __name__ == "__main__":
    main()
