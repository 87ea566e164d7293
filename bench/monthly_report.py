"""A monthly PDF report on a year of 500 stations (bench/year.py's company): the time to
collect the figures and to print the PDF, for the whole company and for one site, for the
last whole month of the data. On a copy of the seeded database, migrated to today:

    createdb -h 127.0.0.1 -U postgres -T plugboard_bench_year plugboard_bench_pdf
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench_pdf
    PYTHONPATH=$PWD .venv/bin/python bench/monthly_report.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import ChargingSession, Site  # noqa: E402
from portal.reports import monthly  # noqa: E402
from portal.services import monthly_figures, monthly_reports  # noqa: E402
from tenants import provisioning  # noqa: E402
from tenants.scoping import tenant_scope  # noqa: E402


def main() -> None:
    app = harness.migrated_app(harness.database_url(empty=False))
    with app.app_context():
        tenant = provisioning.find_by_slug(harness.SLUG)
        with tenant_scope(tenant):
            last = db.session.scalar(select(func.max(ChargingSession.started_at)))
            now = last
            month = monthly_reports.previous_month(monthly_reports.local_today(tenant, now))
            site = db.session.scalar(select(Site).order_by(Site.name))
            print(f"{harness.backend(str(db.engine.url))}, {month:%Y-%m}, now {now:%Y-%m-%d}")
            print("scope          collect (s)  pdf (s)       KB")
            for name, scope in (("company", None), (site.name, site)):
                for _ in range(2):  # the first run also loads fonts
                    started = time.perf_counter()
                    figures = monthly_figures.collect(tenant, scope, month, now)
                    collected = time.perf_counter()
                    pdf = monthly.pdf(figures)
                    done = time.perf_counter()
                print(f"{name:<14} {collected - started:>11.2f} {done - collected:>8.2f} "
                      f"{len(pdf) // 1024:>8}")
            db.session.rollback()


if __name__ == "__main__":
    main()
