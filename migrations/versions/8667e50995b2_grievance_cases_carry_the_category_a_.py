"""Grievance cases carry the category a reviewer gave them, for corridor statistics

Revision ID: 8667e50995b2
Revises: 8db0874d6647
Create Date: 2026-11-25 15:32:53.194604

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8667e50995b2'
down_revision = '8db0874d6647'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grievance_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_grievance_cases_category'), ['category'], unique=False)



def downgrade():
    with op.batch_alter_table('grievance_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grievance_cases_category'))
        batch_op.drop_column('category')

