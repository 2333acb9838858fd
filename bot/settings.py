"""Typed settings, read once from the environment by the composition root.

Everything configurable lives here so that no other module reads os.environ.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, root: Path | None = None) -> Settings:
        env = os.environ if env is None else env
        root = root or Path(env.get("TAALMAATJE_ROOT", PROJECT_ROOT))
        var_dir = Path(env.get("TAALMAATJE_VAR_DIR") or root / "var")
        tts = env.get("TAALMAATJE_TTS", "auto").strip().lower() or "auto"
        if tts not in TTS_MODES:
            raise ValueError(f"TAALMAATJE_TTS must be one of {', '.join(TTS_MODES)}, not {tts!r}")
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
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
        )
