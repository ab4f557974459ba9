"""The pure vetting scorer: accuracy on the annotated development set, negation, evidence,
structured fields and bad input. No Flask app is needed (the autouse database fixture of
conftest.py still runs around each test)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vetting.catalogue import FAMILIES, KNOWN_SOURCES, CatalogueError, load_catalogue
from vetting.evaluation import evaluate, load_dev_set
from vetting.fraud_model import load_fraud_model
from vetting.intake import MAX_CHARS, is_probably_english
from vetting.nlp import get_nlp
from vetting.results import AdInput, CostToWorker
from vetting.scorer import Scorer

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    """One scorer for the whole session: loading the spaCy pipeline and compiling the
    catalogue's matchers takes seconds, and the scorer holds no per-ad state."""
    return Scorer()


@pytest.fixture(scope="session")
def dev_cases():
    return load_dev_set(DATA / "vetting_dev.yaml")


@pytest.fixture(scope="session")
def dev_results(scorer, dev_cases):
    """The development set scored once (in batches) and shared by the accuracy tests."""
    return scorer.score_many([case.to_input() for case in dev_cases], batch_size=32)


@pytest.fixture(scope="session")
def dev_report(scorer, dev_cases, dev_results):
    return evaluate(dev_cases, dev_results, scorer.catalogue)


def ids(result) -> set[str]:
    return result.signal_ids()


def finding(result, signal_id: str):
    matches = [f for f in result.findings if f.signal_id == signal_id]
    assert matches, f"{signal_id} not in {sorted(ids(result))}"
    return matches[0]


# ---------------------------------------------------------------- the development set

def test_development_set_is_large_varied_and_consistent(dev_cases, scorer):
    assert len(dev_cases) >= 150
    families = [e.family or scorer.catalogue.signals[e.signal].family
                for case in dev_cases for e in case.expect]
    for family in FAMILIES:
        assert families.count(family) >= 10, family
    assert sum("negation" in case.tags for case in dev_cases) >= 20
    assert sum(not case.expect for case in dev_cases) >= 30  # texts with nothing to find
    for case in dev_cases:
        for expectation in case.expect:
            assert expectation.signal is None or expectation.signal in scorer.catalogue.signals
            assert expectation.span is None or expectation.span in case.text, case.id
            assert all(amount in case.text for amount in expectation.amounts), case.id


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_meets_precision_and_recall_targets(dev_report, family):
    counts = dev_report.family(family)
    mistakes = [e for e in dev_report.errors if family in e]
    assert counts.precision >= 0.9, mistakes
    assert counts.recall >= 0.85, mistakes


def test_evidence_points_at_the_annotated_text(dev_report):
    assert dev_report.span_accuracy >= 0.95, dev_report.errors
    assert dev_report.amount_accuracy >= 0.95, dev_report.errors


def test_every_finding_quotes_the_text_at_its_offsets(dev_cases, dev_results):
    for case, result in zip(dev_cases, dev_results):
        for f in result.findings:
            if f.source == "text":
                assert case.text[f.start:f.end] == f.text, (case.id, f)
                for amount in f.amounts:
                    if amount.start is not None:
                        assert case.text[amount.start:amount.end] == amount.text, (case.id, amount)


def test_score_decomposes_into_its_contributions(dev_results):
    for result in dev_results:
        assert 0 <= result.score <= 100
        assert sum(c.points for c in result.contributions) == result.score
        counted = {c.signal_id for c in result.contributions
                   if not c.signal_id.startswith("score.")}
        assert counted == ids(result)


def test_held_out_set_is_well_formed(scorer):
    """The held-out snippets are only measured (bench/vetting_eval.py), never tuned on."""
    cases = load_dev_set(DATA / "vetting_holdout.yaml")
    assert len(cases) >= 40
    for case in cases:
        for expectation in case.expect:
            assert expectation.signal is None or expectation.signal in scorer.catalogue.signals
            assert expectation.span is None or expectation.span in case.text, case.id


# ---------------------------------------------------------------- negation and scope

