"""Accuracy of the vetting scorer: per-family precision/recall/F1 on the annotated snippets, and
fraud detection on EMSCAD beside a TF-IDF + logistic regression baseline.

    .venv/bin/python bench/vetting_eval.py [--n-process 2] [--skip-emscad]
                                           [--holdout full|summary|skip]

`--holdout summary` prints only the held-out set's figures, not its mistakes, so that whoever
is improving the patterns never reads the held-out snippets; `skip` leaves the set out.

EMSCAD (Employment Scam Aegean Dataset, Vidros et al., Future Internet 9(1):6, 2017) is read
from ../shared/data/emscad/ and never copied into the project. Its text is lower-cased with
punctuation and English stop words removed, so "no" and "not" are gone: the negation rules
cannot be judged on it.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train_fraud_model import FOLDS, SEED, load_emscad, removed_stop_words, SETTINGS  # noqa: E402

from vetting.demo_eval import evaluate_demo, format_demo_report, load_demo_ads  # noqa: E402
from vetting.evaluation import evaluate, format_report, load_dev_set  # noqa: E402
from vetting.fraud_model import fit_fraud_model  # noqa: E402
from vetting.scorer import Scorer  # noqa: E402

DEV_SET = ROOT / "tests" / "data" / "vetting_dev.yaml"
HOLDOUT = ROOT / "tests" / "data" / "vetting_holdout.yaml"
DEMO_JOBS = ROOT / "seed" / "data" / "jobs.yaml"
DEMO_ORGANISATIONS = ROOT / "seed" / "data" / "organisations.yaml"
FLAG_AT = 25  # a posting score at or above one "high" risk counts as flagged
LEARNED_POINTS = 30  # what-if: the learned estimate added as a contribution of up to this


def annotated(scorer: Scorer, path: Path, title: str, mistakes: bool = True) -> None:
    cases = load_dev_set(path)
    results = scorer.score_many([c.to_input() for c in cases])
    report = evaluate(cases, results, scorer.catalogue)
    print(f"\n== {title}: {path.relative_to(ROOT)} ({len(cases)} snippets)")
    print(format_report(report))
    if report.errors and mistakes:
        print(f"{len(report.errors)} mistakes, e.g.: " + "; ".join(report.errors[:6]))
    elif report.errors:
        print(f"{len(report.errors)} mistakes (not shown)")


def demo_ads(scorer: Scorer) -> None:
    """The 200 demo ads, labelled fair or unfair with the risk families put in them."""
    ads = load_demo_ads(DEMO_JOBS, DEMO_ORGANISATIONS)
    report = evaluate_demo(ads, scorer.score_many([a.ad for a in ads]))
    print(f"\n== demo job ads: {DEMO_JOBS.relative_to(ROOT)} ({report.fair} fair, "
          f"{report.unfair} unfair)")
    print(format_demo_report(report))
    if report.errors:
        print(f"{len(report.errors)} mistakes, e.g.: " + "; ".join(report.errors[:6]))


def fraud_metrics(name: str, y: np.ndarray, score: np.ndarray, threshold: float) -> str:
    from sklearn.metrics import precision_score, recall_score, roc_auc_score

    flagged = (score >= threshold).astype(int)
    return (f"{name:<58}{roc_auc_score(y, score):>8.4f}"
            f"{precision_score(y, flagged, zero_division=0):>10.3f}"
            f"{recall_score(y, flagged, zero_division=0):>8.3f}")


def out_of_fold(texts: list[str], y: np.ndarray, make) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(y))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(texts, y):
        model = make()
        model.fit([texts[i] for i in train], y[train])
        out[test] = model.predict_proba([texts[i] for i in test])[:, 1]
    return out


class _LearnedRecipe:
    """The shipped component's recipe, refitted on each fold (no peeking at the test fold)."""

    def __init__(self, stop: list[str]) -> None:
        self.stop, self.model = stop, None

    def fit(self, texts: list[str], y: np.ndarray) -> "_LearnedRecipe":
        self.model = fit_fraud_model(texts, y, stop_words=self.stop, **SETTINGS)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        p = self.model.probabilities(texts)
        return np.column_stack([1 - p, p])


def emscad(scorer: Scorer, n_process: int) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, y = load_emscad()
    started = time.perf_counter()
    results = scorer.score_many(texts, batch_size=32, n_process=n_process)
    rules = np.array([r.score if r.score is not None else 0 for r in results], dtype=float)
    unscored = sum(r.score is None for r in results)
    print(f"\n== EMSCAD dev split: {len(y)} ads ({int(y.sum())} fraudulent); scored in "
          f"{time.perf_counter() - started:.0f} s; {unscored} marked not scorable (counted as 0)")
    plain = out_of_fold(texts, y, lambda: make_pipeline(
        TfidfVectorizer(), LogisticRegression(max_iter=5000)))
    tuned = out_of_fold(texts, y, lambda: make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=10, max_iter=5000)))
    learned = out_of_fold(texts, y, lambda: _LearnedRecipe(removed_stop_words(texts)))
    print(f"{'score used as fraud score (' + str(FOLDS) + '-fold CV where trained)':<58}"
          f"{'ROC-AUC':>8}{'fraud P':>10}{'fraud R':>8}")
    print(fraud_metrics(f"ILO rule posting score (flag at >= {FLAG_AT})", y, rules, FLAG_AT))
    print(fraud_metrics("baseline: TF-IDF + LR, scikit-learn defaults", y, plain, 0.5))
    print(fraud_metrics("baseline: TF-IDF 1-2 grams, sublinear, C=10", y, tuned, 0.5))
    print(fraud_metrics(f"learned component (chi2 top {SETTINGS['k']} terms + LR)", y, learned,
                        0.5))
    combined = np.minimum(rules + np.round(LEARNED_POINTS * learned), 100)
    print(fraud_metrics(f"what-if: rule score + {LEARNED_POINTS} x learned probability", y,
                        combined, FLAG_AT))


def main() -> None:
    parser = argparse.ArgumentParser(description="vetting accuracy figures")
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--skip-emscad", action="store_true")
    parser.add_argument("--holdout", choices=("full", "summary", "skip"), default="full",
                        help="held-out set: figures and mistakes, figures only, or not at all")
    args = parser.parse_args()
    scorer = Scorer()
    annotated(scorer, DEV_SET, "development set")
    demo_ads(scorer)
    if HOLDOUT.exists() and args.holdout != "skip":
        annotated(scorer, HOLDOUT, "held-out set (not used to write the patterns)",
                  mistakes=args.holdout == "full")
    if not args.skip_emscad:
        emscad(scorer, args.n_process)


if __name__ == "__main__":
    main()
