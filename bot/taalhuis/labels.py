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
    reasons: dict[str, str]
    button_days: tuple[str, ...]
    button_today: str
    button_tomorrow: str
    months: tuple[str, ...]

    def day_word(self, day: date, today: date) -> str:
        """ "vandaag", "morgen" or the weekday's name: how a learner says when."""
        if day == today:
            return self.today
        if (day - today).days == 1:
            return self.tomorrow
        return self.days[day.weekday()]

    def date_words(self, day: date) -> str:
        """ "25 november": the date as it is said."""
        return f"{day.day} {self.months[day.month - 1]}"

    def day_button(self, day: date, today: date) -> str:
        """ "Morgen 25 november", "Donderdag 26 november": a day to tap."""
        if day == today:
            word = self.button_today
        elif (day - today).days == 1:
            word = self.button_tomorrow
        else:
            word = self.button_days[day.weekday()]
        return f"{word} {self.date_words(day)}"


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
        reasons=dict(data["redenen"]),
        button_days=tuple(data["knop_dagen"]),
        button_today=str(data["knop_vandaag"]),
        button_tomorrow=str(data["knop_morgen"]),
        months=tuple(data["maanden"]),
    )
