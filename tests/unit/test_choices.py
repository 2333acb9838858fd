"""The question on screen (bot/choices/): what a typed message means when the bot's last
message showed buttons, seen from a learner who types instead of tapping.

The button sets are copied from the bot: domain.yml (the menu, the erase question),
bot/actions/taalhuis.py (membership, course topics), bot/actions/afspraak/ (places, times,
reasons, the reminder question), bot/actions/practice.py (exercises, the end of a round,
with the typed words of bot/content/practice.yml), bot/actions/privacy.py and
bot/actions/understanding.py ("Bedoel je ...?"). The word lists are the real ones
(bot/content/keuzes.yml, through ``load_vocabulary``).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from bot.choices import Outcome, Question, Understanding, load_vocabulary, question_from, understand

VOCABULARY = load_vocabulary()
# The control intents and their threshold of bot/dialogue/service.py (CONTROL_INTENTS,
# CONTROL_CONFIDENCE), copied: importing that module loads Rasa, this one is plain Python.
CONTROL_INTENTS = frozenset(
    {"stoppen", "hulp", "herhalen", "langzamer", "geluid_uit", "geluid_aan", "afscheid",
     "gegevens_wissen", "instellingen", "mens_spreken", "gegevens_inzien"}
)  # fmt: skip
CONTROL_CONFIDENCE = 0.6
NO_NLU = Understanding()


def payload(intent: str, **entities: str) -> str:
    """A button payload as bot/actions/taalhuis.py makes it: /intent{"name":"value"}."""
    return f"/{intent}" + (json.dumps(entities, separators=(",", ":")) if entities else "")


def message(text: str, buttons: list[dict[str, Any]], **custom: Any) -> dict[str, Any]:
    return {"text": text, "buttons": buttons, "custom": custom}


def ask(
    messages: list[dict[str, Any]],
    text: str,
    nlu: Understanding = NO_NLU,
    asked_back: bool = False,
) -> Outcome:
    """What ``text`` means with these bot messages on screen."""
    question = question_from(messages, VOCABULARY)
    assert question is not None
    if asked_back:
        question = replace(question, asked_back=True)
    return understand(question, text, nlu, VOCABULARY, CONTROL_INTENTS, CONTROL_CONFIDENCE)


# --- the bot's questions --------------------------------------------------------------------

# Membership (ActionLidmaatschap.ask): the first question of taalhuis.yml.
MEMBER_YES = payload("lidmaatschap", keuze="0_ja")
MEMBER_NO = payload("lidmaatschap", keuze="0_nee")
MEMBERSHIP = [
    message(
        "Heb je een uitkering?",
        [{"title": "👍 Ja", "payload": MEMBER_YES}, {"title": "👎 Nee", "payload": MEMBER_NO}],
    )
]

# domain.yml utter_vraag_wissen.
ERASE = [
    message(
        "Wil je dat ik alles over jou wis? 🗑️",
        [
            {"title": "Ja, wis alles", "payload": "/bevestigen"},
            {"title": "Nee", "payload": "/ontkennen"},
        ],
    )
]

# ActionAskHerinnering (utter_ask_afspraak_herinnering).
REMINDER = [
    message(
        "Wil je de dag ervoor een bericht? 🔔",
        [
            {"title": "👍 Ja", "payload": "/bevestigen"},
            {"title": "👎 Nee", "payload": "/ontkennen"},
        ],
    )
]

# ActionGegevensInzien: the list of what the bot keeps, then "erase it?".
SEE_DATA = [
    {
        "text": "Dit weet ik van jou: 📋\n📅 Je afspraak: morgen om 10:00 uur in Tiel.\n"
        "📞 Je telefoon bij die afspraak. Voor de balie.",
        "buttons": [],
        "custom": {},
    },
    message(
        "Wil je dat ik alles wis?",
        [
            {"title": "🗑️ Ja, vergeet mij", "payload": "/gegevens_wissen", "betekent": "ja"},
            {"title": "👎 Nee, laat maar", "payload": "/ontkennen", "betekent": "nee"},
        ],
    ),
]

# ActionNietBegrepen.ask_yes_no: "Bedoel je ja?" after a doubt, with the question's payloads.
MEAN_YES = [
    message(
        "Bedoel je ja? 🤔",
        [
            {"title": "👍 Ja", "payload": MEMBER_YES, "betekent": "ja"},
            {"title": "👎 Nee", "payload": MEMBER_NO, "betekent": "nee"},
        ],
        vraag="ja_nee",
    )
]

# ActionNietBegrepen.ask_meaning with one likely meaning: "ja" means that one.
SOMETHING_ELSE = '/niet_begrepen{"keuze":"anders"}'
MEAN_ONE = [
    message(
        "Bedoel je dit? 🤔",
        [
            {"title": "📚 Oefenen", "payload": "/oefenen", "betekent": "ja"},
            {"title": "🤔 Iets anders", "payload": SOMETHING_ELSE, "betekent": "nee"},
        ],
        vraag="bedoeling",
    )
]

# ActionCursusZoeken (utter_vraag_onderwerp, taalhuis_knoppen.yml onderwerpen).
TOPIC = {
    name: payload("cursus_zoeken", keuze=name)
    for name in ("lezen", "schrijven", "spreken", "rekenen", "computer")
}
TOPIC_TITLES = {
    "lezen": "📖 Lezen",
    "schrijven": "✍️ Schrijven",
    "spreken": "🗣️ Nederlands spreken",
    "rekenen": "🔢 Rekenen",
    "computer": "💻 Computer",
}
TOPIC_BUTTONS = [{"title": TOPIC_TITLES[name], "payload": TOPIC[name]} for name in TOPIC]
TOPICS = [message("Wat wil je leren? Kies er één.", TOPIC_BUTTONS)]

# _AskAction.place_buttons (utter_ask_afspraak_plek).
PLACE = {town: payload("afspraak_maken", plek=town.lower()) for town in ("Tiel", "Culemborg")}
PLACE["Geldermalsen"] = payload("afspraak_maken", plek="geldermalsen")
PLACES = [
    message(
        "In welke plaats wil je komen?",
        [
            {"title": f"🏠 {town}", "payload": PLACE[town], "woorden": [f"Taalhuis {town}"]}
            for town in PLACE
        ],
    )
]

# domain.yml utter_menu.
MENU = [
    message(
        "Wat wil je doen?",
        [
            {"title": "📚 Oefenen", "payload": "/oefenen"},
            {"title": "⭐ Hoe gaat het?", "payload": "/voortgang"},
            {"title": "🏠 Taalhuis", "payload": "/taalhuis_info"},
            {"title": "❓ Hulp", "payload": "/hulp"},
        ],
    )
]

# ActionAskReden (taalhuis_knoppen.yml redenen).
REASON = {name: payload("afspraak_maken", reden=name) for name in ("intake", "oefenen", "brief")}
REASONS = [
    message(
        "Waarvoor kom je?",
        [
            {"title": "👋 Kennismaken", "payload": REASON["intake"]},
            {"title": "📚 Oefenen", "payload": REASON["oefenen"]},
            {"title": "✉️ Hulp bij een brief", "payload": REASON["brief"]},
        ],
    )
]


def time_button(hhmm: str, said: list[str]) -> dict[str, Any]:
    """_AfspraakAction.time_buttons: the words are said_times() of that start."""
    hour, minute = hhmm.split(":")
    return {
        "title": f"🕙 {hhmm}",
        "payload": payload("afspraak_maken", tijd=f"2026-12-22_{hhmm}"),
        "woorden": [hhmm, f"{hour}.{minute}", f"{hour}{minute}", hhmm, *said],
    }


TIME = {
    "10:00": time_button("10:00", ["10 uur", "10 uur", "tien uur"]),
    "10:30": time_button("10:30", ["half 11", "half 11", "half elf"]),
    "11:00": time_button("11:00", ["11 uur", "11 uur", "elf uur"]),
    "14:00": time_button("14:00", ["14 uur", "2 uur", "twee uur"]),
    "14:30": time_button("14:30", ["half 15", "half 3", "half drie"]),
}
OTHER_DAY = payload("afspraak_maken", dag="0")
# ActionAskTijd: the first times as buttons, "📅 Andere dag", the later times typed only.
TIMES = [
    message(
        "Hoe laat wil je komen? 🕙",
        [
            *(TIME[t] for t in ("10:00", "10:30", "11:00")),
            {"title": "📅 Andere dag", "payload": OTHER_DAY},
        ],
        ook=[TIME["14:00"], TIME["14:30"]],
    )
]

# ActionOefenen.show: pick the picture (label the picture, words the item's shown word).
PICTURE = {
    "melk": payload("oefenen", keuze="4:0"),
    "brood": payload("oefenen", keuze="4:1"),
    "kaas": payload("oefenen", keuze="4:2"),
}
PICTURES = [
    message(
        "Welk plaatje hoort bij dit woord?\n👉 het brood",
        [
            {"title": "🥛", "payload": PICTURE["melk"], "woorden": ["de melk"]},
            {"title": "🍞", "payload": PICTURE["brood"], "woorden": ["het brood"]},
            {"title": "🧀", "payload": PICTURE["kaas"], "woorden": ["de kaas"]},
        ],
        oefening=True,
    )
]
SOUP = payload("oefenen", keuze="3:0")
SOUP_EXERCISE = [
    message(
        "Welk plaatje hoort bij dit woord?\n👉 de soep",
        [
            {"title": "🍲", "payload": SOUP, "woorden": ["de soep"]},
            {"title": "🍞", "payload": payload("oefenen", keuze="3:1"), "woorden": ["het brood"]},
            {"title": "🚲", "payload": payload("oefenen", keuze="3:2"), "woorden": ["de fiets"]},
        ],
        oefening=True,
    )
]

# The end of a round (ActionOefenen, typed_button with practice.yml's typed words).
MORE_WORDS = ["ja", "nog een", "nog een ronde", "verder", "door", "doorgaan", "ok", "oke"]
MORE = payload("oefenen", keuze="verder")
LATER = payload("oefenen", keuze="later")
ROUND_END = [
    message(
        "Wil je nog een ronde?",
        [
            {
                "title": "✅ Ja, nog een ronde",
                "payload": MORE,
                "woorden": MORE_WORDS,
                "betekent": "ja",
            },
            {"title": "📚 Ander thema", "payload": "/oefenen"},
            {
                "title": "⏰ Later",
                "payload": LATER,
                "woorden": ["later", "nee", "niet nu", "straks"],
                "betekent": "nee",
            },
            {"title": "🛑 Stoppen", "payload": "/stoppen"},
        ],
        oefening=True,
    )
]

# ActionAskTelefoon: a reply keyboard (bot/telegram/replies.py), whose only text button is no.
PHONE = [{"text": "Mag ik je nummer? Dan kan de balie je bellen. 📞", "custom": {"telefoon": True}}]
PHONE_KEYBOARD = {"👎 Nee, liever niet": "/ontkennen"}

ALL_QUESTIONS = [
    MEMBERSHIP, ERASE, REMINDER, SEE_DATA, MEAN_YES, MEAN_ONE, TOPICS, PLACES, MENU, REASONS,
    TIMES, PICTURES, SOUP_EXERCISE, ROUND_END,
]  # fmt: skip


# --- yes/no questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja hoor", MEMBER_YES),
        ("klopt", MEMBER_YES),
        ("👍🏼", MEMBER_YES),  # a skin tone the word list does not hold
        ("nee hoor", MEMBER_NO),
        ("👎", MEMBER_NO),
    ],
)
def test_yes_and_no_words_answer_the_membership_question(text: str, expected: str) -> None:
    assert ask(MEMBERSHIP, text).payload == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik heb een uitkering", MEMBER_YES),
        ("ik heb een uitkring", MEMBER_YES),  # typo in the question's own word
        ("nee dat heb ik niet", MEMBER_NO),
    ],
)
def test_a_sentence_that_says_yes_or_no(text: str, expected: str) -> None:
    assert ask(MEMBERSHIP, text).payload == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja wis alles", "/bevestigen"),
        ("nee, niet wissen", "/ontkennen"),
        ("nee toch maar niet", "/ontkennen"),  # "maar" that does not turn the no around
    ],
)
def test_the_erase_confirmation(text: str, expected: str) -> None:
    assert ask(ERASE, text).payload == expected


@pytest.mark.parametrize(
    "text",
    ["ik weet het niet", "misschien", "ja maar niet altijd", "nee maar wel later", "ja maar"],
)
def test_a_doubt_is_unclear_not_a_yes_or_a_no(text: str) -> None:
    outcome = ask(MEMBERSHIP, text)
    assert outcome == Outcome(payload=None, unclear=True, how="twijfel")


def test_unclear_is_asked_only_once() -> None:
    """After "Bedoel je ja?" (kind ja_nee, marked asked_back by the dialogue service) a second
    doubt gets no second "Bedoel je ja?", and no yes or no either."""
    assert ask(MEAN_YES, "misschien").unclear
    question = question_from(MEAN_YES, VOCABULARY)
    assert question is not None and question.kind == "ja_nee"
    again = ask(MEAN_YES, "misschien", asked_back=True)
    assert not again.unclear and again.payload is None
    assert ask(MEAN_YES, "ja hoor", asked_back=True).payload == MEMBER_YES


def test_bedoel_je_with_one_meaning_takes_ja_and_nee() -> None:
    assert ask(MEAN_ONE, "ja graag").payload == "/oefenen"
    assert ask(MEAN_ONE, "nee").payload == SOMETHING_ELSE


def test_the_nlu_yes_counts_only_when_it_is_fairly_sure() -> None:
    """ "jup jup" is in no word list: the NLU's bevestigen decides, from 0.6 on."""
    assert ask(MEMBERSHIP, "jup jup", Understanding("bevestigen", 0.9)).payload == MEMBER_YES
    assert ask(MEMBERSHIP, "jup jup", Understanding("bevestigen", 0.5)).payload is None


