"""Throughput of the vetting scorer beside the bare spaCy pipeline it runs on.

Both sides use the same pipeline object (the components `vetting.nlp.get_nlp` keeps), the
same ads and the same batch size, measured side by side in one run (alternating, best of
several rounds), in one process and with `n_process` workers. Figures are given in CPU
time (all processes, i.e. ads per fully used core) and in wall time: on a shared, loaded
machine the CPU figures are the steadier ones.

Two sets of ads are timed:
- "snippets": short ads (about 40 tokens) of three annotated development snippets each.
  Every snippet was written around a warning sign or its fair counterpart, so these ads
  are far denser in signals than real ones: the scorer's worst case.
- "demo ads": the 200 demo job ads in seed/data (title, description and benefits, about
  170 tokens each), written like the ads of the corridors.

    .venv/bin/python bench/vetting_speed.py [--ads 2000] [--batch-size 64] [--processes 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vetting.demo_eval import load_demo_ads  # noqa: E402
from vetting.evaluation import load_dev_set  # noqa: E402
from vetting.scorer import Scorer  # noqa: E402

SNIPPETS = [ROOT / "tests" / "data" / "vetting_dev.yaml",
            ROOT / "tests" / "data" / "vetting_holdout.yaml"]
SEED = ROOT / "seed" / "data"


def sample_ads(count: int) -> list[str]:
    """Short ads built from the annotated snippets: three snippets per ad, varied order.

    These are denser in signals than most real ads, so the scorer's share is on the high side.
    """
    snippets = [c.text for path in SNIPPETS if path.exists() for c in load_dev_set(path)]
    ads = []
    for i in range(count):
        a, b, c = (snippets[(i * k + k) % len(snippets)] for k in (1, 7, 13))
        ads.append(f"{a} {b} {c}")
    return ads


def demo_ads(count: int) -> list[str]:
    """The demo job ads' texts, repeated up to `count`."""
    texts = [d.ad.text for d in load_demo_ads(SEED / "jobs.yaml", SEED / "organisations.yaml")]
    return [texts[i % len(texts)] for i in range(count)]


def side_by_side(bare: Callable[[], object], full: Callable[[], object], rounds: int,
                 clock: Callable[[], float]) -> tuple[float, float]:
    """Best time of each over alternating rounds, so that both see the same machine load."""
    best_bare = best_full = float("inf")
    for _ in range(rounds):
        started = clock()
        bare()
        best_bare = min(best_bare, clock() - started)
        started = clock()
        full()
        best_full = min(best_full, clock() - started)
    return best_bare, best_full


def cpu_seconds() -> float:
    """CPU used by this process and by its finished worker processes (they are joined when a
    pipe or pool ends), so that CPU figures with several processes count every worker."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def report(label: str, count: int, processes: int, times: tuple[float, float]) -> None:
    """Ads per second; in CPU time that is per CPU-second, i.e. per fully used core."""
    bare, full = (count / t for t in times)
    per = "per core" if "CPU" in label else f"{full / processes:4.0f} per process"
    print(f"{label:<28} bare nlp.pipe {bare:6.0f} ads/s | full scorer {full:6.0f} ads/s "
          f"({per}) | scorer at {100 * full / bare:5.1f}% of bare")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scorer = Scorer()
    print(f"pipeline components: {', '.join(scorer.nlp.pipe_names)}; batch size "
          f"{args.batch_size}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    for name, ads in (("snippets", sample_ads(args.ads)), ("demo ads", demo_ads(args.ads // 4))):
        compare(scorer, name, ads, args)


def compare(scorer: Scorer, name: str, ads: list[str], args: argparse.Namespace) -> None:
    nlp = scorer.nlp
    tokens = statistics.mean(len(d) for d in nlp.pipe(ads[:300]))
    print(f"\n{name}: {len(ads)} ads, {tokens:.0f} tokens on average")
    scorer.score_many(ads[:300], batch_size=args.batch_size)  # warm up
    for processes in sorted({1, args.processes}):
        def bare(n: int = processes) -> None:
            for _ in nlp.pipe(ads, batch_size=args.batch_size, n_process=n):
                pass

        def full(n: int = processes) -> None:
            scorer.score_many(ads, batch_size=args.batch_size, n_process=n)

        plural = "es" if processes > 1 else ""
        report(f"{processes} process{plural}, CPU time", len(ads), processes,
               side_by_side(bare, full, args.rounds, cpu_seconds))
        report(f"{processes} process{plural}, wall time", len(ads), processes,
               side_by_side(bare, full, args.rounds, time.perf_counter))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