@pytest.mark.parametrize("text, good, risk", [
    ("No placement fee.", "good.employer_pays_costs", "fees"),
    ("Workers never pay any fee.", "good.employer_pays_costs", "fees"),
    ("Recruitment is free of charge for all candidates.", "good.employer_pays_costs", "fees"),
    ("Zero fees for every worker.", "good.employer_pays_costs", "fees"),
    ("Placement fee: NIL", "good.employer_pays_costs", "fees"),
    ("Visa fee and air ticket are paid by the employer.", "good.employer_pays_costs", "fees"),
    ("We do not keep passports.", "good.worker_keeps_passport", "passport"),
    ("Workers keep their own passports at all times.", "good.worker_keeps_passport", "passport"),
    ("No new contract on arrival: you work under the contract signed at home.",
     "good.written_contract", "deception"),
])
def test_negated_risk_is_good_practice_not_risk(scorer, text, good, risk):
    result = scorer.score(text)
    assert good in ids(result)
    assert not [f for f in result.risks if f.family == risk]


@pytest.mark.parametrize("text, risk", [
    ("The placement fee is not refundable.", "fees.recruitment_fee"),
    ("The employer does not pay the visa fee.", "fees.related_costs"),
    ("Workers do not keep their passports; the supervisor does.", "passport.retention"),
    ("Interest-free loans are available to cover the recruitment fee.", "debt.loan"),
    ("No placement fee, but candidates pay their own medical test.", "fees.related_costs"),
    ("Weekly off: nil.", "overtime.no_rest_day"),
])
def test_negation_stays_in_scope(scorer, text, risk):
    assert risk in ids(scorer.score(text))


@pytest.mark.parametrize("text, signal, quoted", [
    ("Salary on arrival, apply now.", "deception.vague_wage", "Salary on arrival"),
    ("Pay the agent directly, without receipt.", "irregular.informal_payment",
     "without receipt"),
])
def test_phrase_lists_match_in_any_case(scorer, text, signal, quoted):
    for variant in (text, text.upper()):
        quotes = [f.text.lower() for f in scorer.score(variant).findings if f.signal_id == signal]
        assert quoted.lower() in quotes


def test_negated_finding_says_what_it_reversed(scorer):
    f = finding(scorer.score("No placement fee."), "good.employer_pays_costs")
    assert f.negated_from == "fees.recruitment_fee"
    assert f.text == "placement fee" and "negated by 'No'" in f.detail
    paid = finding(scorer.score("The visa fee is paid by the employer."),
                   "good.employer_pays_costs")
    assert paid.negated_from == "fees.related_costs" and "by the employer" in paid.detail


# ---------------------------------------------------------------- evidence

def test_money_amount_is_tied_to_its_fee_word(scorer):
    text = "Placement fee of USD 1,300 is payable before departure."
    f = finding(scorer.score(text), "fees.recruitment_fee")
    assert f.text == "Placement fee" and text[f.start:f.end] == "Placement fee"
    [amount] = f.amounts
    assert (amount.text, amount.value, amount.currency) == ("USD 1,300", 1300.0, "USD")
    assert text[amount.start:amount.end] == "USD 1,300"


def test_each_amount_goes_to_the_nearest_signal(scorer):
    result = scorer.score(
        "No placement fee, but candidates pay their own medical test (NPR 6,500).")
    assert [a.value for a in finding(result, "fees.related_costs").amounts] == [6500.0]
    assert not finding(result, "good.employer_pays_costs").amounts


@pytest.mark.parametrize("text, value, currency", [
    ("Compensation of USD 1,300 if you resign before two years.", 1300.0, "USD"),
    ("Service charge NPR 1,20,000, half before visa.", 120000.0, "NPR"),
    ("Sign a bond of 3 lakh rupees before joining.", 300000.0, "RUPEES"),
    ("Processing charges of ₱15,000 apply.", 15000.0, "PHP"),
])
def test_amounts_in_corridor_currencies_are_read(scorer, text, value, currency):
    amounts = [a for f in scorer.score(text).risks for a in f.amounts]
    assert (amounts[0].value, amounts[0].currency) == (value, currency)


