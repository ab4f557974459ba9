"""Scope in the vetting rules, with the real spaCy pipeline: negation across coordinated verbs,
headings and questions, who pays a cost, and sums of money tied to the words they belong to.
Each case is checked both ways: the fair wording is good practice, the same wording without
the negation or with the worker as payer is a risk, and the evidence points at the text."""
from __future__ import annotations

from pathlib import Path

import pytest

from vetting.demo_eval import evaluate_demo, load_demo_ads
from vetting.scorer import Scorer

SEED = Path(__file__).parents[1] / "seed" / "data"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def risks(scorer: Scorer, text: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for f in scorer.score(text).risks:
        found.setdefault(f.signal_id, []).append(f)
    return found


def good(scorer: Scorer, text: str) -> set[str]:
    return {f.signal_id for f in scorer.score(text).good_practice}


def families(scorer: Scorer, text: str) -> set[str]:
    return {f.family for f in scorer.score(text).risks}


@pytest.mark.parametrize("fair, unfair, signal, span, good_signal", [
    ("The employer never asks for or keeps passports.",
     "The employer asks for and keeps passports.",
     "passport.retention", "keeps passports", "good.worker_keeps_passport"),
    ("We do not charge or deduct any fee.",
     "We charge and deduct a fee.",
     "fees.recruitment_fee", "fee", "good.employer_pays_costs"),
    ("The agency will not collect or hold your passport at any time.",
     "The agency will collect and hold your passport at any time.",
     "passport.retention", "hold your passport", "good.worker_keeps_passport"),
    ("Nobody asks for or takes a placement fee.",
     "The agent asks for and takes a placement fee.",
     "fees.recruitment_fee", "placement fee", "good.employer_pays_costs"),
])
def test_negation_reaches_verbs_coordinated_with_the_negated_one(scorer, fair, unfair, signal,
                                                                  span, good_signal):
    assert signal not in risks(scorer, fair)
    assert good_signal in good(scorer, fair)
    found = risks(scorer, unfair)[signal]
    assert any(f.text == span and unfair[f.start:f.end] == span for f in found)


def test_negation_stops_at_a_contrasted_clause_with_its_own_subject(scorer):
    text = "We do not charge workers any fee, but the agency keeps passports in its office."
    assert [f.text for f in risks(scorer, text)["passport.retention"]] == ["keeps passports"]
    assert "fees.recruitment_fee" not in risks(scorer, text)


def test_a_list_bullet_is_not_a_hyphenated_compound(scorer):
    assert families(scorer, "Recruitment costs:\n- Zero placement fee.\n- Free visa.") == set()
    assert "fees.recruitment_fee" in risks(scorer, "Placement fee payable before departure.")
    # "interest-free" stays a compound: the loan is still a loan
    assert "debt.loan" in risks(scorer, "An interest-free loan covers the visa fee.")


def test_a_heading_names_a_topic_but_a_heading_above_a_sum_states_a_fee(scorer):
    heading = "Recruitment costs and your rights:\nYou pay nothing. The employer pays the visa."
    assert families(scorer, heading) == set()
    fee = "Placement fee:\nNPR 50,000, payable before departure."
    found = risks(scorer, fee)["fees.recruitment_fee"]
    assert [a.text for f in found for a in f.amounts] == ["NPR 50,000"]


def test_a_question_is_not_a_condition(scorer):
    assert families(scorer, "Do I pay anything? No. Will anyone keep my passport? No.") == set()
    assert "fees" in families(scorer, "You pay a processing fee before the interview.")


@pytest.mark.parametrize("fair, unfair", [
    ("The employer pays all recruitment costs: levy, visa, air ticket and agency service charge.",
     "Workers pay all recruitment costs: levy, visa, air ticket and agency service charge."),
    ("Pearl Bay pays the agency fee, visa, medical, insurance and flights.",
     "You pay the agency fee, visa, medical, insurance and flights."),
    ("Visa and medical test are shouldered by the employer.",
     "Visa and medical test are shouldered by the applicant."),
    ("Medical test and orientation are at the company's own cost.",
     "Medical test and orientation are at the candidate's own cost."),
])
def test_the_payer_of_a_cost_decides_whether_it_is_a_risk(scorer, fair, unfair):
    assert "fees" not in families(scorer, fair)
    assert "good.employer_pays_costs" in good(scorer, fair)
    assert "fees" in families(scorer, unfair)


@pytest.mark.parametrize("text", [
    "The medical test is free of charge.",
    "Visa and air ticket are provided at no cost to the worker.",
    "Workers never pay any fee: not to us, not to the employer and not to any sub-agent.",
])
def test_free_of_charge_and_no_cost_to_the_worker_are_good_practice(scorer, text):
    assert families(scorer, text) == set()
    assert "good.employer_pays_costs" in good(scorer, text)


def test_the_hotel_service_charge_shared_with_staff_is_pay_not_a_fee(scorer):
    assert families(scorer, "Pay: AED 2,150 per month + service charge (approx. AED 300).") == set()
    assert families(scorer, "Free staff housing, service charge share, annual ticket.") == set()
    found = risks(scorer, "Service charge NPR 10,000, payable before departure.")
    assert [a.text for a in found["fees.recruitment_fee"][0].amounts] == ["NPR 10,000"]


def test_costs_paid_at_the_end_of_the_contract_are_not_wages_withheld(scorer):
    text = "You may resign with one month's notice, and the return ticket is paid at the end of the contract."
    assert "withholding" not in families(scorer, text)
    unfair = "Your salary is paid at the end of the contract."
    found = risks(scorer, unfair)["withholding.deferred_wages"]
    assert found[0].text == "paid at the end of the contract"
    assert "withholding" in families(scorer, "Salary paid in cash by the supervisor every two months.")


@pytest.mark.parametrize("text, signal, amount", [
    ("Free visa, free ticket!! Company charge NPR 1,20,000 only.", "fees.payment_demanded",
     "NPR 1,20,000"),
    ("Only PHP 35,000 for documentation and processing.", "fees.payment_demanded", "PHP 35,000"),
    ("BDT 2,00,000 before medical and BDT 2,50,000 after the visa comes.", "fees.split_payment",
     "BDT 2,00,000"),
    ("Registration amount USD 400 to be transferred by UPI.", "fees.recruitment_fee", "USD 400"),
])
def test_sums_are_tied_to_the_fee_words_they_belong_to(scorer, text, signal, amount):
    found = risks(scorer, text)[signal]
    assert amount in [a.text for f in found for a in f.amounts] or any(
        amount in f.text for f in found)


def test_a_wage_stated_with_its_amount_is_no_fee(scorer):
    assert "fees" not in families(scorer, "Salary QAR 1,800 per month + food allowance QAR 300.")


def test_the_rest_taken_from_wages_is_a_deduction(scorer):
    text = "Pay PHP 15,000 now and the rest from your first salaries."
    assert "debt.wage_deduction" in risks(scorer, text)
    levy = "Levy MYR 1,850 will be deducted from salary over 12 months."
    assert "debt.wage_deduction" in risks(scorer, levy)
    optional = "Shared housing at USD 60/week (payroll deduction, optional)."
    assert "debt" not in families(scorer, optional)


def test_no_fair_demo_ad_is_refused_and_every_severe_one_is(scorer):
    """The demo ads carry labels: fair ads must be publishable, and every ad labelled with
    fees charged to workers or passports kept must be refused."""
    ads = load_demo_ads(SEED / "jobs.yaml", SEED / "organisations.yaml")
    report = evaluate_demo(ads, scorer.score_many([a.ad for a in ads]))
    assert report.fair >= 100 and report.severe >= 40
    assert report.fair_blocked == []
    assert report.severe_missed == []


def test_every_signal_text_is_extracted_for_translation(tmp_path):
    """`make messages` runs pybabel with babel.cfg: the catalogue's explanations and fixes,
    and the scorer's status messages, must all reach the message template."""
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    from vetting.catalogue import load_catalogue
    from vetting.intake import MESSAGES

    root = Path(__file__).parents[1]
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "app", "vetting"],
                   cwd=root, check=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    with pot.open("rb") as handle:
        ids = {message.id for message in read_po(handle) if message.id}
    catalogue = load_catalogue()
    texts = {s.explanation for s in catalogue.signals.values()} | {
        s.how_to_fix for s in catalogue.signals.values()} | set(MESSAGES.values())
    assert len(texts) > 60
    assert texts - ids == set()


@pytest.mark.parametrize("text, signal", [
    ("Fees will not be refunded.", "fees.recruitment_fee"),
    ("The deposit will not be returned if you leave early.", "fees.deposit_bond"),
    ("No receipt is given for the service charge.", "fees.recruitment_fee"),
])
def test_denying_a_refund_or_a_receipt_takes_the_fee_for_granted(scorer, text, signal):
    assert signal in risks(scorer, text)
    assert "good.employer_pays_costs" not in good(scorer, text)


def test_a_denied_charge_is_still_good_practice_beside_them(scorer):
    assert "good.employer_pays_costs" in good(scorer, "Workers are not charged for the visa.")
    assert not risks(scorer, "Workers are not charged for the visa.")
