"""The buddy texts (bot/content/maatje.yml), read once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content import CONTENT_DIR

SECTIONS = ("maatje", "maatje_knoppen", "leerling", "leerling_knoppen")
# Who reads each section, for `taalmaatje texts`.
AUDIENCE = {"maatje": "buddy", "maatje_knoppen": "buddy", "leerling": "learner",
            "leerling_knoppen": "learner"}  # fmt: skip


@dataclass(frozen=True)
class BuddyTexts:
    level: str
    buddy: dict[str, str]
    buddy_buttons: dict[str, str]
    learner: dict[str, str]
    learner_buttons: dict[str, str]

    def sections(self) -> dict[str, dict[str, str]]:
        return dict(zip(SECTIONS, (self.buddy, self.buddy_buttons, self.learner,
                                   self.learner_buttons), strict=True))  # fmt: skip


@functools.lru_cache(maxsize=1)
def load_buddy_texts(path: Path | None = None) -> BuddyTexts:
    path = path or CONTENT_DIR / "maatje.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = {"level", *SECTIONS} - set(data)
    if missing:
        raise ValueError(f"{path}: missing {', '.join(sorted(missing))}")
    return BuddyTexts(str(data["level"]), *(dict(data[s]) for s in SECTIONS))
