"""Loading the ESCO taxonomy and finding an occupation by its label."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.occupations.models import Occupation

ESCO_DIR = Path(__file__).resolve().parent.parent / "data" / "esco"


def read_esco(path: Path = ESCO_DIR / "occupations_en.csv") -> Iterator[dict]:
    """ESCO occupations as model fields, straight from the shipped CSV."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {
                "esco_uri": row["conceptUri"],
                "label": row["preferredLabel"].strip(),
                "alt_labels": row["altLabels"].strip(),
                "isco_group": row["iscoGroup"].strip(),
                "description": row["description"].strip(),
            }


def load_esco(rows: Iterator[dict] | None = None) -> int:
    """Insert the occupations not yet stored (idempotent); returns how many were added."""
    known = set(db.session.scalars(sa.select(Occupation.esco_uri)))
    new = [Occupation(**row) for row in (rows or read_esco()) if row["esco_uri"] not in known]
    db.session.add_all(new)
    db.session.commit()
    return len(new)


def find_occupation(label: str) -> Occupation | None:
    """The occupation whose preferred label matches (case-insensitively), else None."""
    label = (label or "").strip().lower()
    if not label:
        return None
    return db.session.scalar(
        sa.select(Occupation).where(sa.func.lower(Occupation.label) == label).limit(1))


def suggest_occupations(text: str, limit: int = 5) -> list[Occupation]:
    """Occupations whose label or alternative labels contain `text`, shortest first."""
    text = (text or "").strip().lower()
    if len(text) < 3:
        return []
    like = f"%{text}%"
    return list(db.session.scalars(
        sa.select(Occupation)
        .where(sa.or_(sa.func.lower(Occupation.label).like(like),
                      sa.func.lower(Occupation.alt_labels).like(like)))
        .order_by(sa.func.length(Occupation.label)).limit(limit)))
