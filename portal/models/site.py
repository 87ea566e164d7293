from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.models.base import Base, TenantOwned, new_uuid


class Site(TenantOwned, Base):
    """A place with chargers: a car park, an office, a depot."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    floors: Mapped[list[Floor]] = relationship(
        back_populates="site", order_by="Floor.name", cascade="all, delete-orphan"
    )


class Floor(TenantOwned, Base):
    """A level of a site, optionally with a floor-map image stations are placed on."""

    __tablename__ = "floor"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    floor_map: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    floor_map_content_type: Mapped[str | None] = mapped_column(String(100))

    site: Mapped[Site] = relationship(back_populates="floors")
