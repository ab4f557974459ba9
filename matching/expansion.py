"""Search in a worker's own words and language: the query goes through the job-title
lexicon (matching/lexicon.py) before the English keyword and semantic indexes see it."""
from __future__ import annotations

from functools import lru_cache

from flask import current_app

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
