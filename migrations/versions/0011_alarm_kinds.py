"""alarm kinds are one enum: the column is `kind`, stored values renamed to its members

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

KINDS = ('not_registered', 'no_network_contact', 'hardware_failure', 'fuse', 'temperature',
         'voltage', 'hardware_configuration_mismatch')
# What was raised before, as free strings, and the kind each now is.
RENAMED = {
    'station_not_registered': 'not_registered',
    'connector_faulted': 'hardware_failure',
    'outlet_faulted': 'hardware_failure',  # the demo's spelling
}
# Back to the spellings the services of 0010 raised.
RESTORED = {'not_registered': 'station_not_registered', 'hardware_failure': 'connector_faulted'}


def upgrade():
    for old, new in RENAMED.items():
        op.execute(sa.text("UPDATE alarm SET alarm_type = :new WHERE alarm_type = :old")
                   .bindparams(old=old, new=new))
    with op.batch_alter_table('alarm', schema=None) as batch_op:
        batch_op.alter_column('alarm_type', new_column_name='kind',
                              existing_type=sa.String(length=50), existing_nullable=False,
                              type_=sa.Enum(*KINDS, name='alarmkind', native_enum=False,
                                            create_constraint=False, length=31))


def downgrade():
    with op.batch_alter_table('alarm', schema=None) as batch_op:
        batch_op.alter_column('kind', new_column_name='alarm_type',
                              existing_type=sa.Enum(*KINDS, name='alarmkind', native_enum=False,
                                                    create_constraint=False, length=31),
                              existing_nullable=False, type_=sa.String(length=50))
    for new, old in RESTORED.items():
        op.execute(sa.text("UPDATE alarm SET alarm_type = :old WHERE alarm_type = :new")
                   .bindparams(old=old, new=new))