def test_a_question_back_is_no_answer() -> None:
    assert ask(MEMBERSHIP, "waarom?") == Outcome()
    assert ask(MEMBERSHIP, "ik snap het niet") == Outcome()


@pytest.mark.parametrize("text", ["wat is een uitkering?", "hoe krijg ik een uitkering?"])
def test_asking_about_the_topic_is_no_yes(text: str) -> None:
    assert ask(MEMBERSHIP, text).payload is None


def test_a_worried_question_does_not_erase_everything() -> None:
    assert ask(ERASE, "is alles dan weg?").payload is None


@pytest.mark.parametrize("text", ["zeker niet", "nee, ik heb wel werk"])
def test_a_firm_no_with_a_yes_word_in_it(text: str) -> None:
    assert ask(MEMBERSHIP, text).payload == MEMBER_NO


@pytest.mark.parametrize("text", ["jaaaa", "👍👍"])
def test_a_stretched_yes(text: str) -> None:
    assert ask(MEMBERSHIP, text).payload == MEMBER_YES


# --- choice lists ---------------------------------------------------------------------------


def test_a_topic_by_its_own_words_with_or_without_emoji() -> None:
    assert ask(TOPICS, "📖 Lezen") == Outcome(TOPIC["lezen"], how="woorden")
    assert ask(TOPICS, "Nederlands spreken!") == Outcome(TOPIC["spreken"], how="woorden")


