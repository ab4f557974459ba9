"""A match's checks in the reader's words: corridors by their countries, languages and
dates as the reader's locale names them, a recruiter's verdict by its label (never a code)."""
from __future__ import annotations

from typing import Any

from flask_babel import format_date, gettext as _

from app.labels import label
from matching.explain import ConstraintCheck


def _corridor(code: str | None) -> str:
    from app.corridors.models import Corridor
    from app.extensions import db
    from app.templating import corridor_name

    corridor = db.session.scalar(db.select(Corridor).where(Corridor.code == code)) if code else None
    return corridor_name(corridor) if corridor else _("no corridor")


def _languages(codes: Any) -> str:
    from app.templating import language_name

    return ", ".join(language_name(code) for code in codes or ())


def _corridor_words(facts: dict[str, Any]) -> str:
    wanted = facts.get("worker") or ()
    if not wanted:
        return _("The job is in %(job)s; you look at every corridor.", job=_corridor(facts["job"]))
    return _("The job is in %(job)s; you look at %(wanted)s.", job=_corridor(facts["job"]),
             wanted=", ".join(_corridor(code) for code in wanted))


def _language_words(facts: dict[str, Any]) -> str:
    if not facts.get("contract"):
        return _("The ad does not say the contract's language.")
    if not facts.get("shared"):
        return _("The contract is in %(contract)s, a language not on your profile.",
                 contract=_languages(facts["contract"]))
    return _("The contract is in %(contract)s; you read %(shared)s.",
             contract=_languages(facts["contract"]), shared=_languages(facts["shared"]))


def _availability_words(facts: dict[str, Any]) -> str:
    if facts.get("available_from") is None:
        return _("You can start now.")
    return _("You can start from %(day)s.", day=format_date(facts["available_from"]))


def _open_words(facts: dict[str, Any]) -> str:
    if facts.get("valid_through") is None:
        return _("The job has no closing date.")
    return _("You can apply until %(day)s.", day=format_date(facts["valid_through"]))


def _tier_words(facts: dict[str, Any]) -> str:
    if not facts.get("tier"):
        return _("The recruiter is not rated yet.")
    return _("The recruiter's rating: %(tier)s.", tier=label(facts["tier"]))


WORDS = {"corridor": _corridor_words, "language": _language_words,
         "availability": _availability_words, "open": _open_words,
         "organisation": _tier_words}


def constraint_text(check: ConstraintCheck) -> str:
    """One check of a match as a sentence; a check from before facts existed says nothing
    rather than show its note for developers."""
    words = WORDS.get(check.name)
    try:
        return words(dict(check.facts)) if words and check.facts else ""
    except (KeyError, TypeError):
        return ""
