"""Job facts an ad did not state stay unknown: hours and wage may be empty, and the fields
taken from a source's corridor are named

Revision ID: c95b29c40190
Revises: b601194d821a
Create Date: 2026-11-25 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c95b29c40190'
down_revision = 'b601194d821a'
branch_labels = None
depends_on = None

NULLABLE = (("wage_amount", sa.Numeric(12, 2)), ("wage_currency", sa.String(3)),
            ("wage_period", sa.String(10)), ("wage_monthly", sa.Numeric(12, 2)),
            ("hours_per_week", sa.Integer()))


def upgrade():
    with op.batch_alter_table('job_postings', schema=None) as batch_op:
        for name, type_ in NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
        batch_op.add_column(sa.Column('assumed_fields', sa.JSON(), nullable=True))


def downgrade():
    # Going back would need a figure for every fact an ad did not state: refuse rather
    # than make one up.
    conn = op.get_bind()
    missing = conn.execute(sa.text(
        "SELECT COUNT(*) FROM job_postings WHERE " +
        " OR ".join(f"{name} IS NULL" for name, _type in NULLABLE))).scalar()
    if missing:
        raise RuntimeError(f"{missing} job postings do not state their wage or hours; "
                           "delete or complete them before downgrading")
    with op.batch_alter_table('job_postings', schema=None) as batch_op:
        batch_op.drop_column('assumed_fields')
        for name, type_ in NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
