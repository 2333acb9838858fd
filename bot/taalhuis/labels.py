"""Button labels and day words of the Taalhuis answers (bot/content/taalhuis_knoppen.yml)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

LABELS_FILE = Path(__file__).parents[1] / "content" / "taalhuis_knoppen.yml"


@dataclass(frozen=True)
class TaalhuisLabels:
    level: str
    labels: dict[str, str]
    topics: dict[str, str]
    days: tuple[str, ...]
    today: str
    tomorrow: str

    def day_word(self, day: date, today: date) -> str:
        """ "vandaag", "morgen" or the weekday's name: how a learner says when."""
        if day == today:
            return self.today
        if (day - today).days == 1:
            return self.tomorrow
        return self.days[day.weekday()]


@functools.lru_cache(maxsize=1)
def load_labels(path: Path = LABELS_FILE) -> TaalhuisLabels:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TaalhuisLabels(
        level=str(data["level"]),
        labels=dict(data["labels"]),
        topics=dict(data["onderwerpen"]),
        days=tuple(data["dagen"]),
        today=str(data["vandaag"]),
        tomorrow=str(data["morgen"]),
    )
