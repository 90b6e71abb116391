"""A stage: decode a message, call the stage's pure function, and turn every outcome into emits.

No faust and no Kafka here: the faust agents and the offline ``process`` path both call
``Stage.handle`` / ``Stage.run``, so both run the same functions with the same error handling.
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from services.core.models import DeadLetter, Source
from services.core.outcomes import Provenance, Rejection

M = TypeVar("M", bound=BaseModel)

Route = Literal["out", "dlq", "duplicates", "probes", "verdicts"]
INTERNAL_ROUTES: frozenset[str] = frozenset({"probes", "verdicts"})


@dataclass(frozen=True)
class Emit:
    """One message a stage wants produced: where to (a route, a partition if fixed), key, event."""

    route: Route
    key: str
    value: BaseModel
    outcome: str = "ok"
    partition: int | None = None

    def outcome_label(self) -> str:
        """The outcome counted in metrics: ``internal`` for a stage's own hop messages."""
        return "internal" if self.route in INTERNAL_ROUTES else self.outcome


StageFn = Callable[[M, datetime], "Sequence[Emit] | Rejection"]
# One result per item, in order: the batch form of a stage function (e.g. batched model calls).
BatchFn = Callable[[list[M], datetime], "list[Sequence[Emit] | Rejection]"]


def encode(value: BaseModel) -> bytes:
    """Serialise an event to UTF-8 JSON bytes."""
    return value.model_dump_json(exclude_none=False).encode()


def _payload_text(payload: bytes, max_bytes: int) -> tuple[str, Literal["utf-8", "base64"], bool]:
    truncated = len(payload) > max_bytes
    head = payload[:max_bytes]
    try:
        return head.decode("utf-8"), "utf-8", truncated
    except UnicodeDecodeError:
        return base64.b64encode(head).decode("ascii"), "base64", truncated


def dead_letter(
    stage: str,
    rejection: Rejection,
    payload: bytes,
    provenance: Provenance,
    now: datetime,
    *,
    article_id: str | None = None,
    source: Source | None = None,
    max_bytes: int = 64 * 1024,
) -> DeadLetter:
    """Build the dead-letter record for a rejected message, with its provenance."""
    text, encoding, truncated = _payload_text(payload, max_bytes)
    return DeadLetter(
        stage=stage,
        reason=rejection.reason,
        error=rejection.error,
        article_id=article_id,
        source=source,
        source_topic=provenance.topic,
        source_partition=provenance.partition,
        source_offset=provenance.offset,
        payload=text,
        payload_encoding=encoding,
        payload_truncated=truncated,
        at=now,
    )


def decode(model: type[M], payload: bytes | None) -> M | Rejection:
    """Parse and validate a message value; a bad one becomes a Rejection, never an exception."""
    if not payload:
        return Rejection("empty_message", "the message value is empty")
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors and errors[0].get("type") == "json_invalid":
            return Rejection("invalid_json", f"the message value is not valid JSON: {errors[0]['msg']}")
        first = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3])
        return Rejection("schema_violation", f"the message does not match {model.__name__}: {first}")


