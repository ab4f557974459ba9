"""Risk lines and licence notes worded for the reader, in the request's language.

The sentences are in vetting/messages.py; rows stored before lines carried a message id
and parameters keep their English sentence ("detail", OrganisationRisk.licence_note), shown
as stored until `flask vetting rescore` or new evidence recomputes them.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import format_date, gettext, ngettext

from vetting import messages

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RiskText:
    """One line's words: str() translates them into the current locale, `english` does not
    (for signed and exported documents, which must not depend on who asked)."""

    __slots__ = ("phrases", "stored")

    def __init__(self, phrases: list[messages.Phrase] | None, stored: str = "") -> None:
        self.phrases, self.stored = phrases, stored

    @property
    def english(self) -> str:
        if self.phrases is None:
            return self.stored
        return " ".join(messages.render(template, params) for template, params in self.phrases)

    def __str__(self) -> str:
        if self.phrases is None:
            return self.stored
        return " ".join(_translated(template, params) for template, params in self.phrases)

    def __repr__(self) -> str:
        return f"<RiskText {self.english!r}>"


def _for_reader(value: Any) -> Any:
    """A stored parameter as the reader expects it: dates in their locale's style."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return format_date(dt.date.fromisoformat(value))
    return value


def _translated(template: messages.Template, params: Mapping[str, Any]) -> str:
    shown = {key: _for_reader(value) for key, value in params.items()}
    if isinstance(template, tuple):
        return ngettext(*template, shown.pop("num"), **shown)
    return gettext(template, **shown)


def line_text(line: Mapping[str, Any]) -> RiskText:
    """A stored risk line's sentence (its code and params, or its old English detail)."""
    return RiskText(messages.line_phrases(line), line.get("detail", ""))


def licence_text(risk: Any) -> RiskText:
    """An OrganisationRisk's licence note (its params, or the old English note)."""
    params = risk.licence_params
    template = messages.licence_template(params) if params else None
    return RiskText([(template, dict(params))] if template else None, risk.licence_note or "")
