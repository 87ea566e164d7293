"""users: an EV user's parking label

Revision ID: 0022
Revises: 0026
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('parking_label', sa.String(length=50),
                                            nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.drop_column('parking_label')
