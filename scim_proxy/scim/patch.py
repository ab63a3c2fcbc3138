"""Pure: a SCIM PatchOp in either Entra dialect, turned into typed changes.

Both dialects are accepted at all times (provision-on-demand ignores `aadOptscim062020`):
- `op` in any case: `Add`, `Replace`, `Remove`, `add`, ...;
- one op per attribute with a `path`, or one no-path op whose value object has plain,
  dotted (`name.givenName`) or URN-qualified keys;
- booleans as JSON booleans or the strings "True"/"False";
- `remove` clears an optional attribute (all we keep under `name` or the enterprise URN);
  required ones (userName, emails) cannot be removed;
- a single-valued reference (manager) removed with a value filter, `manager[value eq "<id>"]`
  (real Entra traffic, thomaspoignant/scim-patch#453), or with a `value`, is cleared only while
  it holds that id: a conditional change that `resolve_conditions` decides against what JumpCloud
  holds. Any other filter on it, or a filter in an add or replace, is refused (400), never ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scim_proxy.errors import InvalidPath, InvalidSyntax, InvalidValue, NoTarget
from scim_proxy.ids import object_id
from scim_proxy.scim.models import Change, Parsed, Value
from scim_proxy.scim.paths import flatten, resolve, resolve_complex, resolve_quietly, split_value_path
from scim_proxy.scim.resources import coerce, parse_user
from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA, UserAttribute, UserSchema

_OPS = {"add", "replace", "remove"}
MAX_OPERATIONS = 1000
MAX_FILTERED_PATH = 512  # a value-filtered path longer than this is not one a client really sends


def parse_patch(body: Any, schema: UserSchema = DEFAULT_USER_SCHEMA) -> Parsed:
    """Every change a PatchOp asks for, in order; paths we do not keep are listed as ignored."""
    operations = patch_operations(body)
    changes: list[Change] = []
    ignored: list[str] = []
    for index, operation in enumerate(operations):
        op, path, value, has_value = patch_operation(operation, index)
        if op == "remove":
            changes.extend(_remove(path, index, ignored, schema, value=value if has_value else None))
        elif path is None:
            if not isinstance(value, Mapping):
                raise InvalidValue(f"Operations[{index}]: an {op} without a path needs an object value")
            parsed = parse_user(dict(value), schema)
            changes.extend(parsed.changes)
            ignored.extend(parsed.ignored)
        else:
            if not has_value:
                raise InvalidValue(f"Operations[{index}]: {op} of '{path}' needs a value")
            changes.extend(_set(path, value, ignored, schema, index=index, replace=op == "replace"))
    return Parsed(changes=tuple(changes), ignored=tuple(ignored))


def resolve_conditions(parsed: Parsed, current: Mapping[str, Value]) -> Parsed:
    """`parsed` with each conditional change kept (as a plain one) or dropped, given the `current` values.

    Operations apply in order (RFC 7644 section 3.5.2), so a condition sees what the earlier
    operations of the same request set, not only what JumpCloud held before.
    """
    state = dict(current)
    kept: list[Change] = []
    for change in parsed.changes:
        if change.only_if is not None:
            if not _same_reference(state.get(change.field), change.only_if):
                continue
            change = Change(change.field, change.value)
        state[change.field] = change.value
        kept.append(change)
    return Parsed(changes=tuple(kept), ignored=parsed.ignored)


def _same_reference(held: Value, wanted: str) -> bool:
    # ids are canonical lower-case (ids.py); anything else compares as it is
    return isinstance(held, str) and (object_id(held) or held) == (object_id(wanted) or wanted)


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


def _set(path: str, value: Any, ignored: list[str], schema: UserSchema, *, index: int, replace: bool) -> list[Change]:
    if _reference_filter(path, schema, index) is not None:
        raise InvalidPath(
            f"Operations[{index}]: '{path}': a value filter on a single-valued attribute fits only a remove"
        )
    attribute = resolve(path, schema)
    if attribute is None:
        typed = tuple(a for a in resolve_complex(path, schema) if a.place is not None)
        if typed:
            # phoneNumbers (a list) or phoneNumbers[type eq "work"] (an entry): a replace sets the
            # whole attribute, so the entries it does not name are cleared (RFC 7644 section 3.5.2.3).
            cleared = [change for a in typed for change in _clear(a)] if replace else []
            return cleared + _typed_set(path, value, ignored, schema)
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


def _typed_set(path: str, value: Any, ignored: list[str], schema: UserSchema) -> list[Change]:
    """The changes of an entry value (`phoneNumbers[type eq "work"]` with {"value": ...}) or a list."""
    if "[" in path:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"'{path}' takes an object of its sub-attributes")
        leaves = {f"{path}.{key}": item for key, item in value.items() if str(key).lower() not in ("type", "primary")}
        parsed = parse_user(leaves, schema)
    else:
        parsed = parse_user({path: value}, schema)
    ignored.extend(parsed.ignored)
    return list(parsed.changes)


def _remove(path: str | None, index: int, ignored: list[str], schema: UserSchema, *, value: Any) -> list[Change]:
    if path is None:
        raise NoTarget(f"Operations[{index}]: remove needs a path")
    filtered = _reference_filter(path, schema, index)
    if filtered is not None:
        return [Change(filtered[0].field, None, only_if=filtered[1])]
    attribute = resolve(path, schema)
    if attribute is None:
        # RFC 7644 section 3.5.2.2: removing a complex attribute removes its sub-attributes.
        under = resolve_complex(path, schema)
        if not under:
            leaves = [leaf for leaf, _, _ in flatten({path: {}}, schema=schema)]
            ignored.extend(leaves or [path])
        return [change for a in under for change in _clear(a)]
    if attribute.kind == "boolean":
        ignored.append(path)  # removing `active` means nothing we can store
        return []
    if attribute.kind == "reference" and value is not None:
        named = coerce(attribute, value, path=path)  # remove *this* manager: {"value": id}, [..], "id"
        if isinstance(named, str):
            return [Change(attribute.field, None, only_if=named)]
    return _clear(attribute)


def _reference_filter(path: str, schema: UserSchema, index: int) -> tuple[UserAttribute, str] | None:
    """(attribute, id) for `manager[value eq "<id>"]` (optionally `.value`); None for other paths.

    Only a single-valued reference takes a value filter this way; any other filter on it is
    InvalidPath. The path is read as written (not case-folded), so the id keeps its case.
    """
    head, bracket, _ = path.partition("[")
    if not bracket:
        return None
    attribute = resolve_quietly(head, schema)
    if attribute is None or attribute.kind != "reference":
        return None
    where = f"Operations[{index}]: '{path[:64]}'"
    if len(path) > MAX_FILTERED_PATH:
        raise InvalidPath(f"{where}... is longer than {MAX_FILTERED_PATH} characters")
    unsupported = InvalidPath(f'{where}: on {attribute.name} only the filter [value eq "<id>"] is supported')
    try:
        filtered = split_value_path(path.strip())
    except InvalidPath:
        raise unsupported from None
    if filtered is None or (filtered.field, filtered.op, (filtered.sub or "value").lower()) != ("value", "eq", "value"):
        raise unsupported
    if not filtered.value:
        raise InvalidPath(f"{where}: the filter needs one value")
    return attribute, filtered.value


def _clear(attribute: UserAttribute) -> list[Change]:
    if attribute.required:
        raise InvalidValue(f"{attribute.path} is required and cannot be removed")
    if attribute.kind == "boolean":
        return []  # `active` under a removed complex path: nothing we can store
    return [Change(attribute.field, None)]
