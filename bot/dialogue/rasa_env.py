"""Prepare the process for Rasa before its first import.

Rasa phones home (telemetry) unless told not to, logs at DEBUG through structlog, and its
LogisticRegressionClassifier loads 10 s slower unless ``skops.io`` is imported first. Its
channel registry imports aiogram, which switches the process to uvloop's event-loop policy
at import time; the policy the process had is put back.
"""

from __future__ import annotations

import asyncio
import importlib
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
    # Sanic, imported by Rasa's channels, shows every DeprecationWarning "once" from its
    # import on (a filter in front of ours): import it first, then put ours in front.
    importlib.import_module("sanic")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    policy = asyncio.get_event_loop_policy()
    # In this order: skops.io before any rasa module, then the channels (and aiogram).
    importlib.import_module("skops.io")
    importlib.import_module("rasa.core.channels")
    from rasa.utils.log_utils import configure_structlog

    asyncio.set_event_loop_policy(policy)

    from bot.dialogue import rasa_speedups

    configure_structlog(log_level)
    # Off only to measure stock Rasa in the benchmark.
    if os.environ.get("TAALMAATJE_RASA_SPEEDUPS", "on").lower() != "off":
        rasa_speedups.apply()
    for name in ("rasa", "tensorflow", "absl", "matplotlib", "sanic", "asyncio"):
        logging.getLogger(name).setLevel(max(log_level, logging.WARNING))
    _prepared = True
