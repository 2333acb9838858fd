"""The Taalhuis data: the real file loads, broken copies say file and line; membership walk;
course ranking; finding a location by what a learner types."""

from __future__ import annotations

import ast
import dataclasses
import itertools
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.taalhuis import courses, hours, membership, organisation
from bot.taalhuis.courses import TOPICS, find_courses
from bot.taalhuis.membership import is_free, next_question
from bot.taalhuis.organisation import (
    DATA_PATH,
    SCHEMA_PATH,
    WEEKDAYS,
    Course,
    Organisation,
    OrganisationError,
    check_organisation,
    load_organisation,
)
from bot.tone import check


@pytest.fixture(scope="module")
def org() -> Organisation:
    return load_organisation()


def broken_copy(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """A copy of the real data file with each (old, new) applied once."""
    text = DATA_PATH.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} should occur once in taalhuis.yml"
        text = text.replace(old, new)
    path = tmp_path / "taalhuis.yml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the one line in path that contains needle."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def only_problem(path: Path) -> str:
    problems = check_organisation(path)
    assert len(problems) == 1, problems
    return problems[0]


# --- the real file -----------------------------------------------------------------------


def test_real_data_loads_is_example_and_has_three_towns(org: Organisation) -> None:
    assert check_organisation() == []
    assert org.example is True
    assert org.name == "Bibliotheek Rivierenland"
    assert {loc.town for loc in org.locations.values()} == {"Tiel", "Culemborg", "Geldermalsen"}
    assert list(org.locations) == ["tiel", "culemborg", "geldermalsen"]
    assert len(org.courses) >= 8
    assert [q.id for q in org.membership_questions] == ["uitkering", "taalles", "inkomen"]
    assert len(org.bring) == 2
    assert 5 <= len(org.signs) <= 6
    tiel = org.locations["tiel"]
    assert tiel.places == 3
    assert [str(r) for r in tiel.open[3]] == ["10:00-12:30", "13:30-20:00"]  # Thursday
    assert 6 not in tiel.open  # closed on Sunday
    assert {str(r) for r in tiel.walk_in[1]} == {"10:00-12:00"}


def test_the_example_flag_is_marked_in_the_file() -> None:
    first = next(
        line for line in DATA_PATH.read_text(encoding="utf-8").splitlines() if "voorbeeld:" in line
    )
    assert first.startswith("voorbeeld: true") and "VOORBEELD" in first


def test_dutch_public_holidays_close_every_location(org: Organisation) -> None:
    holidays = {
        "2026-01-01": "Nieuwjaarsdag",
        "2026-04-06": "Tweede Paasdag",
        "2026-04-27": "Koningsdag",
        "2026-05-14": "Hemelvaartsdag",
        "2026-05-25": "Tweede Pinksterdag",
        "2026-12-25": "Eerste Kerstdag",
        "2026-12-26": "Tweede Kerstdag",
        "2027-01-01": "Nieuwjaarsdag",
        "2027-03-29": "Tweede Paasdag",
        "2027-04-27": "Koningsdag",
        "2027-05-06": "Hemelvaartsdag",
        "2027-05-17": "Tweede Pinksterdag",
        "2027-12-25": "Eerste Kerstdag",
    }
    for location in org.locations.values():
        for day, reason in holidays.items():
            assert location.closed[date.fromisoformat(day)] == reason, (location.id, day)
    assert org.locations["culemborg"].closed[date(2026, 12, 31)] == "Laatste dag van het jaar"
    assert date(2026, 12, 31) not in org.locations["tiel"].closed
    days = org.locations["tiel"].closing_days()
    assert [d.day for d in days] == sorted(d.day for d in days)


def test_every_learner_text_passes_the_a2_gate(org: Organisation) -> None:
    texts = org.texts()
    assert len(texts) > 40
    failing = {text: check(text, "A2").problems for text in texts if not check(text, "A2").ok}
    assert failing == {}


def test_every_string_in_the_file_is_gated() -> None:
    """No learner text escapes texts(): every string value in the file (but ids, times,
    dates, phone numbers, the choice lists and the words a learner may type, which are
    compared and never shown) is among them."""
    data = YAML(typ="safe").load(DATA_PATH.read_text(encoding="utf-8"))
    skip = {"id", "telefoon", "datum", "voor", "leer", "ja_woorden", "nee_woorden", *WEEKDAYS}

    def strings(node: object) -> list[str]:
        if isinstance(node, dict):
            return [s for key, value in node.items() if key not in skip for s in strings(value)]
        if isinstance(node, list):
            return [s for item in node for s in strings(item)]
        return [" ".join(node.split())] if isinstance(node, str) else []

    found = set(strings(data))
    assert "Eerste Kerstdag" in found and "Hallo" in found
    assert found <= set(load_organisation().texts())


