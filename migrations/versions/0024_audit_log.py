"""the audit log: who (in words that outlive the user or token), from which address, the
target's kind and id, and the values before and after; an index for the entries of one
kind of target (support users read those about stations)

Revision ID: 0024
Revises: 0025
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_entry', sa.Column('actor', sa.String(length=255), nullable=False,
                                           server_default=''))
    op.add_column('audit_entry', sa.Column('address', sa.String(length=64), nullable=True))
    op.add_column('audit_entry', sa.Column('target_kind', sa.String(length=30), nullable=False,
                                           server_default=''))
    op.add_column('audit_entry', sa.Column('target_id', sa.Integer(), nullable=True))
    op.add_column('audit_entry', sa.Column('before', sa.JSON(), nullable=True))
    op.add_column('audit_entry', sa.Column('after', sa.JSON(), nullable=True))
    op.create_index('ix_audit_entry_tenant_kind_at', 'audit_entry',
                    ['tenant_id', 'target_kind', 'at'])


def downgrade():
    op.drop_index('ix_audit_entry_tenant_kind_at', table_name='audit_entry')
    with op.batch_alter_table('audit_entry') as batch:
        for column in ('after', 'before', 'target_id', 'target_kind', 'address', 'actor'):
            batch.drop_column(column)
