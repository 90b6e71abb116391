"""Feature-based boilerplate classifier for lines the rule file does not know (jusText-style)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words of site chrome: actions (share, print, skip, sign up ...), their objects (page, article,
# comments, newsletter ...) and widgets (gallery, caption ...), English and German. A line made of
# these, function words and numbers, with no sentence shape, is interface text, not news.
_UI_TEXT = """
    share shares shared sharing print printing email e-mail mail send forward save saved bookmark
    follow following subscribe subscribed subscription unsubscribe signup login logout register
    comment comments commenting reply replies skip jump back top homepage home frontpage menu
    navigation nav content main search close open toggle expand collapse show hide view load loading
    enlarge zoom fullscreen gallery slideshow image images photo photos picture pictures video videos
    caption captions credit credits audio listen podcast podcasts playlist newsletter newsletters
    briefing briefings inbox alert alerts notifications account accounts profile premium free
    trial offer feedback report correction corrections typo tip tips contact newsroom helpful
    article articles story stories page pages post posts link links permalink copy copied url
    previous next prev older newer continue more less facebook twitter whatsapp linkedin telegram
    reddit pinterest instagram youtube tiktok flipboard messenger window tab opens app apps ad ads
    feed rss tag tags topics filed sections section edition author authors later sign log
    teilen geteilt drucken druck versenden senden verschicken empfehlen speichern merken merkliste
    folgen abonnieren abonnent abonnenten abo anmelden abmelden einloggen registrieren konto
    kommentar kommentare kommentieren kommentarbereich antworten springen überspringen zurück
    startseite hauptinhalt seiteninhalt inhalt navigation übersicht seitenanfang menü suche
    schließen öffnen anzeigen ausblenden einblenden ansehen laden vergrößern vollbild galerie
    bildergalerie bild bilder foto fotos video videos audio anhören vorlesen hören podcast
    newsletter bestellen kostenlos gratis probeabo angebot artikel beitrag beiträge seite seiten
    fenster melden fehler hinweis feedback link kopieren schriftgröße ändern meinung leserbrief
    weiterlesen weiter vorherige nächste älter neuer mehr
"""
UI_WORDS = frozenset(_UI_TEXT.split())
_STOP_TEXT = """
    a an the and or but of to in on at for by with from as is are was were be been it its this that
    these those our your my we you i he she they them us me up out now here there all any some not
    no yes do does did have has had will would can could may might just only also than then so if
    into over about after before again new get got go here's it's what who how why when where
    der die das den dem des ein eine einen einem einer eines und oder aber zu zum zur im in am an
    auf aus bei mit nach von vor für über unter um ist sind war waren sein es sie er wir ihr ihre
    ihren ihrem ihnen sich nicht kein keine jetzt hier da dies diese diesen dieser dieses noch nur
    auch schon so wie was wer wo alle alles mehr sehr uns unser unsere unseren
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|\d+")
_COUNTER = re.compile(
    r"\(\d[\d.,]*\)|\b\d+\s*(?:of|von|/)\s*\d+\b|^\d[\d.,]*\s*[^\W\d_]+$|^[^\W\d_]+\s*\d[\d.,]*$"
)
_CREDIT = re.compile(
    r"\((?:photo|photos|image|images|picture|credit|video|illustration|graphic|foto|fotos|bild|bilder|"
    r"grafik|quelle|illustration)\b[^()]{0,100}\)",
    re.IGNORECASE,
)
_PHRASES = re.compile(
    r"(?:opens in (?:a )?new (?:window|tab)|öffnet (?:in )?(?:einem )?neue[ns]? (?:fenster|tab)|"
    r"this (?:article|story|content) (?:is|was) (?:more than|over) \d+|"
    r"(?:already|not) (?:a |have an )?(?:subscriber|account)|(?:in|to|into) your inbox|"
    r"was this (?:article|story|page) (?:helpful|useful)|"
    r"dieser artikel (?:ist|wurde) (?:älter|vor)|war dieser artikel hilfreich)",
    re.IGNORECASE,
)
# Every alternative of _PHRASES contains one of these (lower-cased): a cheap test before the search.
_PHRASE_ANCHORS = ("opens in", "öffnet", "this ", "subscriber", "account", "your inbox", "dieser artikel")
_HANDLE = re.compile(r"(?:^|\s)@\w{2,}|\bwww\.|https?://|\b[\w.-]+@[\w-]+\.\w{2,}")
_SENTENCE_END = '.!"”“»«'
MAX_WORDS = 12
MAX_CHARS = 120


@dataclass(frozen=True)
class LineFeatures:
    """The features of one short line that decide whether it is site chrome."""

    words: int
    content_words: int
    ui_words: int
    stop_density: float
    sentence_end: bool
    counter: bool
    credit: bool
    phrase: bool
    capitalised: float
    edge: bool
    handle: bool


def features(line: str, position: int, total: int) -> LineFeatures:
    """Compute the features of one stripped line at `position` of `total` lines."""
    tokens = _TOKEN.findall(line.lower())
    words = [t for t in tokens if not t.isdigit()]
    stops = sum(1 for w in words if w in STOP_WORDS)
    ui = sum(1 for w in words if w in UI_WORDS and w not in STOP_WORDS)
    content = len(words) - stops
    raw_words = line.split()
    caps = sum(1 for w in raw_words if w[:1].isupper()) / max(1, len(raw_words))
    return LineFeatures(
        words=len(raw_words),
        content_words=content,
        ui_words=ui,
        stop_density=stops / max(1, len(words)),
        sentence_end=line[-1] in _SENTENCE_END,
        counter=_COUNTER.search(line) is not None,
        credit=_CREDIT.fullmatch(line) is not None,
        phrase=_has_phrase(line),
        capitalised=caps,
        edge=position < 3 or position >= total - 3,
        handle=_HANDLE.search(line) is not None,
    )


def _has_phrase(line: str) -> bool:
    """One of the UI phrases (``opens in new window`` …) occurs in the line."""
    lower = line.lower()
    return any(a in lower for a in _PHRASE_ANCHORS) and _PHRASES.search(line) is not None


def chrome_score(f: LineFeatures) -> float:
    """Evidence that a line is interface text: > 0 means boilerplate."""
    if f.credit or f.phrase:
        return 3.0
    if f.words > MAX_WORDS:
        return -1.0
    other = f.content_words - f.ui_words
    score = 0.0
    if f.handle:
        score += 1.0
    if f.ui_words:
        score += 2.0 * f.ui_words / max(1, f.content_words) - 1.0
        score += 0.5 if f.counter else 0.0
    if other >= 2:
        score -= 0.5 * (other - 1)
    if f.sentence_end and f.words >= 5:
        score -= 1.5
    if f.words >= 6 and f.stop_density >= 0.4 and f.ui_words <= 1:
        score -= 1.0
    if f.edge and score > -0.5 and f.ui_words:
        score += 0.25
    if f.content_words == 0 and f.ui_words == 0:
        score = 1.0 if f.counter else -1.0
    return score


def is_chrome(line: str, position: int = 0, total: int = 0) -> bool:
    """True when a short line not known to the rules looks like site chrome (boilerplate)."""
    if not line or len(line) > MAX_CHARS:
        return False
    if len(line.split()) > MAX_WORDS:  # the score is then decided by a credit or a UI phrase alone
        return _CREDIT.fullmatch(line) is not None or _has_phrase(line)
    return chrome_score(features(line, position, total)) > 0.0
