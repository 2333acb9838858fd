"""Telegram's flood limits, plus retries so a reply is never dropped by a hiccup.

AIORateLimiter keeps under Telegram's limits and retries a 429 after its retry_after.
A network error or timeout (a 5xx, a dropped line) is retried here too, with a back-off that
doubles up to a few seconds, for up to half a minute: a reply that gives up makes the
delivery layer run the whole turn again, which repeats what was already sent (measured with
one call in ten failing, tests/e2e/test_delivery.py). A Bad Request is a real refusal and is
not retried.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        network_retries: int = 10,
        backoff: float = 0.5,
        max_backoff: float = 4.0,
        budget: float = 30.0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("max_retries", 5)
        super().__init__(**kwargs)
        self.network_retries = network_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.budget = budget  # seconds after the first try when no retry starts any more

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
        began = asyncio.get_running_loop().time()
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (BadRequest, Forbidden, RetryAfter):
                raise
            except NetworkError as error:
                pause = min(self.backoff * 2**attempt, self.max_backoff)
                spent = asyncio.get_running_loop().time() - began
                if (
                    endpoint == "getUpdates"
                    or attempt >= self.network_retries
                    or spent + pause > self.budget
                ):
                    raise
                attempt += 1
                logger.warning(
                    "Retrying %s after a network error (%s)", endpoint, type(error).__name__
                )
                await asyncio.sleep(pause)
