"""The local broker's cluster id is always one argument to kafka-storage."""

import base64
import uuid

import pytest

from services.localbroker import broker


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A uuid whose base64 begins with '-' (1 in 64; CI failed on one) is drawn again."""
    dash_first = uuid.UUID(bytes=base64.urlsafe_b64decode("-" + "A" * 21 + "=="))
    later = uuid.UUID(int=12345)
    draws = iter([dash_first, later])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    assert broker.cluster_id() == base64.urlsafe_b64encode(later.bytes).decode().rstrip("=")


def test_cluster_ids_are_22_urlsafe_characters() -> None:
    """Kafka accepts the 16-byte uuid in base64url without padding."""
    ids = {broker.cluster_id() for _ in range(500)}
    assert len(ids) == 500
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
