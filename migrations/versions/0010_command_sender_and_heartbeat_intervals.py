"""commands say which door sent them; heartbeat intervals per company, per station

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('command', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender', sa.Enum('user', 'api token', 'clock', 'service',
                                                        name='commandsender', native_enum=False,
                                                        create_constraint=False, length=9),
                                      server_default='clock', nullable=False))
    op.execute("UPDATE command SET sender = 'user' WHERE user_id IS NOT NULL")
    op.execute("UPDATE command SET sender = 'api token' WHERE api_token_id IS NOT NULL")
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_interval', sa.Integer(), server_default='300',
                                      nullable=False))
    # Never written before: every station had the 300 it was created with, now the default.
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.alter_column('heartbeat_interval', existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE station SET heartbeat_interval = NULL")


def downgrade():
    op.execute("UPDATE station SET heartbeat_interval = 300 WHERE heartbeat_interval IS NULL")
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.alter_column('heartbeat_interval', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_interval')
    with op.batch_alter_table('command', schema=None) as batch_op:
        batch_op.drop_column('sender')
