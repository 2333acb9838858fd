"""Logging for the whole process: quiet libraries, and no secret ever written out."""

from __future__ import annotations

import logging
import re


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, then replaces the bot token (and anything shaped
    like a token) wherever it appears."""

    TOKEN_SHAPE = re.compile(r"\d{6,}:[A-Za-z0-9_-]{20,}")

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s and len(s) > 3]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return self.TOKEN_SHAPE.sub("<token>", text)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure(level: int = logging.INFO, secrets: list[str] | None = None) -> None:
    logging.basicConfig(level=level, force=True)
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets or [])
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    # httpx logs every request URL, and the URL holds the bot token.
    for name in ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
