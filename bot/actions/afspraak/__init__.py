"""Appointments by chat: a Rasa form (place, day, time, reason, phone, reminder), then the
booking; and "ik kan niet komen": move or cancel.

The form ``afspraak_form`` (domain.yml) asks each slot with an ``action_ask_*`` action here,
because the choices are live: free days and times come from ``bot.taalhuis.booking`` over
the store. Buttons fill the slots through entities; a typed answer reaches the requested
slot as text (``from_text``) and is matched to the choices, so "morgen" or "Tiel" work too.
``validate_afspraak_form`` checks every value against the store when it is given (past,
closed, full) and says why in one short sentence; the form then asks again, with the
alternatives as buttons. The booking itself happens once, at the end
(``action_afspraak_boeken``), in one conditional UPDATE: when two learners take the last
place at the same moment, one gets it and the other is asked for another time.

Moving and cancelling is a short walk of buttons on the intent ``afspraak_annuleren``; its
steps travel in the ``keuze`` entity ("verzetten", "d2026-12-01", "t2026-12-01_10:30",
"afzeggen"), never in the form's slots.
"""

from bot.actions.afspraak.boeken import ActionAfspraakBoeken
from bot.actions.afspraak.common import FORM, SLOTS
from bot.actions.afspraak.form import (
    ActionAfspraakSluiten,
    ActionAfspraakStart,
    ActionAskDag,
    ActionAskHerinnering,
    ActionAskPlek,
    ActionAskReden,
    ActionAskTelefoon,
    ActionAskTijd,
    ValidateAfspraakForm,
)
from bot.actions.afspraak.wijzigen import ActionAfspraakWijzigen

__all__ = [
    "FORM",
    "SLOTS",
    "ActionAfspraakBoeken",
    "ActionAfspraakSluiten",
    "ActionAfspraakStart",
    "ActionAfspraakWijzigen",
    "ActionAskDag",
    "ActionAskHerinnering",
    "ActionAskPlek",
    "ActionAskReden",
    "ActionAskTelefoon",
    "ActionAskTijd",
    "ValidateAfspraakForm",
]