@pytest.mark.parametrize(
    ("messages", "text", "expected"),
    [
        (TOPICS, "lezn", TOPIC["lezen"]),
        (PLACES, "culemborgh", PLACE["Culemborg"]),
        (PICTURES, "het brod", PICTURE["brood"]),
    ],
)
def test_a_typo_still_finds_the_button(messages: list, text: str, expected: str) -> None:
    assert ask(messages, text).payload == expected


@pytest.mark.parametrize(
    ("messages", "text", "expected"),
    [
        (TOPICS, "ik wil graag lezen", TOPIC["lezen"]),
        (TOPICS, "ik wil nederlands leren spreken", TOPIC["spreken"]),
        (PLACES, "ik woon in culemborg", PLACE["Culemborg"]),
    ],
)
def test_a_button_word_inside_a_sentence(messages: list, text: str, expected: str) -> None:
    assert ask(messages, text).payload == expected


@pytest.mark.parametrize(
    ("messages", "text", "expected"),
    [
        (TOPICS, "nederlands", TOPIC["spreken"]),
        (PLACES, "taalhuis tiel", PLACE["Tiel"]),  # the button's extra words
    ],
)
def test_a_part_or_extra_words_of_a_button(messages: list, text: str, expected: str) -> None:
    assert ask(messages, text).payload == expected


