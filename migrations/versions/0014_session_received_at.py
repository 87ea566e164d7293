"""charging sessions keep when Plugboard received their start (the server's log date)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable in the table: making it NOT NULL on SQLite would copy and drop charging_session,
    # and the drop would cascade to its meter values. Sessions from before take their start.
    op.add_column('charging_session', sa.Column('received_at', sa.DateTime(timezone=True),
                                                nullable=True))
    op.execute("UPDATE charging_session SET received_at = started_at")


def downgrade():
    op.drop_column('charging_session', 'received_at')
