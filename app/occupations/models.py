"""An ESCO occupation with its ISCO-08 unit group."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Occupation(db.Model):
    __tablename__ = "occupations"

    id: Mapped[int] = mapped_column(primary_key=True)
    esco_uri: Mapped[str] = mapped_column(sa.String(200), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200), index=True)
    alt_labels: Mapped[str] = mapped_column(sa.Text, default="")  # newline-separated
    isco_group: Mapped[str] = mapped_column(sa.String(4), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")

    def __repr__(self) -> str:
        return f"<Occupation {self.isco_group} {self.label!r}>"
