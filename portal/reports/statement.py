"""A driver's statement of a month as a PDF: templates/reports/statement.html, printed like
the monthly report (monthly.print_pdf)."""

from __future__ import annotations

from flask import render_template

from portal.models import Tenant
from portal.reports.monthly import print_pdf
from portal.services.driver_history import Statement


def pdf(tenant: Tenant, statement: Statement) -> bytes:
    """The statement's PDF bytes (needs an app context: the template is the app's)."""
    return print_pdf(render_template("reports/statement.html", company=tenant.name,
                                     statement=statement))
