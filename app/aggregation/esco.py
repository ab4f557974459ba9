"""Binds the occupation mapper to the app: the shipped ESCO taxonomy, the configured
encoder, the label matrix cached under the instance folder, and Occupation rows."""
from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.aggregation.occupations import OccupationMapper
from app.extensions import db
from app.jobs.models import JobPosting
from app.occupations.models import Occupation
from app.occupations.services import ESCO_DIR, read_esco

log = logging.getLogger(__name__)
_lock = threading.Lock()
_mappers: dict[tuple[str | None, str, str], OccupationMapper] = {}


@cache
def esco_rows() -> dict[str, dict]:
    """ESCO occupations by URI, read once from the shipped CSV."""
    return {row["esco_uri"]: row for row in read_esco()}


def cache_dir() -> Path:
    configured = current_app.config.get("AGGREGATION_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "aggregation"


def occupation_mapper() -> OccupationMapper:
    """The process's mapper for the configured model, built on first use (the label
    matrix is embedded once per model and then read from disk)."""
    cfg = current_app.config
    method = cfg.get("AGGREGATION_OCCUPATION_MATCHING", "embedding")
    key = (cfg.get("EMBEDDING_MODEL"), str(cache_dir()), method)
    with _lock:
        if key not in _mappers:
            encoder = _encoder(key[0]) if method == "embedding" else None
            _mappers[key] = OccupationMapper(esco_rows().values(), encoder, cache_dir(),
                                             taxonomy_key=ESCO_DIR.name)
        return _mappers[key]


def _encoder(model: str | None) -> Any:
    try:
        from matching.encoder import get_encoder
        return get_encoder(model)
    except Exception as error:  # no torch, no model package: label matching still works
        log.warning("no encoder for occupation mapping (%s)", error)
        return None


def assign_occupations(jobs: list[JobPosting]) -> None:
    """Give each posting the ESCO occupation its title maps to (None when none fits)."""
    if not jobs:
        return
    guesses = occupation_mapper().guess_many([j.title for j in jobs],
                                             [j.description for j in jobs])
    uris = {g.esco_uri for g in guesses if g is not None}
    stored = {o.esco_uri: o for o in db.session.scalars(
        sa.select(Occupation).where(Occupation.esco_uri.in_(uris)))} if uris else {}
    for uri in uris - stored.keys():  # taxonomy not loaded (yet): add the one row needed
        stored[uri] = Occupation(**esco_rows()[uri])
        db.session.add(stored[uri])
    for job, guess in zip(jobs, guesses):
        job.occupation = stored[guess.esco_uri] if guess is not None else None
