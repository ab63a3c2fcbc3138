"""JumpCloud's Swagger 2.0 files as strict JSON Schema, and what an exchange does outside them.

Why `jsonschema` with Draft 4: Swagger 2.0 schema objects are a subset of JSON Schema Draft 4 (the
OpenAPI 2.0 specification defines them that way), so a real Draft 4 validator reads JumpCloud's
definitions as written, once three Swagger-isms are translated (`strict`):
- `$ref: "#/definitions/X"` resolves against the file's own definitions, kept as the root document;
- `x-nullable: true` becomes `type: [<type>, "null"]` (Swagger 2.0 has no null);
- `allOf` is merged into one object schema, so that strictness (below) sees every property.
Strict: an object schema that lists `properties` and says nothing about `additionalProperties` gets
`additionalProperties: false`. JumpCloud's files almost never forbid extra fields, yet a field the
spec does not define is exactly what we want to find; an explicit `additionalProperties: true`
(the search `filter`, graph attributes) stays open.

A finding is one line, the same for every exchange that shows it, e.g.
`request DELETE /systemusers/{id} query.cascade_manager: outside the spec`, which is also how the
register's "Outside the published spec" table names it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import attrs
from jsonschema import Draft4Validator, ValidationError

SPEC_DIR = Path(__file__).parent / "jumpcloud-openapi"
_DROPPED = frozenset({"description", "title", "example", "readOnly", "discriminator", "xml", "externalDocs"})
_PARAMETER = re.compile(r"\{[^{}/]+\}")


@attrs.frozen
class Operation:
    """One operation of a spec: its body schema, the query parameters it defines, its answers."""

    spec: SwaggerSpec = attrs.field(repr=False)
    method: str
    template: str  # as the spec writes it, without basePath: "/systemusers/{id}"
    body: dict[str, Any] | None
    query: frozenset[str]
    responses: Mapping[str, dict[str, Any] | None]  # status -> schema (None: no body)

    @property
    def name(self) -> str:
        """`PUT /systemusers/{id}`."""
        return f"{self.method} {self.template}"

    def response_schema(self, status: int) -> dict[str, Any] | None:
        """The schema of a listed status; for an error status the spec does not list, its `Error` definition."""
        if str(status) in self.responses:
            return self.responses[str(status)]
        return {"$ref": "#/definitions/Error"} if status >= 400 else None


class SwaggerSpec:
    """One Swagger 2.0 file: its operations, found by method and request path."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.base_path = str(document["basePath"]).rstrip("/")  # "/api" or "/api/v2"
        self._raw_definitions: Mapping[str, Any] = document["definitions"]
        self._parameters: Mapping[str, Any] = document.get("parameters", {})
        self.definitions = {
            name: strict(schema, self._raw_definitions) for name, schema in self._raw_definitions.items()
        }
        self._paths = [
            (
                re.compile(
                    "^" + _PARAMETER.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
                ),
                template,
                item,
            )
            for template, item in document["paths"].items()
        ]
        self._validators: dict[str, Draft4Validator] = {}

    @classmethod
    def load(cls, name: str) -> SwaggerSpec:
        """A vendored file from tests/spec/jumpcloud-openapi/."""
        return cls(json.loads((SPEC_DIR / name).read_text()))

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation a request path (with basePath, e.g. /api/systemusers/abc) names, or None."""
        if not path.startswith(self.base_path + "/"):
            return None
        relative = path[len(self.base_path) :]
        for pattern, template, item in self._paths:
            if pattern.match(relative) and method.lower() in item:
                return self._operation(method.upper(), template, item)
        return None

    def validator(self, schema: dict[str, Any]) -> Draft4Validator:
        """A Draft 4 validator for a (strict) schema of this file, `$ref`s resolved against its definitions."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            self._validators[key] = Draft4Validator({**schema, "definitions": self.definitions})
        return self._validators[key]

    def _operation(self, method: str, template: str, item: Mapping[str, Any]) -> Operation:
        spec = item[method.lower()]
        parameters = [self._parameter(p) for p in [*item.get("parameters", []), *spec.get("parameters", [])]]
        body = next((p["schema"] for p in parameters if p.get("in") == "body"), None)
        return Operation(
            spec=self,
            method=method,
            template=template,
            body=strict(body, self._raw_definitions) if body is not None else None,
            query=frozenset(p["name"] for p in parameters if p.get("in") == "query"),
            responses={
                status: strict(answer["schema"], self._raw_definitions) if answer and "schema" in answer else None
                for status, answer in spec.get("responses", {}).items()
            },
        )

    def _parameter(self, parameter: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = parameter.get("$ref")
        return self._parameters[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else parameter


class Specs:
    """Both files; `operation()` finds the one a request belongs to."""

    @cached_property
    def files(self) -> tuple[SwaggerSpec, ...]:
        return (SwaggerSpec.load("JumpCloud.SDK.V2.json"), SwaggerSpec.load("JumpCloud.SDK.V1.json"))

    def operation(self, method: str, path: str) -> Operation | None:
        return next((op for spec in self.files if (op := spec.operation(method, path)) is not None), None)


def strict(node: Any, definitions: Mapping[str, Any]) -> Any:
    """A Swagger 2.0 schema as a strict Draft 4 schema (see the module docstring)."""
    if isinstance(node, list):
        return [strict(item, definitions) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "allOf" in node:
        node = _merged(node, definitions)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key.startswith("x-"):
            continue
        if key == "properties":
            out[key] = {name: strict(schema, definitions) for name, schema in value.items()}
        elif key in ("items", "additionalProperties", "not", "anyOf", "oneOf"):
            out[key] = strict(value, definitions)
        else:
            out[key] = value
    if node.get("x-nullable") is True:
        out = _nullable(out)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:  # Draft 4 ignores a $ref's siblings
        return {"anyOf": [schema, {"type": "null"}]}
    nullable = dict(schema)
    if isinstance(nullable.get("type"), str):
        nullable["type"] = [nullable["type"], "null"]
    if "enum" in nullable:
        nullable["enum"] = [*nullable["enum"], None]
    return nullable


def _merged(node: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """`allOf` members (refs followed) and the node's own keys as one object schema."""
    properties: dict[str, Any] = {}
    required: set[str] = set()
    open_ended = False
    own = {key: value for key, value in node.items() if key != "allOf"}
    for part in [*(_resolved(member, definitions) for member in node["allOf"]), own]:
        if "allOf" in part:
            part = _merged(part, definitions)
        properties.update(part.get("properties", {}))
        required.update(part.get("required", []))
        open_ended = open_ended or part.get("additionalProperties", False) is not False
    merged: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        merged["required"] = sorted(required)
    if open_ended:
        merged["additionalProperties"] = True
    return merged


def _resolved(member: Mapping[str, Any], definitions: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = member.get("$ref")
    return definitions[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else member


def findings(spec: SwaggerSpec, schema: dict[str, Any], instance: Any, *, top: str) -> list[str]:
    """What `instance` does outside `schema`, one line per problem, each named by definition and field.

    A field is named after the innermost definition that holds it (`systemuserreturn.manager`, even
    inside a list's `results`), so that one deviation reads the same in every operation that shows
    it; `top` names what has no definition of its own (an inline schema).
    """
    lines: set[str] = set()
    for error in spec.validator(schema).iter_errors(instance):
        lines.update(_describe(spec, schema, error, top))
    return sorted(lines)


def _describe(spec: SwaggerSpec, schema: dict[str, Any], error: ValidationError, top: str) -> Iterator[str]:
    where = _locate(spec, schema, list(error.absolute_path), top)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        defined = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        owner = _locate(spec, schema, [*error.absolute_path, ""], top).rsplit(".", 1)[0]
        for name in sorted(set(error.instance) - set(defined)):
            yield f"{owner}.{name}: outside the spec"
    elif error.validator == "type" and error.instance is None:
        yield f"{where}: null where the spec says {error.validator_value}"
    elif error.validator == "type":
        yield f"{where}: {type(error.instance).__name__} where the spec says {error.validator_value}"
    elif error.validator in ("anyOf", "oneOf") and error.context:
        for sub in error.context:
            yield from _describe(spec, schema, sub, top)
    else:
        yield f"{where}: {error.validator} {json.dumps(error.validator_value)[:80]}"


def _locate(spec: SwaggerSpec, schema: Any, path: list[Any], top: str) -> str:
    """`Definition.field[].sub` for an instance path: walk the schema, restarting at each definition entered."""
    name, steps = top, ""
    for index, part in enumerate(path):
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            name, steps = schema["$ref"].rsplit("/", 1)[-1], ""
            schema = spec.definitions.get(name, {})
        if not isinstance(schema, dict):
            schema = {}
        if isinstance(part, int):
            schema, steps = schema.get("items", {}), steps + "[]"
        else:
            schema = schema.get("properties", {}).get(part, {})
            steps += f".{part}" if index < len(path) - 1 or part else ""
    return name + steps


def unknown_query(operation: Operation, names: Iterable[str]) -> list[str]:
    """Query parameters the operation does not define, named after it."""
    return sorted({f"{operation.name} query {name}: outside the spec" for name in names if name not in operation.query})
