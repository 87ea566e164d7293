"""Station rules that need no socket: heartbeat intervals staff give."""

from __future__ import annotations

import pytest

from portal.errors import Invalid
from portal.services import stations


@pytest.mark.parametrize("seconds, taken", [(1, 1), ("86400", 86400), (" 60 ", 60)])
def test_a_heartbeat_interval_is_a_whole_number_of_seconds_up_to_a_day(seconds, taken) -> None:
    assert stations.checked_heartbeat_interval(seconds) == taken


@pytest.mark.parametrize("seconds", [0, 86401, -5, "-5", "1.5", 1.5, True, "", "٣"])
def test_other_heartbeat_intervals_are_refused_naming_the_field(seconds) -> None:
    with pytest.raises(Invalid) as refused:
        stations.checked_heartbeat_interval(seconds)
    assert refused.value.field == "heartbeat_interval"
