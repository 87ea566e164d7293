"""Monthly PDF reports on the Statistics page: the kept ones (the clock's), and any month's
rendered on demand for the navigator's node (portal.services.monthly_reports)."""

from __future__ import annotations

import io

from flask import g, render_template, request, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.scoping import current_node
from portal.blueprints.statistics import bp
from portal.blueprints.statistics.forms import ReportMonthForm
from portal.errors import Invalid
from portal.models.base import utcnow
from portal.models.monthly_report import report_file_name
from portal.services import monthly_reports


def _pdf(pdf: bytes, file_name: str) -> Response:
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=file_name)


@bp.get("/statistics/reports/<int:report_id>.pdf")
@requires(Capability.VIEW_ALL_SESSIONS)
def kept_report(report_id: int) -> Response:
    report = monthly_reports.find(current_user, report_id)
    return _pdf(report.pdf, report.file_name)


@bp.get("/statistics/report.pdf")
@requires(Capability.VIEW_ALL_SESSIONS)
def report_on_demand() -> Response | tuple[str, int]:
    """Any month's report up to this one, for the navigator's company or site node."""
    form, node, now = ReportMonthForm(request.args), current_node(), utcnow()
    try:
        month = monthly_reports.month_of(
            form.month.data, monthly_reports.local_today(g.tenant, now))
        site = monthly_reports.scope_of(current_user, node)
    except Invalid as error:
        form.month.errors = [str(error)]
        return render_template("statistics/report_month.html", form=form, node=node), 400
    return _pdf(monthly_reports.render(g.tenant, site, month, now),
                report_file_name(site, month))
