"""Which Kafka failures are fatal (credentials, ACLs) and which are retried."""

from __future__ import annotations

import aiokafka.errors as aio
import kafka.errors as kp
import pytest

from services.core.kafka import KafkaAuthError, fatal_kind


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (aio.SaslAuthenticationFailed(), "authentication"),
        (kp.SaslAuthenticationFailedError(), "authentication"),
        (aio.TopicAuthorizationFailedError(), "authorization"),
        (aio.GroupAuthorizationFailedError(), "authorization"),
        (aio.TransactionalIdAuthorizationFailed(), "authorization"),
        (kp.TopicAuthorizationFailedError(), "authorization"),
        (KafkaAuthError("authorization", "may not create"), "authorization"),
        (aio.KafkaConnectionError(), None),
        (aio.ProducerFenced(), None),
        (TimeoutError(), None),
        (kp.NotLeaderForPartitionError(), None),
    ],
)
def test_fatal_kind(exc: BaseException, kind: str | None) -> None:
    assert fatal_kind(exc) == kind
