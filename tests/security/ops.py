"""Every operation of the platform and a request for each, built generically: REST routes from each service
app (path parameters filled with tenant A's row of the kind the parameter names, bodies from the OpenAPI
schema), GraphQL fields from the gateway schema (required arguments filled the same way, a selection of the
scalars and nested ids)."""

from __future__ import annotations

import functools
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
)

from services.kernel import clock
from services.kernel.access import declared_routes

SERVICES = ("policy", "providers", "bookings")
_VAR = tempfile.TemporaryDirectory(prefix="anze-matrix-")  # the apps' var_dir; removed when the run ends


# ---------------------------------------------------------------- REST


@functools.cache
def service_app(part: str) -> Any:
    """The part's app, built (not started) with test settings: nothing is written under ./var."""
    from anze.composition import create_part_app, part_app_module
    from services.kernel.testing import TestKeys

    kernel = TestKeys.generate().kernel_settings(Path(_VAR.name))
    return create_part_app(part, part_app_module(part).SETTINGS(kernel=kernel))


def rest_routes(part: str) -> dict[str, tuple[str, Any]]:
    """"METHOD /v1/path" -> (kind, roles) of one service app."""
    return {key: (kind, roles) for key, kind, roles in declared_routes(service_app(part))}


@functools.cache
def openapi(part: str) -> dict[str, Any]:
    return service_app(part).openapi()  # type: ignore[no-any-return]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# the id a parameter or field of this name takes; "id" is decided by the operation's name
ROW_ALIASES = {"firm_id": "enterprise_id", "case_id": "exposure_case_id", "exposure_case_id": "case_id"}


def row_for(name: str, rows: dict[str, str], context: str = "") -> str | None:
    key = _snake(name)
    if key in rows:
        return rows[key]
    if key in ROW_ALIASES and ROW_ALIASES[key] in rows:
        return rows[ROW_ALIASES[key]]
    if key == "id" and context:
        return row_for(context + "_id", rows)
    if key.endswith("_ids") and key[:-1] in rows:
        return rows[key[:-1]]
    return None


def example(schema: dict[str, Any], name: str, rows: dict[str, str], spec: dict[str, Any], depth: int = 0) -> Any:
    """A value that satisfies ``schema`` (an OpenAPI/JSON schema), tenant A's row for id-like names."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example(options[0], name, rows, spec, depth) if options else None
    if "allOf" in schema:
        return example(schema["allOf"][0], name, rows, spec, depth)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {prop: example(sub, prop, rows, spec, depth + 1) for prop, sub in schema.get("properties", {}).items()
                if prop in required and depth < 4}
    if kind == "array":
        if name.endswith("_ids") and row_for(name, rows):
            return [row_for(name, rows)]
        return [example(schema.get("items", {}), name.removesuffix("s"), rows, spec, depth + 1)] \
            if schema.get("minItems") else []
    if kind == "integer":
        return max(1, int(schema.get("minimum", schema.get("exclusiveMinimum", 0)) or 1))
    if kind == "number":
        return max(1.0, float(schema.get("minimum", 0) or 1))
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "date":
        return (clock.today() + timedelta(days=30)).isoformat()
    if fmt == "date-time":
        return (clock.now() + timedelta(days=30)).isoformat()
    found = row_for(name, rows)
    if found is not None:
        return found
    if "code" in name:
        return rows.get("town_code", "330282107")
    if "phone" in name:
        return "13900000001"
    if "email" in name:
        return "matrix@example.cn"
    if "uscc" in name:
        return rows.get("uscc", "91330282MA2AAAAA1X")
    pattern = schema.get("pattern")
    if pattern and re.fullmatch(pattern, "330282107"):
        return "330282107"
    return "matrix"


def rest_request(part: str, key: str, rows: dict[str, str]) -> tuple[str, str, dict[str, Any] | None, set[str]]:
    """(method, url under the embedded app, json body or None, the path parameters that are rows)."""
    method, path = key.split(" ", 1)
    spec = openapi(part)
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    used: set[str] = set()
    url = path
    for param in re.findall(r"{(\w+)}", path):
        value = row_for(param, rows)
        if value is None:
            value = f"missing_{param}"
        else:
            used.add(param)
        url = url.replace("{" + param + "}", value)
    query = {}
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("required"):
            query[param["name"]] = example(param.get("schema", {}), param["name"], rows, spec)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(content["application/json"]["schema"], "body", rows, spec)
    return method, f"/api/{part}{url}", body, used


# ---------------------------------------------------------------- GraphQL


@functools.cache
def graphql_schema() -> Any:
    from gateway.schema import build_schema

    return build_schema()._schema


def graphql_fields() -> dict[str, tuple[str, Any]]:
    """"Query.name" / "Mutation.name" -> (operation type, field) of the gateway schema."""
    schema = graphql_schema()
    out = {}
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, fld in root.fields.items():
            out[f"{root.name}.{name}"] = (kind, fld)
    return out


def _unwrap(t: Any) -> Any:
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def _selection(t: Any, depth: int) -> str:
    """``__typename``, the ids of the answer and of the rows nested one level down (what a leak would show),
    through connections' ``nodes`` and unions' members; nothing else (field-level rules are not the table's)."""
    t = _unwrap(t)
    if isinstance(t, (GraphQLScalarType, GraphQLEnumType)):
        return ""
    if isinstance(t, GraphQLUnionType):
        return " ".join(["__typename"] + [f"... on {m.name} {{ {_selection(m, depth)} }}" for m in t.types])
    if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)):
        parts = ["__typename"]
        for name, fld in t.fields.items():
            if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in fld.args.values()):
                continue
            inner = _unwrap(fld.type)
            if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
                if name == "id" or name.endswith("Id") or name == "code":
                    parts.append(name)
            elif name in ("nodes", "node", "edges"):
                parts.append(f"{name} {{ {_selection(inner, depth)} }}")
            elif depth > 0 and isinstance(inner, (GraphQLObjectType, GraphQLInterfaceType)) and "id" in inner.fields:
                parts.append(f"{name} {{ {_selection(inner, depth - 1)} }}")
        return " ".join(parts)
    return "__typename"


