"""Licence notes stored as a message id and parameters

Revision ID: 21e5e66a0aee
Revises: 38fd98642751
Create Date: 2026-11-25 15:40:56.075950

Rows computed before keep their English licence_note (shown as stored) until
`flask vetting rescore` or new evidence recomputes them.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '21e5e66a0aee'
down_revision = '38fd98642751'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation_risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('licence_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('organisation_risks', schema=None) as batch_op:
        batch_op.drop_column('licence_params')
