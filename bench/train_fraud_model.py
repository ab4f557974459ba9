"""Train the learned fraud-pattern weights (vetting/fraud_model.json) on the EMSCAD dev split.

Reproducible: fixed folds and settings, no randomness in fitting. Prints the
cross-validated ROC-AUC of the recipe and checks that the shipped weights, applied without
scikit-learn, give the same probabilities as the fitted scikit-learn model.

    .venv/bin/python bench/train_fraud_model.py [--out vetting/fraud_model.json]

Data: EMSCAD, Employment Scam Aegean Dataset (Vidros et al., Future Internet 9(1):6, 2017),
balanced preprocessed split, read from ../shared/data/emscad/ and never copied here.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vetting.fraud_model import MODEL_PATH, fit_fraud_model  # noqa: E402

EMSCAD = ROOT.parent / "shared" / "data" / "emscad" / "emscad_balanced_dev.csv"
SETTINGS = {"k": 3000, "c": 10.0}
FOLDS, SEED = 5, 0


def load_emscad(path: Path = EMSCAD) -> tuple[list[str], np.ndarray]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], np.array([int(r["fraudulent"]) for r in rows])


def removed_stop_words(texts: list[str]) -> list[str]:
    """English stop words absent from the corpus: the ones its preprocessing removed.

    Raw ads are stripped of the same words before scoring, so that bigrams line up.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    seen = {w for t in texts for w in re.findall(r"\w+", t)}
    return sorted(w for w in ENGLISH_STOP_WORDS if w not in seen)


def cross_validated(texts: list[str], y: np.ndarray, stop: list[str]) -> np.ndarray:
    """Out-of-fold probabilities of the recipe (each fold fits its own vocabulary)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(y))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(texts, y):
        model = fit_fraud_model([texts[i] for i in train], y[train], stop_words=stop, **SETTINGS)
        out[test] = model.probabilities([texts[i] for i in test])
    return out


def main() -> None:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    texts, y = load_emscad()
    stop = removed_stop_words(texts)
    oof = cross_validated(texts, y, stop)
    auc = roc_auc_score(y, oof)
    print(f"EMSCAD dev split: {len(y)} ads, {int(y.sum())} fraudulent; "
          f"{FOLDS}-fold cross-validated ROC-AUC of the recipe: {auc:.4f}")
    meta = {"name": "emscad-tfidf-lr", "trained_on": "EMSCAD balanced dev split "
            "(Employment Scam Aegean Dataset, Vidros et al., Future Internet 9(1):6, 2017)",
            "cv_roc_auc": round(float(auc), 4), "folds": FOLDS, "seed": SEED,
            "note": "wording resemblance to fraudulent job ads; not an ILO finding"}
    model = fit_fraud_model(texts, y, stop_words=stop, meta=meta, **SETTINGS)
    model.to_json(args.out)
    check_parity(texts, y, stop, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {len(model.terms)} terms)")


def check_parity(texts: list[str], y: np.ndarray, stop: list[str], path: Path) -> None:
    """The JSON weights, applied in pure Python, must reproduce scikit-learn's probabilities."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from vetting.fraud_model import load_fraud_model

    shipped = load_fraud_model(path)
    docs = [shipped.normalise(t) for t in texts]
    vocabulary = sorted(shipped.terms, key=shipped.terms.__getitem__)
    tfidf = TfidfVectorizer(vocabulary=vocabulary, ngram_range=(1, 2), sublinear_tf=True)
    reference = LogisticRegression(C=SETTINGS["c"], max_iter=5000).fit(tfidf.fit_transform(docs), y)
    expected = reference.predict_proba(tfidf.transform(docs))[:, 1]
    gap = float(np.max(np.abs(shipped.probabilities(texts) - expected)))
    print(f"parity with scikit-learn (max |difference| in probability): {gap:.2e}")
    if gap > 1e-3:
        raise SystemExit("shipped weights do not reproduce the fitted model")


if __name__ == "__main__":
    main()
