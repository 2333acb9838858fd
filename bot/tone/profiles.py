"""Communication profiles (nt2, nt1, werk, doof), defined once in profiles.yml."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PROFILES_FILE = Path(__file__).with_name("profiles.yml")


@dataclass(frozen=True)
class Profile:
    id: str
    voice: bool
    slow: bool
    listening: bool
    reading_level: str
    max_words: int
    emoji: bool
    work_first: bool
    start_level: int
    button: str


@dataclass(frozen=True)
class Profiles:
    default: str
    by_id: dict[str, Profile]

    def get(self, profile_id: str | None) -> Profile:
        """The named profile; the default for None or an unknown name (an old database)."""
        return self.by_id.get(profile_id or "", self.by_id[self.default])


@functools.lru_cache(maxsize=1)
def load_profiles(path: Path = PROFILES_FILE) -> Profiles:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_id = {name: Profile(id=name, **fields) for name, fields in data["profiles"].items()}
    if data["default"] not in by_id:
        raise ValueError(f"{path}: default profile {data['default']!r} is not defined")
    return Profiles(data["default"], by_id)


# Pictographic emoji, their modifiers and the joiners between them.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3]+"
)


def without_emoji(text: str) -> str:
    """The text without decorative emoji, for profiles that want an adult, plain look."""
    cleaned = re.sub(r" +([.,!?])", r"\1", _EMOJI.sub("", text))
    cleaned = re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \t]{2,}", " ", cleaned))
    return cleaned.strip()
