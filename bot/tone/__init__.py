"""How the bot talks: communication profiles and the reading-level gate.

The gate's public API (stable: tests, the ``taalmaatje tone report`` command and, later, the
advice to buddies use it)::

    measure(text) -> Figures             what a text counts: sentences, words, common words...
    check(text, level) -> Verdict        the figures against a level; .ok and .problems
    advise(text, level) -> list[str]     the problems as simple Dutch advice (from levels.yml)
    thresholds(level) -> Thresholds      a level's limits (levels.yml)
    LEVELS                               ("A1", "A2", "B1")
    report_rows(texts), format_table(rows)   the report table

Importing this does no work: word lists and hyphenation patterns load on first use.
"""

from bot.tone.readability import (
    LEVELS,
    Figures,
    Thresholds,
    Verdict,
    advise,
    check,
    measure,
    thresholds,
)
from bot.tone.report import Row, format_table, report_rows

__all__ = [
    "LEVELS",
    "Figures",
    "Row",
    "Thresholds",
    "Verdict",
    "advise",
    "check",
    "format_table",
    "measure",
    "report_rows",
    "thresholds",
]
