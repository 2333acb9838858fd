"""rasa_sdk custom actions, one module per feature; thin calls into the domain and store.

``build_executor`` is the only way actions are made: the composition root (or the separate
action server) hands in the repositories they need.
"""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

from bot.actions.deps import ActionDeps
from bot.actions.dialogue import ActionHerhalen, ActionLangzamer, ActionStoppen, ActionWelkom
from bot.actions.privacy import ActionGegevensWissen
from bot.actions.profile import ActionGeluidAan, ActionGeluidUit
from bot.actions.progress import ActionVoortgang

__all__ = ["ActionDeps", "build_executor"]


def build_executor(deps: ActionDeps) -> ActionExecutor:
    """An ActionExecutor with every Taalmaatje action registered as an instance."""
    executor = ActionExecutor()
    for action in (
        ActionWelkom(deps),
        ActionHerhalen(),
        ActionLangzamer(),
        ActionStoppen(),
        ActionGeluidUit(deps),
        ActionGeluidAan(deps),
        ActionVoortgang(deps),
        ActionGegevensWissen(),
    ):
        executor.register_action(action)
    return executor
