"""a company may let its EV drivers link a card to themselves by its number ("add my card")

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tenant', sa.Column('drivers_add_cards', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    op.drop_column('tenant', 'drivers_add_cards')
