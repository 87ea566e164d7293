"""The one place that masks secrets before anything is stored, logged or shown.

A secret is the value of a configuration key whose name says it is one: the OCPP
security whitepaper's AuthorizationKey, and vendors' passwords, tokens and activation
codes (Technagon's `/WebUi/password/reset`, for one). It travels to the station as sent;
Plugboard keeps only MASK in its place.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "********"
AUTHORIZATION_KEY = "AuthorizationKey"
SECRET_WORDS = ("password", "passwd", "secret", "token", "key", "activationcode")
_ANYWHERE = re.compile("|".join(SECRET_WORDS), re.IGNORECASE)
# Where a name shows where its words end (CamelCase), a secret word must end there too:
# "GetConfigurationMaxKeys" and "KeyboardLayout" are no secrets, "AuthorizationKey" is.
_ENDING_A_WORD = re.compile(f"(?i:{'|'.join(SECRET_WORDS)})(?![a-z])")


def is_secret(key: str) -> bool:
    """Whether a configuration key's value is a secret, by its name (any case)."""
    if key.islower() or key.isupper():  # no word boundaries to go by
        return _ANYWHERE.search(key) is not None
    return _ENDING_A_WORD.search(key) is not None


def is_authorization_key(key: str) -> bool:
    return key.strip().lower() == AUTHORIZATION_KEY.lower()


def masked_call(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A central system's CALL payload as it may be kept: a secret key's new value masked."""
    if action == "ChangeConfiguration" and is_secret(str(payload.get("key", ""))):
        return {**payload, "value": MASK}
    return payload


def masked_answer(payload: Any) -> Any:
    """A station's CALLRESULT payload as it may be kept: the values of secret keys in a
    GetConfiguration answer masked (no other answer carries configuration values)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("configurationKey"), list):
        return payload
    return {**payload, "configurationKey": [
        {**item, "value": MASK} if isinstance(item, dict) and item.get("value") is not None
        and is_secret(str(item.get("key", ""))) else item
        for item in payload["configurationKey"]]}
