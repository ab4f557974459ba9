"""The sentences behind organisation risk lines and licence notes (pure: no Flask).

Risk lines and licence checks carry a message id and its parameters, never a sentence, so
each reader sees them in their own language (vetting/wording.py translates them at display
time) while stored rows and signed documents stay language-neutral. Every English sentence
lives here once, marked with `N_` so `make messages` extracts it for translation.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(message: str) -> str:
    """Marks a message for extraction; translation happens where it is shown."""
    return message


RISK_LINES = {
    "worst_ad": N_("Its riskiest job ad (#%(job_id)s) scores %(score)s/100."),
    "repeated": N_("%(count)s of its ads have critical findings."),
    "grievances": N_("%(count)s grievance(s), %(verified)s verified by a reviewer."),
    "reviews": N_("%(count)s worker review(s): %(fees)s report paying a recruitment fee, "
                  "%(passports)s the passport kept by the employer, %(wages)s wages paid late."),
    "cap": N_("The score is capped at 100."),
}
# A licence line's sentence is its licence note: params["note"] names it.
LICENCE_NOTES = {
    "none": N_("No licence or registration number is given."),
    "not_in_register": N_("Licence %(number)s is not in the register of the issuing authority."),
    "other_holder": N_("Licence %(number)s is registered to %(holder)s, "
                       "not to this organisation."),
    "revoked": N_("%(authority)s revoked licence %(number)s."),
    "expired": N_("Licence %(number)s expired on %(expires)s."),
    "valid": N_("Licence %(number)s is valid until %(expires)s (%(authority)s)."),
}


def licence_template(params: Mapping[str, Any]) -> str | None:
    """The sentence for a licence note {"note": id, ...params}, None if unknown."""
    return LICENCE_NOTES.get(params.get("note", ""))


def line_template(line: Mapping[str, Any]) -> str | None:
    """The sentence for a stored risk line, None for a line stored before lines had params."""
    params = line.get("params")
    if params is None:
        return None
    if line.get("code") == "licence":
        return licence_template(params)
    return RISK_LINES.get(line.get("code", ""))


def render(template: str, params: Mapping[str, Any]) -> str:
    """A sentence with its parameters filled in (English, or a translated template)."""
    return template % dict(params) if params else template


def english_line(line: Mapping[str, Any]) -> str:
    """A stored risk line in English: from its id and params, else its stored sentence."""
    template = line_template(line)
    return render(template, line["params"]) if template else line.get("detail", "")


def english_licence_note(params: Mapping[str, Any] | None, stored: str = "") -> str:
    """A licence note in English: from its id and params, else the stored sentence."""
    template = licence_template(params) if params else None
    return render(template, params) if template else stored
