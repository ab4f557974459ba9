"""Recognising the same job ad re-posted by several boards and agents with small edits (pure).

Three tests, cheapest first: the same normalised text (exact), the same title, employer,
country and monthly wage (key), and MinHash similarity of the ad's word 3-grams with LSH
banding to find candidates (near). A near-duplicate must also be in the same country and
pay within WAGE_TOLERANCE: a re-post that changes the pay is a different offer.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

NUM_PERM = 128
# LSH: 42 bands of 3 rows (126 of the 128 values). A pair at the threshold (0.5) becomes
# a candidate with probability 1 - (1 - 0.5**3)**42 = 0.996; at 0.2, 0.29.
BANDS, ROWS = 42, 3
SHINGLE_WORDS = 3
# Estimated Jaccard similarity from which two ads are the same ad, measured by
# bench/dedupe_threshold.py: of 1,200 edited re-posts of the 200 demo ads, 94-100% per
# kind of edit reach 0.5; of 3,900 pairs of different ads in one corridor (many from one
# agency template) none does -- the most similar pair scores 0.46, 0.41 once country
# and wage must agree. 0.6 would lose a fifth of the re-posts cut short.
THRESHOLD = 0.5
WAGE_TOLERANCE = Decimal("0.10")

_rng = np.random.default_rng(20_240_601)  # fixed: signatures must be stable across runs
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)).reshape(-1, 1)
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64).reshape(-1, 1)
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation."""
    folded = unicodedata.normalize("NFKD", text or "").casefold()
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


def text_hash(*parts: str) -> str:
    """SHA-256 of the normalised words: equal for copies that differ only in markup,
    case, punctuation or spacing."""
    return hashlib.sha256(" ".join(w for p in parts for w in words(p)).encode()).hexdigest()


def _shingles(tokens: list[str]) -> set[str]:
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def minhash(text: str) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32) of a text's word 3-grams."""
    shingles = _shingles(words(text))
    if not shingles:
        return _EMPTY.copy()
    hashes = np.fromiter((int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(),
                                         "little") for s in shingles),
                         dtype=np.uint64, count=len(shingles))
    # Multiply-shift hashing, one (a, b) per permutation; uint64 arithmetic wraps by design.
    mixed = (_A * hashes.reshape(1, -1) + _B) >> np.uint64(32)
    return mixed.min(axis=1).astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    if np.array_equal(a, _EMPTY) or np.array_equal(b, _EMPTY):
        return 0.0
    return float(np.count_nonzero(a == b)) / NUM_PERM


@dataclass(frozen=True)
class Fingerprint:
    text_hash: str
    key: str
    signature: np.ndarray
    destination: str
    monthly: Decimal | None  # None: the ad states no wage
    currency: str | None


def fingerprint(title: str, employer: str, description: str, destination: str,
                monthly: Decimal | None, currency: str | None) -> Fingerprint:
    """What duplicate detection compares of one ad."""
    key = "|".join((" ".join(words(title)), " ".join(words(employer)), destination,
                    currency or "", "?" if monthly is None else str(round(monthly))))
    return Fingerprint(text_hash(title, employer, description),
                       hashlib.sha256(key.encode()).hexdigest(),
                       minhash(f"{title}\n{description}"), destination, monthly, currency)


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint32).copy()


@dataclass(frozen=True)
class Match:
    ref: int
    how: str  # "exact", "key" or "near"
    similarity: float


class DuplicateIndex:
    """The ads already known (e.g. a corridor's postings), to look new ones up against."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._by_hash: dict[str, int] = {}
        self._by_key: dict[str, int] = {}
        self._bands: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        self._prints: dict[int, Fingerprint] = {}

    def __len__(self) -> int:
        return len(self._prints)

    def add(self, ref: int, fp: Fingerprint) -> None:
        """Remember `fp` under `ref` (a posting id); the first ref of a text stays."""
        self._prints.setdefault(ref, fp)
        self._by_hash.setdefault(fp.text_hash, ref)
        self._by_key.setdefault(fp.key, ref)
        for band in self._band_keys(fp.signature):
            if ref not in self._bands[band]:
                self._bands[band].append(ref)

    def find(self, fp: Fingerprint, exclude: int | None = None) -> Match | None:
        """The known ad `fp` duplicates, if any."""
        for how, table, value in (("exact", self._by_hash, fp.text_hash),
                                  ("key", self._by_key, fp.key)):
            ref = table.get(value)
            if ref is not None and ref != exclude:
                return Match(ref, how, 1.0)
        best: Match | None = None
        for ref in {r for band in self._band_keys(fp.signature) for r in self._bands.get(band, ())}:
            other = self._prints[ref]
            if ref == exclude or not _comparable(fp, other):
                continue
            score = similarity(fp.signature, other.signature)
            if score >= self.threshold and (best is None or score > best.similarity):
                best = Match(ref, "near", score)
        return best

    @staticmethod
    def _band_keys(signature: np.ndarray) -> list[tuple[int, bytes]]:
        if np.array_equal(signature, _EMPTY):
            return []
        return [(band, signature[band * ROWS:(band + 1) * ROWS].tobytes())
                for band in range(BANDS)]


def _comparable(a: Fingerprint, b: Fingerprint) -> bool:
    """Same country, and the same pay give or take WAGE_TOLERANCE."""
    if a.destination != b.destination or a.currency != b.currency:
        return False
    if a.monthly is None or b.monthly is None:  # a stated wage is another offer than none
        return a.monthly is b.monthly
    high = max(a.monthly, b.monthly)
    return high == 0 or abs(a.monthly - b.monthly) / high <= WAGE_TOLERANCE
