"""The vetting scorer: ad text and form fields in; explained ILO findings and a 0-100 risk out.

Pure core: no Flask, no database. Build one `Scorer` and reuse it; it holds the spaCy
pipeline and the matchers built from the signal catalogue.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from vetting.amounts import MONEY, Amount, AmountFinder
from vetting.catalogue import Catalogue, load_catalogue
from vetting.detectors import Detectors, build_finding
from vetting.fraud_model import FraudModel
from vetting.intake import MAX_CHARS, MESSAGES, PreparedText, prepare_text
from vetting.nlp import DEFAULT_MODEL, get_nlp
from vetting.parsed import ParsedAd
from vetting.results import FRAGMENT, KINDS, AdInput, Contribution, Finding, VettingResult
from vetting.rules import Hit, RuleSet

AdLike = AdInput | str | bytes | None
MAX_AMOUNT_DISTANCE = 12  # tokens between a fee word and the sum of money it belongs to


class Scorer:
    """Scores ads against the signal catalogue with spaCy rules.

    `nlp` defaults to `vetting.nlp.get_nlp(model)`; `fraud_model` (optional) adds a learned
    fraud-pattern estimate beside the findings, never in place of them.
    """

    def __init__(self, nlp: Language | None = None, catalogue: Catalogue | None = None, *,
                 model: str = DEFAULT_MODEL, max_chars: int = MAX_CHARS,
                 fraud_model: FraudModel | None = None) -> None:
        self.nlp = nlp if nlp is not None else get_nlp(model)
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        self.max_chars = max_chars
        self.fraud_model = fraud_model
        self.amounts = AmountFinder(self.catalogue.amounts, self.catalogue.hours)
        self.rules = RuleSet(self.nlp, self.catalogue)
        self.detectors = Detectors(self.catalogue, self.amounts)

    def score(self, ad: AdLike) -> VettingResult:
        """Score one ad; a plain string is scored as a fragment (nothing judged missing)."""
        return next(self.iter_scores([ad], batch_size=1))

    def score_many(self, ads: Iterable[AdLike], batch_size: int = 64,
                   n_process: int = 1) -> list[VettingResult]:
        """Score many ads through `nlp.pipe` in batches; results keep the input order."""
        return list(self.iter_scores(ads, batch_size=batch_size, n_process=n_process))

    def iter_scores(self, ads: Iterable[AdLike], *, batch_size: int = 64,
                    n_process: int = 1) -> Iterator[VettingResult]:
        """Like `score_many`, yielding each result as soon as its batch is scored.

        With `n_process` > 1 (where processes can be forked) each worker parses and scores
        whole chunks, so that the rules run in parallel as well as the parse.
        """
        items = (self._prepare(ad) for ad in ads)
        if n_process > 1 and _FORK is not None:
            yield from self._parallel(items, batch_size, n_process)
        else:
            yield from self._serial(items, batch_size, n_process)

    def _prepare(self, ad: AdLike) -> tuple[AdInput, PreparedText]:
        item = as_input(ad)
        prepared = prepare_text(item.text, self.max_chars)
        # Only the prepared text is scored (offsets refer to it); it also travels to workers.
        return dataclasses.replace(item, text=prepared.text), prepared

    def _serial(self, items: Iterable[tuple[AdInput, PreparedText]], batch_size: int,
                n_process: int = 1) -> Iterator[VettingResult]:
        stream = ((prepared.text, (item, prepared)) for item, prepared in items)
        for doc, (item, prepared) in self.nlp.pipe(stream, as_tuples=True,
                                                   batch_size=batch_size, n_process=n_process):
            yield self._result(doc, item, prepared)

    def _parallel(self, items: Iterable[tuple[AdInput, PreparedText]], batch_size: int,
                  n_process: int) -> Iterator[VettingResult]:
        chunks = ((batch_size, chunk) for chunk in _chunks(items, batch_size * 4))
        with _FORK.Pool(n_process, initializer=_adopt, initargs=(self,)) as pool:
            for results in pool.imap(_score_chunk, chunks):
                yield from results

    def _result(self, doc: Doc, ad: AdInput, prepared: PreparedText) -> VettingResult:
        common = dict(kind=ad.kind, truncated=prepared.truncated, notes=prepared.notes,
                      original_chars=prepared.original_chars)
        if not prepared.scorable:
            fields = tuple(self.detectors.structured(ad, (), absences=False))
            return VettingResult(prepared.status, MESSAGES[prepared.status], None, fields,
                                 language_supported=prepared.status != "not_english", **common)
        findings = self.findings(doc, ad, prepared.text)
        score, contributions = breakdown(findings, self.catalogue.score_range)
        fraud = self.fraud_model.estimate(prepared.text) if self.fraud_model else None
        return VettingResult("scored", MESSAGES["scored"], score, tuple(findings),
                             contributions, fraud=fraud, **common)

    def findings(self, doc: Doc, ad: AdInput, text: str | None = None) -> list[Finding]:
        """All findings for a parsed ad: patterns, working time, then form fields and absences.

        `text` is the string `doc` was made from, when the caller has it (saves rebuilding it).
        """
        text = doc.text if text is None else text
        money = _mark_money(doc, self.amounts.money(text))
        parsed = ParsedAd(doc, self.rules.known_lemmas, text)
        hits = _settle(self.rules.hits(doc, parsed), parsed)
        hits = _attach_money(hits, money, parsed)
        found = [_to_finding(hit, doc, text) for hit in hits]
        found += self.detectors.working_time(text)
        found = _distinct(found)
        found += self.detectors.structured(ad, found)
        return sorted(found, key=_reading_order)


_FORK = (multiprocessing.get_context("fork")
         if "fork" in multiprocessing.get_all_start_methods() else None)
_worker_scorer: Scorer | None = None


def _adopt(scorer: Scorer) -> None:
    """Pool initializer: the forked worker keeps the parent's scorer (nothing is reloaded)."""
    global _worker_scorer
    _worker_scorer = scorer


