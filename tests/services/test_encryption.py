"""Secrets Plugboard reads back are encrypted with Fernet keys from SECRET_ENCRYPTION_KEY (or
one derived from SECRET_KEY), and a new key can be put first without losing the old values."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from portal import config
from portal.services import encryption

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """SECRET_ENCRYPTION_KEY as a test sets it (a list, as portal.config parses it)."""
    keys: list[str] = []
    monkeypatch.setitem(app.config, "SECRET_ENCRYPTION_KEY", keys)
    with app.app_context():
        yield keys


def test_round_trip_without_the_plain_text_in_the_stored_value(keys: list[str]) -> None:
    keys.append(OLD)
    stored = encryption.encrypt("client-secret-1")
    assert "client-secret-1" not in stored
    assert encryption.decrypt(stored) == "client-secret-1"


def test_a_new_key_first_still_reads_values_of_the_old_one(keys: list[str]) -> None:
    keys.append(OLD)
    old_value = encryption.encrypt("kept")
    keys[:] = [NEW, OLD]
    new_value = encryption.encrypt("kept")
    assert encryption.decrypt(old_value) == encryption.decrypt(new_value) == "kept"
    keys[:] = [NEW]  # the old key dropped: only what the new one encrypted is readable
    assert encryption.decrypt(new_value) == "kept"
    with pytest.raises(encryption.Unreadable):
        encryption.decrypt(old_value)


def test_without_a_key_one_is_derived_from_the_secret_key(keys: list[str], app: Flask,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    stored = encryption.encrypt("derived")
    assert Fernet(encryption.derived_key("test-secret-key")).decrypt(stored) == b"derived"
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key")
    with pytest.raises(encryption.Unreadable):
        encryption.decrypt(stored)


def test_a_malformed_key_stops_the_start_without_being_printed() -> None:
    with pytest.raises(config.ConfigError) as refused:
        config.load({"SECRET_ENCRYPTION_KEY": f"{OLD},not-a-fernet-key"})
    assert "SECRET_ENCRYPTION_KEY='***': expected Fernet keys" in str(refused.value)
    assert "not-a-fernet-key" not in str(refused.value) and OLD not in str(refused.value)
    assert config.load({"SECRET_ENCRYPTION_KEY": f" {NEW} , {OLD} "})[
        "SECRET_ENCRYPTION_KEY"] == [NEW, OLD]
