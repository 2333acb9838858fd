"""The whole bot as a learner meets it: real python-telegram-bot over HTTP, the real Rasa
model, real espeak-ng voice notes, a real SQLite database; only Telegram is the emulator."""

from __future__ import annotations

import asyncio
import io

import pytest
import soundfile

from bot.emulator.client import buttons_of, ends_turn, text_of

pytestmark = pytest.mark.asyncio

REPLAY = ["/herhalen", "/langzamer"]


def payloads(message: dict) -> list[str]:
    return [b["callback_data"] for b in buttons_of(message)]


async def started(client, chat_id: int) -> list[dict]:
    """A learner who pressed Start: the introduction, five messages."""
    return await client.command(chat_id, "start", expect=5)


async def assert_alive(client, chat_id: int) -> None:
    """After odd input the bot still answers a plain hello, with the menu."""
    replies = await client.say(chat_id, "hallo", expect=2)
    assert "/oefenen" in payloads(replies[-1])


async def test_start_introduces_bot_as_computer_with_voice_and_menu(
    client, chat_id, domain_responses
):
    replies = await started(client, chat_id)
    texts = [text_of(m) for m in replies]
    assert texts[0] == domain_responses["utter_welkom"]
    assert "computer" in texts[1]
    assert "mens spreken" in texts[2] and "088 123 45 67" in texts[2]
    assert "vergeet mij" in texts[3]
    # Then the intake: how do you want to practise? One button per profile, or later.
    assert texts[4] == domain_responses["utter_vraag_profiel"]
    assert payloads(replies[-1]) == [
        *(f'/instellingen{{"profiel":"{p}"}}' for p in ("nt2", "nt1", "werk", "doof")),
        '/instellingen{"keuze":"later"}',
        *REPLAY,
    ]
    for message in replies:
        assert message["voice"], "every learner message is also spoken"
    audio = await client.file_bytes(replies[0]["voice"]["url"])
    data, rate = soundfile.read(io.BytesIO(audio))
    assert rate == 48000 and len(data) / rate > 1.0


async def test_hallo_after_intro_is_short_text_voice_and_buttons(client, chat_id, domain_responses):
    await started(client, chat_id)
    replies = await client.say(chat_id, "hallo", expect=2, settle=0.3)
    assert [text_of(m) for m in replies] == [
        domain_responses["utter_groet"],
        domain_responses["utter_menu"],
    ]
    assert all(m["voice"] for m in replies)
    assert "/taalhuis_info" in payloads(replies[-1])


async def test_button_press_goes_back_through_rasa(client, chat_id, domain_responses):
    intro = await started(client, chat_id)
    replies = await client.press(chat_id, intro[-1]["message_id"], "/taalhuis_info", expect=2)
    assert text_of(replies[0]) == domain_responses["utter_taalhuis_info"]


async def test_same_phrase_twice_is_sent_by_file_id(client, chat_id):
    intro = await started(client, chat_id)
    first = await client.press(chat_id, intro[-1]["message_id"], "/taalhuis_info", expect=2)
    uploads = (await client.stats())["uploads"]
    second = await client.press(chat_id, first[-1]["message_id"], "/taalhuis_info", expect=2)
    assert (await client.stats())["uploads"] == uploads, "a known phrase is not uploaded again"
    assert second[0]["voice"]["file_id"] == first[0]["voice"]["file_id"]


async def test_misspelled_question_is_understood(client, chat_id, domain_responses):
    await started(client, chat_id)
    replies = await client.say(chat_id, "wanneer isse open", expect=1)
    assert text_of(replies[0]) == domain_responses["utter_vraag_plek"]


async def test_once_more_and_slower_repeat_the_last_turn(client, chat_id):
    await started(client, chat_id)
    answer = await client.say(chat_id, "wanneer is het taalhuis open", expect=1)
    again = await client.press(chat_id, answer[-1]["message_id"], "/herhalen", expect=1)
    assert text_of(again[0]) == text_of(answer[0])
    assert again[0]["voice"]["file_id"] == answer[0]["voice"]["file_id"]
    slower = await client.press(chat_id, again[-1]["message_id"], "/langzamer", expect=1)
    assert text_of(slower[0]) == text_of(answer[0])
    assert slower[0]["voice"]["duration"] > answer[0]["voice"]["duration"]


