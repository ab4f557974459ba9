"""Risk lines and licence notes worded for the reader, in the request's language.

The sentences are in vetting/messages.py; rows stored before lines carried a message id
and parameters keep their English sentence ("detail", OrganisationRisk.licence_note), shown
as stored until `flask vetting rescore` or new evidence recomputes them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from vetting import messages


class RiskText:
    """One sentence: str() translates it into the current locale, `english` does not
    (for signed and exported documents, which must not depend on who asked)."""

    __slots__ = ("template", "params", "stored")

    def __init__(self, template: str | None, params: Mapping[str, Any] | None,
                 stored: str = "") -> None:
        self.template, self.params, self.stored = template, dict(params or {}), stored

    @property
    def english(self) -> str:
        return messages.render(self.template, self.params) if self.template else self.stored

    def __str__(self) -> str:
        if self.template is None:
            return self.stored
        return gettext(self.template, **self.params)

    def __repr__(self) -> str:
        return f"<RiskText {self.english!r}>"


def line_text(line: Mapping[str, Any]) -> RiskText:
    """A stored risk line's sentence (its code and params, or its old English detail)."""
    return RiskText(messages.line_template(line), line.get("params"), line.get("detail", ""))


def licence_text(risk: Any) -> RiskText:
    """An OrganisationRisk's licence note (its params, or the old English note)."""
    params = risk.licence_params
    return RiskText(messages.licence_template(params) if params else None, params,
                    risk.licence_note or "")
