"""Taalmaatje: a Telegram bot for practising simple Dutch, with voice, for Taalhuizen."""

__version__ = "0.1.0"