async def test_sound_off_sends_text_only_until_sound_on(client, chat_id, domain_responses):
    await started(client, chat_id)
    off = await client.say(chat_id, "geen geluid", expect=1, settle=0.3)
    assert text_of(off[0]) == domain_responses["utter_geluid_uit"]
    assert off[0]["voice"] is None and off[0]["text"]
    quiet = await client.say(chat_id, "hallo", expect=2)
    assert all(m["voice"] is None for m in quiet)
    assert "/herhalen" not in payloads(quiet[-1]), "no replay buttons without sound"
    on = await client.say(chat_id, "geluid aan", expect=1)
    assert on[0]["voice"]


async def test_stop_always_works(client, chat_id, domain_responses):
    await started(client, chat_id)
    replies = await client.say(chat_id, "stop", expect=1)
    assert text_of(replies[0]) == domain_responses["utter_gestopt"]


async def test_messages_of_one_chat_are_answered_in_order(client, chat_id, domain_responses):
    await started(client, chat_id)
    for text in ("wanneer open", "dank je wel", "doei"):
        await client.post(f"/api/chats/{chat_id}/text", {"text": text})
    expected = [
        domain_responses["utter_vraag_plek"],
        domain_responses["utter_graag_gedaan"],
        domain_responses["utter_afscheid"],
    ]
    for _ in range(50):
        await client.sync(chat_id, wait=1)
        bot_texts = [text_of(m) for m in client.view(chat_id).bot_messages()][5:]
        if len(bot_texts) >= 3:
            break
    assert bot_texts == expected


# Every kind of odd input gets a friendly Dutch answer and the bot stays alive.


async def test_thumbs_up_sticker_counts_as_yes(client, chat_id, domain_responses):
    await started(client, chat_id)
    replies = await client.act(chat_id, "sticker", {"emoji": "👍"}, expect=2)
    assert text_of(replies[0]) == domain_responses["utter_fijn"]


@pytest.mark.parametrize(
    ("kind", "key"),
    [("photo", "photo"), ("voice", "voice"), ("document", "file")],
)
async def test_media_get_a_friendly_answer(client, chat_id, kind, key, harness):
    from bot.content import load_channel_texts

    await started(client, chat_id)
    replies = await client.act(chat_id, kind, expect=1, settle=0.5)
    assert [text_of(m) for m in replies] == [load_channel_texts().texts[key]]
    # Spoken, but no "Nog eens": that replays the last Rasa turn, which this text is not part of.
    assert replies[0]["voice"] and "/herhalen" not in payloads(replies[0])
    await assert_alive(client, chat_id)


async def test_very_long_text_is_cut_and_answered(client, chat_id):
    from bot.content import load_channel_texts

    await started(client, chat_id)
    replies = await client.say(chat_id, "ik wil graag " * 340, until=ends_turn)
    assert len("ik wil graag " * 340) > 4000
    assert text_of(replies[0]) == load_channel_texts().texts["too_long"]
    await assert_alive(client, chat_id)


@pytest.mark.parametrize("text", ["🙏", "👋", "🤷‍♀️🤷‍♀️🤷‍♀️", "?", "asdfghjkl"])
async def test_emoji_and_nonsense_get_an_answer(client, chat_id, text):
    await started(client, chat_id)
    replies = await client.say(chat_id, text, expect=1, settle=0.5)
    assert text_of(replies[0])
    await assert_alive(client, chat_id)


