"""Every fixed text a user can be shown, from the Rasa domain and the content files.

``taalmaatje texts`` lists them, ``taalmaatje audio build`` speaks them, and the reading-level
gate checks them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from bot.content import CONTENT_DIR, load_channel_texts
from bot.content.bank import CEFR, load_bank
from bot.practice.texts import load_practice_texts
from bot.tone.profiles import Profiles, load_profiles

# Texts every learner can get are written at A2; a variation for one profile (a condition
# on the slot `profiel`) is written at that profile's level (bot/tone/profiles.yml).
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
    profiles = load_profiles()
    found = []
    for name, variations in (domain.get("responses") or {}).items():
        for index, variation in enumerate(variations):
            suffix = f"#{index}" if len(variations) > 1 else ""
            level = _variation_level(variation, profiles) or DOMAIN_LEVEL
            if variation.get("text"):
                found.append(FixedText(f"{name}{suffix}", variation["text"], "learner", level))
            for button in variation.get("buttons") or []:
                found.append(
                    FixedText(
                        f"{name}{suffix}/{button['payload']}", button["title"], "learner", level
                    )
                )
    return found


def _variation_level(variation: dict[str, object], profiles: Profiles) -> str | None:
    """The reading level of a variation meant for one profile, else None."""
    for condition in variation.get("condition") or []:  # type: ignore[attr-defined]
        if condition.get("name") == "profiel" and condition.get("value") in profiles.by_id:
            return profiles.by_id[condition["value"]].reading_level
    return None


def practice_texts() -> list[FixedText]:
    """Button labels and picture words of the practice rounds, and the profile buttons."""
    texts = load_practice_texts()
    found = [
        FixedText(f"practice.labels.{k}", v, "learner", texts.level)
        for k, v in texts.labels.items()
    ]
    found += [
        FixedText(f"practice.picture.{k}", v, "learner", texts.level)
        for k, v in texts.picture.items()
    ]
    found += [
        FixedText(f"profiles.{p.id}.button", p.button, "learner", DOMAIN_LEVEL)
        for p in load_profiles().by_id.values()
    ]
    return found


def content_texts() -> list[FixedText]:
    """Every text of the practice content bank, at its level's reading level."""
    bank = load_bank()
    found = []
    for theme in bank.themes.values():
        found.append(FixedText(f"oefenen.{theme.id}", theme.name, "learner", CEFR[1]))
        for item in bank.all_items():
            if item.theme != theme.id:
                continue
            for index, text in enumerate(item.texts()):
                found.append(
                    FixedText(f"oefenen.{item.key}#{index}", text, "learner", CEFR[item.level])
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


def taalhuis_texts() -> list[FixedText]:
    """The organisation data's learner texts (bot/content/taalhuis.yml), written at A2, and
    the Taalhuis answers' button labels and day words (bot/content/taalhuis_knoppen.yml)."""
    from bot.taalhuis.labels import load_labels
    from bot.taalhuis.organisation import load_organisation

    found = [
        FixedText(f"taalhuis#{index}", text, "learner", DOMAIN_LEVEL)
        for index, text in enumerate(load_organisation().texts())
    ]
    labels = load_labels()
    groups = {"labels": labels.labels, "onderwerpen": labels.topics, "redenen": labels.reasons}
    found += [
        FixedText(f"taalhuis.{group}.{k}", v, "learner", labels.level)
        for group, items in groups.items()
        for k, v in items.items()
    ]
    return found


def understanding_texts() -> list[FixedText]:
    """The "Bedoel je ...?" buttons (bot/content/keuzes.yml) and the lines of "Wat weet je
    van mij?" (bot/content/gegevens.yml). The word lists for typed answers are not shown."""
    from bot.choices import load_vocabulary
    from bot.content import load_summary_texts

    vocabulary = load_vocabulary()
    summary = load_summary_texts()
    groups = [
        ("keuzes.labels", vocabulary.labels, vocabulary.level),
        ("keuzes.bedoelingen", vocabulary.meanings, vocabulary.level),
        ("gegevens.regels", summary.lines, summary.level),
        ("gegevens.knoppen", summary.buttons, summary.level),
    ]
    return [
        FixedText(f"{prefix}.{key}", text, "learner", level)
        for prefix, items, level in groups
        for key, text in items.items()
    ]


def coordinator_texts() -> list[FixedText]:
    """The desk's and the dashboard's texts (bot/content/coordinator.yml and
    bot/content/dashboard/): Dutch at B1 for library staff."""
    data = yaml.safe_load((CONTENT_DIR / "coordinator.yml").read_text(encoding="utf-8"))
    found = []

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}", value)
        elif isinstance(node, str):
            found.append(FixedText(prefix, node, "coordinator", "B1"))

    walk("coordinator", data)
    for path in sorted((CONTENT_DIR / "dashboard").glob("*.yml")):
        walk(f"coordinator.dashboard.{path.stem}", yaml.safe_load(path.read_text("utf-8")))
    return found


def buddy_texts() -> list[FixedText]:
    """The buddies' texts (bot/content/maatje.yml): what a buddy reads (audience ``buddy``)
    and the learner's side of a pairing, all at A2."""
    from bot.buddy.texts import AUDIENCE, load_buddy_texts

    texts = load_buddy_texts()
    return [
        FixedText(f"maatje.{section}.{key}", text, AUDIENCE[section], texts.level)
        for section, items in texts.sections().items()
        for key, text in items.items()
    ]


def all_texts(root: Path) -> list[FixedText]:
    return (
        domain_texts(root / "domain.yml")
        + channel_texts()
        + practice_texts()
        + content_texts()
        + taalhuis_texts()
        + understanding_texts()
        + coordinator_texts()
        + buddy_texts()
    )


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
            or "_knoppen." in item.id
            or item.id.startswith(
                ("practice.", "profiles.", "oefenen.", "taalhuis", "keuzes.", "gegevens.")
            )
        ):
            continue
        text = PLACEHOLDER.sub(lambda m: defaults.get(m.group(1), m.group(0)), item.text)
        if not PLACEHOLDER.search(text):
            spoken.append(text)
    return spoken
