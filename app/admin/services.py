"""What the admin console reads: counts and the audit log."""
from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import ADMIN, REVIEWER, User
from app.audit import AuditEntry
from app.errors import PermissionDenied
from app.extensions import db


def audit_log(actor: User, *, object_type: str = "", limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries (admins and ministry reviewers may read them)."""
    if actor.role not in (ADMIN, REVIEWER):
        raise PermissionDenied()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    return list(db.session.scalars(stmt.limit(limit)))


def user_counts(actor: User) -> dict[str, int]:
    if actor.role != ADMIN:
        raise PermissionDenied()
    rows = db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role))
    return {role: count for role, count in rows}
