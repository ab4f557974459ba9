"""Which corridor a visitor sees first on the home page: the one they last opened (a cookie
that holds a corridor code and nothing else, so it identifies no one), else the corridor
whose workers read the page's language (Nepali: Nepal → Qatar)."""
from __future__ import annotations

from collections.abc import Sequence

from flask import Response

from app.corridors.models import Corridor

CORRIDOR_COOKIE = "corridor"
COOKIE_MAX_AGE = 365 * 24 * 3600


def own_corridor(corridors: Sequence[Corridor], remembered: str | None,
                 language: str | None) -> Corridor | None:
    """The visitor's own corridor among `corridors`, if either clue names one."""
    by_code = {c.code: c for c in corridors}
    if remembered and remembered.upper() in by_code:
        return by_code[remembered.upper()]
    # A corridor's languages list its origin's first (seed/data/corridors.yaml).
    return next((c for c in corridors if language and c.languages
                 and c.languages[0] == language), None)


def corridors_for_visitor(corridors: Sequence[Corridor], remembered: str | None,
                          language: str | None) -> tuple[list[Corridor], Corridor | None]:
    """The corridors with the visitor's own first, and that corridor (None if unknown)."""
    own = own_corridor(corridors, remembered, language)
    return ([own] if own else []) + [c for c in corridors if c is not own], own


def remember_corridor(response: Response, corridor: Corridor, secure: bool) -> Response:
    """Keep the corridor a visitor opened, for their next visit to the home page."""
    response.set_cookie(CORRIDOR_COOKIE, corridor.code, max_age=COOKIE_MAX_AGE,
                        httponly=True, samesite="Lax", secure=secure)
    return response
