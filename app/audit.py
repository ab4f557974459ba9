"""The append-only audit log: who did what to which object, when and why."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"


def record(actor: Any, action: str, obj: Any, *, reason: str = "",
           **details: Any) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it describes)."""
    db.session.flush()  # so that a new object has its id
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action,
                       object_type=type(obj).__name__, object_id=getattr(obj, "id", None),
                       reason=reason, details=details)
    db.session.add(entry)
    return entry


def history(obj: Any) -> list[AuditEntry]:
    """The audit entries about one object, oldest first."""
    return list(db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == type(obj).__name__, AuditEntry.object_id == obj.id)
        .order_by(AuditEntry.at, AuditEntry.id)))
