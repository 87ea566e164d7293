"""Signed meter values as a file for the S.A.F.E. transparency software (Transparenzsoftware),
with which a driver checks that the energy billed is what the calibrated meter signed.

The software reads an XML container: <values> holding one <value transactionId context> per
signed dataset, each with a <signedData format encoding> and, when known, the meter's
<publicKey encoding>. It pairs a transaction's "Transaction.Begin" and "Transaction.End"
values (OCPP's reading contexts, the same words) and finds the format from the data itself,
so only OCMF ("OCMF|…", plain text) is labelled; other data goes as the station sent it. The
signed text must be written exactly as the station sent it (no whitespace around it): the
signature covers every character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.etree import ElementTree

from portal.models import MeterValue

OCMF_PREFIX = "OCMF|"
HEX = re.compile(r"[0-9A-Fa-f]+")
BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def signed_data_xml(transaction_id: int, signed: Iterable[MeterValue],
                    public_key: str | None) -> bytes:
    """The transparency software's XML file for one transaction's signed values."""
    values = ElementTree.Element("values")
    for sample in signed:
        value = ElementTree.SubElement(values, "value", transactionId=str(transaction_id),
                                       context=sample.context or "")
        data = ElementTree.SubElement(value, "signedData")
        if sample.value.startswith(OCMF_PREFIX):
            data.set("format", "OCMF")
            data.set("encoding", "plain")
        data.text = sample.value
        if public_key:
            key = ElementTree.SubElement(value, "publicKey", encoding=_key_encoding(public_key))
            key.text = public_key
    ElementTree.indent(values)
    return ElementTree.tostring(values, encoding="UTF-8", xml_declaration=True)


def _key_encoding(key: str) -> str:
    """How the key is written, as the software names it (it guesses too, when this is off)."""
    if HEX.fullmatch(key):
        return "hex"
    return "base64" if BASE64.fullmatch(key) else "plain"
