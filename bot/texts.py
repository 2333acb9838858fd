"""Every fixed text a user can be shown, from the Rasa domain and the content files.

``taalmaatje texts`` lists them, ``taalmaatje audio build`` speaks them, and the reading-level
gate checks them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from bot.content import load_channel_texts

# The domain's texts are written for newcomers at A2 until profiles give each its own level.
DOMAIN_LEVEL = "A2"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class FixedText:
    id: str
    text: str
    audience: str
    level: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def domain_texts(domain_path: Path) -> list[FixedText]:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    found = []
    for name, variations in (domain.get("responses") or {}).items():
        for index, variation in enumerate(variations):
            suffix = f"#{index}" if len(variations) > 1 else ""
            if variation.get("text"):
                found.append(
                    FixedText(f"{name}{suffix}", variation["text"], "learner", DOMAIN_LEVEL)
                )
            for button in variation.get("buttons") or []:
                found.append(
                    FixedText(
                        f"{name}{suffix}/{button['payload']}",
                        button["title"],
                        "learner",
                        DOMAIN_LEVEL,
                    )
                )
    return found


def channel_texts() -> list[FixedText]:
    texts = load_channel_texts()
    found = [
        FixedText(f"channel.texts.{k}", v, "learner", texts.level) for k, v in texts.texts.items()
    ]
    found += [
        FixedText(f"channel.buttons.{k}", v, "learner", texts.level)
        for k, v in texts.buttons.items()
    ]
    found += [
        FixedText(f"channel.commands.{k}", v, "learner", texts.level)
        for k, v in texts.commands.items()
    ]
    return found


def all_texts(root: Path) -> list[FixedText]:
    return domain_texts(root / "domain.yml") + channel_texts()


def slot_defaults(domain_path: Path) -> dict[str, str]:
    """Fixed slot values (text slots' initial values), to fill {telefoon} before speaking.

    Other slots (counts, flags) differ per learner, so texts using them are not pre-rendered.
    """
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return {
        name: str(slot["initial_value"])
        for name, slot in (domain.get("slots") or {}).items()
        if slot.get("type") == "text" and slot.get("initial_value") is not None
    }


def speakable_texts(root: Path) -> list[str]:
    """The learner texts that are spoken as they are (placeholders filled where fixed)."""
    defaults = slot_defaults(root / "domain.yml")
    spoken = []
    for item in all_texts(root):
        if (
            item.audience != "learner"
            or "/" in item.id
            or ".buttons." in item.id
            or ".commands." in item.id
        ):
            continue
        text = PLACEHOLDER.sub(lambda m: defaults.get(m.group(1), m.group(0)), item.text)
        if not PLACEHOLDER.search(text):
            spoken.append(text)
    return spoken
