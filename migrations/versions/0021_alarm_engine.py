"""the alarm engine: each alarm's own severity, one open alarm per kind and node (a unique
partial index, whichever worker raises it), stations marked inactive, and each company's
no-contact multiple and fault grace period; the company's event log, newest first, on an index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('alarm', sa.Column('severity', sa.String(length=8), nullable=False,
                                     server_default='warning'))
    op.execute(sa.text(
        "UPDATE alarm SET severity = CASE WHEN kind IN ('no_network_contact', "
        "'hardware_failure', 'fuse') THEN 'critical' ELSE 'warning' END"))
    # Before the unique index: of open duplicates (two workers raced), keep the first.
    op.execute(sa.text(
        "UPDATE alarm SET cleared_at = raised_at WHERE cleared_at IS NULL AND EXISTS ("
        "SELECT 1 FROM alarm AS first WHERE first.tenant_id = alarm.tenant_id "
        "AND first.kind = alarm.kind AND first.node = alarm.node "
        "AND first.cleared_at IS NULL AND first.id < alarm.id)"))
    op.create_index('ux_alarm_open', 'alarm', ['tenant_id', 'kind', 'node'], unique=True,
                    postgresql_where=sa.text('cleared_at IS NULL'),
                    sqlite_where=sa.text('cleared_at IS NULL'))
    op.create_index('ix_event_tenant_occurred', 'event', ['tenant_id', 'occurred_at'])
    op.add_column('station', sa.Column('active', sa.Boolean(), nullable=False,
                                       server_default=sa.true()))
    op.add_column('tenant', sa.Column('no_contact_intervals', sa.Integer(), nullable=False,
                                      server_default='3'))
    op.add_column('tenant', sa.Column('fault_grace_seconds', sa.Integer(), nullable=False,
                                      server_default='120'))
    op.add_column('tenant', sa.Column('digest_time', sa.Time(), nullable=False,
                                      server_default='07:00:00'))
    op.add_column('user_account', sa.Column('email_at_once', sa.Boolean(), nullable=False,
                                            server_default=sa.false()))
    op.add_column('alarm', sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'alarm_digest',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=7), nullable=False),
        sa.Column('alarms', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'day'),
    )
    op.create_index('ix_alarm_digest_tenant_id', 'alarm_digest', ['tenant_id'])
    op.create_table(
        'alarm_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'station_id', 'hour'),
    )
    op.create_index('ix_alarm_mail_tenant_id', 'alarm_mail', ['tenant_id'])


def downgrade():
    op.drop_table('alarm_mail')
    op.drop_table('alarm_digest')
    op.drop_column('alarm', 'notified_at')
    op.drop_column('user_account', 'email_at_once')
    op.drop_column('tenant', 'digest_time')
    op.drop_column('tenant', 'fault_grace_seconds')
    op.drop_column('tenant', 'no_contact_intervals')
    op.drop_column('station', 'active')
    op.drop_index('ix_event_tenant_occurred', table_name='event')
    op.drop_index('ux_alarm_open', table_name='alarm')
    op.drop_column('alarm', 'severity')
