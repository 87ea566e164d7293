"""The audit log: read, filtered and exported; no route changes an entry."""

from __future__ import annotations

from flask import g, render_template, request, stream_with_context
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.audit import bp
from portal.blueprints.audit.forms import AuditFilterForm
from portal.reports import exports
from portal.services import audit_log


def _form() -> AuditFilterForm:
    return AuditFilterForm(request.args, audit_log.target_kinds(current_user))


@bp.get("/audit")
@requires(Capability.VIEW_STATION_AUDIT_LOG)
def index() -> tuple[str, int]:
    form = _form()
    return _table(form), 400 if form.errors else 200


def _table(form: AuditFilterForm) -> str:
    page = audit_log.page(current_user, form.filters(), before=request.args.get("before"),
                          after=request.args.get("after"))
    return render_template("audit/index.html", form=form, page=page)


def _export(kind: str) -> Response | tuple[str, int]:
    form = _form()
    filters = form.filters()
    if form.errors:  # the table with the bad filters' messages, not the wrong rows
        return _table(form), 400
    actor = current_user._get_current_object()
    rows = exports.read_in_scope(g.tenant, lambda: audit_log.export_rows(actor, filters))
    header = tuple(f"{name} (UTC)" if name == "Time" else name for name in audit_log.HEADER)
    if kind == "csv":
        return exports.csv_response(stream_with_context(exports.csv_lines(header, rows)),
                                    "audit-log.csv")
    return exports.xlsx_response(stream_with_context(exports.xlsx_chunks(
        "Audit log", header, rows)), "audit-log.xlsx")


@bp.get("/audit/export.csv")
@requires(Capability.VIEW_STATION_AUDIT_LOG)
def export_csv() -> Response | tuple[str, int]:
    return _export("csv")


@bp.get("/audit/export.xlsx")
@requires(Capability.VIEW_STATION_AUDIT_LOG)
def export_xlsx() -> Response | tuple[str, int]:
    return _export("xlsx")
