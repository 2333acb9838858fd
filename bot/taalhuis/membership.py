"""Is a library card free for you? A short yes/no walk over the questions in taalhuis.yml.

The questions come in file order and one yes is enough, so the walk stops at the first yes
and a learner answers as few questions as possible. Only yes/no is kept: no income amount
is ever asked or stored (the income question asks "little money?", not "how much?").
Answers to ids that are not questions are ignored, so a stale answer cannot decide.
"""

from __future__ import annotations

from bot.taalhuis.organisation import MembershipQuestion, Organisation


def next_question(org: Organisation, answers: dict[str, bool]) -> MembershipQuestion | None:
    """The first question not yet answered; None once the walk is decided (see is_free)."""
    if is_free(org, answers) is not None:
        return None
    return next(q for q in org.membership_questions if q.id not in answers)


def is_free(org: Organisation, answers: dict[str, bool]) -> bool | None:
    """True after any yes, False when every question is answered no, None while undecided."""
    asked = [answers[q.id] for q in org.membership_questions if q.id in answers]
    if any(asked):
        return True
    if len(asked) == len(org.membership_questions):
        return False
    return None
