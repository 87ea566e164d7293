"""installed charging profiles

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:46

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('installed_charging_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('connector_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('charging_profile_id', sa.Integer(), nullable=False),
    sa.Column('stack_level', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile', name='chargingprofilepurposetype', native_enum=False), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('command_id', sa.Integer(), nullable=True),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['command_id'], ['command.id'], name=op.f('fk_installed_charging_profile_command_id_command'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['profile_id'], ['charging_profile.id'], name=op.f('fk_installed_charging_profile_profile_id_charging_profile'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_installed_charging_profile_station_id_station'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_installed_charging_profile_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installed_charging_profile'))
    )
    with op.batch_alter_table('installed_charging_profile', schema=None) as batch_op:
        batch_op.create_index('ix_installed_charging_profile_station', ['station_id', 'connector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_installed_charging_profile_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('installed_charging_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_installed_charging_profile_tenant_id'))
        batch_op.drop_index('ix_installed_charging_profile_station')

    op.drop_table('installed_charging_profile')