def test_hours_per_week_are_worked_out_and_cited(scorer):
    text = "Working hours: 12 hours a day, 7 days a week."
    result = scorer.score(text)
    f = finding(result, "overtime.excessive_hours")
    assert text[f.start:f.end] == "12 hours a day"
    assert max(a.value for a in f.amounts if a.kind == "hours_per_week") == 84
    assert "84 hours a week" in f.detail
    assert "overtime.no_rest_day" in ids(result)


@pytest.mark.parametrize("text, expected", [
    ("Maximum 48 hours per week; overtime is voluntary and paid.", "good.hours_stated"),
    ("Work 10 hours daily, six days a week.", "good.hours_stated"),
    ("Duty 14 hrs/day, 6 days.", "overtime.excessive_hours"),
    ("Shift 7am to 9pm with a one-hour break.", "overtime.excessive_hours"),
    ("Call our 24-hour helpline if you have a problem.", None),
    ("Eight hours a day, six days a week.", "good.hours_stated"),
    ("Work twelve hours per day, seven days a week.", "overtime.excessive_hours"),
    ("Seventy-two hours a week in the peak season.", "overtime.excessive_hours"),
    ("The camp is two hours from the airport.", None),
    ("One hour break and twenty minutes for tea.", None),
])
def test_sixty_hours_a_week_is_the_limit(scorer, text, expected):
    found = ids(scorer.score(text)) & {"good.hours_stated", "overtime.excessive_hours"}
    assert found == ({expected} if expected else set())


def test_finding_carries_its_catalogue_entry(scorer):
    f = finding(scorer.score("Company keeps passports for safekeeping."), "passport.retention")
    assert f.severity == "critical" and f.points == 40 and f.direction == "risk"
    assert any("retention of identity documents" in r for r in f.ilo_reference)
    assert f.explanation and f.how_to_fix
    assert f.text in ("keeps passports", "for safekeeping")


def test_score_is_capped_with_a_line_for_the_cap(scorer):
    result = scorer.score("Fees USD 9,000: pay half now, half from salary. We keep your passport "
                          "for safekeeping. Salary kept as guarantee. Work 14 hours a day.")
    assert result.score == 100
    assert result.contributions[-1].signal_id == "score.cap"
    assert sum(c.points for c in result.contributions) == 100
    assert {f.signal_id for f in result.critical} >= {"fees.recruitment_fee", "passport.retention"}


# ---------------------------------------------------------------- structured fields

def test_whole_posting_is_judged_for_what_it_leaves_out(scorer):
    text = "Cleaners needed for a hotel in Doha. Apply today."
    assert not ids(scorer.score(text)) & {"deception.no_wage_stated", "irregular.no_licence_number"}
    posting = ids(scorer.score(AdInput(text, kind="job_ad")))
    assert {"deception.no_wage_stated", "irregular.no_licence_number"} <= posting
    profile = ids(scorer.score(AdInput(text, kind="profile")))
    assert "irregular.no_licence_number" in profile and "deception.no_wage_stated" not in profile


def test_structured_fields_give_findings_without_spans(scorer):
    result = scorer.score(AdInput(
        "Farm hands for Canada, apply now.", kind="job_ad", hours_per_week=66,
        wage_monthly=4200, corridor_norm_monthly=1100, licence_number="POEA-0099",
        costs_to_worker=("visa", CostToWorker("placement fee", 500, "USD"))))
    found = ids(result)
    assert {"overtime.excessive_hours", "deception.wage_above_norm", "good.licence_shown",
            "good.wage_stated", "fees.related_costs", "fees.recruitment_fee"} <= found
    assert not found & {"deception.no_wage_stated", "irregular.no_licence_number"}
    fee = finding(result, "fees.recruitment_fee")
    assert fee.source == "structured" and fee.start is None and fee.amounts[0].value == 500
    assert "3.8 times" in finding(result, "deception.wage_above_norm").detail