def test_schema_lists_match_the_code() -> None:
    schema = YAML(typ="safe").load(SCHEMA_PATH.read_text(encoding="utf-8"))
    course = schema["properties"]["cursussen"]["items"]["properties"]
    assert tuple(course["leer"]["items"]["enum"]) == TOPICS
    assert tuple(schema["$defs"]["dagen"]["properties"]) == WEEKDAYS


def test_the_domain_package_imports_no_chat_framework() -> None:
    for module in (organisation, hours, membership, courses):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {
            name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
        }
        assert not imported & {"telegram", "rasa", "rasa_sdk"}, module.__name__


def test_dates_may_be_quoted_and_voorbeeld_false(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        ("- datum: 2026-10-09", '- datum: "2026-10-09"'),
        ("voorbeeld: true", "voorbeeld: false"),
    )
    loaded = load_organisation(path)
    assert loaded.example is False
    assert loaded.locations["tiel"].closed[date(2026, 10, 9)] == "Het team is op cursus."


def test_a_location_reason_wins_over_the_holiday_list(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        ("- datum: 2026-10-09", "- datum: 2026-12-25"),
    )
    assert load_organisation(path).locations["tiel"].closed[date(2026, 12, 25)] == (
        "Het team is op cursus."
    )


# --- broken copies: the right file and line ----------------------------------------------


def test_an_impossible_hour_is_reported_on_its_line(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ('maandag: ["13:00-17:00"]', 'maandag: ["13:00-25:00"]'))
    problem = only_problem(path)
    line = line_of(path, "13:00-25:00")
    assert problem.startswith(f"{path}:{line}: locaties[0].open.maandag[0]: '13:00-25:00'")
    assert "HH:MM-HH:MM" in problem


def test_a_range_that_ends_before_it_starts(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ('dinsdag: ["10:00-17:00"]', 'dinsdag: ["10:00-09:00"]'))
    assert only_problem(path) == (
        f"{path}:{line_of(path, '10:00-09:00')}: locaties[0].open.dinsdag[0]: "
        "'10:00-09:00' ends before it starts"
    )


def test_ranges_in_a_day_must_not_overlap_or_touch(tmp_path: Path) -> None:
    old = 'donderdag: ["10:00-12:30", "13:30-20:00"]'
    path = broken_copy(tmp_path, (old, 'donderdag: ["10:00-14:00", "13:30-20:00"]'))
    line = line_of(path, '"10:00-14:00", "13:30')
    assert only_problem(path) == (
        f"{path}:{line}: locaties[0].open.donderdag[1]: 13:30-20:00 overlaps 10:00-14:00"
    )
    path = broken_copy(tmp_path, (old, 'donderdag: ["10:00-13:30", "13:30-20:00"]'))
    assert only_problem(path).endswith("10:00-13:30 and 13:30-20:00 touch: write 10:00-20:00")


def test_walk_in_must_lie_within_opening_hours(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ('vrijdag: ["13:30-15:30"]', 'vrijdag: ["16:30-17:30"]'))
    assert only_problem(path) == (
        f"{path}:{line_of(path, '16:30-17:30')}: locaties[1].inloop.vrijdag[0]: walk-in "
        "16:30-17:30 is not within the opening hours of vrijdag (10:00-17:00)"
    )
    path = broken_copy(tmp_path, ('zaterdag: ["10:00-11:30"]', 'dinsdag: ["10:00-11:30"]'))
    assert only_problem(path).endswith("opening hours of dinsdag (closed)")


def test_an_unknown_key_and_a_missing_one(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("plekken: 3", "plaatsen: 3"))
    problems = check_organisation(path)
    line = line_of(path, "plaatsen: 3")
    assert f"{path}:{line}: locaties[0].plaatsen: unknown key 'plaatsen'" in problems
    assert any("'plekken' is a required property" in p for p in problems)


def test_an_impossible_date(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("- datum: 2026-10-09", "- datum: 2026-02-30"))
    assert only_problem(path) == (
        f"{path}:{line_of(path, '2026-02-30')}: locaties[0].dicht[0].datum: "
        "'2026-02-30' is not a real date"
    )


