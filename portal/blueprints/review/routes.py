"""The review queue: sessions the portal closed itself or whose figures cannot be right; a
person accepts a session's end as it is, or corrects its end time and meter stop."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.review import bp
from portal.blueprints.review.forms import CorrectionForm
from portal.blueprints.scoping import current_node
from portal.blueprints.settings.forms import refuse
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import ChargingSession
from portal.models.base import utcnow
from portal.services import session_records, session_review


@bp.get("/sessions/review")
@requires(Capability.VIEW_ALL_SESSIONS)
def index() -> str:
    page = session_review.queue(current_user, current_node(),
                                request.args.get("page", 1, type=int))
    return render_template("review/index.html", page=page, Anomaly=session_review.SessionAnomaly)


@bp.post("/sessions/review/<id:session_id>/accept")
@requires(Capability.REVIEW_SESSIONS)
def accept(session_id: int) -> Response:
    session = session_records.get(current_user, session_id)
    try:
        session_review.accept(session, current_user, utcnow())
    except Conflict as refused:
        db.session.rollback()
        flash(str(refused), "warning")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(f"Session {session.id} is accepted as it is.", "success")
    return redirect(url_for(".index"))


@bp.route("/sessions/review/<id:session_id>/correct", methods=["GET", "POST"])
@requires(Capability.REVIEW_SESSIONS)
def correct(session_id: int) -> Response | str | tuple[str, int]:
    session = session_records.get(current_user, session_id)
    if request.method == "GET":
        return _correction_page(session, CorrectionForm.of(session))
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _correction_page(session, form), 400
    try:
        session_review.correct(session, form.stopped_at.data, form.meter_stop.data,
                               current_user, utcnow())
    except (Invalid, Conflict) as refused:
        db.session.rollback()
        status = refuse(form, refused)  # before the page renders the message
        return _correction_page(session, form), status
    db.session.commit()
    flash(f"Session {session.id} is corrected; its values before are kept.", "success")
    return redirect(url_for(".index"))


def _correction_page(session: ChargingSession, form: CorrectionForm) -> str:
    return render_template("review/correct.html", session=session, form=form,
                           Anomaly=session_review.SessionAnomaly)
