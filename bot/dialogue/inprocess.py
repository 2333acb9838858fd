"""Run Rasa custom actions in this process instead of over HTTP.

Rasa's RemoteAction only awaits ``action_endpoint.request(json=..., method="post", ...)`` and
expects the action server's JSON reply; rasa_sdk's ``ActionExecutor.run`` returns exactly that.
Answering here saves an HTTP round trip and a second process per turn.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

IN_PROCESS_URL = "inprocess://actions"


class InProcessActionEndpoint(EndpointConfig):
    """An EndpointConfig whose requests go straight to a rasa_sdk ActionExecutor."""

    def __init__(self, executor: ActionExecutor) -> None:
        super().__init__(url=IN_PROCESS_URL)
        self.executor = executor

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Run the action named in the payload, mapping errors as the HTTP server does."""
        payload = kwargs.get("json") or {}
        try:
            return await self.executor.run(payload)
        except ActionExecutionRejection as error:
            body = {"error": error.message, "action_name": error.action_name}
            raise ClientResponseError(400, error.message, json.dumps(body)) from error
        except ActionNotFoundException as error:
            body = {"error": error.message, "action_name": error.action_name}
            raise ClientResponseError(404, error.message, json.dumps(body)) from error

    def copy(self) -> InProcessActionEndpoint:
        return InProcessActionEndpoint(self.executor)