def test_nonsense_field_values_are_ignored(scorer):
    result = scorer.score(AdInput("Welders needed.", kind="fragment", hours_per_week="lots",
                                  wage_monthly=float("nan"), licence_number=12))
    assert result.scored and not result.findings


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("raw, status", [
    ("", "empty"), ("   \n\t ", "empty"), (None, "empty"), ("1234 5678 !!!", "empty"),
    (b"\x00\x01\x02\xff\xfe binary", "not_text"), (bytes(range(256)) * 8, "not_text"),
    (12345, "not_text"), ("\ue000\ue001\ue002\ue003 \ue004\ue005", "not_text"),
])
def test_unusable_input_is_reported_not_scored(scorer, raw, status):
    result = scorer.score(raw)
    assert result.status == status and result.score is None and not result.findings


@pytest.mark.parametrize("text", [
    "विदेशमा रोजगारी: कतारमा सफाई कामदार चाहियो, तलब राम्रो, आजै सम्पर्क गर्नुहोस्।",
    "Se buscan trabajadores agrícolas para la temporada, salario según experiencia y contrato.",
    "Dicari pekerja kilang di Malaysia, gaji lumayan dan kerja lebih masa untuk anda yang rajin.",
    "مطلوب عمال نظافة للعمل في الدوحة براتب مجزي",
])
def test_other_languages_are_not_called_safe(scorer, text):
    result = scorer.score(AdInput(text, kind="job_ad"))
    assert result.status == "not_english" and result.score is None
    assert result.message == "not scored in this language" and not result.language_supported
    assert not result.findings  # nothing judged missing in a text the rules cannot read


def test_english_with_a_few_foreign_words_is_scored(scorer):
    result = scorer.score("Kamdar chahiyo! Placement fee Rs. 50,000 for Qatar jobs.")
    assert result.status == "scored" and "fees.recruitment_fee" in ids(result)


def test_huge_text_is_cut_and_says_so(scorer):
    ad = "Placement fee of USD 500 is payable. " + "Good team, clean rooms and fair work. " * 1500
    result = scorer.score(ad)
    assert result.status == "scored" and result.truncated and result.original_chars == len(ad)
    assert "cut at" in result.notes[0]
    assert all(f.end <= MAX_CHARS for f in result.findings if f.end is not None)
    assert "fees.recruitment_fee" in ids(result)


def test_binary_bytes_and_odd_unicode_never_crash(scorer):
    inputs = ["\x00" * 10 + "fee", "fee\u200b\u202e placement", "🙂" * 500, "a" * 30000,
              "Placement fee".encode("utf-16"), "Sal\u00e1rio: USD 500".encode("latin-1")]
    for result in scorer.score_many(inputs, batch_size=2):
        assert result.status in ("scored", "empty", "not_text", "not_english")


def test_language_guess():
    assert is_probably_english("The employer pays all recruitment costs for the workers.")
    assert is_probably_english("experienced electrical engineer team lead hardware development")
    assert not is_probably_english("Le salaire est versé chaque mois et le logement est fourni.")


# ---------------------------------------------------------------- batches

def test_score_many_keeps_order_and_matches_single_scoring(scorer, dev_cases):
    ads = [case.to_input() for case in dev_cases[:40]] + ["", b"\x00\x00"]
    one_by_one = [scorer.score(ad) for ad in ads]
    for batch_size in (1, 7, 64):
        batched = scorer.score_many(ads, batch_size=batch_size)
        assert [(r.status, r.score, ids(r)) for r in batched] == \
            [(r.status, r.score, ids(r)) for r in one_by_one]


