"""The secure broker's secrets: SCRAM passwords, keystore password, and one env file per principal.

Passwords are random, generated once and kept in ``credentials.json`` (mode 0600) next to the CA.
The broker learns the SCRAM users at ``kafka-storage format`` time from salted passwords only
(PBKDF2, as SCRAM does), so no plaintext password ever appears on a command line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from services.localbroker.acls import PRINCIPALS

SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192


@dataclass(frozen=True)
class Credentials:
    """Every secret of one secure broker."""

    passwords: dict[str, str]  # SCRAM user -> password
    keystore: str  # the broker's PKCS#12 keystore password
    controller: str  # the controller listener's PLAIN password (broker <-> its own controller)

    def to_json(self) -> str:
        """Serialise (a secret: write with ``write_secret``)."""
        return json.dumps(
            {"passwords": self.passwords, "keystore": self.keystore, "controller": self.controller}, indent=1
        )

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        """Parse what ``to_json`` wrote."""
        data = json.loads(text)
        return cls(dict(data["passwords"]), str(data["keystore"]), str(data["controller"]))

    def secrets(self) -> list[str]:
        """Every secret value (the tests grep logs for them)."""
        return [*self.passwords.values(), self.keystore, self.controller]


def new_password() -> str:
    """A random password: 32 URL-safe characters (no quoting needed in JAAS or env files)."""
    return secrets.token_urlsafe(24)


def generate(principals: tuple[str, ...] = PRINCIPALS) -> Credentials:
    """Fresh random credentials for every principal."""
    return Credentials({p: new_password() for p in principals}, new_password(), new_password())


def write_secret(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_or_create(path: Path) -> tuple[Credentials, bool]:
    """The credentials stored at ``path``, or new ones written there; and whether they are new."""
    if path.exists():
        return Credentials.from_json(path.read_text(encoding="utf-8")), False
    creds = generate()
    write_secret(path, creds.to_json())
    return creds, True


def scram_argument(
    user: str,
    password: str,
    salt: bytes,
    iterations: int = SCRAM_ITERATIONS,
    mechanism: str = SCRAM_MECHANISM,
) -> str:
    """A ``kafka-storage format --add-scram`` value carrying the salted password, never the password."""
    digest = {"SCRAM-SHA-512": "sha512", "SCRAM-SHA-256": "sha256"}[mechanism]
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt, iterations)
    b64 = base64.b64encode
    return (
        f'{mechanism}=[name={user},iterations={iterations},salt="{b64(salt).decode()}",'
        f'saltedpassword="{b64(salted).decode()}"]'
    )


def env_text(principal: str, password: str, bootstrap: str, cafile: Path) -> str:
    """The env file of one principal: the WIRESTREAM_KAFKA_* client settings of the secure broker."""
    return (
        f"# wirestream: Kafka client settings of principal {principal!r}. A secret: keep it mode 0600.\n"
        "# Load with `wirestream --env-file <this file> ...` or WIRESTREAM_ENV_FILE=<this file>.\n"
        f"WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS={bootstrap}\n"
        "WIRESTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL\n"
        f"WIRESTREAM_KAFKA_SASL_MECHANISM={SCRAM_MECHANISM}\n"
        f"WIRESTREAM_KAFKA_SASL_USERNAME={principal}\n"
        f"WIRESTREAM_KAFKA_SASL_PASSWORD={password}\n"
        f"WIRESTREAM_KAFKA_SSL_CAFILE={cafile}\n"
    )


def write_env_files(creds: Credentials, directory: Path, bootstrap: str, cafile: Path) -> dict[str, Path]:
    """Write ``<principal>.env`` (0600) for every principal; return their paths."""
    paths = {}
    for principal, password in creds.passwords.items():
        path = directory / f"{principal}.env"
        write_secret(path, env_text(principal, password, bootstrap, cafile))
        paths[principal] = path
    return paths
