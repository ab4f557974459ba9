"""A small learned estimate of how much an ad's wording resembles known fraudulent job ads.

Shipped as weights only (vetting/fraud_model.json: a TF-IDF vocabulary of word unigrams
and bigrams, their idf and logistic-regression coefficients), trained by
bench/train_fraud_model.py on the EMSCAD balanced development split (Employment Scam
Aegean Dataset, Vidros et al., Future Internet 9(1):6, 2017). It sits beside the ILO
findings and never replaces them. Applying it needs only numpy; fitting needs scikit-learn.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vetting.results import FraudEstimate

MODEL_PATH = Path(__file__).with_name("fraud_model.json")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_NOT_WORD = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class FraudModel:
    """Vocabulary, idf and coefficients of a TF-IDF + logistic regression model."""

    terms: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    stop_words: frozenset[str] = frozenset()
    meta: dict[str, Any] = field(default_factory=dict)

    def normalise(self, text: str) -> str:
        """Match the training data's form: lower case, no punctuation, no stop words."""
        words = _NOT_WORD.sub(" ", text.lower()).split()
        return " ".join(w for w in words if w not in self.stop_words)

    def features(self, text: str) -> dict[int, float]:
        """Sub-linear TF-IDF over unigrams and bigrams, L2-normalised (as scikit-learn does)."""
        tokens = _TOKEN.findall(self.normalise(text))
        grams = Counter(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])])
        values = {self.terms[g]: (1.0 + math.log(n)) * float(self.idf[self.terms[g]])
                  for g, n in grams.items() if g in self.terms}
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {i: v / norm for i, v in values.items()} if norm else {}

    def estimate(self, text: str, top: int = 5) -> FraudEstimate:
        """Probability that the wording is a fraudulent ad's, with the terms that weigh most."""
        features = self.features(text)
        parts = {i: float(self.coef[i]) * v for i, v in features.items()}
        logit = self.intercept + sum(parts.values())
        names = {i: term for term, i in self.terms.items()}
        strongest = sorted(parts.items(), key=lambda item: -abs(item[1]))[:top]
        return FraudEstimate(probability=1.0 / (1.0 + math.exp(-logit)),
                             top_terms=tuple((names[i], round(w, 4)) for i, w in strongest),
                             model=str(self.meta.get("name", "fraud_model")))

    def probabilities(self, texts: Iterable[str]) -> np.ndarray:
        return np.array([self.estimate(text, top=0).probability for text in texts])

    def to_json(self, path: str | Path) -> None:
        order = sorted(self.terms, key=self.terms.__getitem__)
        payload = {"meta": self.meta, "intercept": round(self.intercept, 6),
                   "stop_words": sorted(self.stop_words), "terms": order,
                   "idf": [round(float(v), 5) for v in self.idf],
                   "coef": [round(float(v), 5) for v in self.coef]}
        Path(path).write_text(json.dumps(payload, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def load_fraud_model(path: str | Path | None = None) -> FraudModel:
    """Load the shipped weights (or another file written by `FraudModel.to_json`)."""
    data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    return FraudModel(terms={t: i for i, t in enumerate(data["terms"])},
                      idf=np.asarray(data["idf"], dtype=float),
                      coef=np.asarray(data["coef"], dtype=float),
                      intercept=float(data["intercept"]),
                      stop_words=frozenset(data.get("stop_words", ())), meta=data.get("meta", {}))


def fit_fraud_model(texts: Sequence[str], labels: Sequence[int], *, k: int = 3000,
                    c: float = 10.0, stop_words: Iterable[str] = (),
                    meta: dict[str, Any] | None = None) -> FraudModel:
    """Keep the k terms most associated with either class (chi-squared), then fit TF-IDF + LR."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.feature_selection import chi2
    from sklearn.linear_model import LogisticRegression

    stop = frozenset(stop_words)
    model = FraudModel({}, np.zeros(0), np.zeros(0), 0.0, stop)
    docs = [model.normalise(t) for t in texts]
    y = np.asarray(labels)
    counts = CountVectorizer(ngram_range=(1, 2), min_df=2)
    scores = np.nan_to_num(chi2(counts.fit_transform(docs), y)[0])
    names = counts.get_feature_names_out()
    vocabulary = sorted(names[i] for i in np.argsort(-scores, kind="stable")[:k])
    tfidf = TfidfVectorizer(vocabulary=vocabulary, ngram_range=(1, 2), sublinear_tf=True)
    classifier = LogisticRegression(C=c, max_iter=5000).fit(tfidf.fit_transform(docs), y)
    return FraudModel(terms={t: i for i, t in enumerate(vocabulary)}, idf=tfidf.idf_,
                      coef=classifier.coef_[0], intercept=float(classifier.intercept_[0]),
                      stop_words=stop, meta=dict(meta or {}, k=k, C=c))
