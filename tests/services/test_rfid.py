"""RFID numbers typed in hex or decimal, stored in one form (portal.services.rfid)."""

from __future__ import annotations

import pytest

from portal.errors import Invalid
from portal.services.rfid import RfidFormat, hex_of_decimal, normalise


@pytest.mark.parametrize(("typed", "number_format", "stored"), [
    ("04:a1:b2:c3", RfidFormat.HEX, "04A1B2C3"),
    ("4A 1B-2C3", RfidFormat.HEX, "04A1B2C3"),
    ("77705923", RfidFormat.DECIMAL, "04A1B2C3"),
    ("0077 705 923", RfidFormat.DECIMAL, "04A1B2C3"),
    ("0", RfidFormat.DECIMAL, "00"),
    ("F" * 20, RfidFormat.HEX, "F" * 20),
])
def test_a_number_is_stored_as_upper_case_hex_of_whole_bytes(
        typed: str, number_format: RfidFormat, stored: str) -> None:
    assert normalise(typed, number_format) == stored


@pytest.mark.parametrize(("typed", "number_format"), [
    ("", RfidFormat.HEX), ("0x12", RfidFormat.HEX), ("١٢", RfidFormat.DECIMAL),
    ("12.5", RfidFormat.DECIMAL), ("F" * 21, RfidFormat.HEX),
    ("9" * 30, RfidFormat.DECIMAL),
])
def test_what_is_no_number_in_its_format_is_refused(typed: str,
                                                   number_format: RfidFormat) -> None:
    with pytest.raises(Invalid):
        normalise(typed, number_format)


def test_a_station_sent_idtag_is_read_as_decimal_only_when_all_digits() -> None:
    assert hex_of_decimal("77705923") == "04A1B2C3"
    assert hex_of_decimal("04A1B2C3") is None
    assert hex_of_decimal("١٢") is None  # Arabic-Indic digits are no card number
    assert hex_of_decimal("9" * 21) is None
