"""account security: single-use e-mail links, TOTP second factors, recovery codes

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-07 03:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0023'
branch_labels = None
depends_on = None


def _owned(name, *columns):
    """A tenant-owned table of a user, as portal.models declares it."""
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    *columns,
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f(f'fk_{name}_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f(f'fk_{name}_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_tenant_id'), ['tenant_id'], unique=False)


def upgrade():
    _owned('account_token',
           sa.Column('purpose', sa.String(length=14), nullable=False),
           sa.Column('token_hash', sa.String(length=64), nullable=False),
           sa.Column('new_email', sa.String(length=254), nullable=True),
           sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
           sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
           sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
           sa.UniqueConstraint('token_hash', name=op.f('uq_account_token_token_hash')))
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_token_user_id'), ['user_id'], unique=False)
    _owned('two_factor',
           sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
           sa.Column('last_step', sa.Integer(), nullable=True),
           sa.Column('enabled_at', sa.DateTime(timezone=True), nullable=False),
           sa.UniqueConstraint('user_id', name=op.f('uq_two_factor_user_id')))
    _owned('recovery_code',
           sa.Column('code_hash', sa.String(length=64), nullable=False),
           sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
           sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash')))
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)
    # Not in batch mode: on SQLite that copies the tenant table, and dropping the old one
    # would cascade to every row that refers to it.
    op.add_column('tenant', sa.Column('require_two_factor', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    op.drop_column('tenant', 'require_two_factor')
    for name in ('recovery_code', 'two_factor', 'account_token'):
        op.drop_table(name)