def _type_ref(t: Any) -> str:
    if isinstance(t, GraphQLNonNull):
        return _type_ref(t.of_type) + "!"
    if isinstance(t, GraphQLList):
        return "[" + _type_ref(t.of_type) + "]"
    return str(t.name)


def gql_value(t: Any, name: str, rows: dict[str, str], context: str, depth: int = 0) -> Any:
    nullable = not isinstance(t, GraphQLNonNull)
    inner = t.of_type if not nullable else t
    if isinstance(inner, GraphQLList):
        value = gql_value(inner.of_type, name.removesuffix("s"), rows, context, depth + 1)
        return [value] if value is not None else []
    if isinstance(inner, GraphQLInputObjectType):
        return {fname: gql_value(f.type, fname, rows, context, depth + 1) for fname, f in inner.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined and depth < 4}
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    scalar = inner.name
    if scalar == "ID" or name.endswith("Id") or name == "id":
        found = row_for(name, rows, context)
        return found if found is not None else f"missing_{name}"
    if scalar == "Int":
        return 1
    if scalar == "Long":
        return 100_000
    if scalar == "Time":
        return "09:00:00"
    if scalar == "Float":
        return 1.0
    if scalar == "Boolean":
        return True
    if scalar == "Date":
        return (clock.today() + timedelta(days=30)).isoformat()
    if scalar == "DateTime":
        return (clock.now() + timedelta(days=30)).isoformat()
    if scalar == "Upload":
        return None
    key = _snake(name)
    if key in rows:
        return rows[key]
    if "code" in key or "region" in key or "town" in key:
        return rows.get("town_code", "330282107")
    if "email" in key:
        return "matrix@example.cn"
    if "phone" in key:
        return "13900000001"
    if "uscc" in key:
        return rows.get("uscc", "matrix")
    if "password" in key:
        return "a-long-matrix-password"
    return "matrix"


def graphql_request(key: str, rows: dict[str, str], context: str | None = None,
                    depth: int = 0) -> tuple[str, dict[str, Any], set[str]]:
    """(document, variables, the arguments that are tenant A's rows) for one Query/Mutation field."""
    kind, fld = graphql_fields()[key]
    name = key.split(".", 1)[1]
    context = context if context is not None else _snake(name).split("_")[0]
    defs, args, variables, used = [], [], {}, set()
    for arg_name, arg in fld.args.items():
        if not isinstance(arg.type, GraphQLNonNull) or arg.default_value is not Undefined:
            continue
        defs.append(f"${arg_name}: {_type_ref(arg.type)}")
        args.append(f"{arg_name}: ${arg_name}")
        variables[arg_name] = gql_value(arg.type, arg_name, rows, context)
        if row_for(arg_name, rows, context) is not None:
            used.add(arg_name)
    selection = _selection(fld.type, depth)
    call = name + (f"({', '.join(args)})" if args else "") + (f" {{ {selection} }}" if selection else "")
    document = f"{kind} Matrix{('(' + ', '.join(defs) + ')') if defs else ''} {{ {call} }}"
    return document, variables, used
