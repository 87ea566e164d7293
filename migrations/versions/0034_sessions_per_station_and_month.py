"""each local month's sessions per station added up (session_month): a year of top stations
or of bars a month adds up twelve rows a station instead of 365; filled from the days

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 14:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_month',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('sessions', sa.Integer(), nullable=False),
        sa.Column('energy_wh', sa.BigInteger(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'],
                                name=op.f('fk_session_month_station_id_station'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'],
                                name=op.f('fk_session_month_tenant_id_tenant'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('station_id', 'month', name=op.f('pk_session_month')),
    )
    op.create_index('ix_session_month_tenant_month', 'session_month',
                    ['tenant_id', 'month', 'station_id', 'sessions', 'energy_wh'], unique=False)
    op.create_index(op.f('ix_session_month_tenant_id'), 'session_month', ['tenant_id'],
                    unique=False)
    month = ("CAST(date_trunc('month', day) AS date)"
             if op.get_bind().dialect.name == 'postgresql' else "date(day, 'start of month')")
    op.execute(f"INSERT INTO session_month (tenant_id, station_id, month, sessions, energy_wh) "
               f"SELECT tenant_id, station_id, {month}, sum(sessions), sum(energy_wh) "
               f"FROM session_day GROUP BY tenant_id, station_id, {month}")


def downgrade():
    op.drop_index(op.f('ix_session_month_tenant_id'), table_name='session_month')
    op.drop_index('ix_session_month_tenant_month', table_name='session_month')
    op.drop_table('session_month')
