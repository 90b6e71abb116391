"""Verification of candidates: the near duplicate or the story an article belongs to, among records.

Pure functions over a signature and stored records (``(ref, record)``, as ``keys.ref_of`` files
them); ``Deduper.judge`` and the home partition's verification call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from services.deduper import keys as k
from services.deduper import signature as sg
from services.deduper.facts import facts_from
from services.deduper.story import StoryRule, score_story, subjects_differ
from services.deduper.verdict import Verdict

if TYPE_CHECKING:
    from services.deduper.logic import Signature

Records = list[tuple[str, dict[str, Any]]]


def judge(sig: Signature, docs: Records, near_threshold: float, rule: StoryRule) -> Verdict:
    """Near duplicate, else same story, else unique, among candidate records ``(ref, record)``."""
    near = best_near(sig, docs, near_threshold, rule.subject_check)
    if near is not None:
        return near
    story = best_story(sig, docs, rule)
    if story is not None:
        return story
    return Verdict("unique", None, None, sig.article_id)


def best_near(
    sig: Signature, docs: Records, near_threshold: float, subject_check: bool = True
) -> Verdict | None:
    """The verified near duplicate with the highest estimated Jaccard similarity, if any.

    Two texts whose headlines name different subjects (two companies' dividend notices of one
    wording, "Qtly div four cts vs four cts prior ...") are not one text, however alike.
    """
    if sig.minhash is None:
        return None
    best: tuple[float, int, str, dict[str, Any]] | None = None
    for doc_id, doc in docs:
        if not doc["m"]:
            continue
        jac = sg.jaccard_estimate(sig.minhash, sg.unpack_u32(doc["m"]))
        if jac < near_threshold or (best is not None and (jac, -doc["t"]) <= best[:2]):
            continue
        if subject_check and subjects_differ(sig.facts, facts_from(doc)):
            continue
        best = (jac, -doc["t"], doc_id, doc)
    if best is None:
        return None
    jac, _, ref, doc = best
    doc_id = record_id(ref, doc)
    story = record_story(ref, doc)
    if k.same_text(doc.get("f"), sig.fingerprint):  # the same text, found through its MinHash bands
        return Verdict("exact", doc_id, 1.0, story)
    return Verdict("near", doc.get("c", doc_id), round(jac, 4), story)


def best_story(sig: Signature, docs: Records, rule: StoryRule) -> Verdict | None:
    """The best-matching story among the candidates' stories, judged against each story's leader.

    Only a story's leader (the article that opened it: its story id is its own id) is compared,
    so an article joins a story only when it matches the story itself, not some later member.
    """
    if sig.embedding is None:
        return None
    best: tuple[float, str, float] | None = None
    for ref, doc in docs:
        doc_id = record_id(ref, doc)
        if not doc.get("e") or record_story(ref, doc) != doc_id:
            continue
        other = sg.unpack_vector(doc["e"])
        if other.size != sig.embedding.size:
            continue
        ev = score_story(
            rule,
            cosine=float(other @ sig.embedding),
            a=sig.facts,
            b=facts_from(doc),
            lang_a=sig.language,
            lang_b=doc.get("l"),
            gap_days=(sig.story_time - int(doc["p"] if "p" in doc else doc["t"])) / k.DAY,
        )
        if ev.same and (best is None or ev.score > best[0]):
            best = (ev.score, doc_id, ev.cosine)
    if best is None:
        return None
    _, story_id, cosine = best
    return Verdict("same_story", story_id, round(min(1.0, max(0.0, cosine)), 4), story_id)


def record_id(ref: str, doc: Mapping[str, Any]) -> str:
    """The article id of a record filed under ``ref`` (a hashed handle keeps the id in ``i``)."""
    return str(doc.get("i", ref))


def record_story(ref: str, doc: Mapping[str, Any]) -> str:
    """The story of a record: ``s``, which a story's leader leaves out (its story is its own id)."""
    return str(doc.get("s") or record_id(ref, doc))