async def test_edited_message_is_read_again(client, chat_id, domain_responses):
    await started(client, chat_id)
    await client.say(chat_id, "wanner opn", expect=1)
    sent = [m for m in client.view(chat_id).messages.values() if m["from"] == "user"][-1]
    replies = await client.act(
        chat_id, "edit", {"message_id": sent["message_id"], "text": "dank je wel"}, expect=1
    )
    assert text_of(replies[0]) == domain_responses["utter_graag_gedaan"]


async def test_unknown_command_gets_not_understood_and_the_question_again(
    client, chat_id, domain_responses
):
    intro = await started(client, chat_id)
    replies = await client.command(chat_id, "foobar", expect=2)
    assert text_of(replies[0]) == domain_responses["utter_niet_begrepen"]
    # The intake question was on screen: it comes back, so the walk is not lost.
    assert text_of(replies[1]) == text_of(intro[-1])
    assert payloads(replies[1]) == payloads(intro[-1])


async def test_unknown_command_without_a_question_gets_the_menu(client, chat_id, domain_responses):
    await started(client, chat_id)
    await client.say(chat_id, "dank je wel", expect=1, settle=0.3)
    replies = await client.command(chat_id, "foobar", expect=2)
    assert text_of(replies[0]) == domain_responses["utter_niet_begrepen"]
    assert "/hulp" in payloads(replies[-1])


async def test_typed_payload_is_not_a_backdoor(client, chat_id, domain_responses):
    await started(client, chat_id)
    replies = await client.say(chat_id, '/bevestigen{"x": 1}', expect=2, settle=0.3)
    assert text_of(replies[0]) == domain_responses["utter_niet_begrepen"]


@pytest.mark.parametrize("data", ["rm -rf /", "/onbekend_ding", '/hulp{"x": 1}', "", "x" * 64])
async def test_malformed_callback_data_gets_menu(client, chat_id, data, domain_responses):
    intro = await started(client, chat_id)
    replies = await client.press(chat_id, intro[-1]["message_id"], data, expect=2, settle=0.3)
    assert text_of(replies[0]) == domain_responses["utter_niet_begrepen"]
    await assert_alive(client, chat_id)


async def test_double_press_is_answered_once(client, chat_id):
    intro = await started(client, chat_id)
    message_id = intro[-1]["message_id"]
    for _ in range(2):
        await client.post(
            f"/api/chats/{chat_id}/press", {"message_id": message_id, "data": "/hulp"}
        )
    await asyncio.sleep(2.5)
    await client.sync(chat_id)
    after = client.view(chat_id).bot_messages()[len(intro) :]
    assert len(after) == 4, [text_of(m) for m in after]  # one answer to "hulp", not two


async def test_group_chat_gets_pointed_to_a_private_chat(client, chat_id):
    from bot.content import load_channel_texts

    group = -chat_id
    replies = await client.act(
        group,
        "text",
        {"text": "hallo", "chat_type": "group", "user_id": chat_id},
        expect=1,
        settle=0.3,
    )
    assert [text_of(m) for m in replies] == [load_channel_texts().texts["group"]]
    assert replies[0]["voice"] is None


# Telegram hiccups are retried, not dropped.


async def test_rate_limit_429_is_retried(client, chat_id, domain_responses):
    await started(client, chat_id)
    await client.fault(method="sendVoice", error_code=429, retry_after=1, count=1)
    replies = await client.say(chat_id, "dank je", expect=1, timeout=15)
    assert text_of(replies[0]) == domain_responses["utter_graag_gedaan"]


async def test_network_error_is_retried(client, chat_id, domain_responses):
    await started(client, chat_id)
    await client.fault(method="sendVoice", disconnect=True, count=1)
    replies = await client.say(chat_id, "dank je", expect=1, timeout=15)
    assert text_of(replies[0]) == domain_responses["utter_graag_gedaan"]


# Privacy.


