"""each local month's rolled-up days added up per outlet and per station (outlet_month,
station_month): a year of Statistics adds up twelve rows an outlet instead of 365; filled
from the days already rolled up

Revision ID: 0027
Revises: 0021
Create Date: 2026-12-07 03:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0021'
branch_labels = None
depends_on = None


def _month_table(name, key, seconds, also=()):
    keys = [key, *also]
    op.create_table(
        name,
        *(sa.Column(column, sa.Integer(), nullable=False) for column in keys),
        sa.Column('month', sa.Date(), nullable=False),
        *(sa.Column(column, sa.Double(), nullable=False) for column in seconds),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        *(sa.ForeignKeyConstraint([column], [f'{column[:-3]}.id'], ondelete='CASCADE',
                                  name=f'fk_{name}_{column}_{column[:-3]}') for column in keys),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE',
                                name=f'fk_{name}_tenant_id_tenant'),
        sa.PrimaryKeyConstraint(key, 'month', name=f'pk_{name}'),
    )
    op.create_index(f'ix_{name}_tenant_id', name, ['tenant_id'])
    op.create_index(f'ix_{name}_tenant_month', name, ['tenant_id', 'month'])
    month = ("CAST(date_trunc('month', day) AS date)"
             if op.get_bind().dialect.name == 'postgresql' else "date(day, 'start of month')")
    columns = ', '.join([*keys, 'tenant_id'])
    sums = ', '.join(f'sum({column})' for column in seconds)
    op.execute(f"INSERT INTO {name} ({columns}, month, {', '.join(seconds)}) "
               f"SELECT {columns}, {month}, {sums} FROM {name.replace('month', 'day')} "
               f"GROUP BY {columns}, {month}")


def upgrade():
    _month_table('outlet_month', 'outlet_id', ('charging_seconds', 'occupied_seconds'),
                 also=('station_id',))
    _month_table('station_month', 'station_id', ('online_seconds', 'available_seconds'))


def downgrade():
    op.drop_table('station_month')
    op.drop_table('outlet_month')
