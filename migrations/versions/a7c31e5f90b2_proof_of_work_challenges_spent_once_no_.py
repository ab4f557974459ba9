"""Proof-of-work challenges spent once; no site-wide count of wrong receipts

Revision ID: a7c31e5f90b2
Revises: 153acf55cade
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c31e5f90b2'
down_revision = '153acf55cade'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'grievance_used_challenges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('challenge_hash', sa.String(length=64), nullable=False),
        sa.Column('used_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grievance_used_challenges')),
        sa.UniqueConstraint('challenge_hash', name=op.f('uq_grievance_used_challenges_challenge_hash')),
    )
    with op.batch_alter_table('grievance_used_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grievance_used_challenges_used_on'), ['used_on'],
                              unique=False)
    # The site-wide counter (scope "*") is no longer read: its rows go.
    op.execute("DELETE FROM grievance_receipt_attempts WHERE scope = '*'")


def downgrade():
    with op.batch_alter_table('grievance_used_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grievance_used_challenges_used_on'))
    op.drop_table('grievance_used_challenges')
