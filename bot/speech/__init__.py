"""Text to voice for every bot message: cached OGG/Opus voice notes for Telegram.

gTTS (Google, online) sounds best; espeak-ng's Dutch voice (offline, in-process) always
works. SpeechService picks the engine by mode, caches files under audio/ and their Telegram
file_ids in the database, and keeps blocking work off the event loop. Nothing is loaded at
import: libraries and clients start on first use.
"""

from bot.speech.service import Clip, SpeechService, build_all, speakable

__all__ = ["Clip", "SpeechService", "build_all", "speakable"]
