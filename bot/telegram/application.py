"""Building the python-telegram-bot Application: limits, retries, ordering, commands."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder

from bot.content import ChannelTexts
from bot.telegram.handlers import Channel
from bot.telegram.limiter import RetryingRateLimiter
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.transport import AiohttpRequest

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
DEFAULT_BASE_URL = "https://api.telegram.org/bot"


def file_url_for(base_url: str) -> str:
    """The Bot API's file address that goes with a method address (".../bot" -> ".../file/bot")."""
    root, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{tail}"


async def set_commands(application: Application, texts: ChannelTexts) -> None:
    """The command menu Telegram shows next to the text field (Dutch labels)."""
    commands = [BotCommand(name, label) for name, label in texts.commands.items()]
    await application.bot.set_my_commands(commands)


def build_application(
    token: str,
    channel: Channel,
    texts: ChannelTexts,
    *,
    base_url: str | None = None,
    overall_rate: float = 30.0,
    group_rate_per_minute: float = 20.0,
    concurrency: int = 64,
    updater: bool = False,
) -> Application:
    """The Application; without ``updater`` (the default) updates come in through the
    inbox (bot/telegram/polling.py, webhook.py), not python-telegram-bot's Updater."""
    base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    processor = PerChatUpdateProcessor(concurrency)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url_for(base_url))
        .request(
            AiohttpRequest(
                connection_pool_size=concurrency,
                connect_timeout=5.0,
                read_timeout=10.0,
                write_timeout=20.0,
                pool_timeout=10.0,
            )
        )
        .rate_limiter(
            RetryingRateLimiter(overall_max_rate=overall_rate, group_max_rate=group_rate_per_minute)
        )
        .concurrent_updates(processor)
    )
    if updater:
        builder = builder.get_updates_request(
            AiohttpRequest(connection_pool_size=2, read_timeout=10.0)
        )
    else:
        builder = builder.updater(None)
    application = builder.build()
    channel.arrival = processor.arrival
    channel.register(application)
    return application
