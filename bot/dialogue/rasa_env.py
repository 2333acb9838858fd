"""Prepare the process for Rasa before its first import.

Rasa phones home (telemetry) unless told not to, logs at DEBUG through structlog, and its
LogisticRegressionClassifier loads 10 s slower unless ``skops.io`` is imported first.
"""

from __future__ import annotations

import logging
import os
import warnings

_prepared = False


def prepare(log_level: int = logging.WARNING) -> None:
    """Idempotent: quiet, offline Rasa."""
    global _prepared
    if _prepared:
        return
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", logging.getLevelName(log_level))
    os.environ.setdefault("LOG_LEVEL_LIBRARIES", "ERROR")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    import skops.io  # noqa: F401  (see module docstring)
    from rasa.utils.log_utils import configure_structlog

    from bot.dialogue import rasa_speedups

    configure_structlog(log_level)
    rasa_speedups.apply()
    for name in ("rasa", "tensorflow", "absl", "matplotlib", "sanic", "asyncio"):
        logging.getLogger(name).setLevel(max(log_level, logging.WARNING))
    _prepared = True
