"""An EV driver's own pages: their sessions with monthly totals and a chart, their history as
Excel, a PDF statement per month, and their cards (block a lost one, add one by its number).
Anything not theirs answers 404."""

from __future__ import annotations

import io

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.fields import company_zone
from portal.blueprints.my import bp
from portal.blueprints.my.forms import AddCardForm
from portal.blueprints.settings.forms import refuse
from portal.errors import DomainError, Invalid, NotFound
from portal.extensions import db
from portal.models.base import utcnow
from portal.reports import exports, statement
from portal.reports.charts import Frame, bar_chart
from portal.services import charging_sessions, driver_history, driver_tags, monthly_reports

CHART_FRAME = Frame.of(720, 200, left=64, top=12, bottom=28, right=12)


@bp.get("/my/sessions")
@requires(Capability.VIEW_OWN_SESSIONS)
def sessions() -> str:
    page = charging_sessions.of_driver(current_user, request.args.get("page", 1, type=int))
    totals = driver_history.monthly_totals(current_user, company_zone())
    months = driver_history.charted_months(
        totals, monthly_reports.local_today(g.tenant, utcnow()))
    chart = bar_chart([(month.label, float(month.energy_kwh)) for month in months], "kWh",
                      frame=CHART_FRAME, label_every=2)
    return render_template("my/sessions.html", page=page, totals=totals, chart=chart,
                           zone=g.tenant.time_zone)


@bp.get("/my/sessions.xlsx")
@requires(Capability.VIEW_OWN_SESSIONS)
def export_xlsx() -> Response:
    driver, zone = current_user._get_current_object(), company_zone()
    rows = exports.read_in_scope(g.tenant, lambda: driver_history.export_rows(driver, zone))
    chunks = exports.xlsx_chunks("Sessions", driver_history.export_header(zone), rows)
    return exports.xlsx_response(stream_with_context(chunks), "my-sessions.xlsx")


@bp.get("/my/statements/<month>.pdf")
@requires(Capability.VIEW_OWN_SESSIONS)
def statement_pdf(month: str) -> Response:
    try:
        first_day = monthly_reports.month_of(
            month, monthly_reports.local_today(g.tenant, utcnow()))
    except Invalid as error:
        raise NotFound(str(error)) from None  # an address, not a form: nothing here
    found = driver_history.statement(current_user, first_day, company_zone())
    return send_file(io.BytesIO(statement.pdf(g.tenant, found)), mimetype="application/pdf",
                     as_attachment=True, download_name=f"statement-{first_day:%Y-%m}.pdf")


@bp.get("/my/tags")
@requires(Capability.MANAGE_OWN_TAGS)
def tags() -> str:
    return _tags_page(AddCardForm())


def _tags_page(form: AddCardForm) -> str:
    return render_template("my/tags.html", tags=driver_tags.own(current_user), form=form,
                           may_add=driver_tags.may_add(g.tenant))


@bp.post("/my/tags/<id:tag_id>/block")
@requires(Capability.MANAGE_OWN_TAGS)
def block_tag(tag_id: int) -> Response:
    tag = driver_tags.block_own(current_user, tag_id)
    db.session.commit()
    flash(f"Card {tag.id_tag} is blocked: no station accepts it any more. Ask the company to "
          "unblock it if you find it again.", "success")
    return redirect(url_for("my.tags"))


@bp.post("/my/tags/add")
@requires(Capability.MANAGE_OWN_TAGS)
def add_tag() -> Response | tuple[str, int]:
    if not driver_tags.may_add(g.tenant):
        abort(404)
    form = AddCardForm()
    if not form.validate_on_submit():
        return _tags_page(form), 400
    try:
        tag = driver_tags.add(g.tenant, current_user, form.id_tag.data)
    except DomainError as error:
        status = refuse(form, error)  # before the page renders the message
        return _tags_page(form), status
    db.session.commit()
    flash(f"Card {tag.id_tag} is yours now.", "success")
    return redirect(url_for("my.tags"))
