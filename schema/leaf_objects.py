"""Objects whose selected fields are all plain attributes of leaf type, completed in one step.

graphql-core executes every field of every object on its own: resolve info, resolver, value
completion, path bookkeeping, about 9 us a field here, so a page of views costs its number of
fields times that (BENCHMARKS.md, the per-request floor). Most objects a query selects are
views whose fields are Strawberry's basic fields (an attribute, no resolver, no permission)
of scalar or enum type, and for those the outcome of all that machinery is fixed: read the
attribute, serialize it with the field's type. LeafObjects does just that for an object when
every selected field is such a field (or `__typename`), and hands anything else to
graphql-core unchanged: a field with a resolver or arguments, an object or list type, a
deferred fragment. If reading or serializing any field goes wrong (an exception, a null in a
non-null field, a value the type refuses), the whole object is executed again the ordinary
way, which raises and locates the error exactly as before; nothing of the fast attempt is kept.

The executor of the HTTP path (schema/executor.py) runs no field middleware, so nothing is
skipped that would otherwise run per field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, Undefined, is_leaf_type, is_non_null_type
from graphql.execution.incremental.incremental_executor import IncrementalExecutor

DEFINITION = "strawberry-definition"  # Strawberry's back reference on a GraphQL field
TYPENAME = "__typename"
FAIL = object()

# (response key, attribute or None for __typename, serializer, non-null)
Step = tuple[str, str | None, Callable[[Any], Any], bool]
# per collected field list (kept, so its id is not reused) and type: the steps, or None
Plans = dict[tuple[int, str], tuple[Any, tuple[Step, ...] | None]]


def plan_for(return_type: GraphQLObjectType, grouped: Any) -> tuple[Step, ...] | None:
    """The steps that complete an object of `return_type` for these collected fields, or
    None when one of them needs graphql-core's own execution."""
    steps: list[Step] = []
    for key, details in grouped.items():
        node = details[0].node
        name = node.name.value
        if name == TYPENAME:
            steps.append((key, None, _typename(return_type.name), True))
            continue
        field = return_type.fields.get(name)
        if field is None or node.arguments or field.args:
            return None
        resolve = field.resolve
        definition = field.extensions.get(DEFINITION)
        if resolve is None or not getattr(resolve, "_is_default", False) or definition is None:
            return None
        non_null = is_non_null_type(field.type)
        inner = field.type.of_type if non_null else field.type
        if not is_leaf_type(inner):
            return None
        steps.append((key, definition.python_name, inner.coerce_output_value, non_null))
    return tuple(steps)


def _typename(name: str) -> Callable[[Any], str]:
    return lambda _source: name


def complete(steps: tuple[Step, ...], source: Any) -> Any:
    """The object's result, or FAIL when the ordinary path must run (and report)."""
    out: dict[str, Any] = {}
    try:
        for key, attribute, serialize, non_null in steps:
            if attribute is None:
                out[key] = serialize(source)
                continue
            value = getattr(source, attribute)
            if value is None:
                if non_null:
                    return FAIL
                out[key] = None
                continue
            coerced = serialize(value)
            if coerced is Undefined or coerced is None:
                return FAIL
            out[key] = coerced
    except Exception:  # the ordinary path raises it again, with its path and location
        return FAIL
    return out


class LeafObjects(IncrementalExecutor):
    """graphql-core's execution with the one-step completion above."""

    _leaf_plans: Plans | None = None

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        plans = self._leaf_plans
        if plans is None:  # one per execution: the lists it keys by identity live as long
            plans = self._leaf_plans = {}
        key = (id(field_details_list), return_type.name)
        known = plans.get(key)
        if known is None or known[0] is not field_details_list:
            grouped, new_defer_usages, _forbidden = self.collect_subfields(
                return_type, field_details_list
            )
            steps = None if new_defer_usages else plan_for(return_type, grouped)
            known = plans[key] = (field_details_list, steps)
        steps = known[1]
        if steps is not None and not self.is_awaitable(result):
            done = complete(steps, result)
            if done is not FAIL:
                return done
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )
