"""local authorization lists per station

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('local_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.String(length=20), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_version', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_local_list_station_id_station'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_local_list_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_list')),
    sa.UniqueConstraint('station_id', name=op.f('uq_local_list_station_id'))
    )
    with op.batch_alter_table('local_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_list_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('local_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('id_tag', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('expiry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('parent_id_tag', sa.String(length=20), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_local_list_entry_station_id_station'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_local_list_entry_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_list_entry')),
    sa.UniqueConstraint('station_id', 'id_tag', name=op.f('uq_local_list_entry_station_id_id_tag'))
    )
    with op.batch_alter_table('local_list_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_list_entry_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('local_list_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_list_entry_tenant_id'))

    op.drop_table('local_list_entry')
    with op.batch_alter_table('local_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_list_tenant_id'))

    op.drop_table('local_list')
