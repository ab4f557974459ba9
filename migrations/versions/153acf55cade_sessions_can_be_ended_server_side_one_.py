"""Sessions can be ended server-side; one grievance key unlock per reviewer

Revision ID: 153acf55cade
Revises: 21e5e66a0aee
Create Date: 2026-12-03 12:58:58.128560

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '153acf55cade'
down_revision = '21e5e66a0aee'
branch_labels = None
depends_on = None


def upgrade():
    # Unlocked keys are short-lived and cannot name a session version: lock them all
    # (reviewers unlock again), which also leaves at most one row per reviewer.
    op.execute(sa.text("DELETE FROM grievance_key_sessions"))
    with op.batch_alter_table('grievance_key_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False))
        batch_op.drop_index(batch_op.f('ix_grievance_key_sessions_user_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_grievance_key_sessions_user_id'), ['user_id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('grievance_key_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_grievance_key_sessions_user_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_grievance_key_sessions_user_id'), ['user_id'], unique=False)
        batch_op.drop_column('session_version')

