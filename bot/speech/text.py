"""What is read aloud: the words of a message, without what only makes sense on screen.

Emoji, markdown marks, links and button arrows help the eye but a voice would spell them out
("rechterpijl", "h t t p s"), which confuses a learner. The result is also the cache key's
text, so two messages that sound the same share one voice note.
"""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S+", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # [label](target) -> label
_MD_MARKS = re.compile(r"[*_~`#|]+")
_LINE_MARKER = re.compile(r"^\s*(?:[-+>•▪◦]\s*)+")  # list bullets and quote marks
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?:;…])")
_REPEATED_PUNCT = re.compile(r"([.,!?:;])(?:\s*[.,:;])+")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = ".!?:;,…"

# Arrows ("Kies ➡️", "← terug"), dingbats and pictographs outside the "So" category.
_ARROW_RANGES = (
    (0x2190, 0x21FF),  # Arrows
    (0x27F0, 0x27FF),  # Supplemental Arrows-A
    (0x2900, 0x297F),  # Supplemental Arrows-B
    (0x2B00, 0x2BFF),  # Miscellaneous Symbols and Arrows
    (0x1F800, 0x1F8FF),  # Supplemental Arrows-C
)
# Emoji glue: zero-width joiner, variation selectors, combining keycap, tag characters.
_GLUE = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}


def _visual_only(char: str) -> bool:
    code = ord(char)
    if code in _GLUE or 0xE0020 <= code <= 0xE007F:
        return True
    if any(low <= code <= high for low, high in _ARROW_RANGES):
        return True
    # So: emoji and pictographs; Sk: skin-tone modifiers; Co/Cn: private use, unassigned.
    return unicodedata.category(char) in {"So", "Sk", "Co", "Cn"}


def speakable(text: str) -> str:
    """The words of text as a voice should read them; "" when nothing is left to say.

    Each line becomes a sentence (a full stop is added where a line ends without one), so a
    list is read with pauses instead of as one run-on phrase.
    """
    text = unicodedata.normalize("NFC", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = "".join(" " if _visual_only(char) else char for char in text)
    text = _MD_MARKS.sub(" ", text)
    sentences = []
    for raw_line in text.splitlines():
        line = _SPACES.sub(" ", _EMPTY_BRACKETS.sub(" ", _LINE_MARKER.sub("", raw_line))).strip()
        if not any(char.isalnum() for char in line):
            continue
        line = _SPACE_BEFORE_PUNCT.sub(r"\1", line).lstrip(_SENTENCE_END + " ")
        sentences.append(line if line.endswith(tuple(_SENTENCE_END)) else line + ".")
    if not sentences:
        return ""
    spoken = " ".join(sentences)
    # A lone closing line mark (a list that ended in a comma) should not pile up with the stop.
    return _REPEATED_PUNCT.sub(r"\1", spoken)
