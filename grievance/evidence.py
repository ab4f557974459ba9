"""What vetting learns from grievances: one "verified" or "unverified" per linked case.

Only a reviewer links a case to an organisation, so a flood of unfounded reports
cannot move a recruiter's risk on its own; rejected cases do not count.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from grievance.models import REJECTED, GrievanceCase


def organisation_grievances(organisation_id: int) -> list[str]:
    rows = db.session.scalars(sa.select(GrievanceCase.verified).where(
        GrievanceCase.organisation_id == organisation_id, GrievanceCase.status != REJECTED))
    return ["verified" if verified else "unverified" for verified in rows]