def _score_chunk(task: tuple[int, list[tuple[AdInput, PreparedText]]]) -> list[VettingResult]:
    batch_size, chunk = task
    assert _worker_scorer is not None
    return list(_worker_scorer._serial(chunk, batch_size))


def _chunks(items: Iterable[tuple[AdInput, PreparedText]],
            size: int) -> Iterator[list[tuple[AdInput, PreparedText]]]:
    chunk: list[tuple[AdInput, PreparedText]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def as_input(ad: AdLike) -> AdInput:
    """Wrap plain text as a fragment; keep AdInput; an unknown kind is treated as a fragment."""
    if not isinstance(ad, AdInput):
        return AdInput(text=ad, kind=FRAGMENT)
    if ad.kind not in KINDS:
        return dataclasses.replace(ad, kind=FRAGMENT)
    return ad


def breakdown(findings: Sequence[Finding], score_range: tuple[int, int] = (0, 100),
              ) -> tuple[int, tuple[Contribution, ...]]:
    """Each signal counts once; the lines (cap included) add up exactly to the score."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[finding.signal_id].append(finding)
    lines = [Contribution(sid, fs[0].family, fs[0].direction, fs[0].points, len(fs),
                          fs[0].ilo_reference) for sid, fs in groups.items()]
    lines.sort(key=lambda c: (-c.points, c.signal_id))
    total = sum(c.points for c in lines)
    low, high = score_range
    score = min(max(total, low), high)
    if score != total:
        name, note = ("score.cap", f"risk points above {high} are not counted") if total > high \
            else ("score.floor", f"good practice cannot take the score below {low}")
        lines.append(Contribution(name, "", "", score - total, 0, note=note))
    return score, tuple(lines)


def _mark_money(doc: Doc, amounts: list[Amount]) -> list[tuple[Amount, Span]]:
    """Tie each sum of money to tokens and mark it as a MONEY entity for the patterns."""
    if not amounts:
        return []
    pairs = []
    for amount in amounts:
        span = doc.char_span(amount.start, amount.end, label="MONEY", alignment_mode="expand")
        if span is not None:
            pairs.append((amount, span))
    entities = filter_spans([span for _, span in pairs] + list(doc.ents))
    doc.ents = entities
    return pairs


def _settle(hits: list[Hit], parsed: ParsedAd) -> list[Hit]:
    """Drop fallbacks beside a stronger match of their family, and overridden matches."""
    kept = []
    for hit in hits:
        # A risk inside a question ("Will someone keep my passport? No.") is the ad asking
        # what workers worry about, not a condition it sets.
        if hit.signal.direction == "risk" and parsed.in_question(hit.start):
            continue
        # A heading ("Recruitment costs and your rights:") names a topic, not a condition.
        if hit.signal.direction == "risk" and parsed.in_heading(hit.start):
            continue
        segment = parsed.segment(hit.start, hit.end)
        if hit.fallback and any(o is not hit and o.signal.family == hit.signal.family
                                and not o.fallback and _within(o, segment) for o in hits):
            continue
        if any(o.signal.id in hit.signal.overridden_by and o.start < hit.end and hit.start < o.end
               for o in hits):
            continue
        kept.append(hit)
    return kept


def _attach_money(hits: list[Hit], money: list[tuple[Amount, Span]],
                  parsed: ParsedAd) -> list[Hit]:
    """Give each sum of money to the nearest signal in its sentence that takes amounts."""
    wanting = [h for h in hits if h.signal.amounts == MONEY]
    for amount, span in money:
        segment = parsed.segment(span.start, span.end)
        near = [(_distance(h, span), h) for h in wanting if _within(h, segment)]
        near = [(d, h) for d, h in near if d <= MAX_AMOUNT_DISTANCE]
        if near:
            min(near, key=lambda pair: (pair[0], pair[1].start))[1].amounts.append((amount, span))
    kept = []
    for hit in hits:
        if hit.signal.requires_amount and not hit.amounts:
            continue
        if hit.signal.drop_if_money_in_sentence and any(
                _within_span(span, parsed.segment(hit.start, hit.end)) for _, span in money):
            continue
        kept.append(hit)
    return kept


def _to_finding(hit: Hit, doc: Doc, text: str) -> Finding:
    start, end = doc[hit.start].idx, doc[hit.end - 1].idx + len(doc[hit.end - 1])
    if hit.signal.requires_amount:  # "Salary: QAR 1,200 per month" shows the figure itself
        start = min([start] + [a.start for a, _ in hit.amounts])
        end = max([end] + [a.end for a, _ in hit.amounts])
    negated_from = hit.origin if hit.origin != hit.signal.id else None
    detail = f"{hit.origin}, {hit.reason}" if negated_from and hit.reason else ""
    return build_finding(hit.signal, start, end, text[start:end],
                         [a for a, _ in hit.amounts], detail=detail, negated_from=negated_from)


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One finding per signal and stretch of text: the longest of overlapping ones."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: -((f.end or 0) - (f.start or 0))):
        if not any(k.signal_id == finding.signal_id and k.start is not None
                   and finding.start is not None and k.start < finding.end and finding.start < k.end
                   for k in kept):
            kept.append(finding)
    return kept


def _reading_order(finding: Finding) -> tuple[int, int, str]:
    return (finding.start if finding.start is not None else 1 << 30,
            finding.end or 0, finding.signal_id)


def _within(hit: Hit, segment: tuple[int, int]) -> bool:
    return segment[0] <= hit.start and hit.end <= segment[1]


def _within_span(span: Span, segment: tuple[int, int]) -> bool:
    return segment[0] <= span.start and span.end <= segment[1]


def _distance(hit: Hit, span: Span) -> int:
    if span.start < hit.end and hit.start < span.end:
        return 0
    return span.start - hit.end if span.start >= hit.end else hit.start - span.end