def test_score_many_on_two_processes():
    # Worker processes are forked, as in `bench/` and the CLI, from a fresh process: the
    # test session itself runs threads (a live server, the embedding model's pool), and a
    # child forked while one of them holds a lock can wait on it for ever.
    code = """
from vetting.scorer import Scorer
scorer = Scorer()
ads = ["No placement fee.", "Placement fee USD 700.", "", "Salary kept as guarantee."] * 3
expected = [r.signal_ids() for r in scorer.score_many(ads)]
assert expected[1] and expected[3], expected
assert [r.signal_ids() for r in scorer.score_many(ads, batch_size=2, n_process=2)] == expected
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=300)


# ---------------------------------------------------------------- catalogue, model, purity

def test_catalogue_entries_cite_the_standards_and_explain_themselves(scorer):
    catalogue = scorer.catalogue
    assert {s.family for s in catalogue.signals.values()} == set(FAMILIES)
    for signal in catalogue.signals.values():
        assert signal.ilo_reference
        assert all(r.startswith(KNOWN_SOURCES) for r in signal.ilo_reference)
        assert len(signal.explanation) > 40 and len(signal.how_to_fix) > 20


def test_malformed_catalogue_names_every_problem(tmp_path):
    bad = tmp_path / "catalogue.yaml"
    bad.write_text("""
severities: {low: 5}
signals:
  - id: fees.x
    family: fees
    direction: risk
    severity: huge
    ilo_reference: ["A blog post"]
    explanation: Something.
    how_to_fix: Fix it.
    patterns: [{tokens: [{LOWER: "off"}]}]
  - id: fees.y
    family: nonsense
    direction: risk
    severity: low
    ilo_reference: ["Employer Pays Principle"]
    explanation: Something.
    how_to_fix: Fix it.
    patterns: [{tokens: [{LOWER: off}]}]
  - id: fees.z
    family: fees
    direction: risk
    severity: low
    ilo_reference: ["Employer Pays Principle"]
    explanation: Something.
    how_to_fix: Fix it.
    when_negated: fees.missing
    patterns: [{tokens: [{LOWER: fee}]}]
""", encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(bad)
    message = str(error.value)
    for problem in ("fees.x: severity", "cites no known standard", "fees.y: family",
                    "yes/no value", "unknown signal 'fees.missing'"):
        assert problem in message


def test_pipeline_loads_once_without_unneeded_components():
    nlp = get_nlp()
    assert get_nlp() is nlp
    assert "ner" not in nlp.pipe_names and {"parser", "lemmatizer"} <= set(nlp.pipe_names)


def test_learned_estimate_sits_beside_the_findings(scorer):
    model = load_fraud_model()
    text = "Work from home data entry, earn $500 weekly, no experience needed."
    with_model = Scorer(scorer.nlp, scorer.catalogue, fraud_model=model).score(text)
    without = scorer.score(text)
    assert 0.0 <= with_model.fraud.probability <= 1.0 and with_model.fraud.top_terms
    assert without.fraud is None
    assert (with_model.score, ids(with_model)) == (without.score, ids(without))
    assert "EMSCAD" in model.meta["trained_on"]


def test_pure_core_imports_neither_flask_nor_the_database():
    code = ("import sys, vetting.scorer, vetting.fraud_model, vetting.evaluation; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'flask_sqlalchemy', 'sqlalchemy', 'app')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_phrase_found_late_in_a_long_ad_points_at_its_own_words(scorer):
    """A phrase pattern matched inside a window far into the ad keeps the right span."""
    filler = "The site is in Lusail and the work is on towers. " * 12
    text = filler + "There is no cost to workers for the visa or the ticket."
    result = scorer.score(text)
    spans = [text[f.start:f.end] for f in result.findings
             if f.signal_id == "good.employer_pays_costs" and f.start is not None]
    assert spans and all("cost" in span for span in spans)


def test_questions_and_pay_by_direct_deposit_are_not_risks(scorer):
    """Seen in fair demo ads: an FAQ asks the worker's question; wages go by deposit."""
    faq = scorer.score("Will someone keep my passport? No. You keep your passport.")
    assert "passport.retention" not in {f.signal_id for f in faq.risks}
    assert "good.worker_keeps_passport" in faq.signal_ids()
    paid = scorer.score("You are paid every week by direct deposit.")
    assert not paid.risks
    bond = scorer.score("A security deposit of NPR 50,000 is taken before departure.")
    assert "fees.deposit_bond" in bond.signal_ids()
