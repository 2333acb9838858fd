"""The practice content bank: the real theme files load, and broken copies say file and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from bot.content.bank import (
    CEFR,
    LEVELS,
    MIN_ITEMS,
    ContentBank,
    ContentError,
    Item,
    _emoji_count,
    _validator,
    check_bank,
    default_directory,
    load_bank,
)
from bot.settings import PROJECT_ROOT

THEMES = {
    "kennismaken",
    "bibliotheek",
    "werk_veiligheid",
    "tijd_afspraken",
    "geld_brieven",
    "gezondheid",
    "boodschappen",
    "vervoer",
}
THEME_FILES = sorted(default_directory().glob("*.yml"))


def broken_copy(tmp_path: Path, *changes: tuple[str, str], name: str = "kennismaken") -> Path:
    """A copy of a real theme file in a folder of its own, with each (old, new) applied once."""
    directory = tmp_path / "oefenen"
    directory.mkdir(exist_ok=True)
    text = (default_directory() / f"{name}.yml").read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} should occur once in {name}.yml"
        text = text.replace(old, new)
    path = directory / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the one line in path that contains needle."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


# --- the real files ----------------------------------------------------------------------


@pytest.mark.parametrize("path", THEME_FILES, ids=[path.stem for path in THEME_FILES])
def test_every_theme_file_present_passes(tmp_path: Path, path: Path) -> None:
    shutil.copy(path, tmp_path / path.name)
    assert check_bank(tmp_path) == []
    theme = load_bank(tmp_path).themes[path.stem]
    for level in LEVELS:
        assert len(theme.items[level]) >= MIN_ITEMS


def test_real_bank_loads_all_eight_themes() -> None:
    bank = load_bank()
    assert len(bank.themes) >= 8
    assert set(bank.themes) >= THEMES
    assert list(bank.themes) == sorted(bank.themes)  # file name order
    keys = [item.key for item in bank.all_items()]
    assert len(keys) == len(set(keys))
    assert all(len(key) <= 48 for key in keys)
    assert all(bank.item(key).key == key for key in keys)


def test_loading_the_bank_is_fast() -> None:
    load_bank()  # imports and the compiled schema are paid once per process
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        load_bank()
        best = min(best, time.perf_counter() - start)
    assert best < 0.1


@pytest.mark.parametrize("theme_id", ["kennismaken", "bibliotheek"])
def test_own_themes_have_14_items_a_level_and_even_answers(theme_id: str) -> None:
    theme = load_bank().themes[theme_id]
    assert [len(theme.items[level]) for level in LEVELS] == [14, 14, 14]
    answers = [item.answer for item in theme.items[3]]
    assert answers.count(True) == answers.count(False) == 7
    for item in theme.items[1]:
        assert item.article in ("de", "het", None)


def test_items_carry_the_file_fields() -> None:
    bank = load_bank()
    theme = bank.themes["kennismaken"]
    assert (theme.name, theme.picture, theme.work) == ("Kennismaken", "🤝", False)
    assert theme.items[1][0].key == "kennismaken.naam"  # file order

    word = bank.item("kennismaken.naam")
    assert (word.theme, word.level, word.picture) == ("kennismaken", 1, "📛")
    assert word.shown_word == "de naam"
    assert word.texts() == ["de naam"]
    assert bank.item("kennismaken.nederland").shown_word == "Nederland"

    sentence = bank.item("kennismaken.naam_is")
    assert sentence == Item(
        "kennismaken.naam_is",
        "kennismaken",
        2,
        "📛",
        sentence="Mijn naam is Sara.",
        gap="naam",
        wrong=("fiets", "soep"),
    )
    assert sentence.texts() == ["Mijn naam is Sara.", "fiets", "soep"]

    text = bank.item("kennismaken.nieuwe_buren")
    assert text.answer is True
    assert text.picture == "🤝"  # level 3 has no picture of its own
    assert text.texts() == [text.text, "Heeft Amir nieuwe buren?"]
    assert bank.item("kennismaken.sara_eritrea").answer is False


def test_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        load_bank().item("kennismaken.bestaat_niet")


def test_levels_and_reading_levels() -> None:
    assert LEVELS == (1, 2, 3)
    assert CEFR == {1: "A1", 2: "A2", 3: "B1"}


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_validator().schema)


def test_importing_the_module_does_no_work() -> None:
    code = (
        "import sys, bot.content.bank;"
        "assert 'jsonschema' not in sys.modules and 'ruamel.yaml' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


# --- broken copies -----------------------------------------------------------------------


def test_gap_not_in_the_sentence(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("    gat: naam\n", "    gat: kaas\n"))
    line = line_of(path, "gat: kaas")
    assert check_bank(path.parent) == [
        f"{path}:{line}: niveau_2[0].gat: 'kaas' does not occur in the sentence"
    ]


def test_missing_key_points_at_the_item(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("    gat: naam\n", ""))
    line = line_of(path, "- id: naam_is")
    assert check_bank(path.parent) == [f"{path}:{line}: niveau_2[0]: 'gat' is a required property"]


def test_missing_top_level_key(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("werk: false\n", ""))
    assert check_bank(path.parent) == [f"{path}:1: 'werk' is a required property"]


def test_unknown_key(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ('    plaatje: "🌍"\n', '    plaatje: "🌍"\n    plaatjes: "🌍"\n'))
    line = line_of(path, 'plaatjes: "🌍"')
    assert check_bank(path.parent) == [
        f"{path}:{line}: niveau_1[1].plaatjes: unknown key 'plaatjes'"
    ]


def test_duplicate_pictures_in_a_level(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        ('    plaatje: "🌍"\n', '    plaatje: "📛"  # dubbel\n'),
        # Without the variation selector U+FE0F it is still the same picture as taal's 🗣️.
        ('    plaatje: "📱"\n', '    plaatje: "\U0001f5e3"  # ook dubbel\n'),
    )
    assert check_bank(path.parent) == [
        f"{path}:{line_of(path, '# dubbel')}: niveau_1[1].plaatje: "
        "picture 📛 is also used at niveau_1[0]",
        f"{path}:{line_of(path, '# ook dubbel')}: niveau_1[11].plaatje: "
        "picture \U0001f5e3 is also used at niveau_1[3]",
    ]


def test_duplicate_ids_over_levels(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("  - id: naam_is\n", "  - id: naam  # dubbel\n"))
    assert check_bank(path.parent) == [
        f"{path}:{line_of(path, '# dubbel')}: niveau_2[0].id: id 'naam' is also used at niveau_1[0]"
    ]


def test_too_few_items(tmp_path: Path) -> None:
    path = broken_copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: naam_spellen")], encoding="utf-8")  # 11 left
    line = line_of(path, "niveau_3:")
    assert check_bank(path.parent) == [
        f"{path}:{line}: niveau_3: has 11 items; at least 12 are needed"
    ]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("    gat: naam\n", "\tgat: naam\n"))
    line = line_of(path, "\tgat: naam")
    [problem] = check_bank(path.parent)
    assert problem.startswith(f"{path}:{line}: YAML syntax error: ")


def test_yaml_syntax_error_names_where_the_construct_began(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("    fout: [fiets, soep]\n", "    fout: [fiets, soep\n"))
    line = line_of(path, "fout: [fiets, soep")
    [problem] = check_bank(path.parent)
    assert problem == (
        f"{path}:{line + 1}: YAML syntax error: did not find expected ',' or ']'"
        f" (while parsing a flow sequence at line {line})"
    )


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("    gat: naam\n", "    gat: naam\n    gat: Sara\n"))
    [problem] = check_bank(path.parent)
    assert problem.startswith(f"{path}:{line_of(path, 'gat: Sara')}: YAML syntax error: ")
    assert "duplicate key" in problem


def test_file_name_must_equal_thema(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, ("thema: kennismaken\n", "thema: kennis_maken\n"))
    assert check_bank(path.parent) == [
        f"{path}:2: thema: 'kennis_maken' should equal the file name 'kennismaken'"
    ]


def test_wrong_choices_and_sentence_length(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        ("    fout: [rood, koud]\n", "    fout: [goed, het]\n"),
        ('"Leuk je te ontmoeten."', '"Leuk je te ontmoeten in dit mooie huis."'),
        ("    fout: [woont, werkt]\n", "    fout: [woont]\n"),
    )
    fout = line_of(path, "fout: [goed, het]")
    assert check_bank(path.parent) == [
        f"{path}:{fout}: niveau_2[7].fout[0]: 'goed' is the gap word itself",
        f"{path}:{fout}: niveau_2[7].fout[1]: 'het' occurs in the sentence",
        f"{path}:{line_of(path, 'fout: [woont]')}: niveau_2[12].fout: ['woont'] is too short",
        f"{path}:{line_of(path, 'dit mooie huis')}: niveau_2[13].zin: has 8 words; use 3-7",
    ]


def test_level_3_texts_stay_short_and_answers_mixed(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        (
            "Piet is 58 jaar.",
            "Piet is 58 jaar en woont al heel lang in deze mooie stad.",
        ),
        (
            '    vraag: "Kan Ruud goed horen?"\n',
            '    vraag: "Kan Ruud met zijn oren heel goed alles horen?"\n',
        ),
        ("antwoord: nee\n  - id: eerste_werkdag", "antwoord: ja\n  - id: eerste_werkdag"),
        ("antwoord: nee\n  - id: marja_wasserij", "antwoord: ja\n  - id: marja_wasserij"),
        ("antwoord: nee\n  - id: karin_bas", "antwoord: ja\n  - id: karin_bas"),
    )
    assert check_bank(path.parent) == [
        f"{path}:{line_of(path, 'niveau_3:')}: niveau_3: 10 ja and 4 nee answers;"
        " mix them about evenly (at least 5 of each)",
        f"{path}:{line_of(path, 'deze mooie stad')}: niveau_3[4].tekst:"
        " 'Piet is 58 jaar en woont al heel lang in deze mooie stad.' has 13 words;"
        " at most 10 a sentence",
        f"{path}:{line_of(path, 'met zijn oren')}: niveau_3[8].vraag: has 9 words; at most 8",
    ]


def test_pictures_must_be_emoji(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        ('\nplaatje: "🤝"\n', '\nplaatje: "🤝🤝"\n'),
        ('    plaatje: "🏘️"\n', "    plaatje: huis\n"),
    )
    assert check_bank(path.parent) == [
        f"{path}:4: plaatje: '🤝🤝' should be exactly one emoji",
        f"{path}:{line_of(path, 'plaatje: huis')}: niveau_2[12].plaatje:"
        " 'huis' should be 1-3 emoji and nothing else",
    ]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("🍞", 1),
        ("🗣️", 1),  # with variation selector
        ("🇳🇱", 1),  # a flag is two regional indicators
        ("👨‍👩‍👧", 1),  # a ZWJ family
        ("👍🏽", 1),  # with skin tone
        ("1️⃣", 1),  # keycap
        ("🧑‍💼🍞☕", 3),
        ("a", 0),
        ("🍞 ", 0),
        ("", 0),
    ],
)
def test_emoji_count(text: str, count: int) -> None:
    assert _emoji_count(text) == count


def test_load_bank_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    broken_copy(tmp_path, ("    gat: naam\n", "    gat: kaas\n"))
    broken_copy(tmp_path, ("    gat: leen\n", "    gat: lees\n"), name="bibliotheek")
    with pytest.raises(ContentError) as caught:
        load_bank(tmp_path / "oefenen")
    problems = caught.value.problems
    assert problems == check_bank(tmp_path / "oefenen")
    assert [problem.split(":")[0] for problem in problems] == [
        str(tmp_path / "oefenen" / "bibliotheek.yml"),
        str(tmp_path / "oefenen" / "kennismaken.yml"),
    ]
    assert "2 problems in the content bank" in str(caught.value)


def test_empty_folder_and_wrong_extension(tmp_path: Path) -> None:
    (tmp_path / "vervoer.yaml").write_text("thema: vervoer\n", encoding="utf-8")
    assert check_bank(tmp_path) == [
        f"{tmp_path / 'vervoer.yaml'}:1: theme files must end in .yml",
        f"{tmp_path}: no theme files (*.yml)",
    ]


def test_a_bank_built_by_hand_indexes_its_items() -> None:
    bank = load_bank()
    again = ContentBank(themes=dict(bank.themes))
    assert again.item("bibliotheek.boek") is bank.item("bibliotheek.boek")
