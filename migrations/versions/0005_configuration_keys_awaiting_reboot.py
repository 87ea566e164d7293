"""configuration keys remember a value that waits for a reboot

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('station_configuration_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reboot_required', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('station_configuration_key', schema=None) as batch_op:
        batch_op.drop_column('reboot_required')
