"""rasa_sdk custom actions, one module per feature; thin calls into the domain and store.

``build_executor`` is the only way actions are made: the composition root (or the separate
action server) hands in the repositories they need.
"""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

from bot.actions.afspraak import (
    ActionAfspraakBoeken,
    ActionAfspraakSluiten,
    ActionAfspraakStart,
    ActionAfspraakWijzigen,
    ActionAskDag,
    ActionAskHerinnering,
    ActionAskPlek,
    ActionAskReden,
    ActionAskTelefoon,
    ActionAskTijd,
    ValidateAfspraakForm,
)
from bot.actions.deps import ActionDeps
from bot.actions.dialogue import ActionHerhalen, ActionLangzamer, ActionStoppen, ActionWelkom
from bot.actions.mens import ActionMensSpreken
from bot.actions.practice import ActionOefenen, ActionVoortgang
from bot.actions.privacy import ActionGegevensInzien, ActionGegevensWissen, ActionMaatje
from bot.actions.profile import (
    ActionGeluidAan,
    ActionGeluidUit,
    ActionInstellingen,
    ActionIntake,
)
from bot.actions.taalhuis import (
    ActionCursusZoeken,
    ActionGebarentaal,
    ActionLidmaatschap,
    ActionOpeningstijden,
    ActionTaalhuisInfo,
)
from bot.actions.understanding import ActionNietBegrepen

__all__ = ["ActionDeps", "build_executor"]


def build_executor(deps: ActionDeps) -> ActionExecutor:
    """An ActionExecutor with every Taalmaatje action registered as an instance."""
    executor = ActionExecutor()
    for action in (
        ActionWelkom(deps),
        ActionHerhalen(deps),
        ActionLangzamer(deps),
        ActionStoppen(deps),
        ActionGeluidUit(deps),
        ActionGeluidAan(deps),
        ActionVoortgang(deps),
        ActionGegevensWissen(),
        ActionOefenen(deps),
        ActionInstellingen(deps),
        ActionIntake(deps),
        ActionTaalhuisInfo(deps),
        ActionOpeningstijden(deps),
        ActionLidmaatschap(deps),
        ActionCursusZoeken(deps),
        ActionGebarentaal(deps),
        ActionAfspraakStart(deps),
        ActionAfspraakSluiten(deps),
        ActionAskPlek(deps),
        ActionAskDag(deps),
        ActionAskTijd(deps),
        ActionAskReden(deps),
        ActionAskTelefoon(deps),
        ActionAskHerinnering(deps),
        ValidateAfspraakForm(deps),
        ActionAfspraakBoeken(deps),
        ActionAfspraakWijzigen(deps),
        ActionNietBegrepen(deps),
        ActionMensSpreken(deps),
        ActionGegevensInzien(deps),
        ActionMaatje(),
    ):
        executor.register_action(action)
    return executor
