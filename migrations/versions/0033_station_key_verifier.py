"""stations keep a verifier of the key they last connected with (an HMAC under a secret
derived from SECRET_KEY): a fleet reconnecting after a deploy costs no scrypt per station

Revision ID: 0033
Revises: 0028
Create Date: 2026-12-07 06:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('station', sa.Column('auth_key_verifier', sa.String(length=64), nullable=True))


def downgrade():
    # Not in batch mode: on SQLite that copies the table, and dropping the old one would
    # delete the stations' sessions (ON DELETE CASCADE).
    op.drop_column('station', 'auth_key_verifier')
