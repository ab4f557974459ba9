"""Polite crawling: a source keeps its document's validators and the time a site asked us to
wait until; a run keeps a log of how the site was treated

Revision ID: 5e1c0a7d9b21
Revises: c95b29c40190
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c0a7d9b21'
down_revision = 'c95b29c40190'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('etag', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('last_modified', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('not_before', sa.DateTime(), nullable=True))
    with op.batch_alter_table('source_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('source_runs', schema=None) as batch_op:
        batch_op.drop_column('log')
    with op.batch_alter_table('job_sources', schema=None) as batch_op:
        batch_op.drop_column('not_before')
        batch_op.drop_column('last_modified')
        batch_op.drop_column('etag')
