"""Plain-text hygiene: strings made safe for XML 1.0, and summaries cut at a character boundary."""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF. DEL
# and the C1 controls (U+007F-U+009F) it allows but discourages: feed validators flag them, and no
# reader shows them, so they go too.
_XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"\s+")
_ELLIPSIS = "…"


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 forbids, and the control characters it discourages, so one
    stray control byte never breaks a feed or a validator's verdict."""
    return _XML_FORBIDDEN.sub("", text)


def squash_spaces(text: str) -> str:
    """Collapse runs of white space into one space, as a browser shows them."""
    return _SPACES.sub(" ", text).strip()


def cut(text: str, limit: int) -> str:
    """Shorten text to at most `limit` characters (ellipsis included) without splitting a character.

    CJK text has no spaces, so the cut may fall between any two characters; it never falls inside a
    combining sequence (a base letter and its accents, an emoji and its modifiers). Text with spaces
    is cut at the last space in its final fifth, so Latin words stay whole.
    """
    if len(text) <= limit:
        return text
    end = max(limit - len(_ELLIPSIS), 0)
    while end > 0 and _joins(text[end - 1], text[end]):
        end -= 1
    space = text.rfind(" ", 0, end + 1)
    if space > end * 4 // 5:
        end = space
    return text[:end].rstrip() + _ELLIPSIS


def _joins(before: str, char: str) -> bool:
    """True when `char` belongs to the character before it, so the two must not be split."""
    return (
        unicodedata.category(char) in {"Mn", "Mc", "Me"}  # accents, vowel signs
        or char in _JOINERS
        or before == _ZWJ  # the second half of an emoji sequence
        or _SKIN_TONES[0] <= char <= _SKIN_TONES[1]
    )


_ZWJ = "\u200d"
_JOINERS = "\u200d\ufe0e\ufe0f"  # zero-width joiner, variation selectors
_SKIN_TONES = ("\U0001f3fb", "\U0001f3ff")
