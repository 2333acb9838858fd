"""The reading-level gate (bot/tone): figures, verdicts, advice, the report table."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from bot.texts import all_texts
from bot.tone import (
    LEVELS,
    Thresholds,
    advise,
    check,
    format_table,
    measure,
    readability,
    report_rows,
    thresholds,
)
from bot.tone.readability import syllables

BUREAUCRATIC = (
    "Overeenkomstig de geldende verordening dient u het aanvraagformulier uiterlijk binnen"
    " veertien kalenderdagen te retourneren."
)
LEVELS_YML = yaml.safe_load(readability.LEVELS_FILE.read_text(encoding="utf-8"))


# --- figures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("bibliotheek", 4),
        ("fiets", 1),
        ("afspraak", 2),
        ("gemeente", 3),
        ("Nederlands", 3),
        ("retourneren", 4),
        ("over", 2),  # pyphen keeps one-letter syllables at the edges: "over", "idee"
        ("idee", 2),
        ("oké", 2),
        ("ruïne", 3),  # a diaeresis starts a syllable
        ("foto's", 2),  # the 's adds none
        ("NGT", 3),  # no vowel: said letter by letter
    ],
)
def test_syllables_of_known_words(word: str, count: int) -> None:
    assert syllables(word) == count


def test_figures_of_a_welcome_message() -> None:
    figures = measure("Hoi! Ik ben Taalmaatje. 👋 Ik help je met Nederlands.")
    assert figures.sentences == 3
    assert figures.words == 9
    assert figures.max_words_per_sentence == 5
    assert figures.mean_words_per_sentence == 3.0
    assert figures.common_share == 1.0
    assert figures.uncommon_words == ()
    assert figures.long_words == 0
    assert figures.long_share == 0.0
    # hoi 1, ik 1, ben 1, taal-maat-je 3, ik 1, help 1, je 1, met 1, ne-der-lands 3
    assert figures.syllables_per_word == pytest.approx(13 / 9)


def test_flesch_douma_by_hand() -> None:
    # ik 1, fiets 1, naar 1, de 1, bi-bli-o-theek 4: 8 syllables, 5 words, 1 sentence.
    # 206.84 - 0.77 * (8 / 5 * 100) - 0.93 * 5 = 206.84 - 123.2 - 4.65 = 78.99
    figures = measure("Ik fiets naar de bibliotheek.")
    assert (figures.words, figures.sentences, figures.long_words) == (5, 1, 1)
    assert figures.syllables_per_word == pytest.approx(1.6)
    assert figures.flesch_douma == pytest.approx(78.99)


def test_bureaucratic_sentence_figures() -> None:
    figures = measure(BUREAUCRATIC)
    assert (figures.sentences, figures.words, figures.max_words_per_sentence) == (1, 14, 14)
    # overeenkomstig 5, verordening 4, aanvraagformulier 5, kalenderdagen 5, retourneren 4
    assert figures.long_words == 5
    assert figures.syllables_per_word == pytest.approx(38 / 14)
    assert figures.flesch_douma == pytest.approx(206.84 - 0.77 * 3800 / 14 - 0.93 * 14)
    assert figures.uncommon_words == ("retourneren",)


def test_emoji_numbers_times_and_urls_are_no_words() -> None:
    figures = measure(
        "Bel {telefoon} om 10:30 of 088 123 45 67. 📞 Kijk op https://taalhuis.nl/a.b"
    )
    # "Bel {telefoon} om of" and "Kijk op"
    assert (figures.sentences, figures.words, figures.max_words_per_sentence) == (2, 6, 4)
    assert measure("📚 Oefenen").words == 1
    assert measure("Kom om 10.30 uur, op 3 mei.").sentences == 1  # "10.30" ends no sentence
    assert measure("Kom om 10.30 uur, op 3 mei.").words == 5


def test_placeholder_is_one_common_word() -> None:
    figures = measure("{aantal_gesprekken}")
    assert (figures.words, figures.common_share, figures.long_words) == (1, 1.0, 0)
    assert figures.syllables_per_word == 2.0  # placeholder_syllables in levels.yml


def test_a_text_without_words_is_no_sentence() -> None:
    figures = measure("👋 🎉 ?!")
    assert (figures.sentences, figures.words, figures.common_share) == (0, 0, 1.0)
    assert check("👋", "A1").ok


def test_sentences_end_at_full_stops_and_newlines_not_at_quotes() -> None:
    assert measure("Typ 'vergeet mij' als je wilt").sentences == 1
    assert measure("Typ 'vergeet mij' als je wilt").words == 6
    assert measure("Hoi\nWat wil je doen").sentences == 2
    assert measure("Echt? Ja! Goed. Klaar…").sentences == 4


# --- common words --------------------------------------------------------------------------


def test_capitalised_word_mid_sentence_is_a_name() -> None:
    assert measure("Ik woon met Xerxandra in Qwertyville.").common_share == 1.0
    # At the start of a sentence a capital says nothing: it is looked up like any word.
    assert measure("Xerxandra woont hier.").uncommon_words == ("Xerxandra",)


def test_glossary_words_are_common() -> None:
    # Below the frequency threshold on their own: the glossary is what makes them common.
    min_zipf = readability._rules().min_zipf
    assert readability._zipf("taalmaatje") < min_zipf
    assert readability._zipf("pinpas") < min_zipf
    assert readability._zipf("priya") < min_zipf
    figures = measure("Taalmaatje helpt je. Priya betaalt met haar pinpas.")
    assert figures.common_share == 1.0


def test_compounds_of_common_parts_are_common() -> None:
    min_zipf = readability._rules().min_zipf
    for word in ("boodschappenlijst", "kalenderdagen", "betalingsbewijs", "pinpasfoto"):
        assert readability._zipf(word) < min_zipf, word
        assert measure(f"Dat is een {word}.").common_share == 1.0, word
    # A prefix is no compound part: ver+rekening, onder+getekende stay uncommon.
    assert measure("De verrekening volgt.").uncommon_words == ("verrekening",)
    assert measure("Dat doet de ondergetekende.").uncommon_words == ("ondergetekende",)
    assert measure("U moet het retourneren.").uncommon_words == ("retourneren",)


def test_uncommon_words_are_listed_once_as_written() -> None:
    figures = measure("Retourneren is lastig. Wij retourneren niets.")
    assert figures.uncommon_words == ("Retourneren",)
    assert figures.common_share == pytest.approx(4 / 6)


# --- levels and verdicts -------------------------------------------------------------------


def test_thresholds_come_from_levels_yml() -> None:
    assert LEVELS == ("A1", "A2", "B1")
    assert thresholds("A1") == Thresholds("A1", 8, 7.0, 0.85, 0.10, 75.0)
    assert thresholds("A2") == Thresholds("A2", 10, 8.5, 0.80, 0.15, 65.0)
    assert thresholds("B1") == Thresholds("B1", 12, 10.0, 0.75, 0.20, 55.0)
    for level in LEVELS:
        assert LEVELS_YML["levels"][level]["max_words_per_sentence"] == (
            thresholds(level).max_words_per_sentence
        )


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown reading level 'C1'"):
        check("Hoi.", "C1")
    with pytest.raises(ValueError):
        thresholds("a2")


def test_simple_sentences_pass_a1() -> None:
    verdict = check("Ik ga met de fiets naar de markt.", "A1")
    assert verdict.ok, verdict.problems
    assert verdict.problems == ()
    verdict = check("Sara is ziek. Ze belt de huisarts. Ze mag morgen om tien uur komen.", "A1")
    assert verdict.ok, verdict.problems


def test_bureaucratic_sentence_fails_a2_and_b1() -> None:
    a2 = check(BUREAUCRATIC, "A2")
    assert not a2.ok
    assert a2.level == "A2"
    assert a2.problems == (
        "sentence of 14 words > 10",
        "long words 36% > 15% (5 of 14)",
        "Flesch–Douma -15.2 < 65",
    )
    b1 = check(BUREAUCRATIC, "B1")
    assert b1.problems == (
        "sentence of 14 words > 12",
        "long words 36% > 20% (5 of 14)",
        "Flesch–Douma -15.2 < 55",
    )


def test_mean_counts_only_for_two_sentences_or_more() -> None:
    eight = "Ik ga vandaag met de bus naar huis."
    assert measure(eight).words == 8
    assert check(eight, "A1").ok  # one sentence: the longest-sentence limit (8) applies
    assert check(f"{eight} {eight}", "A1").problems == ("mean of 8.0 words per sentence > 7",)


def test_rare_words_fail_at_any_length() -> None:
    assert check("Retourneren", "B1").problems == ("common words 0% < 75% (uncommon: Retourneren)",)


def test_ratios_wait_for_enough_words() -> None:
    # One long word in a button or a short sentence is not a long-word problem...
    assert check("Bibliotheek", "A1").ok
    assert check("De rekening is vijftig euro.", "A1").ok  # Flesch–Douma 63.6 on 5 words
    # ...two in ten words is.
    text = "Ik heb een afspraak in de bibliotheek over de oefeningen."
    figures = measure(text)
    assert (figures.words, figures.long_words) == (10, 2)
    assert "long words 20% > 10% (2 of 10)" in check(text, "A1").problems


# --- advice --------------------------------------------------------------------------------


def test_advice_is_simple_dutch_from_levels_yml() -> None:
    advice = LEVELS_YML["advice"]
    assert advise(BUREAUCRATIC, "A2") == [
        advice["sentence"].format(max="10"),
        advice["long"],
        advice["flesch_douma"],
    ]
    assert advise(BUREAUCRATIC, "A2")[0] == (
        "Maak de lange zin korter. Gebruik niet meer dan 10 woorden in een zin."
    )
    assert advise("Wij retourneren het pakket.", "A1") == [
        "Gebruik een makkelijker woord voor: retourneren."
    ]
    assert advise("Ik ga naar huis.", "A1") == []


def test_advice_wording_is_not_in_python() -> None:
    source = Path(readability.__file__).read_text(encoding="utf-8")
    for text in LEVELS_YML["advice"].values():
        assert text.split(".")[0] not in source


def test_advice_itself_is_a2() -> None:
    # Filled with a common word, so that only the advice's own wording is measured.
    for key, text in LEVELS_YML["advice"].items():
        verdict = check(text.format(max="10", woorden="fiets"), "A2")
        assert verdict.ok, (key, verdict.problems)


# --- the bot's own texts -------------------------------------------------------------------


def test_every_learner_text_fits_its_level() -> None:
    too_hard = [
        f"{item.id} ({item.level}): {'; '.join(verdict.problems)}: {item.text!r}"
        for item in all_texts(PROJECT_ROOT)
        if item.audience == "learner"
        for verdict in [check(item.text, item.level)]
        if not verdict.ok
    ]
    assert not too_hard, "\n".join(too_hard)


def test_newcomers_get_a1_dialogue_texts() -> None:
    """Newcomers (nt2) read at A1: every dialogue text they can get, not only their variations.

    Texts for other profiles only, and the practice texts of levels 2 and 3 (which a learner
    reaches by doing well), are checked at their own level above.
    """
    too_hard = [
        f"{item.id}: {'; '.join(verdict.problems)}: {item.text!r}"
        for item in all_texts(PROJECT_ROOT)
        if item.level in ("A1", "A2") and not item.id.startswith(("oefenen.", "profiles."))
        for verdict in [check(item.text, "A1")]
        if not verdict.ok
    ]
    assert not too_hard, "\n".join(too_hard)


def test_measuring_is_fast_after_the_first_load() -> None:
    texts = [item.text for item in all_texts(PROJECT_ROOT)]
    measure(" ".join(texts))  # load the word list and hyphenation patterns
    batch = [f"{texts[i % len(texts)]} {i}" for i in range(300)]
    start = time.perf_counter()
    for text in batch:
        measure(text)
    assert time.perf_counter() - start < 0.5


def test_importing_loads_no_word_data() -> None:
    code = (
        "import sys, bot.tone; "
        "print(sorted(m for m in ('wordfreq', 'pyphen', 'wcwidth') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --- report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    id: str
    text: str
    level: str


REPORT_TEXTS = [
    _Text("welkom", "Hoi! Ik ben Taalmaatje. 👋 Ik help je met Nederlands.", "A2"),
    _Text("knop", "📚 Oefenen", "A2"),
    _Text("brief", BUREAUCRATIC, "B1"),
]


def test_report_rows() -> None:
    rows = report_rows(REPORT_TEXTS)
    assert [(r.id, r.level, r.words, r.ok) for r in rows] == [
        ("welkom", "A2", 9, True),
        ("knop", "A2", 1, True),
        ("brief", "B1", 14, False),
    ]
    assert rows[2].reasons == check(BUREAUCRATIC, "B1").problems
    assert rows[2].max_words_per_sentence == 14
    assert rows[2].long_words == 5
    assert rows[0].common_share == 1.0
    assert rows[0].mean_words_per_sentence == 3.0
    assert rows[0].flesch_douma == pytest.approx(measure(REPORT_TEXTS[0].text).flesch_douma)
    assert [r.level for r in report_rows(REPORT_TEXTS, level="A1")] == ["A1"] * 3


def test_table_has_fixed_width_columns() -> None:
    from wcwidth import wcswidth

    table = format_table(report_rows(REPORT_TEXTS))
    lines = table.splitlines()
    header = (
        "id      level  text" + " " * 38 + "words  mean  max  common  long     FD  result  reasons"
    )
    assert lines[0] == header
    assert lines[1] == "-" * len(header)
    assert lines[2] == (
        "welkom  A2     Hoi! Ik ben Taalmaatje. 👋 Ik help je m…      9   3.0    5    100%"
        "     0   92.8  ok"
    )
    assert lines[3].startswith("knop    A2     📚 Oefenen" + " " * 32 + "    1   1.0    1")
    assert lines[4].endswith(
        "FAIL    sentence of 14 words > 12; long words 36% > 20% (5 of 14); Flesch–Douma -15.2 < 55"
    )
    # Every column after the text starts at the same terminal cell, emoji or not.
    before_result = [line.split("  ok")[0].split("  FAIL")[0] for line in lines[2:5]]
    assert len({wcswidth(cells) for cells in before_result}) == 1
    assert lines[-1].startswith("3 texts: 2 ok, 1 fail.")
