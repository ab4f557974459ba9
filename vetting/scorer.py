"""The vetting scorer: ad text and form fields in, explained ILO findings and a 0-100 risk score out.

Pure core: no Flask, no database. Build one `Scorer` and reuse it; it holds the spaCy
pipeline and the matchers built from the signal catalogue.
"""
from __future__ import annotations

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
from vetting.results import (FRAGMENT, KINDS, AdInput, Contribution, Finding, VettingResult)
from vetting.rules import Hit, RuleSet, normalise_lemmas

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
        """Like `score_many`, yielding each result as soon as its batch is parsed."""
        def stream() -> Iterator[tuple[str, tuple[AdInput, PreparedText]]]:
            for ad in ads:
                item = as_input(ad)
                prepared = prepare_text(item.text, self.max_chars)
                yield prepared.text, (item, prepared)

        for doc, (item, prepared) in self.nlp.pipe(stream(), as_tuples=True,
                                                   batch_size=batch_size, n_process=n_process):
            yield self._result(doc, item, prepared)

    def _result(self, doc: Doc, ad: AdInput, prepared: PreparedText) -> VettingResult:
        common = dict(kind=ad.kind, truncated=prepared.truncated, notes=prepared.notes,
                      original_chars=prepared.original_chars)
        if not prepared.scorable:
            fields = tuple(self.detectors.structured(ad, (), absences=False))
            return VettingResult(prepared.status, MESSAGES[prepared.status], None, fields,
                                 language_supported=prepared.status != "not_english", **common)
        findings = self.findings(doc, ad)
        score, contributions = breakdown(findings, self.catalogue.score_range)
        fraud = self.fraud_model.estimate(prepared.text) if self.fraud_model else None
        return VettingResult("scored", MESSAGES["scored"], score, tuple(findings),
                             contributions, fraud=fraud, **common)

    def findings(self, doc: Doc, ad: AdInput) -> list[Finding]:
        """All findings for a parsed ad: patterns, working time, then form fields and absences."""
        money = _mark_money(doc, self.amounts.money(doc.text))
        normalise_lemmas(doc, self.rules.known_lemmas)
        hits = _settle(self.rules.hits(doc), doc)
        hits = _attach_money(hits, money, doc)
        found = [_to_finding(hit, doc) for hit in hits]
        found += self.detectors.working_time(doc.text)
        found = _distinct(found)
        found += self.detectors.structured(ad, found)
        return sorted(found, key=_reading_order)


def as_input(ad: AdLike) -> AdInput:
    """Wrap plain text as a fragment; keep AdInput; an unknown kind is treated as a fragment."""
    if not isinstance(ad, AdInput):
        return AdInput(text=ad, kind=FRAGMENT)
    if ad.kind not in KINDS:
        return AdInput(**{**ad.__dict__, "kind": FRAGMENT})
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
    pairs = []
    for amount in amounts:
        span = doc.char_span(amount.start, amount.end, label="MONEY", alignment_mode="expand")
        if span is not None:
            pairs.append((amount, span))
    entities = filter_spans([span for _, span in pairs] + list(doc.ents))
    doc.ents = entities
    return pairs


def _segment(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """The sentence around tokens start:end, cut at semicolons (lists of terms in ads)."""
    sent = doc[start].sent
    left = next((i + 1 for i in range(start - 1, sent.start - 1, -1) if doc[i].text == ";"),
                sent.start)
    right = next((i for i in range(end, sent.end) if doc[i].text == ";"), sent.end)
    return left, right


def _settle(hits: list[Hit], doc: Doc) -> list[Hit]:
    """Drop fallbacks beside a stronger match of their family, and overridden matches."""
    kept = []
    for hit in hits:
        segment = _segment(doc, hit.start, hit.end)
        if hit.fallback and any(o is not hit and o.signal.family == hit.signal.family
                                and not o.fallback and _within(o, segment) for o in hits):
            continue
        if any(o.signal.id in hit.signal.overridden_by and o.start < hit.end and hit.start < o.end
               for o in hits):
            continue
        kept.append(hit)
    return kept


def _attach_money(hits: list[Hit], money: list[tuple[Amount, Span]], doc: Doc) -> list[Hit]:
    """Give each sum of money to the nearest signal in its sentence that takes amounts."""
    wanting = [h for h in hits if h.signal.amounts == MONEY]
    for amount, span in money:
        segment = _segment(doc, span.start, span.end)
        near = [(_distance(h, span), h) for h in wanting if _within(h, segment)]
        near = [(d, h) for d, h in near if d <= MAX_AMOUNT_DISTANCE]
        if near:
            min(near, key=lambda pair: (pair[0], pair[1].start))[1].amounts.append((amount, span))
    kept = []
    for hit in hits:
        if hit.signal.requires_amount and not hit.amounts:
            continue
        if hit.signal.drop_if_money_in_sentence and any(
                _within_span(span, _segment(doc, hit.start, hit.end)) for _, span in money):
            continue
        kept.append(hit)
    return kept


def _to_finding(hit: Hit, doc: Doc) -> Finding:
    start, end = doc[hit.start].idx, doc[hit.end - 1].idx + len(doc[hit.end - 1])
    if hit.signal.requires_amount:  # "Salary: QAR 1,200 per month" shows the figure itself
        start = min([start] + [a.start for a, _ in hit.amounts])
        end = max([end] + [a.end for a, _ in hit.amounts])
    negated_from = hit.origin if hit.origin != hit.signal.id else None
    detail = f"{hit.origin} reversed by {hit.cue!r}" if negated_from and hit.cue else ""
    return build_finding(hit.signal, start, end, doc.text[start:end],
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
