"""station files: firmware images and diagnostics uploads

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:02:39

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('station_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('firmware', 'diagnostics', name='stationfilekind', native_enum=False), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('reported_file_name', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_station_file_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_station_file_station_id_station'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_station_file_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_file')),
    sa.UniqueConstraint('token', name=op.f('uq_station_file_token'))
    )
    with op.batch_alter_table('station_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_file_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_file_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('station_file_chunk',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['station_file.id'], name=op.f('fk_station_file_chunk_file_id_station_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_station_file_chunk_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_id', 'number', name=op.f('pk_station_file_chunk'))
    )
    with op.batch_alter_table('station_file_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_file_chunk_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('station_file_chunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_file_chunk_tenant_id'))

    op.drop_table('station_file_chunk')
    with op.batch_alter_table('station_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_file_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_station_file_station_id'))

    op.drop_table('station_file')
