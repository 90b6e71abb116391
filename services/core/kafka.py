"""Kafka admin helpers (kafka-python): readiness checks, topic creation, credential checks."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
import time
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiokafka.errors as aio_errors
import kafka.errors as kp_errors
from aiokafka.conn import create_conn
from kafka import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from services.core.settings import PUBLIC_TOPICS, KafkaSettings


class BrokerUnavailableError(RuntimeError):
    """The broker did not answer a metadata request before the deadline."""


class KafkaAuthError(RuntimeError):
    """Kafka refused who we are (``authentication``) or what we asked (``authorization``): not transient."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


AUTHENTICATION_ERRORS: tuple[type[BaseException], ...] = (
    aio_errors.SaslAuthenticationFailed,
    aio_errors.AuthenticationFailedError,
    aio_errors.AuthenticationMethodNotSupported,
    kp_errors.SaslAuthenticationFailedError,
    ssl.SSLCertVerificationError,
)
AUTHORIZATION_ERRORS: tuple[type[BaseException], ...] = (
    aio_errors.TopicAuthorizationFailedError,
    aio_errors.GroupAuthorizationFailedError,
    aio_errors.ClusterAuthorizationFailedError,
    aio_errors.TransactionalIdAuthorizationFailed,
    kp_errors.AuthorizationError,
)


def fatal_kind(exc: BaseException) -> str | None:
    """``authentication`` or ``authorization`` for a failure that retrying cannot fix, else None."""
    if isinstance(exc, KafkaAuthError):
        return exc.kind
    if isinstance(exc, AUTHENTICATION_ERRORS):
        return "authentication"
    if isinstance(exc, AUTHORIZATION_ERRORS):
        return "authorization"
    return None


_VERIFIED: set[str] = set()  # credentials this process has seen accepted (a digest, not the secret)


def _credential_key(kafka: KafkaSettings) -> str:
    password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
    material = f"{kafka.bootstrap_servers}|{kafka.sasl_username}|{password}|{kafka.ssl_cafile}"
    return hashlib.sha256(material.encode()).hexdigest()


async def _handshake(kafka: KafkaSettings, timeout_s: float) -> bool:
    """One connection (TLS, SASL) to a bootstrap server; True when accepted, False when none answered."""
    options = {k: v for k, v in kafka.aiokafka_kwargs().items() if k != "bootstrap_servers"}
    for server in kafka.bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            conn = await asyncio.wait_for(
                create_conn(host, int(port), request_timeout_ms=int(timeout_s * 1000), **options), timeout_s
            )
        except AUTHENTICATION_ERRORS as exc:
            check = (
                "WIRESTREAM_KAFKA_SSL_CAFILE (the brokers' CA)"
                if isinstance(exc, ssl.SSLError)
                else "WIRESTREAM_KAFKA_SASL_USERNAME and _SASL_PASSWORD"
            )
            raise KafkaAuthError(
                "authentication", f"Kafka at {kafka.describe()} refused the connection: {exc}; check {check}"
            ) from None
        except (OSError, TimeoutError, aio_errors.KafkaError):
            continue  # not answering: the callers' readiness handling decides
        conn.close()
        return True
    return False


def _run(coro: Coroutine[Any, Any, bool]) -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:  # called from inside an event loop: run it beside
        return pool.submit(asyncio.run, coro).result()


def check_credentials(kafka: KafkaSettings, timeout_s: float = 10.0, *, cached: bool = True) -> None:
    """Raise KafkaAuthError (one line) when the broker rejects the credentials; once per process.

    kafka-python and aiokafka both report a rejected SASL login only as "unable to bootstrap"
    after their timeouts; one direct handshake tells the two apart at once.
    """
    if kafka.security_protocol == "PLAINTEXT":
        return
    key = _credential_key(kafka)
    if cached and key in _VERIFIED:
        return
    if _run(_handshake(kafka, timeout_s)):
        _VERIFIED.add(key)


