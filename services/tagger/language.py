"""Language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

from services.core.models import Language


class LanguageDetector:
    """Identify the language of a text as an ISO 639-1 code with a probability."""

    def __init__(self, languages: tuple[str, ...], max_chars: int = 2000) -> None:
        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        known = set(self._identifier.nb_classes)
        self._identifier.set_languages([lang for lang in languages if lang in known] or None)
        self._max_chars = max_chars

    def detect(self, text: str) -> Language | None:
        """Most likely language of the text, or None when there is no text to judge."""
        sample = text[: self._max_chars]
        if not any(ch.isalpha() for ch in sample):
            return None
        code, prob = self._identifier.classify(sample)
        return Language(code=str(code), confidence=round(min(max(float(prob), 0.0), 1.0), 4))
