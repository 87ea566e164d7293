"""The dashboard of the navigator's node, and the form where each user picks its widgets."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.dashboard import bp
from portal.blueprints.dashboard.forms import WidgetsForm
from portal.blueprints.scoping import current_node
from portal.errors import Invalid
from portal.extensions import db
from portal.models.base import utcnow
from portal.reports.charts import BarChart, Frame, bar_chart
from portal.services import dashboard

CHART_FRAME = Frame.of(640, 200, left=64, top=12, bottom=28, right=12)


@bp.get("/dashboard")
@requires(Capability.VIEW_DASHBOARD)
def show() -> str:
    node = current_node()
    summary = dashboard.summary(g.tenant, current_user, node, utcnow())
    return render_template("dashboard/show.html", summary=summary, node=node,
                           widgets=dashboard.widgets_of(current_user),
                           energy_chart=_energy_chart(summary.energy))


@bp.get("/dashboard/widgets")
@requires(Capability.VIEW_DASHBOARD)
def widgets() -> str:
    return _form_page(WidgetsForm.of(dashboard.widgets_of(current_user)))


@bp.post("/dashboard/widgets")
@requires(Capability.VIEW_DASHBOARD)
def choose_widgets() -> Response | tuple[str, int]:
    form = WidgetsForm()
    if not form.validate_on_submit():
        return _form_page(form), 400
    if form.reset.data:
        dashboard.reset_widgets(current_user)
    else:
        try:
            dashboard.choose_widgets(current_user, form.chosen())
        except Invalid as error:
            db.session.rollback()
            form.widgets.errors = [str(error)]
            return _form_page(form), 400
    db.session.commit()
    flash("Your dashboard shows the default widgets." if form.reset.data
          else "Your dashboard widgets are saved.", "success")
    return redirect(_dashboard_url())


def _form_page(form: WidgetsForm) -> str:
    return render_template("dashboard/widgets.html", form=form,
                           dashboard_url=_dashboard_url())


def _dashboard_url() -> str:
    """The dashboard of the node the user came from (the form keeps `?node=`)."""
    node = current_node()
    return url_for("dashboard.show", node=None if node.is_system else node.key)


def _energy_chart(energy: dashboard.Energy) -> BarChart:
    return bar_chart([(day.strftime("%m-%d"), kwh) for day, kwh in energy.days], "kWh",
                     frame=CHART_FRAME, label_every=5)
