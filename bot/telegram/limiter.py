"""Telegram's flood limits, plus retries so a reply is never dropped by a hiccup.

AIORateLimiter keeps under Telegram's limits and retries a 429 after its retry_after.
A network error or timeout is retried here too, with a short back-off; a Bad Request is
a real refusal and is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, *, network_retries: int = 3, backoff: float = 0.5, **kwargs: Any) -> None:
        kwargs.setdefault("max_retries", 5)
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, Forbidden, RetryAfter):
                raise
            except NetworkError as error:
                if endpoint == "getUpdates" or attempt >= self.network_retries:
                    raise
                attempt += 1
                logger.warning(
                    "Retrying %s after a network error (%s)", endpoint, type(error).__name__
                )
                await asyncio.sleep(self.backoff * attempt)
