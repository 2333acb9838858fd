"""Logging for the whole process: quiet libraries, and no secret ever written out."""

from __future__ import annotations

import logging
import re


class RedactSecrets(logging.Filter):
    """Replace the bot token (and anything shaped like one) in every log line."""

    TOKEN_SHAPE = re.compile(r"\d{6,}:[A-Za-z0-9_-]{20,}")

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) > 3]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.TOKEN_SHAPE.sub("<token>", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "<token>")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(level: int = logging.INFO, secrets: list[str] | None = None) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    redact = RedactSecrets(secrets or [])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    # httpx logs every request URL, and the URL holds the bot token.
    for name in ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
