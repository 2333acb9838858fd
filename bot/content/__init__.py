"""Content files (YAML) with every fixed text the channel shows, and their loader."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).parent


@dataclass(frozen=True)
class ChannelTexts:
    """The channel's own texts: button labels, command menu, answers to odd input."""

    level: str
    buttons: dict[str, str]
    commands: dict[str, str]
    texts: dict[str, str]


def load_channel_texts(path: Path | None = None) -> ChannelTexts:
    path = path or CONTENT_DIR / "channel.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = {"level", "buttons", "commands", "texts"} - set(data or {})
    if missing:
        raise ValueError(f"{path}: missing {', '.join(sorted(missing))}")
    return ChannelTexts(
        level=str(data["level"]),
        buttons=dict(data["buttons"]),
        commands=dict(data["commands"]),
        texts=dict(data["texts"]),
    )


@dataclass(frozen=True)
class SummaryTexts:
    """The lines of "Wat weet je van mij?" (bot/content/gegevens.yml) and its buttons."""

    level: str
    lines: dict[str, str]
    buttons: dict[str, str]


@functools.lru_cache(maxsize=1)
def load_summary_texts(path: Path | None = None) -> SummaryTexts:
    path = path or CONTENT_DIR / "gegevens.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SummaryTexts(str(data["level"]), dict(data["regels"]), dict(data["knoppen"]))


@functools.lru_cache(maxsize=1)
def load_dashboard_texts() -> dict[str, Any]:
    """The dashboard's texts for coordinators: the frame's (bot/content/coordinator.yml,
    "dashboard") and each page's own file (bot/content/dashboard/<page>.yml, under
    "<page>")."""
    data = yaml.safe_load((CONTENT_DIR / "coordinator.yml").read_text(encoding="utf-8"))
    texts: dict[str, Any] = dict(data["dashboard"])
    for path in sorted((CONTENT_DIR / "dashboard").glob("*.yml")):
        texts[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return texts
