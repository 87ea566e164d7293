"""per local day rollups of the status history for the Statistics page (utilisation per
outlet, availability per station), how far each company's days are rolled up, and the
stations whose rolled-up days a late event made stale; the clock fills them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


CONNECTION = "kind IN ('connected', 'disconnected')"
WIDE_STATUS = "kind = 'status' AND outlet_id IS NULL"


def upgrade():
    op.create_table(
        'outlet_day',
        sa.Column('outlet_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('charging_seconds', sa.Double(), nullable=False),
        sa.Column('occupied_seconds', sa.Double(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['outlet_id'], ['outlet.id'], ondelete='CASCADE',
                                name='fk_outlet_day_outlet_id_outlet'),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'], ondelete='CASCADE',
                                name='fk_outlet_day_station_id_station'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE',
                                name='fk_outlet_day_tenant_id_tenant'),
        sa.PrimaryKeyConstraint('outlet_id', 'day', name='pk_outlet_day'),
    )
    op.create_index('ix_outlet_day_tenant_id', 'outlet_day', ['tenant_id'])
    op.create_index('ix_outlet_day_tenant_day', 'outlet_day', ['tenant_id', 'day'])
    op.create_table(
        'station_day',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('online_seconds', sa.Double(), nullable=False),
        sa.Column('available_seconds', sa.Double(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'], ondelete='CASCADE',
                                name='fk_station_day_station_id_station'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE',
                                name='fk_station_day_tenant_id_tenant'),
        sa.PrimaryKeyConstraint('station_id', 'day', name='pk_station_day'),
    )
    op.create_index('ix_station_day_tenant_id', 'station_day', ['tenant_id'])
    op.create_index('ix_station_day_tenant_day', 'station_day', ['tenant_id', 'day'])
    op.create_table(
        'rollup_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=False),
        sa.Column('rolled_until', sa.Date(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE',
                                name='fk_rollup_progress_tenant_id_tenant'),
        sa.PrimaryKeyConstraint('id', name='pk_rollup_progress'),
        sa.UniqueConstraint('tenant_id', name='uq_rollup_progress_tenant_id'),
    )
    op.create_index('ix_rollup_progress_tenant_id', 'rollup_progress', ['tenant_id'])
    op.create_table(
        'stale_rollup',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'], ondelete='CASCADE',
                                name='fk_stale_rollup_station_id_station'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE',
                                name='fk_stale_rollup_tenant_id_tenant'),
        sa.PrimaryKeyConstraint('station_id', name='pk_stale_rollup'),
    )
    op.create_index('ix_stale_rollup_tenant_id', 'stale_rollup', ['tenant_id'])
    # Availability reads a station's connections and station-wide statuses, which are few
    # among its outlets' statuses: each on an index of its own.
    for name, where in (('ix_event_station_connection', CONNECTION),
                        ('ix_event_station_wide_status', WIDE_STATUS)):
        op.create_index(name, 'event', ['station_id', 'occurred_at'],
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade():
    op.drop_index('ix_event_station_wide_status', table_name='event')
    op.drop_index('ix_event_station_connection', table_name='event')
    op.drop_table('stale_rollup')
    op.drop_table('rollup_progress')
    op.drop_table('station_day')
    op.drop_table('outlet_day')
