"""The range of the Statistics page: a GET form whose values stay in the URL, so the page
and each chart's CSV read the same range."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from portal.blueprints.stations.forms import FilterForm
from portal.errors import Invalid
from portal.services import statistics
from portal.services.statistics import Bucket, Period


class RangeForm(FilterForm):
    first = DateField("From", validators=[Optional()])
    last = DateField("To", validators=[Optional()])
    bucket = SelectField("A bar per", default=Bucket.DAY.value, choices=[
        SelectChoice(bucket.value, bucket.value) for bucket in Bucket])

    def __init__(self, formdata: Any, today: date, zone: ZoneInfo) -> None:
        super().__init__(formdata)
        self.default = statistics.default_period(today, zone)
        self.period: Period | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the period they make (statistics.period), its fault shown on
        its field; `period` is set when valid. An empty day is the default's."""
        if not super().validate(extra_validators):
            return False
        try:
            self.period = statistics.period(self.first.data or self.default.first,
                                            self.last.data or self.default.last,
                                            Bucket(self.bucket.data), self.default.zone)
        except Invalid as error:
            self[error.field or "bucket"].errors = [str(error)]
            return False
        self.first.data, self.last.data = self.period.first, self.period.last
        return True


class ReportMonthForm(FilterForm):
    """The month of a report rendered on demand (monthly_reports.month_of reads it)."""

    month = StringField("Month", render_kw={"type": "month", "placeholder": "YYYY-MM"})
