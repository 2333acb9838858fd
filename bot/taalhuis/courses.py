"""Which courses fit a learner: a short list, because a long one is hard to read.

The ranking rule (``find_courses``), in order:

1. Topic overlap: how many of the asked topics the course teaches, most first. When topics
   are asked, a course that teaches none of them is left out: it is not what was asked for.
2. Profile: a course whose audience (``voor``) includes the learner's profile comes first.
3. Narrower audience: among courses that fit the profile, one made for fewer groups comes
   first, because it was made with this learner in mind. So with no topics, a deaf learner
   (profile ``doof``) sees the sign-language course for colleagues first: it is made only
   for ``doof``, while "Beter lezen en schrijven" is for ``nt1`` and ``doof``.
4. File order: the coordinator lists the usual choice first.

With no topics, only courses that fit the profile are offered; with neither topics nor a
profile, the first courses of the file.
"""

from __future__ import annotations

from bot.taalhuis.organisation import Course, Organisation

TOPICS = ("lezen", "schrijven", "spreken", "rekenen", "computer")


def find_courses(
    org: Organisation, topics: set[str], profile: str | None, limit: int = 3
) -> list[Course]:
    """The best ``limit`` courses by the rule above; ValueError for an unknown topic."""
    unknown = set(topics) - set(TOPICS)
    if unknown:
        raise ValueError(f"unknown topics {sorted(unknown)}; use {', '.join(TOPICS)}")
    ranked = []
    for index, course in enumerate(org.courses):
        overlap = len(set(topics) & set(course.topics))
        fits = profile is not None and profile in course.audience
        if topics and not overlap:
            continue
        if not topics and profile is not None and not fits:
            continue
        narrow = len(course.audience) if fits else 0
        ranked.append(((-overlap, not fits, narrow, index), course))
    ranked.sort(key=lambda pair: pair[0])
    return [course for _, course in ranked[: max(limit, 0)]]
