"""Secrets of the secure broker: generation, 0600 files, env files the settings load, salted SCRAM."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.core.settings import ENV_FILE_VAR, KafkaSettings
from services.localbroker.acls import PRINCIPALS
from services.localbroker.credentials import (
    Credentials,
    env_text,
    generate,
    load_or_create,
    scram_argument,
    write_env_files,
)


def test_credentials_are_random_per_principal_and_kept_once(tmp_path: Path) -> None:
    path = tmp_path / "secure" / "credentials.json"
    first, fresh = load_or_create(path)
    again, fresh_again = load_or_create(path)
    assert fresh and not fresh_again
    assert again == first, "generated once, then reused"
    assert set(first.passwords) == set(PRINCIPALS)
    assert len(set(first.secrets())) == len(first.secrets()), "no two secrets alike"
    assert all(len(s) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", s) for s in first.secrets())
    assert path.stat().st_mode & 0o777 == 0o600
    assert generate().passwords != first.passwords


def test_env_files_load_into_kafka_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = Credentials({"cleaner": "s3cret-cleaner-pw"}, "ks", "ctl")
    ca = tmp_path / "ca.crt"
    paths = write_env_files(creds, tmp_path, "127.0.0.1:9094", ca)
    assert paths["cleaner"].stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(ENV_FILE_VAR, str(paths["cleaner"]))
    kafka = KafkaSettings()
    assert kafka.bootstrap_servers == "127.0.0.1:9094"
    assert (kafka.security_protocol, kafka.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert kafka.sasl_username == "cleaner" and kafka.ssl_cafile == str(ca)
    assert kafka.sasl_password is not None and kafka.sasl_password.get_secret_value() == "s3cret-cleaner-pw"
    assert "s3cret" not in repr(kafka) and "s3cret" not in kafka.describe()
    monkeypatch.setenv("WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS", "broker-1:9094")
    assert KafkaSettings().bootstrap_servers == "broker-1:9094", "the environment wins over the file"


def test_a_missing_env_file_is_an_invalid_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_FILE_VAR, str(tmp_path / "nope.env"))
    with pytest.raises(ValidationError, match="no such file"):
        KafkaSettings()


def test_env_text_names_exactly_the_client_variables() -> None:
    text = env_text("tagger", "pw", "127.0.0.1:9094", Path("/x/ca.crt"))
    names = [line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert names == [
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS",
        "WIRESTREAM_KAFKA_SECURITY_PROTOCOL",
        "WIRESTREAM_KAFKA_SASL_MECHANISM",
        "WIRESTREAM_KAFKA_SASL_USERNAME",
        "WIRESTREAM_KAFKA_SASL_PASSWORD",
        "WIRESTREAM_KAFKA_SSL_CAFILE",
    ]
    assert "WIRESTREAM_KAFKA_SASL_USERNAME=tagger\n" in text


def test_scram_argument_carries_the_salted_password_not_the_password() -> None:
    salt = b"0123456789abcdef"
    arg = scram_argument("deduper", "correct horse", salt, iterations=4096)
    expected = hashlib.pbkdf2_hmac("sha512", b"correct horse", salt, 4096)
    assert arg.startswith("SCRAM-SHA-512=[name=deduper,iterations=4096,")
    assert f'salt="{base64.b64encode(salt).decode()}"' in arg
    assert f'saltedpassword="{base64.b64encode(expected).decode()}"' in arg
    assert "correct horse" not in arg
