"""operations group the commands sent together

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('command', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operation_id', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_command_operation', ['operation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('command', schema=None) as batch_op:
        batch_op.drop_index('ix_command_operation')
        batch_op.drop_column('operation_id')
