"""Buddies (taalmaatjes): invitations, pairing with consent, prompts and their limits.

Plain Python over bot/store/buddies.py; the Telegram side is bot/telegram/buddy.py.
"""