async def test_forget_me_erases_profile_statistics_and_conversation(client, chat_id, harness):
    from sqlalchemy import text

    store = harness.bot.store
    intro = await started(client, chat_id)
    assert store.users.get(chat_id) is not None
    assert store.analytics.count_turns(chat_id) == 1
    question = await client.say(chat_id, "vergeet mij", expect=1)
    assert "/bevestigen" in payloads(question[0])
    done = await client.press(chat_id, question[0]["message_id"], "/bevestigen", expect=1)
    assert "gewist" in text_of(done[0])
    await asyncio.sleep(0.3)
    assert store.users.get(chat_id) is None
    assert store.analytics.count_turns(chat_id) == 0
    with store.engine.connect() as connection:
        events = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": str(chat_id)}
        ).scalar()
    assert events == 0
    again = await started(client, chat_id)
    assert [text_of(m) for m in again] == [text_of(m) for m in intro]


async def test_forget_me_erases_practice_records_too(client, chat_id, harness):
    from sqlalchemy import text

    store = harness.bot.store
    await started(client, chat_id)
    themes = await client.say(chat_id, "oefenen", until=ends_turn)
    question = await client.press(
        chat_id, themes[-1]["message_id"], payloads(themes[-1])[0], until=ends_turn
    )
    await client.press(
        chat_id, question[-1]["message_id"], payloads(question[-1])[0], until=ends_turn
    )
    assert store.practice.store.events(chat_id)  # questions shown (a tap may be a first word)
    store.analytics.stats.refresh()  # the dashboard's weekly rows hold the learner now
    question = await client.say(chat_id, "vergeet mij", expect=1)
    await client.press(chat_id, question[0]["message_id"], "/bevestigen", expect=1)
    await asyncio.sleep(0.3)
    pseudonym = store.analytics.pseudonym(chat_id)
    with store.engine.connect() as connection:
        left = {
            table: connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :v"),
                {"v": pseudonym if column == "user_key" else chat_id},
            ).scalar()
            for table, column in [
                ("practice_state", "telegram_id"),
                ("practice_items", "telegram_id"),
                ("practice_themes", "telegram_id"),
                ("practice_events", "user_key"),
                ("learner_facts", "user_key"),
                ("learner_weeks", "user_key"),
            ]
        }
    assert left == dict.fromkeys(left, 0)


async def test_statistics_are_pseudonymised_and_hold_no_text(client, chat_id, harness):
    from sqlalchemy import text

    await started(client, chat_id)
    await client.say(chat_id, "wanneer is het open", expect=1)
    with harness.bot.store.engine.connect() as connection:
        rows = (
            connection.execute(
                text("SELECT * FROM analytics_events WHERE user_key = :k ORDER BY id"),
                {"k": harness.bot.store.analytics.pseudonym(chat_id)},
            )
            .mappings()
            .all()
        )
    assert [(r["intent"], r["action"]) for r in rows] == [
        ("groet", "action_welkom"),
        ("openingstijden", "action_openingstijden"),
    ]
    assert set(rows[0].keys()) == {"id", "user_key", "intent", "confidence", "action", "created_at"}
    assert str(chat_id) not in rows[0]["user_key"]


async def test_opening_hours_by_buttons_alone(client, chat_id, harness, domain_responses):
    from bot.taalhuis.labels import load_labels

    intro = await started(client, chat_id)
    info = await client.press(chat_id, intro[-1]["message_id"], "/taalhuis_info", until=ends_turn)
    assert text_of(info[0]) == domain_responses["utter_taalhuis_info"]
    hours_button = load_labels().labels["openingstijden"]
    data = next(b["callback_data"] for b in buttons_of(info[-1]) if b["text"] == hours_button)
    places = await client.press(chat_id, info[-1]["message_id"], data, until=ends_turn)
    assert text_of(places[0]) == domain_responses["utter_vraag_plek"]
    tiel = next(b["callback_data"] for b in buttons_of(places[0]) if "Tiel" in b["text"])
    answer = await client.press(chat_id, places[0]["message_id"], tiel, until=ends_turn)
    name = harness.bot.store.action_deps().organisation.locations["tiel"].name
    assert text_of(answer[0]).startswith(f"{name} is nu ")
    assert "/afspraak_maken" in payloads(answer[-1])
