"""the sessions page's tag filter in a trigram index (PostgreSQL with pg_trgm): a contains
match that no b-tree serves read every session of a year (270 ms for the rows, as much for
the totals)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:10:00

"""
import logging

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")
INDEX = 'ix_charging_session_id_tag_trgm'  # portal.models.charging_session.TAG_TRIGRAM_INDEX


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != 'postgresql':
        return  # SQLite has no such index: the filter reads the sessions it is given
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    # A role that may not, or a server without the contrib modules, keeps a working portal
    # with a slower tag filter: a warning, not a failed deployment (docs/deployment.md).
    try:
        with connection.begin_nested():
            op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except sa.exc.DBAPIError as error:
        logger.warning("pg_trgm could not be created (%s): the sessions page's tag filter "
                       "stays without its index; see docs/deployment.md",
                       str(error.orig).strip().splitlines()[0])
        return
    op.create_index(INDEX, 'charging_session', ['id_tag'], unique=False,
                    postgresql_using='gin', postgresql_ops={'id_tag': 'gin_trgm_ops'})


def downgrade():
    # The extension stays: other objects, or the database's owner, may use it.
    op.execute(f'DROP INDEX IF EXISTS {INDEX}')
