"""A person, please: the Taalhuis's phone number, when you can walk in without an
appointment (open now, or when next), and a button to book one. The same offer follows two
misunderstandings in a row (bot/actions/understanding.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.deps import telegram_id
from bot.actions.taalhuis import _TaalhuisAction
from bot.taalhuis.hours import status
from bot.taalhuis.organisation import TIMEZONE, Location


class ActionMensSpreken(_TaalhuisAction):
    def name(self) -> str:
        return "action_mens_spreken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        self.asked(tracker, "mens")
        self.offer(dispatcher, tracker)
        return []

    def offer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Call, walk in (at the learner's place, else at each place), or book."""
        places = self.places(tracker)
        phone = places[0].phone if len(places) == 1 else self.deps.organisation.phone
        dispatcher.utter_message(response="utter_mens_bellen", telefoon=phone)
        lines = [line for line in (self.walk_in(place) for place in places) if line]
        if lines:
            dispatcher.utter_message(response="utter_mens_langs", lijst="\n".join(lines))
        dispatcher.utter_message(
            response="utter_mens_afspraak",
            buttons=[
                self.button("afspraak", "afspraak_maken"),
                self.button("openingstijden", "openingstijden"),
            ],
        )

    def places(self, tracker: Tracker) -> list[Location]:
        """The learner's place: of their appointment, of the form being filled in, or the
        only one; otherwise every place."""
        locations = self.deps.organisation.locations
        user_id = telegram_id(tracker)
        booked = (
            self.deps.appointments.active(user_id, self.deps.clock())
            if user_id is not None
            else None
        )
        chosen = booked.location_id if booked else tracker.get_slot("afspraak_plek")
        if chosen in locations:
            return [locations[chosen]]
        return list(locations.values())

    def walk_in(self, location: Location) -> str | None:
        """ "🏠 Tiel: nu, tot 12:00 uur." or "🏠 Tiel: morgen om 09:30 uur."."""
        labels = self.deps.taalhuis_labels
        now = self.deps.clock()
        found = status(location, now, walk_in=True)
        if found.open_now and found.closes_at is not None:
            return labels.labels["inloop_nu"].format(
                plaats=location.town, tijd=f"{found.closes_at.astimezone(TIMEZONE):%H:%M}"
            )
        if found.next_open is None:
            return None
        local = found.next_open.astimezone(TIMEZONE)
        return labels.labels["inloop_later"].format(
            plaats=location.town,
            wanneer=labels.day_word(local.date(), now.astimezone(TIMEZONE).date()),
            tijd=f"{local:%H:%M}",
        )
