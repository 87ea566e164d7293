"""Signed meter values (Eichrecht) from a real station over a real socket: kept as sent,
shown on the session's page and exported for the S.A.F.E. transparency software."""

from __future__ import annotations

import html
from datetime import timedelta
from xml.etree import ElementTree

from portal.models.base import utcnow
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email
from tests.ocpp.station_client import Station


def _ocmf(kind: str, kwh: float) -> str:
    """An OCMF dataset as a meter signs it: the text between the bars is what is signed."""
    return ('OCMF|{"FV":"1.0","GI":"ACME Meter","GS":"4711","PG":"T1","IS":true,'
            f'"RD":[{{"TM":"2026-03-01T10:00:00,000+0000 S","TX":"{kind}","RV":{kwh},'
            '"RI":"1-b:1.8.0","RU":"kWh","ST":"G"}]}|{"SD":"3045022100C0FFEE<&>"}')


BEGIN, MIDDLE, END = _ocmf("B", 1.0), _ocmf("T", 1.5), _ocmf("E", 2.25)


def _signed(value: str, context: str, at: str) -> dict:
    return {"timestamp": at, "sampledValue": [
        {"value": value, "context": context, "format": "SignedData",
         "measurand": "Energy.Active.Import.Register", "unit": "kWh"}]}


def test_signed_values_are_kept_shown_and_exported_as_sent(company: OcppCompany,
                                                           cp1: Station) -> None:
    began = utcnow() - timedelta(minutes=30)
    at = [format_timestamp(began + timedelta(minutes=minutes)) for minutes in (0, 15, 30)]
    started = cp1.result("StartTransaction", {"connectorId": 1, "idTag": "VALID",
                                              "meterStart": 1000, "timestamp": at[0]})
    tx = started["transactionId"]
    assert cp1.result("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [
        _signed(MIDDLE, "Sample.Periodic", at[1]),
        {"timestamp": at[1], "sampledValue": [{"value": "1500", "unit": "Wh"}]}]}) == {}
    assert cp1.result("StopTransaction", {
        "transactionId": tx, "meterStop": 2250, "timestamp": at[2], "reason": "Local",
        "transactionData": [_signed(BEGIN, "Transaction.Begin", at[0]),
                            _signed(END, "Transaction.End", at[2])]}) == {}

    portal = LivePortal(company).login(admin_email(company))
    page = portal.get(f"/sessions/{tx}")  # a session's id is its transactionId
    assert page.status_code == 200
    shown = html.unescape(page.text.split('id="signed-values"')[1].split("</table>")[0])
    assert all(f">{value}</pre>" in shown for value in (BEGIN, MIDDLE, END))
    messages = page.text.split('id="messages"')[1].split("</table>")[0]
    assert [action in messages for action in ("StartTransaction", "MeterValues",
                                              "StopTransaction")] == [True, True, True]

    exported = portal.get(f"/sessions/{tx}/signed-data.xml")
    assert exported.status_code == 200
    values = ElementTree.fromstring(exported.content)
    assert [(value.get("context"), value.find("signedData").text) for value in values] == [
        ("Transaction.Begin", BEGIN), ("Sample.Periodic", MIDDLE), ("Transaction.End", END)]
    assert {value.get("transactionId") for value in values} == {str(tx)}