@pytest.mark.parametrize(
    ("messages", "text", "expected"),
    [
        (TOPICS, "1", TOPIC["lezen"]),
        (TOPICS, "de tweede", TOPIC["schrijven"]),
        (PLACES, "de laatste", PLACE["Geldermalsen"]),
    ],
)
def test_a_button_by_its_number_or_place(messages: list, text: str, expected: str) -> None:
    assert ask(messages, text) == Outcome(expected, how="nummer")


@pytest.mark.parametrize(
    ("messages", "text"),
    [(TOPICS, "ik wil lezen en schrijven"), (PLACES, "tiel of culemborg")],
)
def test_two_buttons_named_is_no_match(messages: list, text: str) -> None:
    assert ask(messages, text) == Outcome()


def test_no_bare_numbers_when_the_buttons_hold_digits() -> None:
    """ "2" with times on screen may mean two o'clock: not the second button (10:30). An
    ordinal is a place all the same; "de laatste" is not (the last button is "Andere dag")."""
    for text in ("1", "2", "de laatste"):
        assert ask(TIMES, text) == Outcome(), text
    assert ask(TIMES, "de eerste") == Outcome(TIME["10:00"]["payload"], how="nummer")
    assert ask(TIMES, "nummer 2") == Outcome(TIME["10:30"]["payload"], how="nummer")