class Stage(Generic[M]):
    """A named stage function over one input model, with decode and error handling around it."""

    def __init__(
        self,
        name: str,
        input_model: type[M],
        fn: StageFn[M],
        *,
        batch_fn: BatchFn[M] | None = None,
        dlq_max_bytes: int = 64 * 1024,
    ) -> None:
        self.name = name
        self.input_model = input_model
        self.fn = fn
        self.batch_fn = batch_fn
        self.dlq_max_bytes = dlq_max_bytes

    def handle_many(
        self, messages: Sequence[tuple[bytes | None, Provenance]], now: datetime
    ) -> list[list[Emit]]:
        """Decode several messages and run the stage on them; one list of emits per message, in order.

        With a batch function the valid messages go through it in one call (``fn`` item by item
        if it fails), e.g. one model call for many articles.
        """
        out: list[list[Emit]] = [[] for _ in messages]
        good: list[tuple[int, M, bytes | None, Provenance]] = []
        for i, (payload, provenance) in enumerate(messages):
            item = decode(self.input_model, payload)
            if isinstance(item, Rejection):
                out[i] = [self._dlq(item, payload or b"", provenance, now, None)]
            else:
                good.append((i, item, payload, provenance))
        results: list[Sequence[Emit] | Rejection] | None = None
        if self.batch_fn is not None and good:
            try:
                results = self.batch_fn([item for _, item, _, _ in good], now)
            except Exception:  # one bad item must not dead-letter the batch: go item by item
                results = None
        if results is None or len(results) != len(good):
            for i, item, payload, provenance in good:
                out[i] = self.run(item, provenance, now, payload=payload)
            return out
        for (i, item, payload, provenance), result in zip(good, results, strict=True):
            if isinstance(result, Rejection):
                raw = payload if payload is not None else item.model_dump_json().encode()
                out[i] = [self._dlq(result, raw, provenance, now, item)]
            else:
                out[i] = list(result)
        return out

    def handle_batch(self, messages: Sequence[tuple[bytes | None, Provenance]], now: datetime) -> list[Emit]:
        """``handle_many``, flattened."""
        return [emit for emits in self.handle_many(messages, now) for emit in emits]

    def bounded(
        self,
        emits: Sequence[Emit],
        payload: bytes | None,
        provenance: Provenance,
        now: datetime,
        max_bytes: int,
    ) -> list[tuple[Emit, bytes]]:
        """Encode a message's emits; one over ``max_bytes`` becomes an ``output_too_large`` dead letter."""
        out: list[tuple[Emit, bytes]] = []
        for emit in emits:
            data = encode(emit.value)
            if len(data) > max_bytes:
                rejection = Rejection(
                    "output_too_large",
                    f"{self.name} produced a {emit.route} record of {len(data)} bytes for "
                    f"{emit.key}, over the {max_bytes}-byte limit",
                )
                emit = self._dlq(rejection, payload or b"", provenance, now, emit.value)
                data = encode(emit.value)
            out.append((emit, data))
        return out

    def handle(self, payload: bytes | None, provenance: Provenance, now: datetime) -> list[Emit]:
        """Decode a message value and run the stage on it; every failure becomes a DLQ emit."""
        item = decode(self.input_model, payload)
        if isinstance(item, Rejection):
            return [self._dlq(item, payload or b"", provenance, now, None)]
        return self.run(item, provenance, now, payload=payload)

    def run(
        self, item: M, provenance: Provenance, now: datetime, *, payload: bytes | None = None
    ) -> list[Emit]:
        """Run the stage function on a decoded item; rejections and exceptions become DLQ emits."""
        try:
            result = self.fn(item, now)
        except Exception as exc:  # errors are data: the worker goes on
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result = Rejection("processing_error", f"{self.name} failed: {tb}")
        if isinstance(result, Rejection):
            raw = payload if payload is not None else item.model_dump_json().encode()
            return [self._dlq(result, raw, provenance, now, item)]
        return list(result)

    def _dlq(
        self,
        rejection: Rejection,
        payload: bytes,
        provenance: Provenance,
        now: datetime,
        item: BaseModel | None,
    ) -> Emit:
        article_id, source = _identity(item)
        return dead_letter_emit(
            self.name,
            rejection,
            payload,
            provenance,
            now,
            article_id=article_id,
            source=source,
            max_bytes=self.dlq_max_bytes,
        )


def dead_letter_emit(
    stage: str,
    rejection: Rejection,
    payload: bytes,
    provenance: Provenance,
    now: datetime,
    *,
    article_id: str | None,
    source: Source | None,
    max_bytes: int,
) -> Emit:
    """The DLQ emit of a rejected message: keyed by its article id, else by its position."""
    record = dead_letter(
        stage, rejection, payload, provenance, now, article_id=article_id, source=source, max_bytes=max_bytes
    )
    key = article_id or f"{provenance.topic}:{provenance.partition}:{provenance.offset}"
    return Emit("dlq", key, record, outcome="dlq")


def _identity(item: BaseModel | None) -> tuple[str | None, Source | None]:
    """The article id and source of an item, also inside a wrapper (``root``) or a hop message."""
    inner: object = getattr(item, "root", item)
    if getattr(inner, "article_id", None) is None:
        inner = getattr(inner, "article", None) or inner  # a hop message that wraps the article
    article_id = getattr(inner, "article_id", None)
    source = getattr(inner, "source", None)
    return (article_id if isinstance(article_id, str) else None), (
        source if isinstance(source, Source) else None
    )
