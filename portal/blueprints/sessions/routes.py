"""The staff's sessions table (scoped by the navigator's node) and its CSV and Excel exports
of exactly what it filters, in its order."""

from __future__ import annotations

from collections.abc import Iterator

from flask import abort, g, render_template, request, stream_with_context
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.fields import company_zone
from portal.blueprints.scoping import current_node
from portal.blueprints.sessions import bp
from portal.blueprints.sessions.forms import LABELS, SessionFilterForm
from portal.models.base import INTEGER_MAX
from portal.reports import exports
from portal.services import session_table


def _cursor(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= INTEGER_MAX):
        abort(400, description=f"{name} must be the id of a session.")
    return int(raw)


@bp.get("/sessions")
@requires(Capability.VIEW_ALL_SESSIONS)
def index() -> tuple[str, int]:
    form = SessionFilterForm(request.args)
    valid = form.validate()
    return _table(form, after=_cursor("after"), before=_cursor("before")), 200 if valid else 400


def _table(form: SessionFilterForm, **cursor: int | None) -> str:
    """The table of the form's valid filters, bad ones shown with their message."""
    page = session_table.page(current_user, form.filters(), form.sorting(), node=current_node(),
                              **cursor)
    return render_template("sessions/index.html", form=form, page=page, labels=LABELS,
                           zone=g.tenant.time_zone)


def _export_rows(form: SessionFilterForm) -> Iterator[list[object]] | None:
    """The rows of an export of the form's filters; None when a filter is invalid."""
    if not form.validate():
        return None
    actor, tenant, node = current_user._get_current_object(), g.tenant, current_node()
    filters, sort, zone = form.filters(), form.sorting(), company_zone()

    return exports.read_in_scope(tenant, lambda: session_table.export_rows(
        actor, filters, sort, node, zone))


@bp.get("/sessions/export.csv")
@requires(Capability.VIEW_ALL_SESSIONS)
def export_csv() -> Response | tuple[str, int]:
    form = SessionFilterForm(request.args)
    rows = _export_rows(form)
    if rows is None:
        return _refused(form)
    header = session_table.export_header(g.tenant.time_zone)
    return exports.csv_response(stream_with_context(exports.csv_lines(header, rows)),
                                "sessions.csv")


@bp.get("/sessions/export.xlsx")
@requires(Capability.VIEW_ALL_SESSIONS)
def export_xlsx() -> Response | tuple[str, int]:
    form = SessionFilterForm(request.args)
    rows = _export_rows(form)
    if rows is None:
        return _refused(form)
    header = session_table.export_header(g.tenant.time_zone)
    return exports.xlsx_response(stream_with_context(exports.xlsx_chunks("Sessions", header,
                                                                         rows)),
                                 "sessions.xlsx")


def _refused(form: SessionFilterForm) -> tuple[str, int]:
    """The table with the bad filters' messages, instead of an export of the wrong rows."""
    return _table(form), 400
