"""Normalising job items: wages as ads write them, ISO codes, safe plain text (no app)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.aggregation.normalise import (CorridorContext, ItemRejected, accommodation_of,
                                       clean_text, country_code, normalise_posting, parse_hours,
                                       web_url)
from app.aggregation.salaries import WageError, currency_code, parse_wage_text, wage_from_salary

TODAY = dt.date(2026, 11, 25)
NP_QA = CorridorContext("NP", "QA", "QAR")

# (text as published, corridor currency, amount, currency, period, maximum)
WAGE_STRINGS = [
    ("QAR 1,200 per month", "QAR", "1200", "QAR", "month", None),
    ("$15/hr", "USD", "15", "USD", "hour", None),
    ("USD 18.50 an hour", "USD", "18.50", "USD", "hour", None),
    ("$ 15.81 per hour", "USD", "15.81", "USD", "hour", None),
    ("1200-1500 AED monthly", "AED", "1200", "AED", "month", "1500"),
    ("AED 2,500 – 3,000 per month", "AED", "2500", "AED", "month", "3000"),
    ("Salary: MYR 1,700/month", "MYR", "1700", "MYR", "month", None),
    ("RM1,500 sebulan", "MYR", "1500", "MYR", "month", None),
    ("RM 65 per day", "MYR", "65", "MYR", "day", None),
    ("₱25,000/mo", "AED", "25000", "PHP", "month", None),
    ("Monthly salary: SR 1,800", "SAR", "1800", "SAR", "month", None),
    ("SAR 2,600 per month", "SAR", "2600", "SAR", "month", None),
    ("2,000 dirhams a month", "AED", "2000", "AED", "month", None),
    ("QR1200 + food", "QAR", "1200", "QAR", None, None),  # no period: unknown, not "month"
    ("Basic salary 1,100 QAR, food allowance 300 QAR", "QAR", "1100", "QAR", None, None),
    ("Rs. 50,000 per month", "NPR", "50000", "NPR", "month", None),  # the corridor decides
    ("Rs. 50,000 per month", "QAR", "50000", "INR", "month", None),
    ("1,20,000 INR per year", "SAR", "120000", "INR", "year", None),
    ("USD 3,000 p.a.", "USD", "3000", "USD", "year", None),
    ("MXN 500 por día", "USD", "500", "MXN", "day", None),
    ("15k AED", "AED", "15000", "AED", None, None),
    ("EUR 12,50 per hour", "USD", "12.50", "EUR", "hour", None),
    ("$600 weekly", "USD", "600", "USD", "week", None),
]


@pytest.mark.parametrize(("text", "prefer", "amount", "currency", "period", "maximum"),
                         WAGE_STRINGS)
def test_real_world_wage_strings(text, prefer, amount, currency, period, maximum):
    wage = parse_wage_text(text, prefer=prefer, default_currency=prefer)
    assert (wage.amount, wage.currency, wage.period) == (Decimal(amount), currency, period)
    assert wage.maximum == (Decimal(maximum) if maximum else None)


def test_a_wage_without_a_period_keeps_the_period_unknown_and_says_so():
    wage = parse_wage_text("SR 1,500", prefer="SAR")
    assert wage.period is None and {"code": "period_not_stated"} in wage.notes


@pytest.mark.parametrize(("text", "reason"), [
    ("XYZ 1,200 per month", "unknown currency 'XYZ'"),
    ("QAR 0 per month", "greater than zero"),
    ("QAR 1,500 - 1,200 per month", "maximum is below its minimum"),
    ("QAR 99,000,000 per month", "implausibly high"),
])
def test_impossible_wages_are_errors(text, reason):
    with pytest.raises(WageError, match=reason):
        parse_wage_text(text)


def test_scanning_a_description_skips_fees_and_phone_numbers():
    text = ("Pay a placement fee of NPR 50,000 to our office. Call 9801234567. "
            "You will earn QAR 1,400 monthly with free food.")
    wage = parse_wage_text(text, strict=False)
    assert (wage.amount, wage.currency, wage.period) == (Decimal("1400"), "QAR", "month")
    assert parse_wage_text("Service charge NPR 50,000. Call 9801234567.", strict=False) is None


@pytest.mark.parametrize(("salary", "expected"), [
    ({"@type": "MonetaryAmount", "currency": "QAR",
      "value": {"@type": "QuantitativeValue", "value": 1400, "unitText": "MONTH"}},
     ("1400", None, "QAR", "month")),
    ({"@type": "MonetaryAmount", "currency": "USD",
      "value": {"@type": "QuantitativeValue", "minValue": 15, "maxValue": "18.5",
                "unitText": "HOUR"}}, ("15", "18.50", "USD", "hour")),
    ({"currency": "AED", "value": "2,500", "unitText": "MONTH"}, ("2500", None, "AED", "month")),
    ({"currency": "MYR", "value": {"value": 65, "unitText": "DAY"}}, ("65", None, "MYR", "day")),
    ({"currency": "SAR", "value": {"value": 600, "unitText": "WEEK"}},
     ("600", None, "SAR", "week")),
    ({"currency": "USD", "value": {"value": 36000, "unitText": "YEAR"}},
     ("36000", None, "USD", "year")),
    ("QAR 1,200 per month", ("1200", None, "QAR", "month")),
    ([{"currency": "QAR", "value": 1300, "unitText": "MONTH"}], ("1300", None, "QAR", "month")),
])
def test_schema_org_base_salary_shapes(salary, expected):
    wage = wage_from_salary(salary, default_currency="QAR")
    amount, maximum, currency, period = expected
    assert wage.amount == Decimal(amount) and wage.currency == currency
    assert wage.period == period
    assert wage.maximum == (Decimal(maximum) if maximum else None)


def test_base_salary_with_a_bare_number_takes_salary_currency():
    wage = wage_from_salary(1200, currency_hint="qar")
    assert (wage.amount, wage.currency) == (Decimal("1200"), "QAR")


def test_unknown_unit_text_is_an_error():
    with pytest.raises(WageError, match="unknown wage unit"):
        wage_from_salary({"currency": "QAR", "value": {"value": 5, "unitText": "PIECE"}})


@pytest.mark.parametrize(("value", "code"), [
    ("QA", "QA"), ("QAT", "QA"), ("Qatar", "QA"), ("qatar", "QA"), ("UAE", "AE"),
    ("United Arab Emirates", "AE"), ("KSA", "SA"), ("Saudi Arabia", "SA"), ("Malaysia", "MY"),
    ({"@type": "Country", "name": "Nepal"}, "NP"), ("USA", "US"), ("Dubai", "AE"),
    ({"@type": "PostalAddress", "addressCountry": "BD"}, "BD"), ("Atlantis", None), ("", None),
])
def test_countries_become_iso_3166_alpha_2(value, code):
    assert country_code(value) == code


@pytest.mark.parametrize(("value", "code"), [
    ("qar", "QAR"), ("QR", "QAR"), ("Dhs", "AED"), ("RM", "MYR"), ("₱", "PHP"), ("SR", "SAR"),
    ("US$", "USD"), ("Qatari Rial", "QAR"), ("ZZD", None), ("", None),
])
def test_currencies_become_iso_4217(value, code):
    assert currency_code(value) == code


def test_html_is_stripped_to_plain_text_even_when_escaped_twice():
    dirty = ('<p>Fix <b>steel</b> &amp; bars.</p><script>steal()</script><ul><li>Free food'
             '</li></ul>&lt;img src=x onerror=alert(1)&gt;&lt;p&gt;Friday off&lt;/p&gt;'
             '<style>p{color:red}</style><a href="javascript:alert(1)">apply</a>')
    text = clean_text(dirty)
    assert "<" not in text and ">" not in text
    assert "steal()" not in text and "color:red" not in text and "onerror" not in text
    assert [line for line in text.splitlines() if line] == [
        "Fix steel & bars.", "Free food", "Friday off", "apply"]


def test_only_web_links_are_kept():
    assert web_url("https://jobs.example/1") == "https://jobs.example/1"
    assert web_url("javascript:alert(1)") == "" and web_url("data:text/html,x") == ""
    assert web_url("/relative") == ""


def test_hours_and_accommodation_are_read_from_the_text():
    assert parse_hours("8 hours a day, 6 days a week") == 48
    assert parse_hours("", "Work 60 hours per week") == 60
    assert parse_hours("Flexible") is None
    assert accommodation_of("Free shared accommodation and transport") == "provided_free"
    assert accommodation_of("Housing is deducted at $50 per week") == "provided_paid"
    assert accommodation_of("Great team") == "not_stated"


def _item(**overrides):
    item = {
        "@type": "JobPosting", "title": "Steel Fixer", "description": "<p>Fix steel.</p>",
        "hiringOrganization": {"@type": "Organization", "name": "Dune Crest Contracting W.L.L.",
                               "sameAs": "https://dune-crest.example"},
        "jobLocation": {"@type": "Place", "address": {"addressCountry": "Qatar"}},
        "baseSalary": {"@type": "MonetaryAmount", "currency": "QAR",
                       "value": {"@type": "QuantitativeValue", "value": 60, "unitText": "DAY"}},
        "workHours": "48 hours per week", "validThrough": "2027-01-31",
        "applicantLocationRequirements": {"@type": "Country", "name": "Nepal"},
    }
    item.update(overrides)
    return {k: v for k, v in item.items() if v is not None}


def test_a_posting_is_normalised_with_its_monthly_wage():
    posting = normalise_posting(_item(), NP_QA, today=TODAY)
    assert (posting.origin, posting.destination, posting.employer_country) == ("NP", "QA", "QA")
    assert posting.wage_monthly == Decimal("1560.00")  # 60 a day x 26 days
    assert posting.wage_monthly_usd == Decimal("428.57")
    assert posting.valid_through == dt.date(2027, 1, 31) and posting.notes == []
    assert posting.employer_url == "https://dune-crest.example"


def test_what_the_ad_does_not_say_is_unknown_or_taken_from_the_corridor_as_assumed():
    posting = normalise_posting(_item(jobLocation=None, applicantLocationRequirements=None,
                                      workHours=None, validThrough=None,
                                      datePosted="2026-11-20"), NP_QA, today=TODAY)
    assert (posting.origin, posting.destination) == ("NP", "QA")
    assert posting.hours_per_week is None  # never the 48 a week the ad did not say
    assert posting.wage_monthly == Decimal("1560.00")  # per day: the hours are not needed
    assert posting.valid_through == dt.date(2027, 1, 19)  # 60 days after it was posted
    assert posting.assumed == ["destination", "valid_through"]
    assert [n["code"] for n in posting.notes] == [
        "destination_assumed", "hours_not_stated", "closing_date_assumed"]


def test_an_ad_without_a_wage_is_kept_with_the_wage_unknown():
    posting = normalise_posting(_item(baseSalary=None), NP_QA, today=TODAY)
    assert posting.wage is None and posting.wage_monthly is None
    assert posting.wage_monthly_usd is None and {"code": "wage_not_stated"} in posting.notes


def test_an_hourly_wage_without_hours_has_no_monthly_figure():
    salary = {"currency": "QAR", "value": {"value": 8, "unitText": "HOUR"}}
    posting = normalise_posting(_item(baseSalary=salary, workHours=None), NP_QA, today=TODAY)
    assert (posting.wage.amount, posting.wage.period) == (Decimal("8"), "hour")
    assert posting.wage_monthly is None and posting.hours_per_week is None
    with_hours = normalise_posting(_item(baseSalary=salary), NP_QA, today=TODAY)
    assert with_hours.wage_monthly == Decimal("1664.00")  # 8 x 48 hours x 52/12 weeks


def test_a_wage_without_currency_or_period_says_which_part_was_assumed():
    posting = normalise_posting(_item(baseSalary="1,400"), NP_QA, today=TODAY)
    assert (posting.wage.amount, posting.wage.currency) == (Decimal("1400"), "QAR")
    assert posting.wage.period is None and posting.wage_monthly is None
    assert posting.assumed == ["currency"]


def test_a_closing_date_years_ahead_is_brought_within_a_year():
    posting = normalise_posting(_item(validThrough="2031-01-01"), NP_QA, today=TODAY)
    assert posting.valid_through == dt.date(2027, 11, 26)


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"title": " "}, "missing title"),
    ({"hiringOrganization": None}, "no employer"),
    ({"baseSalary": "QAR 9,000,000"}, "no plausible"),  # whatever its period
    ({"baseSalary": {"currency": "XYZ", "value": 1200}}, "unknown currency"),
    ({"baseSalary": {"currency": "QAR", "value": 2, "unitText": "MONTH"}}, "implausible wage"),
    ({"jobLocation": {"address": {"addressCountry": "Atlantis"}}}, "unknown country"),
])
def test_malformed_items_are_rejected_with_their_reason(overrides, reason):
    with pytest.raises(ItemRejected, match=reason):
        normalise_posting(_item(**overrides), NP_QA, today=TODAY)
