"""The secure broker's CA and broker certificate (openssl), made once and reused when present."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.localbroker.secure import SecureBrokerSettings

CA_DAYS, CERT_DAYS = 3650, 825


def _openssl(*args: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        ["openssl", *args], capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def ensure_certificates(settings: SecureBrokerSettings, keystore_password: str) -> None:
    """A CA and a broker certificate for 127.0.0.1/localhost, made once (reused when present)."""
    home = settings.home
    ca_key, broker_key, broker_crt = home / "ca.key", home / "broker.key", home / "broker.crt"
    if not (settings.ca_file.exists() and ca_key.exists()):
        _openssl(
            "req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256", "-days", str(CA_DAYS),
            "-keyout", str(ca_key), "-out", str(settings.ca_file), "-subj", "/CN=wirestream local CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        settings.keystore_file.unlink(missing_ok=True)  # a new CA: the broker certificate too
    if settings.keystore_file.exists():
        return
    csr, ext = home / "broker.csr", home / "broker.ext"
    ext.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n"
    )
    _openssl(
        "req", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256", "-keyout", str(broker_key),
        "-out", str(csr), "-subj", "/CN=localhost",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(settings.ca_file), "-CAkey", str(ca_key),
        "-CAcreateserial", "-out", str(broker_crt), "-days", str(CERT_DAYS), "-sha256", "-extfile", str(ext),
    )  # fmt: skip
    _openssl(
        "pkcs12", "-export", "-in", str(broker_crt), "-inkey", str(broker_key), "-certfile",
        str(settings.ca_file), "-name", "broker", "-out", str(settings.keystore_file),
        "-passout", "env:WIRESTREAM_KEYSTORE_PASSWORD",
        env={"WIRESTREAM_KEYSTORE_PASSWORD": keystore_password},
    )  # fmt: skip
    for path in (ca_key, broker_key, settings.keystore_file):
        path.chmod(0o600)
    csr.unlink()
    ext.unlink()
