"""third-party services: a URL, an encrypted signing secret, a webhook's events and a
payment service's idTag; the outbox of events owed to them and its delivery log; signed
requests received (to refuse replays) and the sessions payment services started

Revision ID: 0028
Revises: 0024
Create Date: 2026-12-07 06:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0024'
branch_labels = None
depends_on = None


def _owned(table, *columns, constraints=(), indexes=()):
    """A company's table: its columns, then tenant_id, with their indexes."""
    op.create_table(
        table,
        sa.Column('id', sa.Integer(), nullable=False),
        *columns,
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        *constraints,
    )
    op.create_index(f'ix_{table}_tenant_id', table, ['tenant_id'])
    for name, keys in indexes:
        op.create_index(name, table, keys)


def _service_id():
    return sa.Column('service_id', sa.Integer(),
                     sa.ForeignKey('third_party_service.id', ondelete='CASCADE'), nullable=False)


def upgrade():
    for column in (
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('url', sa.String(length=2000), server_default='', nullable=False),
        sa.Column('secret_encrypted', sa.Text(), server_default='', nullable=False),
        sa.Column('events', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('id_tag', sa.String(length=20), nullable=True),
        sa.Column('delivering_until', sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column('third_party_service', column)
    _owned(
        'outbox_event',
        _service_id(),
        sa.Column('event_type', sa.String(length=40), nullable=False),
        sa.Column('delivery_id', sa.String(length=36), nullable=False, unique=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('coalesce_key', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        indexes=[('ix_outbox_event_due', ['status', 'next_attempt_at']),
                 ('ix_outbox_event_service', ['service_id', 'status', 'id']),
                 ('ix_outbox_event_coalesce', ['service_id', 'coalesce_key', 'status'])],
    )
    _owned(
        'delivery_attempt',
        _service_id(),
        sa.Column('event_id', sa.Integer(),
                  sa.ForeignKey('outbox_event.id', ondelete='CASCADE'), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        indexes=[('ix_delivery_attempt_event_id', ['event_id']),
                 ('ix_delivery_attempt_service_at', ['service_id', 'attempted_at'])],
    )
    _owned(
        'incoming_delivery',
        _service_id(),
        sa.Column('delivery_id', sa.String(length=100), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        constraints=[sa.UniqueConstraint('service_id', 'delivery_id')],
    )
    _owned(
        'payment_session',
        sa.Column('uuid', sa.String(length=36), nullable=False, unique=True),
        _service_id(),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('outlet_id', sa.Integer(), sa.ForeignKey('outlet.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('command_id', sa.Integer(),
                  sa.ForeignKey('command.id', ondelete='SET NULL'), nullable=True),
        sa.Column('charging_session_id', sa.Integer(),
                  sa.ForeignKey('charging_session.id', ondelete='SET NULL'), nullable=True),
        sa.Column('answer_status', sa.Integer(), nullable=True),
        sa.Column('answer', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        constraints=[sa.UniqueConstraint('service_id', 'reference')],
        indexes=[('ix_payment_session_charging_session_id', ['charging_session_id'])],
    )


def downgrade():
    for table in ('payment_session', 'incoming_delivery', 'delivery_attempt', 'outbox_event'):
        op.drop_table(table)
    for column in ('delivering_until', 'id_tag', 'events', 'secret_encrypted', 'url',
                   'description'):
        op.drop_column('third_party_service', column)
