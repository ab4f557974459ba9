"""The job-title lexicon (matching/lexicon.py) bound to the app: a search query goes
through it before the English keyword and semantic indexes see it, and an occupation is
named in the reader's language where the lexicon has its ISCO group's name."""
from __future__ import annotations

from functools import lru_cache

from flask import current_app
from flask_babel import get_locale

from app.occupations.services import ESCO_DIR
from matching.lexicon import ExpandedQuery, Lexicon, expand_query, load_lexicon


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon of every worker language, loaded once per process (a few ms)."""
    return load_lexicon(ESCO_DIR / "ISCOGroups_en.csv")


def expanded(query: object) -> ExpandedQuery:
    """The query as searched: expanded unless SEARCH_EXPAND_QUERY is off."""
    if not current_app.config.get("SEARCH_EXPAND_QUERY", True):
        return ExpandedQuery(query)
    return expand_query(query, lexicon())


def occupation_name(occupation: object) -> str:
    """An ESCO occupation as a worker reads it: its ISCO group's name in the reader's
    language with the English label beside it (two occupations of one group stay apart),
    or the English label alone where the lexicon has no name in that language."""
    label = getattr(occupation, "label", "") or ""
    locale = get_locale()
    name = lexicon().group_name(getattr(occupation, "isco_group", "") or "",
                                locale.language if locale else "en")
    return f"{name} ({label})" if name else label
