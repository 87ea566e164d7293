"""sessions per station and local day of the company (session_day), counted from the
sessions already there: the sessions page's totals and the Statistics' days, weeks and
months read it instead of a year of sessions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:10:00

"""
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# PostgreSQL knows the zones; started_at is a timestamptz.
BACKFILL_POSTGRESQL = """
INSERT INTO session_day (tenant_id, station_id, day, sessions, energy_wh)
SELECT s.tenant_id, s.station_id, CAST(s.started_at AT TIME ZONE t.time_zone AS date),
       count(*), COALESCE(sum(s.energy_wh), 0)
FROM charging_session s JOIN tenant t ON t.id = s.tenant_id
GROUP BY s.tenant_id, s.station_id, CAST(s.started_at AT TIME ZONE t.time_zone AS date)
"""


def upgrade():
    op.create_table(
        'session_day',
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sessions', sa.Integer(), nullable=False),
        sa.Column('energy_wh', sa.BigInteger(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'],
                                name=op.f('fk_session_day_station_id_station'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'],
                                name=op.f('fk_session_day_tenant_id_tenant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('station_id', 'day', name=op.f('pk_session_day')),
    )
    # Covering: a company's sums of days are read from the index alone.
    op.create_index('ix_session_day_tenant_day', 'session_day',
                    ['tenant_id', 'day', 'station_id', 'sessions', 'energy_wh'], unique=False)
    op.create_index(op.f('ix_session_day_tenant_id'), 'session_day', ['tenant_id'],
                    unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(BACKFILL_POSTGRESQL)
    else:
        _backfill_in_python(bind)


def _backfill_in_python(bind):
    """SQLite knows no time zones: each company's sessions are read once and counted here."""
    insert = sa.text("INSERT INTO session_day (tenant_id, station_id, day, sessions, energy_wh)"
                     " VALUES (:tenant_id, :station_id, :day, :sessions, :energy_wh)")
    for tenant_id, zone_name in bind.execute(sa.text("SELECT id, time_zone FROM tenant")).all():
        zone = ZoneInfo(zone_name or 'UTC')
        sessions, energy = Counter(), Counter()
        for station_id, started_at, energy_wh in bind.execute(sa.text(
                "SELECT station_id, started_at, energy_wh FROM charging_session"
                " WHERE tenant_id = :tenant_id"), {"tenant_id": tenant_id}):
            # Stored naive, in UTC.
            started = datetime.fromisoformat(str(started_at)).replace(tzinfo=UTC)
            key = (station_id, started.astimezone(zone).date().isoformat())
            sessions[key] += 1
            energy[key] += energy_wh or 0
        rows = [{"tenant_id": tenant_id, "station_id": station_id, "day": day,
                 "sessions": count, "energy_wh": energy[station_id, day]}
                for (station_id, day), count in sessions.items()]
        if rows:
            bind.execute(insert, rows)


def downgrade():
    op.drop_index(op.f('ix_session_day_tenant_id'), table_name='session_day')
    op.drop_index('ix_session_day_tenant_day', table_name='session_day')
    op.drop_table('session_day')
