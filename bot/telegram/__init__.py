"""The Telegram channel adapter (python-telegram-bot): updates in, Rasa turns, replies out."""