def test_a_date_listed_twice(tmp_path: Path) -> None:
    line = line_of(DATA_PATH, "- datum: 2027-12-26")
    path = broken_copy(tmp_path, ("- datum: 2027-12-26", "- datum: 2027-12-25"))
    problem = only_problem(path)
    assert problem.startswith(f"{path}:{line}: ")
    assert "feestdagen[17].datum: 2027-12-25 is also listed at feestdagen[16]" in problem


def test_a_duplicate_id(tmp_path: Path) -> None:
    line = line_of(DATA_PATH, "- id: culemborg")
    path = broken_copy(tmp_path, ("- id: culemborg", "- id: tiel"))
    assert only_problem(path) == (
        f"{path}:{line}: locaties[1].id: id 'tiel' is also used at locaties[0]"
    )


def test_an_unknown_topic(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("leer: [rekenen]", "leer: [rekenen, koken]"))
    problem = only_problem(path)
    assert problem.startswith(f"{path}:{line_of(path, 'koken')}: cursussen[5].leer[1]: 'koken'")


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    line = line_of(DATA_PATH, 'woensdag: ["10:00-17:00"]')
    path = broken_copy(tmp_path, ('woensdag: ["10:00-17:00"]', 'woensdag: ["10:00-17:00"'))
    # libyaml notices the missing ] on the next line; the message names where the list began.
    assert only_problem(path) == (
        f"{path}:{line + 1}: YAML syntax error: did not find expected ',' or ']' "
        f"(while parsing a flow sequence at line {line})"
    )


def test_unquoted_flow_times_are_a_syntax_error_not_a_crash(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ('zondag: ["13:00-16:00"]', "zondag: [13:00-16:00]"))
    problem = only_problem(path)
    assert problem.startswith(f"{path}:{line_of(path, 'zondag: [13:00-16:00]')}: YAML syntax")


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        ('maandag: ["13:00-17:00"]', 'maandag: ["13:00-25:00"]'),
        ("plekken: 3", "plekken: 0"),
    )
    with pytest.raises(OrganisationError) as caught:
        load_organisation(path)
    assert len(caught.value.problems) == 2
    assert "2 problems in the Taalhuis data" in str(caught.value)
    assert check_organisation(tmp_path / "missing.yml")[0].startswith(
        f"{tmp_path / 'missing.yml'}:1: cannot read"
    )


# --- finding a location ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tiel", "tiel"),
        ("TIEL", "tiel"),
        ("Taalhuis Culemborg", "culemborg"),
        ("in geldermalsen", "geldermalsen"),
        ("Culenborg", "culemborg"),  # typo
        ("geldermalsem", "geldermalsen"),
        ("taalhuis kulemborg", "culemborg"),
        ("taalhuis", None),  # every name has it
        ("tiel of culemborg", None),  # two places
        ("Amsterdam", None),
        ("", None),
    ],
)
def test_location_by_id_name_or_town(org: Organisation, typed: str, expected: str | None) -> None:
    found = org.location(typed)
    assert (found.id if found else None) == expected


# --- membership: the yes/no walk ---------------------------------------------------------


def walk(org: Organisation, replies: dict[str, bool]) -> tuple[list[str], bool | None]:
    """Answer the questions as they come, with replies; the ids asked and the outcome."""
    answers: dict[str, bool] = {}
    asked = []
    while (question := next_question(org, answers)) is not None:
        asked.append(question.id)
        answers[question.id] = replies[question.id]
    return asked, is_free(org, answers)


@pytest.mark.parametrize("replies", list(itertools.product([True, False], repeat=3)))
def test_membership_walk_every_combination(org: Organisation, replies: tuple[bool, ...]) -> None:
    ids = [q.id for q in org.membership_questions]
    asked, free = walk(org, dict(zip(ids, replies, strict=True)))
    first_yes = replies.index(True) if True in replies else None
    assert asked == (ids[: first_yes + 1] if first_yes is not None else ids)
    assert free is (first_yes is not None)


def test_membership_steps(org: Organisation) -> None:
    uitkering, taalles, inkomen = org.membership_questions
    assert next_question(org, {}) == uitkering and is_free(org, {}) is None
    assert next_question(org, {"uitkering": False}) == taalles
    assert next_question(org, {"uitkering": False, "taalles": False}) == inkomen
    assert is_free(org, {"uitkering": False, "taalles": False}) is None
    no = {"uitkering": False, "taalles": False, "inkomen": False}
    assert next_question(org, no) is None and is_free(org, no) is False


