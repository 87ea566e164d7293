"""Third-party services a company connects (a charging map, a payment app, its own systems
by webhook), the events Plugboard owes them (the outbox) and what came in from them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, new_uuid, str_enum, utcnow


class ServiceKind(enum.StrEnum):
    MAP = "map"
    PAYMENT = "payment"
    WEBHOOK = "webhook"


class ThirdPartyService(TenantOwned, Base):
    """A map, payment or webhook service a tenant has connected."""

    __tablename__ = "third_party_service"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind))
    provider: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Where events are sent (POST).
    url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    # The signing secret, both ways (portal.services.encryption); never shown whole.
    secret_encrypted: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The event types a webhook subscribed to; maps and payments get theirs by kind.
    events: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # A payment service's sessions start with this idTag.
    id_tag: Mapped[str | None] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One delivery worker at a time sends to a service (its lease ends here).
    delivering_until: Mapped[datetime | None]


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for OUTBOX_RETRY_HOURS without success
    SUPERSEDED = "superseded"  # a later status of the same outlet went instead


class OutboxEvent(TenantOwned, Base):
    """An event owed to one service, stored in the transaction of the change that caused
    it and sent by the delivery worker (portal.services.outbox)."""

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_event_due", "status", "next_attempt_at"),
        Index("ix_outbox_event_service", "service_id", "status", "id"),
        Index("ix_outbox_event_coalesce", "service_id", "coalesce_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("third_party_service.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(40))
    # Plugboard-Delivery: the same on every retry.
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Events with one key (an outlet's status at a map) are coalesced: the latest goes.
    coalesce_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus),
                                                   default=DeliveryStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]

    service: Mapped[ThirdPartyService] = relationship()


class DeliveryAttempt(TenantOwned, Base):
    """One try at sending an event: the service's delivery log."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (Index("ix_delivery_attempt_service_at", "service_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("third_party_service.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"),
                                          index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    http_status: Mapped[int | None]  # None: no answer (connection refused, time-out)
    error: Mapped[str] = mapped_column(String(500), default="")
    ok: Mapped[bool] = mapped_column(default=False)

    event: Mapped[OutboxEvent] = relationship()


class IncomingDelivery(TenantOwned, Base):
    """A signed request a service sent, kept so that a replay of it is refused."""

    __tablename__ = "incoming_delivery"
    __table_args__ = (UniqueConstraint("service_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("third_party_service.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentSession(TenantOwned, Base):
    """A charge a payment service started (POST /integrations/<id>/sessions), by its
    reference: the answer it was given, and the charging session that followed."""

    __tablename__ = "payment_session"
    __table_args__ = (UniqueConstraint("service_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("third_party_service.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(200))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    # The RemoteStartTransaction sent for it; the StartTransaction that carries it out
    # links the charging session.
    command_id: Mapped[int | None] = mapped_column(ForeignKey("command.id", ondelete="SET NULL"))
    charging_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_session.id", ondelete="SET NULL"), index=True)
    # What the service was answered, given again for the same reference.
    answer_status: Mapped[int | None]
    answer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    service: Mapped[ThirdPartyService] = relationship()
