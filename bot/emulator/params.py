"""Reading Bot API call parameters the way Telegram accepts them.

python-telegram-bot sends form-encoded values (strings as they are, everything else JSON
encoded: numbers, booleans, reply_markup, allowed_updates), multipart/form-data when a file is
uploaded, and an empty POST body for calls without parameters. Other clients send JSON bodies
or query strings; all of them end up in one `Params`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web


class BotApiError(Exception):
    """A Bot API error reply: `{"ok": false, "error_code", "description", "parameters"?}`."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.error_code)


def bad_request(what: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {what}")


@dataclass
class Upload:
    """A file sent as a multipart part."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to one call's parameters, whatever encoding they came in."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int | float):
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            try:
                return int(float(value))
            except ValueError:
                raise bad_request(f"invalid {name} specified") from None

    def require_int(self, name: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def get_json(self, name: str) -> Any:
        """An object parameter (reply_markup, allowed_updates, commands), decoded if needed."""
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def get_file(self, name: str) -> Upload | str | None:
        """An upload under `name` (or behind attach://), else the string given (a file_id)."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.get_str(name)
        if value and value.startswith("attach://"):
            return self.uploads.get(value.removeprefix("attach://"))
        return value or None


async def read_params(request: web.Request) -> Params:
    """Collect query string and body parameters of a Bot API call."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return Params(values, uploads)
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            part_type = part.headers.get("Content-Type")
            if part.filename is not None or (part_type and not part_type.startswith("text/")):
                data = bytes(await part.read())
                uploads[part.name] = Upload(data, part.filename, part_type)
            else:
                values[part.name] = await part.text()
    elif content_type == "application/x-www-form-urlencoded":
        values.update(await request.post())
    else:
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            values.update(body)
    return Params(values, uploads)