@pytest.mark.parametrize("order", list(itertools.permutations(["uitkering", "taalles", "inkomen"])))
def test_membership_answers_in_any_order(org: Organisation, order: tuple[str, ...]) -> None:
    """The answers may arrive in any order (a learner says "I follow taalles" first)."""
    answers: dict[str, bool] = {}
    for position, key in enumerate(order):
        answers[key] = key == "inkomen"  # only the income answer is yes
        expected = True if "inkomen" in answers else (False if position == 2 else None)
        assert is_free(org, answers) is expected
        if expected is None:
            assert next_question(org, answers).id not in answers
        else:
            assert next_question(org, answers) is None


def test_unknown_answers_are_ignored_and_no_amount_is_asked(org: Organisation) -> None:
    assert is_free(org, {"salaris": True}) is None
    assert next_question(org, {"salaris": True}).id == "uitkering"
    for question in org.membership_questions:
        text = question.question.lower()
        assert "hoeveel" not in text and "€" not in text and "euro" not in text
        assert not any(char.isdigit() for char in text)


# --- courses: the ranking rule -----------------------------------------------------------


def course(id: str, audience: tuple[str, ...], topics: tuple[str, ...]) -> Course:
    return Course(id, id, "Taalhuis", audience, topics, "Gratis", "Kom langs.")


def with_courses(org: Organisation, *found: Course) -> Organisation:
    return dataclasses.replace(org, courses=found)


def ids(found: list[Course]) -> list[str]:
    return [c.id for c in found]


def test_ranking_overlap_then_profile_then_narrow_then_file_order(org: Organisation) -> None:
    test = with_courses(
        org,
        course("one_topic_fits", ("nt2",), ("lezen",)),
        course("two_topics", ("nt1",), ("lezen", "schrijven")),
        course("two_topics_fits_wide", ("nt1", "nt2", "werk"), ("lezen", "schrijven")),
        course("two_topics_fits_narrow", ("nt2",), ("lezen", "schrijven", "spreken")),
        course("other_topic", ("nt2",), ("rekenen",)),
    )
    assert ids(find_courses(test, {"lezen", "schrijven"}, "nt2", limit=5)) == [
        "two_topics_fits_narrow",
        "two_topics_fits_wide",
        "two_topics",
        "one_topic_fits",
    ]
    # Without a profile: overlap, then file order.
    assert ids(find_courses(test, {"lezen", "schrijven"}, None)) == [
        "two_topics",
        "two_topics_fits_wide",
        "two_topics_fits_narrow",
    ]
    assert ids(find_courses(test, {"computer"}, "nt2")) == []  # nothing teaches it
    assert ids(find_courses(test, {"lezen"}, "nt2", limit=1)) == ["one_topic_fits"]
    assert find_courses(test, {"lezen"}, "nt2", limit=0) == []


def test_no_topics_gives_the_courses_for_the_profile(org: Organisation) -> None:
    assert ids(find_courses(org, set(), "doof")) == ["gebarentaal_collegas", "lezen_schrijven"]
    assert ids(find_courses(org, set(), "werk")) == ["taal_op_werk", "rekenen_werk"]
    assert ids(find_courses(org, set(), None)) == [c.id for c in org.courses[:3]]
    assert all("nt2" in c.audience for c in find_courses(org, set(), "nt2"))


def test_real_courses(org: Organisation) -> None:
    assert ids(find_courses(org, {"rekenen"}, "werk")) == ["rekenen_werk", "rekenen"]
    assert ids(find_courses(org, {"rekenen"}, "nt1")) == ["rekenen", "rekenen_werk"]
    assert ids(find_courses(org, {"spreken"}, "nt2"))[0] == "praatgroep"
    assert ids(find_courses(org, {"computer"}, "nt1")) == [
        "klik_en_tik",
        "digisterker",
        "rekenen_werk",
    ]
    assert ids(find_courses(org, {"lezen", "schrijven"}, "werk"))[0] == "taal_op_werk"


def test_unknown_topic_is_an_error(org: Organisation) -> None:
    with pytest.raises(ValueError, match="koken"):
        find_courses(org, {"koken"}, None)
