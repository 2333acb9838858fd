"""A compact Bot API schema and a seeded generator of updates over it, odd ones included.

``OBJECTS`` lists the fields of the Bot API objects an update carries (7.x to 9.x shapes, as
python-telegram-bot 22 reads them): a field's type is a spec string, ``!`` marks a required
field. ``Generator`` builds every update kind the Bot API documents from it, in chats of a
fixed pool (so the bot's answers reach chats the emulator knows), and ``Generator.odd`` bends
an update: unknown fields and kinds, missing required fields, wrong types, nulls, huge and
unicode/emoji/RTL strings, negative and huge ids, nested junk. Free text carries ``SECRET``
(phone numbers ``PHONE_SECRET``), which must never show up in a log.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SECRET = "GEHEIMq7z"
PHONE_SECRET = "619283746"  # a Dutch mobile number without its 0 or +31
SECRETS = (SECRET, PHONE_SECRET)

KINDS = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
    "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost",
)  # fmt: skip

# How often each kind comes (every kind at least 1 %): mostly what a bot sees in groups and
# channels, few private chats (each private update is answered, a text with a Rasa turn).
KIND_WEIGHTS = {kind: 3.0 for kind in KINDS} | {
    "message": 20.0, "edited_message": 6.0, "callback_query": 10.0, "channel_post": 5.0,
    "business_message": 1.5, "edited_business_message": 1.0,
}  # fmt: skip

# Chats and users no other test uses. Private chats are the learners who get answers; the
# emulator must know every chat the bot may write to (tests register them first).
PRIVATE = (*range(88_000_001, 88_000_031), 88_000_000_000_001)
GROUPS = tuple(range(-88_000_110, -88_000_100))
SUPERGROUPS = tuple(range(-1_008_800_000_010, -1_008_800_000_000))
CHANNELS = tuple(range(-1_008_800_000_110, -1_008_800_000_100))
MEMBERS = tuple(range(88_100_001, 88_100_061))  # people in groups, never in a private chat

# Field types: "User"/"Chat"/... objects, "[T]" lists, "enum:a,b", "const:x", scalars below.
OBJECTS: dict[str, dict[str, str]] = {
    "User": {
        "id": "member!", "is_bot": "false!", "first_name": "name!", "last_name": "name",
        "username": "username", "language_code": "enum:nl,en,ar,tr,pl,uk,ti,so",
        "is_premium": "true", "added_to_attachment_menu": "true",
    },
    "PhotoSize": {
        "file_id": "file_id!", "file_unique_id": "uid!", "width": "px!", "height": "px!",
        "file_size": "size",
    },
    "Sticker": {
        "file_id": "file_id!", "file_unique_id": "uid!", "type": "enum:regular,mask,custom_emoji!",
        "width": "px!", "height": "px!", "is_animated": "bool!", "is_video": "bool!",
        "thumbnail": "PhotoSize", "emoji": "emoji", "set_name": "username", "file_size": "size",
        "custom_emoji_id": "uid", "needs_repainting": "true",
    },
    "Voice": {
        "file_id": "file_id!", "file_unique_id": "uid!", "duration": "seconds!",
        "mime_type": "enum:audio/ogg,audio/mpeg", "file_size": "size",
    },
    "Audio": {
        "file_id": "file_id!", "file_unique_id": "uid!", "duration": "seconds!",
        "performer": "text", "title": "text", "file_name": "file_name", "mime_type": "mime",
        "file_size": "size", "thumbnail": "PhotoSize",
    },
    "Document": {
        "file_id": "file_id!", "file_unique_id": "uid!", "thumbnail": "PhotoSize",
        "file_name": "file_name", "mime_type": "mime", "file_size": "size",
    },
    "Video": {
        "file_id": "file_id!", "file_unique_id": "uid!", "width": "px!", "height": "px!",
        "duration": "seconds!", "thumbnail": "PhotoSize", "file_name": "file_name",
        "mime_type": "mime", "file_size": "size", "start_timestamp": "seconds",
    },
    "VideoNote": {
        "file_id": "file_id!", "file_unique_id": "uid!", "length": "px!", "duration": "seconds!",
        "thumbnail": "PhotoSize", "file_size": "size",
    },
    "Animation": {
        "file_id": "file_id!", "file_unique_id": "uid!", "width": "px!", "height": "px!",
        "duration": "seconds!", "thumbnail": "PhotoSize", "file_name": "file_name",
        "mime_type": "mime", "file_size": "size",
    },
    "Contact": {
        "phone_number": "phone!", "first_name": "name!", "last_name": "name", "user_id": "member",
        "vcard": "text",
    },
    "Location": {
        "latitude": "lat!", "longitude": "lon!", "horizontal_accuracy": "accuracy",
        "live_period": "seconds", "heading": "heading", "proximity_alert_radius": "px",
    },
    "Venue": {
        "location": "Location!", "title": "text!", "address": "text!",
        "foursquare_id": "uid", "google_place_id": "uid",
    },
    "Dice": {"emoji": "enum:🎲,🎯,🏀,⚽,🎳,🎰!", "value": "dice!"},
    "PollOption": {"text": "text!", "voter_count": "count!"},
    "Poll": {
        "id": "uid!", "question": "text!", "options": "[PollOption]!",
        "total_voter_count": "count!",
        "is_closed": "bool!", "is_anonymous": "bool!", "type": "enum:regular,quiz!",
        "allows_multiple_answers": "bool!", "correct_option_id": "dice", "explanation": "text",
        "open_period": "seconds", "close_date": "date",
    },
    "InlineKeyboardButton": {
        "text": "text!", "callback_data": "data", "url": "enum:https://taalhuis.example/,tg://user?id=1",
    },
    "InlineKeyboardMarkup": {"inline_keyboard": "[[InlineKeyboardButton]]!"},
    "LinkPreviewOptions": {
        "is_disabled": "bool", "url": "enum:https://example.org/", "prefer_small_media": "true",
        "show_above_text": "true",
    },
    "ShippingAddress": {
        "country_code": "enum:NL,BE,SR!", "state": "text!", "city": "text!",
        "street_line1": "text!", "street_line2": "text!", "post_code": "enum:1234 AB,9999 ZZ!",
    },
    "OrderInfo": {
        "name": "text", "phone_number": "phone", "email": "enum:a@example.org",
        "shipping_address": "ShippingAddress",
    },
    "ChatInviteLink": {
        "invite_link": "enum:https://t.me/+abcDEF,https://t.me/+...!", "creator": "User!",
        "creates_join_request": "bool!", "is_primary": "bool!", "is_revoked": "bool!",
        "name": "text", "expire_date": "date", "member_limit": "count",
        "pending_join_request_count": "count",
    },
    "ReactionTypeEmoji": {"type": "const:emoji!", "emoji": "enum:👍,❤,🔥,🤔,😢,🙏,🤡!"},
    "ReactionTypeCustomEmoji": {"type": "const:custom_emoji!", "custom_emoji_id": "uid!"},
    "ReactionTypePaid": {"type": "const:paid!"},
    "ChatBoostSourcePremium": {"source": "const:premium!", "user": "User!"},
    "ChatBoostSourceGiftCode": {"source": "const:gift_code!", "user": "User!"},
    "ChatBoostSourceGiveaway": {
        "source": "const:giveaway!", "giveaway_message_id": "message_id!", "user": "User",
        "is_unclaimed": "true", "prize_star_count": "count",
    },
    "BusinessBotRights": {
        "can_reply": "true", "can_read_messages": "true", "can_delete_all_messages": "true",
        "can_edit_name": "true", "can_manage_stories": "true",
    },
    "TextQuote": {"text": "text!", "position": "count!", "is_manual": "true"},
}  # fmt: skip
# Fields newer Bot APIs made required (python-telegram-bot 22.8 reads Bot API 9.6/10.0): left
# out now and then, for an update in an older (7.x/8.x) shape.
NEWER: dict[str, dict[str, str]] = {
    "PollOption": {"persistent_id": "uid"},
    "Poll": {"allows_revoting": "bool", "members_only": "bool"},
    "restricted": {"can_react_to_messages": "bool"},
}
OLDER_SHAPE = 0.15
OBJECTS["ReactionCount"] = {"type": "Reaction!", "total_count": "count!"}
OBJECTS["ChatBoost"] = {
    "boost_id": "uid!",
    "add_date": "date!",
    "expiration_date": "date!",
    "source": "BoostSource!",
}

ENTITY_TYPES = (
    "bold", "italic", "url", "mention", "hashtag", "code", "pre", "text_link", "text_mention",
    "spoiler", "custom_emoji", "blockquote", "expandable_blockquote", "underline",
    "strikethrough", "phone_number", "email", "cashtag", "future_type",
)  # fmt: skip

MEMBER_STATUS: dict[str, dict[str, str]] = {
    "creator": {"is_anonymous": "bool!", "custom_title": "text"},
    "administrator": {
        **{
            f"can_{right}": "bool!"
            for right in (
                "be_edited", "manage_chat", "delete_messages", "manage_video_chats",
                "restrict_members", "promote_members", "change_info", "invite_users",
                "post_stories", "edit_stories", "delete_stories",
            )
        },
        "is_anonymous": "bool!", "can_pin_messages": "bool", "custom_title": "text",
    },
    "member": {"until_date": "date"},
    "restricted": {
        **{
            f"can_{right}": "bool!"
            for right in (
                "change_info", "invite_users", "pin_messages", "send_messages", "send_polls",
                "send_other_messages", "add_web_page_previews", "manage_topics", "send_audios",
                "send_documents", "send_photos", "send_videos", "send_video_notes",
                "send_voice_notes", "edit_tag",
            )
        },
        "is_member": "bool!", "until_date": "date!",
    },
    "left": {},
    "kicked": {"until_date": "date!"},
}  # fmt: skip

WORDS = (
    "hallo", "hoi", "goedemorgen", "ik wil oefenen", "wat is dat", "ja", "nee", "dank je",
    "ik snap het niet", "afspraak", "taalhuis", "lezen", "schrijven", "👍", "🙂", "doei",
    "Hoe laat is het?", "mijn naam is Fatima", "ik woon in Utrecht", "help", "stop",
)  # fmt: skip
ODD_TEXTS = (
    "\u202eRTL override\u202c ابجد هوز", "שלום עולם", "مرحبا كيف حالك", "👨‍👩‍👧‍👦🏳️‍🌈🧑🏿‍🦱",
    "e\u0301\u0301\u0301\u0301 Z̷̡̛̙a̴̢͔l̸̨̛g̶o̷", "\u200b\u200c\u200d\ufeff", "漢字かなカナ한국어",
    "\x00nul\x01\x7f", "tab\tnew\nline\r\n", "' OR 1=1; --", "<b>vet</b> &amp; <script>",
    "*markdown* _x_ `y` [z](http://a)", "%s %d {0} {x}", "\\ud83d\\ude00", "𝕳𝖆𝖑𝖑𝖔 𝟙𝟚𝟛",
    "ﷺ ﷽", "\u2028\u2029", " ", "/", "/start@TaalmaatjeBot extra", "🇳🇱" * 50,
)  # fmt: skip
COMMANDS = (
    "/start", "/hulp", "/menu", "/oefenen", "/voortgang", "/taalhuis", "/onbekend",
    "/start@TaalmaatjeBot", "/START", "/stop", "/geluid_uit", "/geluid_aan", "/x" * 30,
)  # fmt: skip
DATA = (
    "/herhalen", "/langzamer", "/hulp", "/groet", "/nlu_fallback", '/oefenen{"keuze":"x"}',
    '/oefenen{"bestaatniet":"1"}', "/bestaatniet", "ja", "", "/", "{}", "null", "💥" * 16,
    "\u202e/hulp", "/hulp ", "/HULP", '/hulp{"keuze":"' + "a" * 40 + '"}', "/taalhuis_info",
)  # fmt: skip
UNKNOWN_KINDS = (
    "guest_message", "message_v2", "business_story", "future_update", "chat_gift",
    "paid_reaction", "story", "",
)  # fmt: skip
EXTRA_FIELDS = ("x_future_field", "reactions_v3", "is_from_offline", "paid_star_count", "💡")
HUGE_INTS = (0, -1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30)
ODD_MUTATIONS = (
    "extra_field", "missing_field", "wrong_type", "null", "huge_string", "unicode", "huge_id",
    "nested_junk", "body_not_object", "unknown_kind", "two_kinds", "empty_body",
)  # fmt: skip


@dataclass
class Stats:
    kinds: Counter[str] = field(default_factory=Counter)
    odd: Counter[str] = field(default_factory=Counter)
    private_chats: set[int] = field(default_factory=set)


class Generator:
    """Updates from a seeded ``random.Random``: the same seed, the same updates."""

    def __init__(self, seed: int, private_share: float = 0.06) -> None:
        self.random = random.Random(seed)
        self.private_share = private_share
        self.stats = Stats()
        self._message_id = 1000
        self.older = False  # this update in a Bot API 7.x/8.x shape

    # Scalars

    def scalar(self, spec: str) -> Any:
        r = self.random
        if spec.startswith("enum:"):
            return r.choice(spec[5:].split(","))
        if spec.startswith("const:"):
            return spec[6:]
        makers = {
            "member": lambda: r.choice(MEMBERS),
            "false": lambda: False,
            "true": lambda: True,
            "bool": lambda: r.random() < 0.5,
            "name": lambda: r.choice(("Fatima", "Jan", "Ayşe", "Оксана", "محمد", "李", "Ünal")),
            "username": lambda: r.choice(("learner_1", "Taalhuis_Utrecht", "x" * 32)),
            "file_id": lambda: "AgAC" + "".join(r.choices("abcdefXYZ0123_-", k=40)),
            "uid": lambda: "AQAD" + "".join(r.choices("abcXYZ0123", k=12)),
            "px": lambda: r.choice((90, 320, 512, 1280)),
            "size": lambda: r.randint(1, 20_000_000),
            "seconds": lambda: r.randint(0, 3600),
            "count": lambda: r.randint(0, 500),
            "dice": lambda: r.randint(1, 6),
            "date": lambda: r.randint(1_600_000_000, 1_800_000_000),
            "message_id": lambda: r.randint(1, 2**31 - 1),
            "lat": lambda: r.uniform(-90, 90),
            "lon": lambda: r.uniform(-180, 180),
            "accuracy": lambda: r.uniform(0, 1500),
            "heading": lambda: r.randint(1, 360),
            "mime": lambda: r.choice(("application/pdf", "image/png", "audio/mpeg", "x/y")),
            "file_name": lambda: r.choice(("brief.pdf", "huiswerk.docx", f"{SECRET}.txt", "")),
            "phone": self.phone,
            "text": self.text,
            "data": self.data,
            "emoji": lambda: r.choice(("👍", "😀", "❤️", "🤷‍♀️", "🇳🇱")),
        }
        return makers[spec]()

    def text(self) -> str:
        r = self.random
        words = r.choice((WORDS, WORDS, ODD_TEXTS))
        text = " ".join(r.choice(words) for _ in range(r.randint(1, 4)))
        return f"{text} {SECRET}" if r.random() < 0.7 else text

    def phone(self) -> str:
        return self.random.choice(("+31", "0", "0031 ", "+31 ", "")) + PHONE_SECRET

    def data(self) -> str:
        data = self.random.choice(DATA)
        # A secret in callback data too, within Telegram's 64 bytes.
        return f"{data}{SECRET}" if self.random.random() < 0.3 else data

    # Objects

    def obj(self, name: str, optional: float = 0.35, **given: Any) -> dict[str, Any]:
        fields = OBJECTS[name]
        out: dict[str, Any] = {}
        for key, spec in fields.items():
            if key in given:
                out[key] = given[key]
                continue
            required = spec.endswith("!")
            spec = spec.rstrip("!")
            if required or self.random.random() < optional:
                out[key] = self.value(spec)
        out.update({k: v for k, v in given.items() if k not in out})
        self.newer(name, out)
        return out

    def newer(self, name: str, out: dict[str, Any]) -> None:
        if name in NEWER and not self.older:
            out.update({key: self.value(spec) for key, spec in NEWER[name].items()})

    def value(self, spec: str) -> Any:
        if spec.startswith("[["):
            inner = spec[2:-2]
            rows = self.random.randint(1, 3)
            return [
                [self.value(inner) for _ in range(self.random.randint(1, 3))] for _ in range(rows)
            ]
        if spec.startswith("["):
            return [self.value(spec[1:-1]) for _ in range(self.random.randint(1, 4))]
        if spec == "Reaction":
            return self.reaction()
        if spec == "BoostSource":
            return self.obj(
                self.random.choice(
                    ("ChatBoostSourcePremium", "ChatBoostSourceGiftCode", "ChatBoostSourceGiveaway")
                )
            )
        if spec in OBJECTS:
            return self.obj(spec)
        return self.scalar(spec)

    def reaction(self) -> dict[str, Any]:
        weights = (8, 2, 1)
        names = ("ReactionTypeEmoji", "ReactionTypeCustomEmoji", "ReactionTypePaid")
        return self.obj(self.random.choices(names, weights)[0])

    def user(self, user_id: int | None = None) -> dict[str, Any]:
        return self.obj("User", id=user_id if user_id is not None else self.random.choice(MEMBERS))

    def chat(self, chat_type: str) -> dict[str, Any]:
        r = self.random
        if chat_type == "private":
            chat_id = r.choice(PRIVATE)
            self.stats.private_chats.add(chat_id)
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "Fatima"}
            if r.random() < 0.3:
                chat["username"] = "learner_1"
            return chat
        pool = {"group": GROUPS, "supergroup": SUPERGROUPS, "channel": CHANNELS}[chat_type]
        chat = {"id": r.choice(pool), "type": chat_type, "title": r.choice(("Oefengroep", "📚"))}
        if chat_type != "group" and r.random() < 0.5:
            chat["username"] = "taalhuis_kanaal"
        if chat_type == "supergroup" and r.random() < 0.3:
            chat["is_forum"] = True
        return chat

    def chat_type(self, channel: bool = False) -> str:
        if channel:
            return "channel"
        if self.random.random() < self.private_share:
            return "private"
        return self.random.choice(("group", "supergroup", "supergroup"))

    def next_message_id(self) -> int:
        self._message_id += 1
        return self._message_id

    def message(
        self, chat: dict[str, Any] | None = None, depth: int = 0, edited: bool = False
    ) -> dict[str, Any]:
        r = self.random
        chat = chat or self.chat(self.chat_type())
        message: dict[str, Any] = {
            "message_id": self.next_message_id(),
            "date": self.scalar("date"),
            "chat": chat,
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        elif chat["type"] == "private":
            message["from"] = self.user(chat["id"])
        else:
            message["from"] = self.user()
        content = r.choices(
            ("text", "command", "photo", "sticker", "voice", "audio", "document", "video",
             "video_note", "animation", "contact", "location", "venue", "poll", "dice",
             "service", "nothing"),
            (30, 6, 6, 6, 6, 2, 4, 2, 2, 2, 4, 3, 2, 2, 2, 5, 1),
        )[0]  # fmt: skip
        self.fill(message, content)
        if r.random() < 0.15:
            message["reply_markup"] = self.obj("InlineKeyboardMarkup")
        if depth < 2 and r.random() < 0.15:
            message["reply_to_message"] = self.message(chat, depth + 1)
        if r.random() < 0.08:
            message["forward_origin"] = self.origin()
        if r.random() < 0.05:
            message["quote"] = self.obj("TextQuote")
        if r.random() < 0.1 and chat["type"] == "supergroup":
            message["message_thread_id"] = r.randint(1, 999)
            message["is_topic_message"] = True
        if edited:
            message["edit_date"] = message["date"] + r.randint(1, 600)
        return message

    def fill(self, message: dict[str, Any], content: str) -> None:
        r = self.random
        caption = r.random() < 0.5
        if content == "text":
            text = self.text()
            message["text"] = text
            if r.random() < 0.3:
                message["entities"] = self.entities(text)
            if r.random() < 0.1:
                message["link_preview_options"] = self.obj("LinkPreviewOptions")
            return
        if content == "command":
            command = r.choice(COMMANDS)
            message["text"] = command + (f" {SECRET}" if r.random() < 0.3 else "")
            length = len(command.split()[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            return
        if content == "photo":
            message["photo"] = [self.obj("PhotoSize") for _ in range(r.randint(1, 4))]
        elif content in ("sticker", "voice", "audio", "document", "video", "animation"):
            message[content] = self.obj(content.title())
            if content == "animation":  # Telegram sends an animation as a document too
                message["document"] = self.obj("Document")
            caption = caption and content not in ("sticker",)
        elif content == "video_note":
            message["video_note"] = self.obj("VideoNote")
            caption = False
        elif content == "contact":
            own = message.get("from", {}).get("id")
            user_id = own if r.random() < 0.6 else r.choice(MEMBERS)
            message["contact"] = self.obj("Contact", user_id=user_id)
            caption = False
        elif content in ("location", "venue", "poll", "dice"):
            message[content] = self.obj(content.title())
            if content == "venue":
                message["location"] = message["venue"]["location"]
            caption = False
        elif content == "service":
            self.service(message)
            caption = False
        else:
            caption = False
        if caption:
            message["caption"] = self.text()
            if r.random() < 0.3:
                message["caption_entities"] = self.entities(message["caption"])
            if r.random() < 0.1:
                message["media_group_id"] = str(r.randint(1, 10**15))

    def service(self, message: dict[str, Any]) -> None:
        r = self.random
        kind = r.choice(
            ("new_chat_members", "left_chat_member", "new_chat_title", "pinned_message",
             "group_chat_created", "delete_chat_photo", "new_chat_photo")
        )  # fmt: skip
        if kind == "new_chat_members":
            message[kind] = [self.user() for _ in range(r.randint(1, 3))]
        elif kind == "left_chat_member":
            message[kind] = self.user()
        elif kind == "new_chat_title":
            message[kind] = self.text()
        elif kind == "pinned_message":
            message[kind] = self.message(message["chat"], depth=2)
        elif kind == "new_chat_photo":
            message[kind] = [self.obj("PhotoSize")]
        else:
            message[kind] = True

    def entities(self, text: str) -> list[dict[str, Any]]:
        r = self.random
        size = max(1, len(text.encode("utf-16-le")) // 2)
        out = []
        for _ in range(r.randint(1, 3)):
            offset = r.randint(0, size - 1)
            entity: dict[str, Any] = {
                "type": r.choice(ENTITY_TYPES),
                "offset": offset,
                "length": r.randint(1, size - offset),
            }  # fmt: skip
            if entity["type"] == "text_link":
                entity["url"] = "https://example.org/"
            elif entity["type"] == "text_mention":
                entity["user"] = self.user()
            elif entity["type"] == "pre" and r.random() < 0.5:
                entity["language"] = "python"
            elif entity["type"] == "custom_emoji":
                entity["custom_emoji_id"] = self.scalar("uid")
            out.append(entity)
        return out

    def origin(self) -> dict[str, Any]:
        r = self.random
        kind = r.choice(("user", "hidden_user", "chat", "channel"))
        origin: dict[str, Any] = {"type": kind, "date": self.scalar("date")}
        if kind == "user":
            origin["sender_user"] = self.user()
        elif kind == "hidden_user":
            origin["sender_user_name"] = self.text()
        elif kind == "chat":
            origin["sender_chat"] = self.chat("supergroup")
        else:
            origin["chat"] = self.chat("channel")
            origin["message_id"] = self.scalar("message_id")
        return origin

    def member(self, user: dict[str, Any] | None = None) -> dict[str, Any]:
        status = self.random.choice(tuple(MEMBER_STATUS))
        out = {"status": status, "user": user or self.user()}
        for key, spec in MEMBER_STATUS[status].items():
            if spec.endswith("!") or self.random.random() < 0.3:
                out[key] = self.value(spec.rstrip("!"))
        self.newer(status, out)
        return out

    # Updates

    def body(self, kind: str) -> dict[str, Any]:
        r = self.random
        if kind in ("message", "edited_message"):
            return self.message(edited=kind == "edited_message")
        if kind in ("channel_post", "edited_channel_post"):
            return self.message(self.chat("channel"), edited=kind == "edited_channel_post")
        if kind in ("business_message", "edited_business_message"):
            message = self.message(self.chat(self.chat_type() if r.random() < 0.2 else "private"))
            message["business_connection_id"] = self.scalar("uid")
            if r.random() < 0.3:
                message["sender_business_bot"] = self.user()
            return message
        if kind == "business_connection":
            user = self.user()
            connection = {
                "id": self.scalar("uid"),
                "user": user,
                "user_chat_id": user["id"],
                "date": self.scalar("date"),
                "is_enabled": r.random() < 0.8,
            }
            if r.random() < 0.7:
                connection["rights"] = self.obj("BusinessBotRights")
            else:
                connection["can_reply"] = True  # the Bot API 7.x shape
            return connection
        if kind == "deleted_business_messages":
            return {
                "business_connection_id": self.scalar("uid"),
                "chat": self.chat("private"),
                "message_ids": [self.scalar("message_id") for _ in range(r.randint(1, 5))],
            }
        if kind == "message_reaction":
            chat = self.chat(self.chat_type())
            reaction: dict[str, Any] = {
                "chat": chat,
                "message_id": self.scalar("message_id"),
                "date": self.scalar("date"),
                "old_reaction": [self.reaction() for _ in range(r.randint(0, 2))],
                "new_reaction": [self.reaction() for _ in range(r.randint(0, 3))],
            }
            if r.random() < 0.8:
                reaction["user"] = self.user(chat["id"] if chat["type"] == "private" else None)
            else:
                reaction["actor_chat"] = self.chat("channel")
            return reaction
        if kind == "message_reaction_count":
            return {
                "chat": self.chat(r.choice(("channel", "supergroup"))),
                "message_id": self.scalar("message_id"),
                "date": self.scalar("date"),
                "reactions": [self.obj("ReactionCount") for _ in range(r.randint(0, 4))],
            }
        if kind == "inline_query":
            query = {
                "id": str(r.randint(1, 10**18)),
                "from": self.user(),
                "query": self.text()[:256],
                "offset": r.choice(("", "10", "x")),
            }
            if r.random() < 0.6:
                query["chat_type"] = r.choice(("sender", "private", "group", "supergroup"))
            if r.random() < 0.1:
                query["location"] = self.obj("Location")
            return query
        if kind == "chosen_inline_result":
            result = {"result_id": self.scalar("uid"), "from": self.user(), "query": self.text()}
            if r.random() < 0.5:
                result["inline_message_id"] = self.scalar("uid")
            if r.random() < 0.1:
                result["location"] = self.obj("Location")
            return result
        if kind == "callback_query":
            return self.callback_query()
        if kind == "shipping_query":
            return {
                "id": self.scalar("uid"),
                "from": self.user(),
                "invoice_payload": self.text(),
                "shipping_address": self.obj("ShippingAddress"),
            }
        if kind == "pre_checkout_query":
            query = {
                "id": self.scalar("uid"),
                "from": self.user(),
                "currency": r.choice(("EUR", "XTR")),
                "total_amount": r.randint(1, 10**6),
                "invoice_payload": self.text(),
            }
            if r.random() < 0.3:
                query["order_info"] = self.obj("OrderInfo")
            return query
        if kind == "purchased_paid_media":
            return {"from": self.user(), "paid_media_payload": self.text()}
        if kind == "poll":
            return self.obj("Poll")
        if kind == "poll_answer":
            options = [r.randint(0, 9) for _ in range(r.randint(0, 3))]
            answer: dict[str, Any] = {"poll_id": self.scalar("uid"), "option_ids": options}
            if not self.older:
                answer["option_persistent_ids"] = [self.scalar("uid") for _ in options]
            if r.random() < 0.8:
                answer["user"] = self.user()
            else:
                answer["voter_chat"] = self.chat("channel")
            return answer
        if kind in ("my_chat_member", "chat_member"):
            chat = self.chat(r.choice(("private", "group", "supergroup", "channel")))
            user = self.user(chat["id"] if chat["type"] == "private" else None)
            updated = {
                "chat": chat,
                "from": user,
                "date": self.scalar("date"),
                "old_chat_member": self.member(),
                "new_chat_member": self.member(),
            }
            if r.random() < 0.2:
                updated["invite_link"] = self.obj("ChatInviteLink")
            if r.random() < 0.1:
                updated["via_join_request"] = True
            return updated
        if kind == "chat_join_request":
            user = self.user()
            request = {
                "chat": self.chat(r.choice(("supergroup", "channel"))),
                "from": user,
                "user_chat_id": user["id"],
                "date": self.scalar("date"),
            }
            if r.random() < 0.5:
                request["bio"] = self.text()
            if r.random() < 0.3:
                request["invite_link"] = self.obj("ChatInviteLink")
            return request
        if kind == "chat_boost":
            return {"chat": self.chat("channel"), "boost": self.obj("ChatBoost")}
        if kind == "removed_chat_boost":
            return {
                "chat": self.chat(r.choice(("channel", "supergroup"))),
                "boost_id": self.scalar("uid"),
                "remove_date": self.scalar("date"),
                "source": self.value("BoostSource"),
            }
        raise ValueError(kind)

    def callback_query(self) -> dict[str, Any]:
        r = self.random
        query: dict[str, Any] = {
            "id": str(r.randint(1, 10**18)),
            "chat_instance": str(r.randint(-(10**18), 10**18)),
        }
        where = r.random()
        if where < 0.85:
            message = self.message()
            if r.random() < 0.1:  # older than 48 hours: an InaccessibleMessage
                message = {"chat": message["chat"], "message_id": message["message_id"], "date": 0}
            query["message"] = message
            chat = message["chat"]
            query["from"] = self.user(chat["id"] if chat["type"] == "private" else None)
        else:
            query["inline_message_id"] = self.scalar("uid")
            query["from"] = self.user()
        if r.random() < 0.95:
            query["data"] = self.data()
        else:
            query["game_short_name"] = "quiz"
        return query

    def kind(self, kinds: tuple[str, ...] = KINDS) -> str:
        return self.random.choices(kinds, [KIND_WEIGHTS[k] for k in kinds])[0]

    def update(self, kind: str | None = None) -> dict[str, Any]:
        """One well-formed update (no update_id: the caller numbers them)."""
        kind = kind or self.kind()
        self.stats.kinds[kind] += 1
        self.older = self.random.random() < OLDER_SHAPE
        return {kind: self.body(kind)}

    # Odd cases

    def odd(self, update: dict[str, Any], mutation: str | None = None) -> dict[str, Any]:
        """The update bent in one way (or two): see ``ODD_MUTATIONS``. Bending adds no
        ``SECRET``: it may land in an id the bot rightly sends back (answerCallbackQuery)."""
        r = self.random
        mutation = mutation or r.choice(ODD_MUTATIONS)
        self.stats.odd[mutation] += 1
        update = copy.deepcopy(update)
        kind = next(iter(update), "message")  # bent before: perhaps nothing left
        nodes = list(_dicts(update))
        node = r.choice(nodes)
        if mutation == "extra_field":
            node[r.choice(EXTRA_FIELDS)] = self.junk(2)
        elif mutation == "missing_field":
            keys = [k for k in node]
            if keys:
                del node[r.choice(keys)]
        elif mutation in ("wrong_type", "null", "huge_string", "unicode", "huge_id"):
            leaves = [(d, k) for d in nodes for k, v in d.items() if not isinstance(v, dict | list)]
            if mutation == "huge_string":
                leaves = [(d, k) for d, k in leaves if isinstance(d[k], str)] or leaves
            if mutation == "huge_id":
                # A chat's id stays one the emulator knows: Telegram sends nothing from a chat
                # that does not exist, and an answer to one fails as any send does (a retry,
                # then quarantine; tested elsewhere). Null and wrong-typed ids do come.
                leaves = [(d, k) for d, k in leaves if type(d[k]) is int and not _chat_id(d, k)]
            if leaves:
                holder, key = r.choice(leaves)
                holder[key] = self.bent(holder[key], mutation)
        elif mutation == "nested_junk":
            key = r.choice(list(node) or ["junk"])
            node[key] = self.junk(r.choice((3, 6, 40)))
        elif mutation == "body_not_object":
            update[kind] = r.choice(("hallo", [], [1, 2], 0, None, True, "", [{}]))
        elif mutation == "unknown_kind":
            body = update.pop(kind, {})
            update[r.choice(UNKNOWN_KINDS)] = body if r.random() < 0.7 else self.junk(2)
        elif mutation == "two_kinds":
            other = r.choice([k for k in KINDS if k != kind])
            update[other] = self.body(other)
        elif mutation == "empty_body":
            update[kind] = {}
        return update

    def bent(self, value: Any, mutation: str) -> Any:
        r = self.random
        if mutation == "null":
            return None
        if mutation == "huge_id":
            return r.choice(HUGE_INTS)
        if mutation == "huge_string":
            piece = r.choice(("a", "ü", "👍", "\u202e", "漢", "hallo "))
            return piece * r.choice((4097, 20_000, 70_000))
        if mutation == "unicode":
            return r.choice(ODD_TEXTS)
        # A value of another type than the one it has.
        choices: list[Any] = ["42", 42, 4.2, True, [], {}, ["x"], {"text": "x"}, "", -1]
        return r.choice([c for c in choices if type(c) is not type(value)])

    def junk(self, depth: int) -> Any:
        r = self.random
        if depth <= 0:
            return r.choice((None, 0, -1.5, "", "junk", True, [], {}, 2**70))
        if r.random() < 0.5:
            width = r.randint(1, 2) if depth <= 6 else 1  # deep junk is a chain, not a tree
            return [self.junk(depth - 1) for _ in range(width)]
        return {r.choice(("a", "message", "chat", "id", "from", "")): self.junk(depth - 1)}


def _chat_id(holder: dict[str, Any], key: str) -> bool:
    return key == "id" and holder.get("type") in ("private", "group", "supergroup", "channel")


def _dicts(value: Any) -> Any:
    """Every dict nested in ``value``, itself included."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _dicts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dicts(item)


def lone_surrogate_text() -> str:
    """A string no UTF-8 encoder takes: JSON may carry it (as "\\ud83d"), Telegram does not."""
    return "hallo \ud83d " + SECRET
