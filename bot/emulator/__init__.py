"""Local Telegram Bot API emulator and web chat, for trying and testing the bot offline.

This machine (and many a classroom laptop) cannot reach Telegram; the emulator answers the
Bot API calls python-telegram-bot makes and plays the user's side through a small control
API and a web chat page. See README.md in this folder.
"""
