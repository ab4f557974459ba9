"""Corridor services: listing for everyone, creating and editing for admins."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import ADMIN, User
from app.corridors.models import Corridor
from app.errors import NotFound, PermissionDenied, get_or_not_found
from app.extensions import db
from app.validation import InputReader


def list_corridors(*, include_inactive: bool = False) -> list[Corridor]:
    stmt = sa.select(Corridor).order_by(Corridor.name)
    if not include_inactive:
        stmt = stmt.where(Corridor.active.is_(True))
    return list(db.session.scalars(stmt))


def get_corridor(code: str, *, include_inactive: bool = False) -> Corridor:
    corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == code.upper()))
    if corridor is None or (not corridor.active and not include_inactive):
        raise NotFound()
    return corridor


def origin_language(code: str) -> str | None:
    """The first language a corridor's workers read (its data lists it first), or None."""
    languages = db.session.scalar(sa.select(Corridor.languages)
                                  .where(Corridor.code == code.upper()))
    return languages[0] if languages else None


def corridor_by_id(actor: User, corridor_id: int) -> Corridor:
    """Any corridor, active or not, for an admin to edit."""
    if actor.role != ADMIN:
        raise PermissionDenied()
    return get_or_not_found(Corridor, corridor_id)


def _read_corridor(reader: InputReader, current: Corridor | None) -> dict:
    origin = reader.country("origin")
    destination = reader.country("destination")
    if origin and origin == destination:
        reader.error("destination", _l("must differ from the origin"))
    fields = {
        "origin": origin, "destination": destination,
        "name": reader.text("name", max_len=120),
        "currency": reader.currency("currency"),
        "languages": reader.languages("languages"),
        "description": reader.text("description", required=False, max_len=5000) or "",
        "active": reader.boolean("active"),
    }
    if origin and destination:
        fields["code"] = f"{origin}-{destination}"
        clash = db.session.scalar(sa.select(Corridor.id).where(Corridor.code == fields["code"]))
        if clash and (current is None or clash != current.id):
            reader.error("destination", _l("this corridor already exists"))
    return fields


def save_corridor(actor: User, data: Mapping[str, Any],
                  corridor_id: int | None = None) -> Corridor:
    """Create a corridor, or edit one when `corridor_id` is given (admins only)."""
    corridor = None if corridor_id is None else corridor_by_id(actor, corridor_id)
    if actor.role != ADMIN:
        raise PermissionDenied()
    reader = InputReader(data)
    fields = _read_corridor(reader, corridor)
    reader.finish()
    if corridor is None:
        corridor = Corridor(**fields)
        db.session.add(corridor)
        action = "corridor.created"
    else:
        for key, value in fields.items():
            setattr(corridor, key, value)
        action = "corridor.updated"
    audit.record(actor, action, corridor, code=corridor.code, active=corridor.active)
    db.session.commit()
    return corridor


def corridor_as_input(corridor: Corridor) -> dict:
    return {"origin": corridor.origin, "destination": corridor.destination,
            "name": corridor.name, "currency": corridor.currency,
            "languages": ", ".join(corridor.languages), "description": corridor.description,
            "active": corridor.active}
