"""charging sessions: the energy as accounted, its anomaly, and their review; stations' rated
power (an anomaly is more energy than it allows)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: batch mode on SQLite would copy and drop charging_session, and the
    # drop would cascade to its meter values.
    op.add_column('charging_session', sa.Column('energy_wh', sa.BigInteger(), nullable=True))
    op.add_column('charging_session', sa.Column('energy_from_samples', sa.Boolean(),
                                                nullable=False, server_default=sa.false()))
    op.add_column('charging_session', sa.Column('anomaly', sa.String(length=20), nullable=True))
    op.add_column('charging_session', sa.Column('reviewed_at', sa.DateTime(timezone=True),
                                                nullable=True))
    # Who reviewed, by e-mail: it stays when the person's account is deleted.
    op.add_column('charging_session', sa.Column('reviewed_by', sa.String(length=254),
                                                nullable=True))
    op.add_column('charging_session', sa.Column('review_action', sa.String(length=10),
                                                nullable=True))
    op.add_column('charging_session', sa.Column('original_stopped_at',
                                                sa.DateTime(timezone=True), nullable=True))
    op.add_column('charging_session', sa.Column('original_meter_stop', sa.Integer(),
                                                nullable=True))
    op.add_column('station', sa.Column('rated_power_w', sa.Integer(), nullable=True))
    op.execute("UPDATE charging_session SET energy_wh = meter_stop - meter_start "
               "WHERE meter_stop IS NOT NULL AND meter_stop >= meter_start")


def downgrade():
    for column in ('original_meter_stop', 'original_stopped_at', 'review_action',
                   'reviewed_by', 'reviewed_at', 'anomaly', 'energy_from_samples',
                   'energy_wh'):
        op.drop_column('charging_session', column)
    op.drop_column('station', 'rated_power_w')
