from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, utcnow
from portal.models.user import User


class Tag(TenantOwned, Base):
    """An RFID card or other idTag a driver presents at a station."""

    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("tenant_id", "id_tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_tag: Mapped[str] = mapped_column(String(20))  # OCPP IdToken is CiString20
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tag.id", ondelete="SET NULL"))
    expiry_at: Mapped[datetime | None]
    # 0 = blocked, a negative number = no limit (SteVe's convention, which operators know).
    max_active_transactions: Mapped[int] = mapped_column(default=1)
    blocked: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Tag | None] = relationship(remote_side=[id])
    owner: Mapped[User | None] = relationship()