def admin_client(kafka: KafkaSettings, timeout_s: float = 10.0) -> Any:
    """Return a connected kafka-python admin client (BrokerUnavailableError; KafkaAuthError if refused)."""
    check_credentials(kafka, timeout_s)
    try:
        return KafkaAdminClient(
            client_id="wirestream-admin",
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
            **kafka.kafka_python_kwargs(),
        )
    except KafkaError as exc:  # NoBrokersAvailable and friends
        raise BrokerUnavailableError(f"no broker at {kafka.bootstrap_servers}: {exc!r}") from exc


def broker_answers(kafka: KafkaSettings, timeout_s: float = 3.0) -> bool:
    """Return True when the broker answers a metadata request."""
    try:
        admin = admin_client(kafka, timeout_s)
    except BrokerUnavailableError:
        return False
    try:
        admin.list_topics()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()


def wait_until_ready(kafka: KafkaSettings, deadline_s: float = 60.0) -> None:
    """Block until the broker answers a metadata request; raise BrokerUnavailableError at the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if broker_answers(kafka, timeout_s=min(3.0, max(0.5, deadline - time.monotonic()))):
            return
        time.sleep(0.25)
    raise BrokerUnavailableError(
        f"Kafka at {kafka.bootstrap_servers} did not answer within {deadline_s:.0f}s"
    )


def ensure_topics(
    kafka: KafkaSettings,
    names: Iterable[str] = PUBLIC_TOPICS,
    *,
    prefixed: bool = False,
    configs: dict[str, str] | None = None,
) -> list[str]:
    """Create the given topics with the configured partitions; return those created.

    Names get the topic prefix unless ``prefixed`` (already full names, e.g. faust changelogs).
    """
    wanted = [n if prefixed else kafka.topic(n) for n in names]
    admin = admin_client(kafka)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            spec = {
                t: {
                    "num_partitions": kafka.partitions,
                    "replication_factor": kafka.replication_factor,
                    "configs": {"max.message.bytes": str(kafka.max_message_bytes), **(configs or {})},
                }
                for t in missing
            }
            try:
                with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently: fine
                    admin.create_topics(spec, wait_for_metadata=True)
            except kp_errors.AuthorizationError as exc:
                raise KafkaAuthError(
                    "authorization",
                    f"{kafka.describe()} may not create (or see) topics {missing}: {type(exc).__name__}; "
                    "an admin creates them (`wirestream kafka topics` with the admin's settings)",
                ) from None
        return missing
    finally:
        admin.close()


def delete_topics(kafka: KafkaSettings, full_names: Iterable[str]) -> None:
    """Delete topics by full name, ignoring those that do not exist."""
    admin = admin_client(kafka)
    try:
        existing = set(admin.list_topics())
        doomed = [t for t in full_names if t in existing]
        if doomed:
            admin.delete_topics(doomed, raise_errors=False)
    finally:
        admin.close()


class PartitionMismatchError(RuntimeError):
    """A topic's partition count differs from the configured one (ownership would silently change)."""


def check_partitions(kafka: KafkaSettings, full_names: Iterable[str], *, deadline_s: float = 30.0) -> None:
    """Raise PartitionMismatchError unless every topic has ``kafka.partitions`` partitions.

    A topic that another worker is creating right now is listed with no partitions yet: the check
    waits (up to ``deadline_s``) until each one has its partitions before it compares.
    """
    names = list(full_names)
    admin = admin_client(kafka)
    try:
        deadline = time.monotonic() + deadline_s
        while True:
            found = {d["name"]: len(d["partitions"]) for d in admin.describe_topics(names)}
            if all(found.values()) or time.monotonic() >= deadline:
                break
            time.sleep(0.2)  # polling the broker's metadata until the creation completes
    finally:
        admin.close()
    wrong = {name: count for name, count in found.items() if count != kafka.partitions}
    if wrong:
        listed = ", ".join(f"{name} has {count}" for name, count in sorted(wrong.items()))
        raise PartitionMismatchError(
            f"WIRESTREAM_KAFKA_PARTITIONS is {kafka.partitions} but {listed}: tasks, state and the "
            "deduper's key ownership (crc32 % partitions) depend on it. Set it to the topics' count, "
            "or recreate the topics and the state (changelogs) with the new count."
        )
