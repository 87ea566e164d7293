"""the company portal: how each session was authorised, the company's default station
configuration, when a station was sent it, and each user's dashboard widgets

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions from before were RFID or remote; nothing tells which, and rfid is the common one.
    with op.batch_alter_table('charging_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_method', sa.String(length=6), nullable=False,
                                      server_default='rfid'))
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_configuration', sa.JSON(), nullable=True))
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.add_column(sa.Column('defaults_sent_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # Stations that already booted had their first boot: a default configuration the company
    # sets later is not pushed to them at their next boot (the Configuration page applies a
    # key to many stations at once).
    op.execute("UPDATE station SET defaults_sent_at = last_boot_at "
               "WHERE last_boot_at IS NOT NULL AND registration_status = 'Accepted'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dashboard_widgets', sa.JSON(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): batch mode would copy and drop the
    # tables, and dropping tenant would cascade to every company's rows.
    op.drop_column('user_account', 'dashboard_widgets')
    op.drop_column('station', 'defaults_sent_at')
    op.drop_column('tenant', 'default_configuration')
    op.drop_column('charging_session', 'auth_method')
