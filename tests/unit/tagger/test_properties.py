"""Property-based tests (Hypothesis) of the tagger's stage function: any text or bytes give an outcome.

The stage runs without the embedding model (``embed=None``, the ``none`` backend): it is the slow
part and has its own tests. Few examples, the tagger costs ~10 ms per article.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.models import CleanArticle, DeadLetter, Source, TaggedArticle, Timestamps
from services.core.outcomes import Provenance
from services.core.stage import Stage
from services.tagger.logic import Tagger
from services.tagger.stage import build_stage

NOW = datetime(2024, 5, 1, 12, 0, 5, tzinfo=UTC)
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORDS = st.sampled_from(
    [
        "Berlin",
        "Angela Merkel",
        "the",
        "council",
        "Россия",
        "東京",
        "€",
        "100",
        "Reuters",
        "\u200f",
        "😀",
        "-",
        ".",
    ]
)
TEXT = st.one_of(
    st.text(min_size=1, max_size=300),
    st.lists(st.one_of(WORDS, st.text(max_size=12)), min_size=1, max_size=60).map(" ".join),
).filter(str.strip)
_STAGE: list[Stage[CleanArticle]] = []


def _stage() -> Stage[CleanArticle]:
    if not _STAGE:  # one Tagger (it loads the gazetteer), built on first use
        _STAGE.append(build_stage(Tagger(), None))
    return _STAGE[0]


def _check(emits: list, allowed: set[str]) -> None:  # type: ignore[type-arg]
    assert emits, "every message has an outcome"
    for emit in emits:
        if isinstance(emit.value, DeadLetter):
            assert emit.route == "dlq" and emit.value.reason in allowed, emit.value.error
        else:
            assert emit.route == "out" and isinstance(emit.value, TaggedArticle)


@FEW
@given(text=TEXT, title=st.one_of(st.none(), st.text(max_size=80)))
def test_any_text_is_tagged(text: str, title: str | None) -> None:
    """Any clean article is tagged (never a processing_error)."""
    article = CleanArticle(
        article_id="prop",
        parent_id="prop",
        source=Source(uri="prop.txt"),
        title=title,
        text=text,
        timestamps=Timestamps(ingested=NOW, cleaned=NOW),
    )
    emits = _stage().run(article, Provenance(), NOW)
    _check(emits, set())
    tagged = emits[0].value
    assert isinstance(tagged, TaggedArticle) and tagged.article_id == "prop" and tagged.text == text


@FEW
@given(payload=st.binary(max_size=300))
def test_any_message_bytes_give_an_outcome(payload: bytes) -> None:
    _check(
        _stage().handle(payload, Provenance("clean", 0, 1), NOW),
        {"empty_message", "invalid_json", "schema_violation"},
    )
