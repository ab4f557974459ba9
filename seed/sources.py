"""Idempotent builder for the demo job sources (seed/data/sources.yaml), shared by the
demo loader and the tests; the files they read are in seed/data/sources/."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from app.aggregation.models import JobSource
from app.corridors.models import Corridor
from app.extensions import db

SOURCES_FILE = Path(__file__).resolve().parent / "data" / "sources.yaml"


def read_sources(path: Path = SOURCES_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def seed_sources(rows: list[dict[str, Any]] | None = None,
                 location_prefix: str = "") -> int:
    """Add the demo sources not yet stored (by name); returns how many were added.

    Corridors must exist already (seed_corridors). `location_prefix` turns the file
    names into other locations, e.g. a loopback server's URL in tests.
    """
    corridors = {c.code: c for c in db.session.scalars(sa.select(Corridor))}
    known = set(db.session.scalars(sa.select(JobSource.name)))
    added = 0
    for row in rows if rows is not None else read_sources():
        if row["name"] in known:
            continue
        db.session.add(JobSource(
            name=row["name"], corridor=corridors[row["corridor"]], kind=row["kind"],
            location=f"{location_prefix}{row['location']}",
            refresh_minutes=row.get("refresh_minutes", 1440),
            mappings=row.get("mappings") or {}, active=row.get("active", True)))
        added += 1
    db.session.commit()
    return added
