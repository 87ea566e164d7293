"""RFID card numbers as people type them: in hex or in decimal, stored in one form.

Readers print a card's number in hex ("04:A1:B2:C3") or as the same number in decimal
("77705923"), and stations send either. The portal stores the hex form: upper case,
without separators, with a leading zero to whole bytes ("04A1B2C3"). A station that sends
the decimal form is recognised by `portal.services.tags.find_sent`.
"""

from __future__ import annotations

import enum
import re

from portal.errors import Invalid

MAX_ID_TAG_LENGTH = 20  # OCPP 1.6 IdToken is CiString20Type
_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"[0-9A-F]+")


class RfidFormat(enum.StrEnum):
    HEX = "hex"
    DECIMAL = "decimal"


def normalise(number: str, number_format: RfidFormat, field: str = "rfid") -> str:
    """The stored form of a card number typed in hex or decimal; Invalid if it is neither."""
    typed = _SEPARATORS.sub("", number).upper()
    if number_format is RfidFormat.DECIMAL:
        if not typed.isascii() or not typed.isdigit():
            raise Invalid("A decimal RFID number has digits only.", field=field)
        stored = _whole_bytes(f"{int(typed):X}")
    else:
        if not _HEX.fullmatch(typed):
            raise Invalid("A hex RFID number has the digits 0-9 and A-F only.", field=field)
        stored = _whole_bytes(typed)
    if len(stored) > MAX_ID_TAG_LENGTH:
        raise Invalid(f"An RFID number has at most {MAX_ID_TAG_LENGTH} hex digits.",
                      field=field)
    return stored


def hex_of_decimal(id_tag: str) -> str | None:
    """The stored form of an idTag a station sent in decimal; None unless it is all digits
    (a hex number without A-F is read as decimal: a stored hex tag matched first)."""
    if not id_tag.isascii() or not id_tag.isdigit() or len(id_tag) > MAX_ID_TAG_LENGTH:
        return None
    return _whole_bytes(f"{int(id_tag):X}")


def _whole_bytes(hex_digits: str) -> str:
    return hex_digits.zfill(len(hex_digits) + len(hex_digits) % 2)
