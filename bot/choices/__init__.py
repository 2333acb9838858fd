"""The question on screen: typed answers to the bot's buttons, one mechanism for every question.

Plain Python (no Telegram or Rasa): ``question_from`` reads the buttons of a turn's
messages, ``understand`` says what a typed text means among them.
"""

from bot.choices.question import (
    Choice,
    Outcome,
    Question,
    Understanding,
    payload_entities,
    question_from,
    understand,
)
from bot.choices.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "Choice",
    "Outcome",
    "Question",
    "Understanding",
    "Vocabulary",
    "load_vocabulary",
    "payload_entities",
    "question_from",
    "understand",
]
