"""Second-factor secrets sealed at rest; one-time set-up links; recovery codes

Revision ID: b601194d821a
Revises: a7c31e5f90b2
Create Date: 2026-12-03 13:17:28.594298

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from app.accounts import secret_box


# revision identifiers, used by Alembic.
revision = 'b601194d821a'
down_revision = 'a7c31e5f90b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_codes_code_hash'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('second_factor_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('pending_secret_box', sa.LargeBinary(length=128), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_second_factor_links_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_second_factor_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_second_factor_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_second_factor_links_token_hash'))
    )
    with op.batch_alter_table('second_factor_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_second_factor_links_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_box', sa.LargeBinary(length=128), nullable=True))
    _move_secrets('totp_secret', 'totp_secret_box', secret_box.seal)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret')


def _move_secrets(source, target, convert):
    """Seal (or, going down, unseal) every existing secret under TOTP_ENCRYPTION_KEY."""
    key = secret_box.key_from_config(current_app.config)
    users = sa.table('users', sa.column('id'), sa.column(source), sa.column(target))
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c[source])
                        .where(users.c[source].is_not(None))).all()
    for user_id, value in rows:
        conn.execute(users.update().where(users.c.id == user_id)
                     .values({target: convert(key, value, user_id)}))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.VARCHAR(length=64), nullable=True))
    _move_secrets('totp_secret_box', 'totp_secret', secret_box.unseal)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret_box')

    with op.batch_alter_table('second_factor_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_second_factor_links_user_id'))

    op.drop_table('second_factor_links')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))

    op.drop_table('recovery_codes')
