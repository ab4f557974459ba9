"""Search in the workers' languages: recall@10 (and @1) per language of plain search and of
search expanded through the job-title lexicon, over the demo jobs, for the dev queries and
the two held-out parts of bench/data/search_languages.yaml.

    .venv/bin/python bench/search_languages.py [--instance DIR] [--misses]

A query is a hit when a job of one of its ISCO groups is among the first results. The
first run loads the demo data into a scratch instance (default bench/out/search_languages,
a few minutes); later runs reuse it. `--misses` lists the queries that expanded search
does not put first.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.jobs.models import JobPosting  # noqa: E402
from app.jobs.services import JobFilters  # noqa: E402
from matching.expansion import lexicon  # noqa: E402
from matching.folding import words  # noqa: E402
from matching.services import search_jobs  # noqa: E402

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "data" / "search_languages.yaml"
MODES = {"plain": False, "expanded": True}
PARTS = ("dev", "holdout", "unseen")


def scratch_app(instance: Path):
    """An app on a SQLite file in `instance`, migrated to the current schema, with the demo
    data loaded once."""
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.sqlite'}",
                      "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade(directory=str(HERE.parent / "migrations"))
        if not db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting)):
            from seed.builders import seed_demo
            print("loading the demo data into", instance, "(once; a few minutes)")
            seed_demo()
    return app


def read_queries() -> list[tuple[str, str, str, frozenset[str]]]:
    """(language, part, query, ISCO groups) for every query in the file."""
    data = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    return [(language, part, str(query), frozenset(str(groups).split()))
            for language, parts in data.items() for part, rows in parts.items()
            for query, groups in rows]


def rank_of_hit(query: str, groups: frozenset[str], k: int = 10) -> int | None:
    """1-based rank of the first result of one of `groups`, None if not in the first k."""
    page = search_jobs(query, JobFilters(), k=k)
    for rank, (job, _) in enumerate(page.jobs[:k], start=1):
        if job.occupation and job.occupation.isco_group in groups:
            return rank
    return None


def verbatim_forms() -> set[tuple[str, ...]]:
    """Every lexicon spelling as folded words: a query equal to one is no test of reach."""
    return {tuple(words(form)) for entry in lexicon().entries for form in entry.forms}


def measure(app) -> dict:
    """{(language, part): {"queries": [(query, verbatim)], mode: [rank or None, ...]}}."""
    results: dict = {}
    known = verbatim_forms()
    with app.app_context():
        for mode, expand in MODES.items():
            app.config["SEARCH_EXPAND_QUERY"] = expand
            for language, part, query, groups in read_queries():
                cell = results.setdefault((language, part), {"queries": []})
                cell.setdefault(mode, []).append(rank_of_hit(query, groups))
                if mode == "plain":
                    cell["queries"].append((query, tuple(words(query)) in known))
    return results


def _rate(ranks: list, at: int) -> str:
    hits = sum(1 for r in ranks if r is not None and r <= at)
    return f"{hits:2d}/{len(ranks):<2d} {100 * hits / len(ranks):3.0f}%"


def report(results: dict, misses: bool) -> None:
    print(f"{'lang':4} {'part':7} {'n':>2} {'verb':>4}  "
          f"{'plain R@10':>11} {'expanded R@10':>13}   {'plain R@1':>10} {'expanded R@1':>12}")
    for part in PARTS:
        totals: dict = {mode: [] for mode in MODES}
        for (language, p), cell in results.items():
            if p != part:
                continue
            verbatim = sum(1 for _, v in cell["queries"] if v)
            print(f"{language:4} {part:7} {len(cell['plain']):2d} {verbatim:4d}  "
                  f"{_rate(cell['plain'], 10):>11} {_rate(cell['expanded'], 10):>13}   "
                  f"{_rate(cell['plain'], 1):>10} {_rate(cell['expanded'], 1):>12}")
            for mode in MODES:
                totals[mode] += cell[mode]
        print(f"{'all':4} {part:7} {len(totals['plain']):2d} {'':4}  "
              f"{_rate(totals['plain'], 10):>11} {_rate(totals['expanded'], 10):>13}   "
              f"{_rate(totals['plain'], 1):>10} {_rate(totals['expanded'], 1):>12}\n")
    print("verb: queries spelled exactly as a lexicon entry (the rest reach it through "
          "endings, folds, typos or longer phrasings)")
    if misses:
        for (language, part), cell in results.items():
            for (query, _), rank in zip(cell["queries"], cell["expanded"]):
                if rank != 1:
                    print(f"{'miss' if rank is None else f'@{rank}':5} {language} {part:7} "
                          f"{query}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=HERE / "out" / "search_languages")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    report(measure(scratch_app(args.instance)), args.misses)


if __name__ == "__main__":
    main()
