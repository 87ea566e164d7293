"""The standard configuration keys of OCPP 1.6 (chapter 9, and the security whitepaper's),
with how their values read, and the check of a value before it is sent to a station."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ocpp.v16.enums import Measurand

from portal.errors import Invalid
from portal.services.secrets import AUTHORIZATION_KEY

MAX_KEY_LENGTH = 50  # CiString50Type
MAX_VALUE_LENGTH = 500  # CiString500Type
MEASURANDS = frozenset(measurand.value for measurand in Measurand)


class KeyType(enum.StrEnum):
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CSL = "comma-separated list"
    STRING = "string"


@dataclass(frozen=True)
class StandardKey:
    name: str
    profile: str
    type: KeyType
    readonly: bool
    meaning: str
    unit: str = ""
    measurands: bool = False  # a CSL of Measurand values

    @property
    def description(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.type.value}{unit}: {self.meaning}"


INT, BOOL, CSL, STR = KeyType.INTEGER, KeyType.BOOLEAN, KeyType.CSL, KeyType.STRING
RO, RW = True, False
CORE, AUTH_LIST, RESERVATION, SMART, SECURITY = (
    "Core", "Local Auth List Management", "Reservation", "Smart Charging", "Security")
_KEYS = (
    StandardKey("AllowOfflineTxForUnknownId", CORE, BOOL, RW,
                "start transactions offline for unknown identifiers"),
    StandardKey("AuthorizationCacheEnabled", CORE, BOOL, RW, "the authorization cache is used"),
    StandardKey("AuthorizeRemoteTxRequests", CORE, BOOL, RW,
                "remote start requests are authorized like a local idTag"),
    StandardKey("BlinkRepeat", CORE, INT, RW, "times a lighting signal blinks", "times"),
    StandardKey("ClockAlignedDataInterval", CORE, INT, RW,
                "interval of clock-aligned meter values (0 = none)", "seconds"),
    StandardKey("ConnectionTimeOut", CORE, INT, RW,
                "time to plug in after authorization before it is dropped", "seconds"),
    StandardKey("ConnectorPhaseRotation", CORE, CSL, RW, "phase rotation per connector"),
    StandardKey("ConnectorPhaseRotationMaxLength", CORE, INT, RO,
                "most items in ConnectorPhaseRotation"),
    StandardKey("GetConfigurationMaxKeys", CORE, INT, RO, "most keys in one GetConfiguration"),
    StandardKey("HeartbeatInterval", CORE, INT, RW, "interval between Heartbeats", "seconds"),
    StandardKey("LightIntensity", CORE, INT, RW, "intensity of the lights", "%"),
    StandardKey("LocalAuthorizeOffline", CORE, BOOL, RW,
                "offline, start transactions for locally authorized identifiers"),
    StandardKey("LocalPreAuthorize", CORE, BOOL, RW,
                "start for locally authorized identifiers without waiting for Authorize"),
    StandardKey("MaxEnergyOnInvalidId", CORE, INT, RW,
                "energy delivered after an identifier turns out invalid", "Wh"),
    StandardKey("MeterValuesAlignedData", CORE, CSL, RW,
                "measurands of clock-aligned meter values", measurands=True),
    StandardKey("MeterValuesAlignedDataMaxLength", CORE, INT, RO,
                "most items in MeterValuesAlignedData"),
    StandardKey("MeterValuesSampledData", CORE, CSL, RW,
                "measurands of sampled meter values during a transaction", measurands=True),
    StandardKey("MeterValuesSampledDataMaxLength", CORE, INT, RO,
                "most items in MeterValuesSampledData"),
    StandardKey("MeterValueSampleInterval", CORE, INT, RW,
                "interval of sampled meter values during a transaction (0 = none)", "seconds"),
    StandardKey("MinimumStatusDuration", CORE, INT, RW,
                "how long a status must last before it is reported", "seconds"),
    StandardKey("NumberOfConnectors", CORE, INT, RO, "number of physical connectors"),
    StandardKey("ResetRetries", CORE, INT, RW, "times a failed reset is retried", "times"),
    StandardKey("StopTransactionOnEVSideDisconnect", CORE, BOOL, RW,
                "unplugging the cable on the car's side stops the transaction"),
    StandardKey("StopTransactionOnInvalidId", CORE, BOOL, RW,
                "a transaction whose identifier turns out invalid is stopped"),
    StandardKey("StopTxnAlignedData", CORE, CSL, RW,
                "clock-aligned measurands in StopTransaction", measurands=True),
    StandardKey("StopTxnAlignedDataMaxLength", CORE, INT, RO, "most items in StopTxnAlignedData"),
    StandardKey("StopTxnSampledData", CORE, CSL, RW,
                "sampled measurands in StopTransaction", measurands=True),
    StandardKey("StopTxnSampledDataMaxLength", CORE, INT, RO, "most items in StopTxnSampledData"),
    StandardKey("SupportedFeatureProfiles", CORE, CSL, RO, "feature profiles the station supports"),
    StandardKey("SupportedFeatureProfilesMaxLength", CORE, INT, RO,
                "most items in SupportedFeatureProfiles"),
    StandardKey("TransactionMessageAttempts", CORE, INT, RW,
                "tries to deliver a transaction message", "times"),
    StandardKey("TransactionMessageRetryInterval", CORE, INT, RW,
                "wait before retrying a transaction message", "seconds"),
    StandardKey("UnlockConnectorOnEVSideDisconnect", CORE, BOOL, RW,
                "unplugging on the car's side unlocks the connector"),
    StandardKey("WebSocketPingInterval", CORE, INT, RW,
                "interval of WebSocket pings (0 = none)", "seconds"),
    StandardKey("LocalAuthListEnabled", AUTH_LIST, BOOL, RW,
                "the local authorization list is used"),
    StandardKey("LocalAuthListMaxLength", AUTH_LIST, INT, RO, "most identifiers in the local list"),
    StandardKey("SendLocalListMaxLength", AUTH_LIST, INT, RO,
                "most identifiers in one SendLocalList"),
    StandardKey("ReserveConnectorZeroSupported", RESERVATION, BOOL, RO,
                "connector 0 (the whole station) can be reserved"),
    StandardKey("ChargeProfileMaxStackLevel", SMART, INT, RO, "highest stack level of a profile"),
    StandardKey("ChargingScheduleAllowedChargingRateUnit", SMART, CSL, RO,
                "rate units a schedule may use (Current, Power)"),
    StandardKey("ChargingScheduleMaxPeriods", SMART, INT, RO, "most periods in a schedule"),
    StandardKey("ConnectorSwitch3to1PhaseSupported", SMART, BOOL, RO,
                "the number of phases can change during a transaction"),
    StandardKey("MaxChargingProfilesInstalled", SMART, INT, RO, "most installed profiles"),
    StandardKey("SupportedFileTransferProtocols", "Firmware Management", CSL, RO,
                "protocols for firmware and diagnostics files (FTP, FTPS, HTTP, HTTPS, SFTP)"),
    StandardKey("AdditionalRootCertificateCheck", SECURITY, BOOL, RO,
                "a new Central System root certificate must be signed by the old one"),
    StandardKey(AUTHORIZATION_KEY, SECURITY, STR, RW,
                "HTTP Basic password, hex-encoded; write-only (rotate it on the station page)"),
    StandardKey("CertificateSignedMaxChainSize", SECURITY, INT, RO,
                "largest certificate chain accepted", "bytes"),
    StandardKey("CertificateStoreMaxLength", SECURITY, INT, RO, "most installed root certificates"),
    StandardKey("CpoName", SECURITY, STR, RW, "the operator's name in the station's certificate"),
    StandardKey("SecurityProfile", SECURITY, INT, RW, "security profile in use (0-3)"),
)
# Keys are case-insensitive (CiString).
STANDARD_KEYS: dict[str, StandardKey] = {key.name.lower(): key for key in _KEYS}


def standard_key(name: str) -> StandardKey | None:
    return STANDARD_KEYS.get(name.lower())


def checked_value(name: str, value: str) -> str:
    """The value as it is sent for key `name`, or Invalid saying what is wrong with it.

    Standard keys are checked by their type; vendor keys are free text (CiString500).
    """
    if not name or len(name) > MAX_KEY_LENGTH:
        raise Invalid(f"A key is 1 to {MAX_KEY_LENGTH} characters.", field="key")
    value = value.strip()
    if len(value) > MAX_VALUE_LENGTH:
        raise Invalid(f"At most {MAX_VALUE_LENGTH} characters.", field="value")
    key = standard_key(name)
    if key is None:
        return value
    if key.readonly:
        raise Invalid(f"{key.name} is read-only: stations do not accept a new value.",
                      field="key")
    if key.type is KeyType.INTEGER and not value.isdecimal():
        raise Invalid(f"{key.name} takes a whole number of 0 or more"
                      f"{' ' + key.unit if key.unit else ''}.", field="value")
    if key.type is KeyType.BOOLEAN:
        if value.lower() not in {"true", "false"}:
            raise Invalid(f"{key.name} takes true or false.", field="value")
        return value.lower()
    if key.type is KeyType.CSL:
        items = [item.strip() for item in value.split(",") if item.strip()]
        unknown = [item for item in items if key.measurands and item not in MEASURANDS]
        if unknown:
            raise Invalid(f"Not OCPP measurands: {', '.join(unknown)}.", field="value")
        return ",".join(items)
    return value
