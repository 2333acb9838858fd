"""A sequential replacement for Rasa's DaskGraphRunner, for prediction.

Rasa runs its prediction graph (a handful of nodes, three or four times a turn) through
dask's scheduler, whose bookkeeping costs about a millisecond per run. The nodes are pure
functions of their parents' outputs, so resolving each target depth-first, with every node
computed once, gives dask's results without its overhead.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """Same construction and results as DaskGraphRunner; runs nodes in the calling thread."""

    _minimal: dict[tuple[str, ...], GraphSchema]

    def run(
        self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        run_targets = list(targets) if targets else self._graph_schema.target_names
        schema = self._minimal_schema(tuple(run_targets))
        values: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of "
                    f"the input names passed to the `run` method are the same as node names "
                    f"in the graph schema."
                )
            values[name] = (name, value)

        def compute(name: str) -> Any:
            if name in values:
                return values[name]
            node = schema.nodes.get(name)
            if node is None:
                return name  # as dask does: an unknown key is passed on as itself
            arguments = [compute(parent) for parent in node.needs.values()]
            values[name] = self._instantiated_nodes[name](*arguments)
            return values[name]

        try:
            return dict(compute(target) for target in run_targets)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error

    def _minimal_schema(self, targets: tuple[str, ...]) -> GraphSchema:
        cache = self.__dict__.setdefault("_minimal", {})
        if targets not in cache:
            cache[targets] = self._graph_schema.minimal_graph_schema(list(targets))
        return cache[targets]