DAYS = [
    message(
        "Welke dag past jou? 📅",
        [
            {
                "title": "📅 Morgen 4 december",
                "payload": payload("afspraak_maken", dag="2026-12-04"),
                "woorden": ["4 december", "morgen", "vrijdag"],
            },
            {
                "title": "📅 Woensdag 9 december",
                "payload": payload("afspraak_maken", dag="2026-12-09"),
                "woorden": ["9 december", "woensdag"],
            },
        ],
    )
]


def test_a_day_by_its_place_its_date_or_its_name() -> None:
    second = payload("afspraak_maken", dag="2026-12-09")
    assert ask(DAYS, "de tweede") == Outcome(second, how="nummer")
    assert ask(DAYS, "2e") == Outcome(second, how="nummer")
    assert ask(DAYS, "woensdag").payload == second
    assert ask(DAYS, "9 december").payload == second
    assert ask(DAYS, "4") == Outcome(), "4 may be the 4th of December, not a place"


def test_a_time_as_it_is_typed_or_said() -> None:
    assert ask(TIMES, "10:30").payload == TIME["10:30"]["payload"]
    assert ask(TIMES, "ik kom om half elf").payload == TIME["10:30"]["payload"]
    assert ask(TIMES, "andere dag").payload == OTHER_DAY


def test_hidden_choices_are_typed_but_not_numbered() -> None:
    """custom["ook"]: the later free times count when typed, but have no number."""
    question = question_from(TIMES, VOCABULARY)
    assert question is not None
    assert [c.number for c in question.choices] == [1, 2, 3, 4, None, None]
    assert ask(TIMES, "half drie").payload == TIME["14:30"]["payload"]
    assert ask(TIMES, "twee uur").payload == TIME["14:00"]["payload"]


def test_a_hidden_choice_does_not_take_a_number_past_the_buttons() -> None:
    """Without digits numbers count, but only for what is shown: "4" is not the hidden 4th."""
    shown, hidden = TOPIC_BUTTONS[:3], TOPIC_BUTTONS[3:]
    messages = [message("Wat wil je leren? Kies er één.", shown, ook=hidden)]
    assert ask(messages, "4") == Outcome()
    assert ask(messages, "de laatste").payload == TOPIC["spreken"]
    assert ask(messages, "rekenen").payload == TOPIC["rekenen"]


def test_what_fits_no_button_is_nothing() -> None:
    assert ask(PLACES, "elst") == Outcome()  # no Taalhuis there
    assert ask(MENU, "ja") == Outcome()  # no yes on the menu
    assert ask(TOPICS, "6") == Outcome()  # five topics
    assert ask(PLACES, "4") == Outcome()  # three places


def test_a_negated_place_is_not_chosen() -> None:
    assert ask(PLACES, "ik wil niet naar tiel").payload is None


def test_the_picture_typed_as_an_emoji() -> None:
    assert ask(PICTURES, "🍞").payload == PICTURE["brood"]


# --- control words and intents --------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "text"),
    [
        (SOUP_EXERCISE, "stop"),  # close to "soep"
        (ROUND_END, "nog eens"),  # close to the round's "nog een"
        (SEE_DATA, "vergeet mij"),  # inside "🗑️ Ja, vergeet mij"
        (MENU, "hulp"),
        (TOPICS, "langzamer"),
    ],
)
def test_control_words_always_win(messages: list, text: str) -> None:
    assert ask(messages, text) == Outcome()


