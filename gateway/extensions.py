"""Schema extensions of the gateway: a cost estimate that refuses expensive queries before they run, and
the turn of every error into one with a stable ``extensions.code`` (and the failing ``service``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from gateway.errors import ServiceDown
from services.kernel.errors import ProblemError

log = logging.getLogger("anze.gateway")

LIST_ESTIMATE = 20  # rows assumed for a list field without `first`


class QueryCost:
    """Estimated number of fields resolved: each field costs 1, times the rows of every list above it."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any]) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def operation(self, op: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(op.operation)
        return self._selection(op.selection_set, root, 1, set()) if root else 0

    def _selection(self, selection_set: SelectionSetNode | None, parent: Any, multiplier: int,
                   seen: set[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self._field(sel, parent, multiplier, seen)
            elif isinstance(sel, InlineFragmentNode):
                target = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self._selection(sel.selection_set, target, multiplier, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self._selection(fragment.selection_set, target, multiplier, seen | {name})
        return total

    def _field(self, node: FieldNode, parent: Any, multiplier: int, seen: set[str]) -> int:
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None:
            return multiplier
        field_type, is_list = definition.type, False
        while isinstance(field_type, GraphQLNonNull | GraphQLList):
            is_list = is_list or isinstance(field_type, GraphQLList)
            field_type = field_type.of_type
        first = self._first(node)
        in_connection = isinstance(parent, GraphQLObjectType) and parent.name.endswith("Connection")
        if first is not None:
            factor = first
        elif is_list and not in_connection:
            factor = LIST_ESTIMATE
        else:
            factor = 1
        return multiplier + self._selection(node.selection_set, field_type, multiplier * max(factor, 1), seen)

    def _first(self, node: FieldNode) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value != "first":
                continue
            if isinstance(arg.value, IntValueNode):
                return int(arg.value.value)
            if isinstance(arg.value, VariableNode):
                value = self.variables.get(arg.value.name.value)
                return int(value) if isinstance(value, int) else 50
        return None


class CostLimiter(SchemaExtension):
    """Refuses a query whose estimated cost passes ``max_cost`` before any service is called. It runs at
    execution (not validation) so that ``first`` given in variables counts too, despite the validation cache."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            estimator = QueryCost(ctx.schema._schema, fragments, ctx.variables or {})
            ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                   and (ctx.operation_name is None or (d.name and d.name.value == ctx.operation_name))]
            cost = sum(estimator.operation(op) for op in ops[:1])
            if cost > self.max_cost:
                ctx.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                    f"the query's estimated cost {cost} is over the limit of {self.max_cost}; "
                    "ask for fewer rows (`first`) or fewer nested lists",
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": self.max_cost})])
        yield


_VALIDATION_CODES = (
    ("exceeds maximum operation depth", "QUERY_TOO_DEEP"),
    ("aliases found", "TOO_MANY_ALIASES"),
    ("more than", "TOO_MANY_TOKENS"),
    ("Syntax Error", "GRAPHQL_PARSE_FAILED"),
)


def coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    message = error.message
    if isinstance(original, ProblemError):
        extensions["code"] = original.code
        if isinstance(original, ServiceDown):
            extensions["service"] = original.service
        if original.fields:
            extensions["field"] = original.fields[0].field
        message = original.detail
    elif original is not None and not isinstance(original, GraphQLError) and "code" not in extensions:
        if isinstance(original, ValueError | TypeError) and error.path is None:
            extensions["code"] = "BAD_USER_INPUT"
        else:
            log.error("unexpected error in a resolver at %s", error.path, exc_info=original)
            extensions["code"] = "INTERNAL"
            message = "an unexpected error occurred; it has been logged"
    elif "code" not in extensions:
        extensions["code"] = next((code for text, code in _VALIDATION_CODES if text in message),
                                  "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT")
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=original, extensions=extensions)


class ErrorCodes(SchemaExtension):
    """Every error leaves with ``extensions.code``; a failed service is named in ``extensions.service``;
    errors noted by resolvers that still answered (partial figures) are added."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        errors = [coded(e) for e in (getattr(result, "errors", None) or [])]
        context = self.execution_context.context
        for problem in getattr(context, "extra_errors", []):
            extensions: dict[str, Any] = {"code": problem.code}
            if isinstance(problem, ServiceDown):
                extensions["service"] = problem.service
            errors.append(GraphQLError(problem.detail, extensions=extensions))
        if errors:
            result.errors = errors
