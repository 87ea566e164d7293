"""The correction of a session's end: its time (in the company's time zone) and meter stop."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField
from portal.models import ChargingSession
from portal.services import session_review


class CorrectionForm(FlaskForm):
    stopped_at = LocalDateTimeField("End", validators=[InputRequired()], render_kw={"step": 1},
                                    description="In the company's time zone.")
    meter_stop = WholeNumberField("Meter stop (Wh)", validators=[InputRequired()])

    @classmethod
    def of(cls, session: ChargingSession) -> CorrectionForm:
        """The form filled with the session's end as it stands, unposted."""
        return cls(formdata=None, stopped_at=session.stopped_at,
                   meter_stop=session_review.suggested_meter_stop(session))
