"""Pure: a SCIM PatchOp in either Entra dialect, turned into typed changes.

Both dialects are accepted at all times (provision-on-demand ignores `aadOptscim062020`):
- `op` in any case: `Add`, `Replace`, `Remove`, `add`, ...;
- one op per attribute with a `path`, or one no-path op whose value object has plain,
  dotted (`name.givenName`) or URN-qualified keys;
- booleans as JSON booleans or the strings "True"/"False";
- `remove` clears an optional attribute (all we keep under `name` or the enterprise URN);
  required ones (userName, emails) cannot be removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scim_proxy.errors import InvalidSyntax, InvalidValue, NoTarget
from scim_proxy.scim.models import Change, Parsed
from scim_proxy.scim.paths import flatten, resolve, resolve_complex
from scim_proxy.scim.resources import coerce, parse_user
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, UserAttribute, UserSchema

_OPS = {"add", "replace", "remove"}
MAX_OPERATIONS = 1000


def parse_patch(body: Any, schema: UserSchema = DEFAULT_USER_SCHEMA) -> Parsed:
    """Every change a PatchOp asks for, in order; paths we do not keep are listed as ignored."""
    operations = patch_operations(body)
    changes: list[Change] = []
    ignored: list[str] = []
    for index, operation in enumerate(operations):
        op, path, value, has_value = patch_operation(operation, index)
        if op == "remove":
            changes.extend(_remove(path, index, ignored, schema))
        elif path is None:
            if not isinstance(value, Mapping):
                raise InvalidValue(f"Operations[{index}]: an {op} without a path needs an object value")
            parsed = parse_user(dict(value), schema)
            changes.extend(parsed.changes)
            ignored.extend(parsed.ignored)
        else:
            if not has_value:
                raise InvalidValue(f"Operations[{index}]: {op} of '{path}' needs a value")
            changes.extend(_set(path, value, ignored, schema))
    return Parsed(changes=tuple(changes), ignored=tuple(ignored))


def patch_operations(body: Any) -> list[Any]:
    if not isinstance(body, Mapping):
        raise InvalidSyntax("The request body must be a JSON object (a SCIM PatchOp)")
    folded = {str(k).lower(): v for k, v in body.items()}
    operations = folded.get("operations")
    if not isinstance(operations, list) or not operations:
        raise InvalidSyntax("A PatchOp needs a non-empty 'Operations' list")
    if len(operations) > MAX_OPERATIONS:
        raise InvalidValue(f"A PatchOp may carry at most {MAX_OPERATIONS} operations")
    return operations


def patch_operation(operation: Any, index: int) -> tuple[str, str | None, Any, bool]:
    if not isinstance(operation, Mapping):
        raise InvalidSyntax(f"Operations[{index}] must be an object")
    folded = {str(k).lower(): v for k, v in operation.items()}
    op = folded.get("op")
    if not isinstance(op, str) or op.lower() not in _OPS:
        raise InvalidSyntax(f"Operations[{index}].op must be add, replace or remove")
    path = folded.get("path")
    if path is not None and not isinstance(path, str):
        raise InvalidSyntax(f"Operations[{index}].path must be a string")
    return op.lower(), (path or None), folded.get("value"), "value" in folded


def _set(path: str, value: Any, ignored: list[str], schema: UserSchema) -> list[Change]:
    attribute = resolve(path, schema)
    if attribute is None:
        if isinstance(value, Mapping) and "[" not in path:
            # `name` with {"givenName": ...} or the enterprise URN with an object: expand it.
            parsed = parse_user({path: value}, schema)
            ignored.extend(parsed.ignored)
            return list(parsed.changes)
        ignored.append(path)
        return []
    if value is None:
        return []  # Entra cannot mean a null; nothing to change
    return [Change(attribute.field, coerce(attribute, value, path=path))]


def _remove(path: str | None, index: int, ignored: list[str], schema: UserSchema) -> list[Change]:
    if path is None:
        raise NoTarget(f"Operations[{index}]: remove needs a path")
    attribute = resolve(path, schema)
    if attribute is None:
        # RFC 7644 section 3.5.2.2: removing a complex attribute removes its sub-attributes.
        under = resolve_complex(path, schema)
        if not under:
            leaves = [p for p, _ in flatten({path: {}}, schema=schema)]
            ignored.extend(leaves or [path])
        return [change for a in under for change in _clear(a)]
    return _clear(attribute)


def _clear(attribute: UserAttribute) -> list[Change]:
    if attribute.required:
        raise InvalidValue(f"{attribute.path} is required and cannot be removed")
    if attribute.kind == "boolean":
        return []  # removing `active` means nothing we can store
    return [Change(attribute.field, None)]
