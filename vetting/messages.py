"""The sentences behind organisation risk lines and licence notes (pure: no Flask).

Risk lines and licence checks carry a message id and its parameters, never a sentence, so
each reader sees them in their own language (vetting/wording.py translates them at display
time) while stored rows and signed documents stay language-neutral. Every English sentence
lives here once, marked with `N_` or `ngettext` so `make messages` extracts it.

A line reads as one or more phrases: (template, params), where a template is a sentence or
a (singular, plural) pair chosen by params["num"]. A worker reads them, so they say what the
evidence means ("shows serious warning signs"), not how it is scored.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Template = str | tuple[str, str]
Phrase = tuple[Template, dict[str, Any]]


def N_(message: str) -> str:
    """Marks a message for extraction; translation happens where it is shown."""
    return message


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message for extraction (pybabel knows this name); the form is chosen,
    and translated, where it is shown."""
    return singular, plural


# An ad's own score (0-100): from here its warning signs are serious, or some.
SERIOUS_AD, SOME_AD = 50, 20
WORST_AD = {
    ("serious", True): N_("One of its job ads, «%(title)s», shows serious warning signs."),
    ("some", True): N_("One of its job ads, «%(title)s», shows some warning signs."),
    ("serious", False): N_("One of its job ads shows serious warning signs."),
    ("some", False): N_("One of its job ads shows some warning signs."),
    ("few", True): N_("Its job ads show only small warning signs."),
}
WORST_AD[("few", False)] = WORST_AD[("few", True)]
REPEATED = ngettext("%(num)d of its job ads has very serious warning signs.",
                    "%(num)d of its job ads have very serious warning signs.")
GRIEVANCES = ngettext("Workers made %(num)d complaint about it.",
                      "Workers made %(num)d complaints about it.")
GRIEVANCES_VERIFIED = ngettext("A reviewer checked and confirmed %(num)d complaint.",
                               "A reviewer checked and confirmed %(num)d complaints.")
GRIEVANCES_UNVERIFIED = ngettext("A reviewer has not confirmed it yet.",
                                 "A reviewer has not confirmed them yet.")
REVIEWS = ngettext("%(num)d worker reviewed it.", "%(num)d workers reviewed it.")
REVIEWS_SAY = {
    "fees": ngettext("%(num)d says they paid a recruitment fee.",
                     "%(num)d say they paid a recruitment fee."),
    "passports": ngettext("%(num)d says the employer kept their passport.",
                          "%(num)d say the employer kept their passport."),
    "wages": ngettext("%(num)d says wages were paid late.",
                      "%(num)d say wages were paid late."),
}
CAP = N_("The score is capped at 100.")
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


def templates() -> list[Template]:
    """Every sentence a risk line or licence note can use (for catalogue checks)."""
    return [*dict.fromkeys(WORST_AD.values()), REPEATED, GRIEVANCES, GRIEVANCES_VERIFIED,
            GRIEVANCES_UNVERIFIED, REVIEWS, *REVIEWS_SAY.values(), CAP,
            *LICENCE_NOTES.values()]


def licence_template(params: Mapping[str, Any]) -> str | None:
    """The sentence for a licence note {"note": id, ...params}, None if unknown."""
    return LICENCE_NOTES.get(params.get("note", ""))


def _worst_ad(p: Mapping[str, Any]) -> list[Phrase]:
    # A critical finding (a fee charged, a passport kept) is serious whatever the score.
    score = p.get("score") or 0
    band = ("serious" if score >= SERIOUS_AD or p.get("critical") else
            "some" if score >= SOME_AD else "few")
    return [(WORST_AD[band, bool(p.get("title"))], {"title": p.get("title", "")})]


def _grievances(p: Mapping[str, Any]) -> list[Phrase]:
    count, verified = p["count"], p["verified"]
    checked = ((GRIEVANCES_VERIFIED, {"num": verified}) if verified
               else (GRIEVANCES_UNVERIFIED, {"num": count}))
    return [(GRIEVANCES, {"num": count}), checked]


def _reviews(p: Mapping[str, Any]) -> list[Phrase]:
    return [(REVIEWS, {"num": p["count"]}),
            *((template, {"num": p[key]}) for key, template in REVIEWS_SAY.items() if p[key])]


_LINES = {
    "worst_ad": _worst_ad,
    "repeated": lambda p: [(REPEATED, {"num": p["count"]})],
    "grievances": _grievances,
    "reviews": _reviews,
    "cap": lambda p: [(CAP, {})],
}


def line_phrases(line: Mapping[str, Any]) -> list[Phrase] | None:
    """The phrases of a stored risk line, None for a line stored before lines had params
    (or one whose params are not those its code needs)."""
    params = line.get("params")
    if params is None:
        return None
    if line.get("code") == "licence":
        template = licence_template(params)
        return [(template, dict(params))] if template else None
    words = _LINES.get(line.get("code", ""))
    try:
        return words(params) if words else None
    except KeyError:
        return None


def render(template: Template, params: Mapping[str, Any]) -> str:
    """A phrase with its parameters filled in (English, or a translated template)."""
    if isinstance(template, tuple):
        template = template[0] if params.get("num") == 1 else template[1]
    return template % dict(params) if params else template


def english_line(line: Mapping[str, Any]) -> str:
    """A stored risk line in English: from its id and params, else its stored sentence."""
    phrases = line_phrases(line)
    if phrases is None:
        return line.get("detail", "")
    return " ".join(render(template, params) for template, params in phrases)


def english_licence_note(params: Mapping[str, Any] | None, stored: str = "") -> str:
    """A licence note in English: from its id and params, else the stored sentence."""
    template = licence_template(params) if params else None
    return render(template, params) if template else stored
