"""Linear-time splitting, the minimum part length and the feature-based line classifier."""

from __future__ import annotations

import pytest

from services.cleaner import segment
from services.cleaner.lineclass import is_chrome
from services.cleaner.logic import CleanerConfig, clean
from services.core.models import RawArticle, Source, Timestamps
from tests.unit.cleaner.cases import NOW, Case


def _raw(text: str) -> RawArticle:
    """A RawArticle around generated text."""
    return RawArticle(
        article_id="gen", source=Source(uri="gen"), text=text, timestamps=Timestamps(ingested=NOW)
    )


def test_topic_check_reads_a_bounded_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each headline candidate reads at most a few lines: the splitter is linear in the payload."""
    seen: list[int] = []
    real = segment._words

    def counting(lines: list[segment.Line]) -> set[str]:
        """Record how many lines the topic check reads."""
        seen.append(len(lines))
        return real(lines)

    monkeypatch.setattr(segment, "_words", counting)
    blocks = [
        f"\n\n\nHarbour quay works continue in section {k}\n\nThe harbour authority said the quay works in "
        f"section {k} would continue through the spring, with cranes moving between the berths."
        for k in range(400)
    ]
    result = clean(_raw("Harbour authority publishes its quay plan" + "".join(blocks)), now=NOW)
    assert isinstance(result, list) and len(result) == 1
    assert len(seen) >= 390
    assert max(seen) <= 3


def test_short_part_is_merged_and_can_be_disabled() -> None:
    """A 7-word fragment before a dated stamp joins the next part; min_words=0 would emit it alone."""
    body = " ".join(["Die Bauarbeiten am neuen Hallenbad liegen nach Angaben der Stadt im Zeitplan."] * 5)
    lines = [
        segment.Line("Ein kurzer Satz ohne viel Inhalt hier.", 0),
        segment.Line("12. Mai 2025", 0, "timestamp", NOW),
        segment.Line(body, 0),
    ]
    assert segment.find_splits(lines, max_parts=20, max_overlap=0.1, min_words=0) == [1]
    assert segment.find_splits(lines, max_parts=20, max_overlap=0.1, min_words=40) == []
    assert CleanerConfig().min_part_words == 40


def test_one_word_headline_is_a_title() -> None:
    """c44: "Meldung" becomes the first article's title, not an article of 7 characters."""
    case = Case(
        "c44_glued_short_headline_de", {"input": "tests/data/cleaner/corpus/c44_glued_short_headline_de.txt"}
    )
    result = clean(case.raw, now=NOW)
    assert isinstance(result, list)
    assert [a.title for a in result] == ["Meldung", "Busverbindung ins Gewerbegebiet wird ausgebaut"]
    assert min(len(a.text.split()) for a in result) >= 40


@pytest.mark.parametrize(
    "line",
    [
        "Skip to main content",
        "Comments (12)",
        "View 37 comments",
        "Back to the homepage",
        "(Photo: Tom Baker)",
        "Print this page",
        "Sign up for our morning briefing",
        "Zur Startseite",
        "Kommentare (8)",
        "Artikel anhören",
        "Follow our reporter on Twitter @desk",
    ],
)
def test_chrome_lines(line: str) -> None:
    """Site chrome the rule file does not list is recognised by its features."""
    assert is_chrome(line, 5, 20)


@pytest.mark.parametrize(
    "line",
    [
        "Share prices fell sharply in early trading",
        "Share prices",
        "Council approves new flood barrier for the riverside district",
        "Video shows police chase through city centre",
        "Follow the money",
        "The company said it would print more banknotes next year.",
        "Die Stadt will die Buslinie im Sommer ausbauen.",
        "Open letter",
        "Free trade",
    ],
)
def test_content_lines(line: str) -> None:
    """Headlines, subheadings and sentences that mention UI words stay content."""
    assert not is_chrome(line, 5, 20)
