"""Monthly PDF reports, kept: the clock writes one for the company and one for each site on
the first day of a month, for the month before (portal/services/monthly_reports.py)."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.models.base import Base, TenantOwned, utcnow
from portal.models.site import Site


class MonthlyReport(TenantOwned, Base):
    """One month of a company (site None) or of one of its sites, as a PDF."""

    __tablename__ = "monthly_report"
    __table_args__ = (
        UniqueConstraint("tenant_id", "site_id", "month"),
        # NULLs are distinct in a unique constraint: the company's report needs its own.
        Index("uq_monthly_report_company_month", "tenant_id", "month", unique=True,
              postgresql_where=text("site_id IS NULL"), sqlite_where=text("site_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A site's reports go with the site: they name it and nothing else.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # its first day
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    size: Mapped[int]
    # Read only to download it (deferred() hides the annotation: nullable said here).
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    site: Mapped[Site | None] = relationship()

    @property
    def is_company_report(self) -> bool:
        return self.site_id is None

    @property
    def file_name(self) -> str:
        return report_file_name(self.site, self.month)


def report_file_name(site: Site | None, month: date) -> str:
    """A download's name: `report-2026-03-company.pdf`, `report-2026-03-site-one.pdf`."""
    scope = "company" if site is None else (
        re.sub(r"[^a-z0-9]+", "-", site.name.lower()).strip("-") or f"site-{site.id}")
    return f"report-{month:%Y-%m}-{scope}.pdf"