def test_the_lookalike_answers_are_answers_without_the_control_word() -> None:
    """What "stop" and "nog eens" are close to does match: the control word is what wins."""
    assert ask(SOUP_EXERCISE, "sop").payload == SOUP
    assert ask(ROUND_END, "nog een").payload == MORE


def test_a_sure_control_intent_wins_over_a_fuzzy_match() -> None:
    assert ask(SOUP_EXERCISE, "sop", Understanding("stoppen", 0.9)) == Outcome()
    assert ask(SOUP_EXERCISE, "sop", Understanding("stoppen", 0.4)).payload == SOUP


@pytest.mark.parametrize(
    ("messages", "text", "nlu", "expected"),
    [
        (REASONS, "hulp bij een brief", Understanding("hulp", 0.9), REASON["brief"]),
        (ROUND_END, "nog een", Understanding("herhalen", 0.9), MORE),
    ],
)
def test_a_buttons_exact_words_beat_a_control_intent(
    messages: list, text: str, nlu: Understanding, expected: str
) -> None:
    assert ask(messages, text, nlu) == Outcome(expected, how="woorden")


def test_a_sentence_with_a_whole_button_beats_a_control_intent() -> None:
    outcome = ask(REASONS, "ik wil hulp bij een brief", Understanding("hulp", 0.9))
    assert outcome.payload == REASON["brief"]


# --- the NLU overruling a match -------------------------------------------------------------

OPENING_HOURS = Understanding("openingstijden", 0.95)


def test_a_sure_nlu_overrules_a_word_inside_a_longer_sentence() -> None:
    text = "wanneer is het taalhuis later open"
    assert ask(ROUND_END, text).payload == LATER  # without the NLU: the word "later"
    assert ask(ROUND_END, text, Understanding("openingstijden", 0.5)).payload == LATER
    assert ask(ROUND_END, text, OPENING_HOURS) == Outcome()


def test_a_sure_nlu_does_not_overrule_a_whole_text_match() -> None:
    assert ask(ROUND_END, "later", OPENING_HOURS).payload == LATER
    assert ask(ROUND_END, "latr", OPENING_HOURS).payload == LATER


def test_the_nlu_on_an_intent_of_the_buttons_is_no_overrule() -> None:
    nlu = Understanding("cursus_zoeken", 0.95)
    assert ask(TOPICS, "ik wil graag lezen", nlu).payload == TOPIC["lezen"]
    assert ask(TOPICS, "ik wil graag lezen", OPENING_HOURS) == Outcome()


def test_a_sure_nlu_intent_picks_its_button_when_the_words_do_not() -> None:
    assert ask(MENU, "kan ik wat doen", Understanding("oefenen", 0.9)).payload == "/oefenen"
    assert ask(MENU, "kan ik wat doen", Understanding("oefenen", 0.5)) == Outcome()


# --- the reply keyboard, and no question at all ---------------------------------------------


def test_the_phone_keyboard_is_a_question_only_for_the_phone_message() -> None:
    question = question_from(PHONE, VOCABULARY, PHONE_KEYBOARD)
    assert question is not None and [c.payload for c in question.choices] == ["/ontkennen"]
    outcome = understand(
        question, "liever niet", NO_NLU, VOCABULARY, CONTROL_INTENTS, CONTROL_CONFIDENCE
    )
    assert outcome.payload == "/ontkennen"
    without_marker = [{"text": PHONE[0]["text"], "custom": {}}]
    assert question_from(without_marker, VOCABULARY, PHONE_KEYBOARD) is None


def test_thumbs_down_to_the_phone_keyboard() -> None:
    question = question_from(PHONE, VOCABULARY, PHONE_KEYBOARD)
    nlu = Understanding("nlu_fallback", 0.3)
    outcome = understand(question, "👎", nlu, VOCABULARY, CONTROL_INTENTS, CONTROL_CONFIDENCE)
    assert outcome.payload == "/ontkennen"


def test_no_buttons_no_question() -> None:
    assert question_from([{"text": "Oké. Ik wis niets.", "buttons": []}], VOCABULARY) is None
    outcome = understand(None, "ja", NO_NLU, VOCABULARY, CONTROL_INTENTS, CONTROL_CONFIDENCE)
    assert outcome == Outcome()


