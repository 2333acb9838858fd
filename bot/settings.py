"""Typed settings, read once from the environment by the composition root.

Everything configurable lives here so that no other module reads os.environ.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TTS_MODES = ("auto", "gtts", "espeak", "off")


class Secret:
    """A string that never shows itself in logs or reprs."""

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def _secret_key(var_dir: Path, env: Mapping[str, str]) -> Secret:
    """The key for pseudonymising statistics: from the environment or a file made once."""
    if env.get("TAALMAATJE_SECRET"):
        return Secret(env["TAALMAATJE_SECRET"])
    path = var_dir / "secret.key"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        # Created private from the start; a second process starting at once reads the first's.
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return Secret(path.read_text().strip())


def _quiet_hours(value: str) -> tuple[time, time]:
    """ "21:00-08:00": from, until (local time, Europe/Amsterdam); may cross midnight."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError(
            f"TAALMAATJE_QUIET_HOURS must look like 21:00-08:00, not {value!r}"
        ) from None
    return start, end


def _number(env: Mapping[str, str], name: str, default: str, kind: type = int) -> Any:
    value = env.get(name, default)
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; see README "Configuration" for each variable."""

    root: Path = PROJECT_ROOT
    telegram_token: Secret | None = None
    telegram_base_url: str | None = None
    database_url: str = ""
    redis_url: str | None = None
    tts_mode: str = "auto"
    host: str = "127.0.0.1"
    port: int = 8080
    action_endpoint_url: str | None = None
    # Telegram's own caps; the benchmark lifts the overall one to measure the bot itself.
    rate_limit_overall: float = 30.0
    rate_limit_group_per_minute: float = 20.0
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    var_dir: Path = PROJECT_ROOT / "var"
    audio_dir: Path = PROJECT_ROOT / "audio"
    models_dir: Path = PROJECT_ROOT / "models"
    # The Rasa config to train with; the benchmark points it at the DIET+TED baseline.
    config_path: Path = PROJECT_ROOT / "config.yml"
    # Webhook mode instead of long polling when both are set.
    webhook_url: str | None = None
    webhook_secret: Secret | None = None
    public_url: str | None = None
    # No message on the bot's own initiative in these hours (local time).
    quiet_hours: tuple[time, time] = (time(21, 0), time(8, 0))
    # Conversation texts (Rasa's tracker events) are kept this many days after their session.
    retention_days: int = 30
    # "inbox" (durable, the default), or "updater": python-telegram-bot's own Updater, which
    # loses what was fetched on a crash; only for the benchmark's before/after comparison.
    delivery: str = "inbox"
    # Turns one process handles at once (bot/telegram/delivery.py TURNS_AT_ONCE).
    turns_at_once: int = 2
    # The bot's @username for invitation links; else asked of Telegram (getMe).
    bot_username: str | None = None
    # Buddies: prompts a learner gets a day at most; learners a buddy helps at most.
    buddy_prompts_a_day: int = 3
    buddy_learners: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, root: Path | None = None) -> Settings:
        env = os.environ if env is None else env
        root = root or Path(env.get("TAALMAATJE_ROOT", PROJECT_ROOT))
        var_dir = Path(env.get("TAALMAATJE_VAR_DIR") or root / "var")
        tts = env.get("TAALMAATJE_TTS", "auto").strip().lower() or "auto"
        if tts not in TTS_MODES:
            raise ValueError(f"TAALMAATJE_TTS must be one of {', '.join(TTS_MODES)}, not {tts!r}")
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if env.get("TELEGRAM_WEBHOOK_URL") and not env.get("TELEGRAM_WEBHOOK_SECRET"):
            raise ValueError(
                "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (any long random text)"
            )
        return cls(
            root=root,
            telegram_token=Secret(token) if token else None,
            telegram_base_url=env.get("TELEGRAM_BASE_URL") or None,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'taalmaatje.db'}",
            redis_url=env.get("REDIS_URL") or None,
            tts_mode=tts,
            host=env.get("TAALMAATJE_HOST", "127.0.0.1"),
            port=_number(env, "TAALMAATJE_PORT", "8080"),
            action_endpoint_url=env.get("TAALMAATJE_ACTION_ENDPOINT") or None,
            rate_limit_overall=_number(env, "TAALMAATJE_RATE_LIMIT", "30", float),
            secret_key=_secret_key(var_dir, env),
            var_dir=var_dir,
            audio_dir=Path(env.get("TAALMAATJE_AUDIO_DIR") or root / "audio"),
            models_dir=Path(env.get("TAALMAATJE_MODELS_DIR") or root / "models"),
            config_path=Path(env.get("TAALMAATJE_CONFIG") or root / "config.yml"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=Secret(s) if (s := env.get("TELEGRAM_WEBHOOK_SECRET", "")) else None,
            public_url=env.get("TAALMAATJE_PUBLIC_URL") or None,
            quiet_hours=_quiet_hours(env.get("TAALMAATJE_QUIET_HOURS") or "21:00-08:00"),
            retention_days=_number(env, "TAALMAATJE_RETENTION_DAYS", "30"),
            delivery="updater" if env.get("TAALMAATJE_DELIVERY") == "updater" else "inbox",
            turns_at_once=_number(env, "TAALMAATJE_TURNS_AT_ONCE", "2"),
            bot_username=(env.get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
            buddy_prompts_a_day=_number(env, "TAALMAATJE_MAATJE_VRAGEN_PER_DAG", "3"),
            buddy_learners=_number(env, "TAALMAATJE_MAATJE_LEERLINGEN", "3"),
        )

    @property
    def webhook(self) -> bool:
        """Webhook mode: a URL and a secret (a webhook without a secret is refused)."""
        return bool(self.webhook_url and self.webhook_secret)
