"""The practice rounds' button labels and picture words (bot/content/practice.yml)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

PRACTICE_FILE = Path(__file__).parents[1] / "content" / "practice.yml"


@dataclass(frozen=True)
class PracticeTexts:
    level: str
    labels: dict[str, str]
    picture: dict[str, str]
    typed: dict[str, list[str]]


@functools.lru_cache(maxsize=1)
def load_practice_texts(path: Path = PRACTICE_FILE) -> PracticeTexts:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PracticeTexts(
        level=str(data["level"]),
        labels=dict(data["labels"]),
        picture=dict(data["picture"]),
        typed={k: list(v) for k, v in data["typed"].items()},
    )