# --- stored between turns -------------------------------------------------------------------


def test_every_question_survives_json() -> None:
    for messages in ALL_QUESTIONS:
        question = question_from(messages, VOCABULARY)
        assert question is not None
        assert Question.from_json(question.to_json()) == question


def test_asked_back_survives_json_so_unclear_is_not_asked_twice() -> None:
    question = question_from(MEMBERSHIP, VOCABULARY)
    assert question is not None
    stored = Question.from_json(replace(question, asked_back=True).to_json())
    assert stored is not None and stored.asked_back
    outcome = understand(
        stored, "ik weet het niet", NO_NLU, VOCABULARY, CONTROL_INTENTS, CONTROL_CONFIDENCE
    )
    assert not outcome.unclear and outcome.payload is None


@pytest.mark.parametrize(
    "data",
    ["{", "null", '{"choices": [["/oefenen"]]}', '{"topic": []}'],
)
def test_malformed_json_is_no_question(data: str) -> None:
    assert Question.from_json(data) is None


# --- privacy: the question holds the bot's words only ---------------------------------------

LEARNER_TEXTS = [
    "Ik ben Fatima Yilmaz en mijn nummer is 0612345678",
    "ja ik heb een uitkering van de gemeente Tiel sinds maart",
    "ik weet het niet, mijn man Ahmed regelt dat",
]


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _strings(data: Any) -> list[str]:
    """The strings in decoded JSON (its values, not its keys)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


def test_no_learner_text_ends_up_in_the_stored_question() -> None:
    """Every word the stored question holds is a word of the bot's own messages (texts,
    titles, payloads, typed words), whatever the learner typed to it."""
    for messages in ALL_QUESTIONS:
        question = question_from(messages, VOCABULARY)
        assert question is not None
        before = question.to_json()
        bot_words = _tokens(json.dumps(messages, ensure_ascii=False))
        for text in LEARNER_TEXTS:
            understand(question, text, NO_NLU, VOCABULARY, CONTROL_INTENTS, CONTROL_CONFIDENCE)
            stored = question.to_json()
            assert stored == before
            words = {w for s in _strings(json.loads(stored)) for w in _tokens(s)}
            assert words <= bot_words
            assert not {"fatima", "yilmaz", "0612345678", "ahmed", "maart"} & words


def test_what_the_bot_showed_about_the_learner_stays_out_of_the_question() -> None:
    """The list before "Wil je dat ik alles wis?" (appointment, phone) is no part of it."""
    question = question_from(SEE_DATA, VOCABULARY)
    assert question is not None
    assert question.topic == ()  # "alles" says nothing of a topic
    assert not {"tiel", "morgen", "10", "telefoon", "afspraak"} & _tokens(question.to_json())


INTAKE = [
    message(
        "Hoe wil je oefenen? Kies wat bij je past.",
        [
            {"title": "🌍 Ik leer Nederlands", "payload": payload("instellingen", profiel="nt2")},
            {
                "title": "🗣️ Ik spreek Nederlands, lezen is lastig",
                "payload": payload("instellingen", profiel="nt1"),
            },
            {"title": "⏰ Later kiezen", "payload": payload("instellingen", keuze="later")},
        ],
    )
]


@pytest.mark.parametrize(
    ("text", "profile"),
    [("lezen is lastig", "nt1"), ("ik spreek nederlands", "nt1"), ("ik leer nederlands", "nt2")],
)
def test_a_run_of_a_long_buttons_words_is_that_button(text: str, profile: str) -> None:
    """ "ik spreek nederlands" is the start of the long button, not a near miss of "Ik leer
    Nederlands"."""
    assert ask(INTAKE, text).payload == payload("instellingen", profiel=profile)


def test_a_typo_of_a_button_beats_a_soft_command_but_not_stop() -> None:
    """The NLU reads "latr kiezen" as the settings (0.75): the button still wins. "stop"
    in any form never is an answer."""
    settings = Understanding("instellingen", 0.75)
    later = payload("instellingen", keuze="later")
    assert ask(INTAKE, "latr kiezen", nlu=settings).payload == later
    assert ask(INTAKE, "ik wil stoppen", nlu=Understanding("stoppen", 0.9)) == Outcome()
